/** flatMap: zero or more output records per input record, same timestamp. */
import type { FlatMapFunction } from '../api/functions.js';
import { TimestampedCollector } from './TimestampedCollector.js';
import type { OperatorContext, StreamOperator } from './StreamOperator.js';

export class FlatMapOperator<T, R> implements StreamOperator<R> {
  private collector!: TimestampedCollector<R>;
  constructor(private readonly fn: FlatMapFunction<T, R>) {}

  open(ctx: OperatorContext<R>): void {
    this.collector = new TimestampedCollector(ctx.output);
  }

  processElement(value: unknown, timestamp: number): void {
    this.collector.timestamp = timestamp;
    this.fn(value as T, this.collector);
  }
}

/** map: one output record per input record, same timestamp. */
import type { MapFunction } from '../api/functions.js';
import type { OperatorContext, Output, StreamOperator } from './StreamOperator.js';

export class MapOperator<T, R> implements StreamOperator<R> {
  private out!: Output<R>;
  constructor(private readonly fn: MapFunction<T, R>) {}

  open(ctx: OperatorContext<R>): void {
    this.out = ctx.output;
  }

  processElement(value: unknown, timestamp: number): void {
    this.out.collect(this.fn(value as T), timestamp);
  }
}

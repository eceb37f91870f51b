/** filter: keeps the records for which the predicate is true. */
import type { FilterFunction } from '../api/functions.js';
import type { OperatorContext, Output, StreamOperator } from './StreamOperator.js';

export class FilterOperator<T> implements StreamOperator<T> {
  private out!: Output<T>;
  constructor(private readonly predicate: FilterFunction<T>) {}

  open(ctx: OperatorContext<T>): void {
    this.out = ctx.output;
  }

  processElement(value: unknown, timestamp: number): void {
    if (this.predicate(value as T)) this.out.collect(value as T, timestamp);
  }
}

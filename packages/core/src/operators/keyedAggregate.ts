/**
 * Rolling aggregation on a keyed stream (`keyBy(...).reduce(fn)` and
 * `.aggregate(fn)`): for every record, fold it into the key's accumulator
 * and emit the current result. For results per window use `.window(...)`.
 */
import type { AggregateFunction, ReduceFunction } from '../api/functions.js';
import { ValueStateDescriptor } from '../state/descriptors.js';
import type { ValueState } from '../state/State.js';
import { InvalidProgramError } from '../errors.js';
import type { OperatorContext, Output, StreamOperator } from './StreamOperator.js';

export class KeyedAggregateOperator<IN, ACC, OUT> implements StreamOperator<OUT> {
  private state!: ValueState<ACC>;
  private out!: Output<OUT>;

  constructor(private readonly fn: AggregateFunction<IN, ACC, OUT>) {}

  open(ctx: OperatorContext<OUT>): void {
    if (ctx.keyed === undefined) throw new InvalidProgramError(`Operator '${ctx.name}' needs a keyed stream`);
    this.state = ctx.keyed.getValueState(new ValueStateDescriptor<ACC>('rolling-aggregate'));
    this.out = ctx.output;
  }

  processElement(value: unknown, timestamp: number): void {
    const current = this.state.value();
    const next = this.fn.add(value as IN, current === undefined ? this.fn.createAccumulator() : current);
    this.state.update(next);
    this.out.collect(this.fn.getResult(next), timestamp);
  }
}

/** Adapts a ReduceFunction to an AggregateFunction whose accumulator is the reduced value. */
export function reduceAsAggregate<T>(reduce: ReduceFunction<T>): AggregateFunction<T, T | undefined, T> {
  return {
    createAccumulator: () => undefined,
    add: (value, acc) => (acc === undefined ? value : reduce(acc, value)),
    getResult: (acc) => acc as T,
    merge: (a, b) => (a === undefined ? b : b === undefined ? a : reduce(a, b)),
  };
}

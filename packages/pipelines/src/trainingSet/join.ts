/**
 * The bounded batch join of a fact stream (ratings) with a dimension table
 * (customers, products), as a KeyedCoProcessFunction on the join key.
 *
 * How it works: both inputs are keyed by the join key, so a rating and its
 * customer meet in the same keyed state. The dimension row is kept in a
 * ValueState; a rating whose dimension row has arrived is joined and
 * emitted at once, one that arrives first waits in a ListState. The sources
 * are bounded and carry no watermarks, so at the end of input the watermark
 * jumps to +∞ and the end-of-input timer registered by every waiting rating
 * fires: what still waits then has no dimension row — a dangling key — and
 * is emitted with `null`, for the quality step to quarantine.
 *
 * Why this and not a window join or coGroup: the dimension tables are small
 * and every rating must come out exactly once, matched or not (a left outer
 * join); keyed state holds one row per dimension key plus only the ratings
 * that arrived before their dimension row, where a GlobalWindows coGroup
 * would buffer every rating until the end. State and timers are
 * checkpointed by the runtime, so the join survives a restore.
 */
import {
  ListStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type Key,
  type KeyedCoProcessFunction,
  type KeyedProcessContext,
  type ListState,
  type OnTimerContext,
  type RuntimeContext,
  type ValueState,
} from '@tributary/core';

/**
 * When waiting facts are released as dangling: an event time no watermark
 * reaches before the end of input (+∞), exact as a number.
 */
export const END_OF_INPUT_TIMER = Number.MAX_SAFE_INTEGER;

/**
 * A left outer join of facts (input 1) with a dimension (input 2) on the key
 * both inputs are keyed by; `combine` gets the dimension row or null.
 *
 * ```ts
 * ratings.connect(customers)
 *   .keyBy((r) => r.customerNumber, (c) => c.customerNumber)
 *   .process(new DimensionJoin((rating, customer) => ({ rating, customer })));
 * ```
 * Gotchas: needs bounded inputs (the dangling rows come out at the end of
 * input); a dimension key read twice keeps the last row.
 */
export class DimensionJoin<K extends Key, F, D, OUT> implements KeyedCoProcessFunction<K, F, D, OUT> {
  private dimension!: ValueState<D>;
  private waiting!: ListState<F>;

  constructor(
    private readonly combine: (fact: F, dimension: D | null) => OUT,
    private readonly stateName = 'dimension',
  ) {}

  open(ctx: RuntimeContext): void {
    this.dimension = ctx.getState(new ValueStateDescriptor<D>(`${this.stateName}-row`));
    this.waiting = ctx.getListState(new ListStateDescriptor<F>(`${this.stateName}-waiting`));
  }

  processElement1(fact: F, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void {
    const dimension = this.dimension.value();
    if (dimension !== undefined) {
      out.collect(this.combine(fact, dimension));
      return;
    }
    this.waiting.add(fact);
    ctx.timerService().registerEventTimeTimer(END_OF_INPUT_TIMER);
  }

  processElement2(dimension: D, _ctx: KeyedProcessContext<K>, out: Collector<OUT>): void {
    this.dimension.update(dimension);
    const waiting = this.waiting.get();
    if (waiting.length === 0) return;
    for (const fact of waiting) out.collect(this.combine(fact, dimension));
    this.waiting.clear();
  }

  onTimer(_timestamp: number, _ctx: OnTimerContext<K>, out: Collector<OUT>): void {
    const waiting = this.waiting.get();
    for (const fact of waiting) out.collect(this.combine(fact, null));
    this.waiting.clear();
  }
}

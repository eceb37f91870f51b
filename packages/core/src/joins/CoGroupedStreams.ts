/**
 * The window coGroup builder: `a.coGroup(b).where(keyA).equalTo(keyB)
 * .window(assigner)[.trigger(t)][.evictor(e)][.allowedLateness(ms)].apply(fn)`.
 * For every key and fired window, `fn` gets all of that key's left records
 * and all of its right records in the window (either list may be empty), so
 * it can express inner, left, right and full outer joins. Each stage is an
 * immutable object of its own class: only a windowed coGroup can `apply`.
 * The stages and the plan are shared with the window join (see joinInternals.ts).
 */
import type { DataStream } from '../api/DataStream.js';
import type { CoGroupFunction, Key } from '../api/functions.js';
import type { Window } from '../windowing/windows.js';
import {
  EqualToStage,
  StreamsStage,
  WhereStage,
  WindowedStage,
  buildWindowedCoGroup,
  checkFunction,
  type JoinStages,
} from './joinInternals.js';

export type { TaggedUnion } from './joinInternals.js';

/**
 * Two streams to coGroup, waiting for the left key selector (`where`).
 *
 * ```ts
 * // left outer join of orders with their payments, per minute
 * const withPayment = orders
 *   .coGroup(payments)
 *   .where((o) => o.id)
 *   .equalTo((p) => p.orderId)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .apply<{ order: Order; paid: boolean }>((os, ps, out) => {
 *     for (const order of os) out.collect({ order, paid: ps.length > 0 });
 *   });
 * ```
 * Gotchas: outputs carry `window.maxTimestamp()`; `fn` runs once per key and
 * window that has records on at least one side; with allowed lateness a
 * window fires again (with all its records) for each late record.
 */
export class CoGroupedStreams<L, R> extends StreamsStage<'CoGroup', L, R> {
  constructor(left: DataStream<L>, right: DataStream<R>) {
    super(COGROUP, left, right);
  }
}

/**
 * A coGroup with its left key, waiting for the right key selector (`equalTo`,
 * which must return the same key type).
 *
 * ```ts
 * orders.coGroup(payments).where((o) => o.id).equalTo((p) => p.orderId);
 * ```
 */
export class CoGroupWhere<L, R, K extends Key> extends WhereStage<'CoGroup', L, R, K> {}

/**
 * A keyed coGroup, waiting for its windows (`window`).
 *
 * ```ts
 * orders.coGroup(payments).where((o) => o.id).equalTo((p) => p.orderId).window(SlidingEventTimeWindows.of(60_000, 10_000));
 * ```
 */
export class CoGroupEqualTo<L, R, K extends Key> extends EqualToStage<'CoGroup', L, R, K> {}

/**
 * A windowed coGroup: optionally set a trigger, evictor or allowed lateness,
 * then `apply` the coGroup function.
 *
 * ```ts
 * const counts = clicks.coGroup(views).where((c) => c.page).equalTo((v) => v.page)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .allowedLateness(5_000)
 *   .apply<{ clicks: number; views: number }>((cs, vs, out) => out.collect({ clicks: cs.length, views: vs.length }));
 * ```
 * Gotcha: every step returns a new object; the original is unchanged.
 */
export class CoGroupWithWindow<L, R, K extends Key, W extends Window> extends WindowedStage<'CoGroup', L, R, K, W> {
  /**
   * Calls `fn(leftRecords, rightRecords, out)` for every key and fired window.
   * Returns the window operator's output (`name`/`uid`/`setParallelism` configure it).
   */
  apply<OUT>(fn: CoGroupFunction<L, R, OUT>): DataStream<OUT> {
    checkFunction(COGROUP.kind, fn);
    return buildWindowedCoGroup(COGROUP.kind, this.spec, fn);
  }
}

const COGROUP: JoinStages<'CoGroup'> = { kind: 'CoGroup', where: CoGroupWhere, equalTo: CoGroupEqualTo, window: CoGroupWithWindow };

/**
 * The window join builder: `a.join(b).where(keyA).equalTo(keyB)
 * .window(assigner)[.trigger(t)][.evictor(e)][.allowedLateness(ms)].apply(fn)`.
 * An inner join: for every key and fired window, `fn` runs once for every
 * pair of that key's left and right records in the window. Built on the
 * window coGroup, with the stages it shares (see joinInternals.ts); each stage
 * is an immutable object of its own class, so only a windowed join can `apply`.
 */
import type { DataStream } from '../api/DataStream.js';
import type { Collector, JoinFunction, Key } from '../api/functions.js';
import type { Window } from '../windowing/windows.js';
import {
  EqualToStage,
  StreamsStage,
  WhereStage,
  WindowedStage,
  buildWindowedCoGroup,
  checkJoinFunction,
  flatInnerJoin,
  innerJoin,
  type JoinStages,
} from './joinInternals.js';

/**
 * Joins one matching pair, emitting zero or more records through `out`
 * (Flink's FlatJoinFunction). An object, so `apply` can tell it from a
 * JoinFunction.
 *
 * ```ts
 * const explode: FlatJoinFunction<Order, Shipment, string> = {
 *   join(order, shipment, out) {
 *     for (const item of shipment.items) out.collect(`${order.id}:${item}`);
 *   },
 * };
 * ```
 */
export interface FlatJoinFunction<L, R, OUT> {
  join(left: L, right: R, out: Collector<OUT>): void;
}

/**
 * Two streams to join, waiting for the left key selector (`where`).
 *
 * ```ts
 * const enriched = clicks
 *   .join(impressions)
 *   .where((c) => c.adId)
 *   .equalTo((i) => i.adId)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .apply((click, impression) => ({ adId: click.adId, delay: click.at - impression.at }));
 * ```
 * Gotchas: an inner join (use `coGroup` for outer joins); outputs carry
 * `window.maxTimestamp()`; with sliding windows a pair that shares several
 * windows is emitted once per window; with allowed lateness a window fires
 * again, re-emitting all its pairs, for each late record.
 */
export class JoinedStreams<L, R> extends StreamsStage<'Join', L, R> {
  constructor(left: DataStream<L>, right: DataStream<R>) {
    super(JOIN, left, right);
  }
}

/**
 * A join with its left key, waiting for the right key selector (`equalTo`,
 * which must return the same key type).
 *
 * ```ts
 * clicks.join(impressions).where((c) => c.adId).equalTo((i) => i.adId);
 * ```
 */
export class JoinWhere<L, R, K extends Key> extends WhereStage<'Join', L, R, K> {}

/**
 * A keyed join, waiting for its windows (`window`).
 *
 * ```ts
 * clicks.join(impressions).where((c) => c.adId).equalTo((i) => i.adId).window(TumblingEventTimeWindows.of(60_000));
 * ```
 */
export class JoinEqualTo<L, R, K extends Key> extends EqualToStage<'Join', L, R, K> {}

/**
 * A windowed join: optionally set a trigger, evictor or allowed lateness,
 * then `apply` the join function.
 *
 * ```ts
 * const pairs = a.join(b).where((x) => x.k).equalTo((y) => y.k)
 *   .window(SlidingEventTimeWindows.of(10_000, 5_000))
 *   .apply((x, y) => [x, y] as const);
 * const flat = a.join(b).where((x) => x.k).equalTo((y) => y.k)
 *   .window(TumblingEventTimeWindows.of(10_000))
 *   .apply<string>({ join: (x, y, out) => { if (x.v !== y.v) out.collect(`${x.k} differs`); } });
 * ```
 * Gotcha: every step returns a new object; the original is unchanged; each
 * late record (with allowed lateness) re-emits the window's pairs.
 */
export class JoinWithWindow<L, R, K extends Key, W extends Window> extends WindowedStage<'Join', L, R, K, W> {
  /**
   * Emits `fn(left, right)` for every pair of a key's left and right records
   * in each fired window. Returns the window operator's output.
   */
  apply<OUT>(fn: JoinFunction<L, R, OUT>): DataStream<OUT>;
  /** Calls `fn.join(left, right, out)` for every pair; it emits zero or more records through `out`. */
  apply<OUT>(fn: FlatJoinFunction<L, R, OUT>): DataStream<OUT>;
  apply<OUT>(fn: JoinFunction<L, R, OUT> | FlatJoinFunction<L, R, OUT>): DataStream<OUT> {
    checkJoinFunction(fn);
    const coGroup = typeof fn === 'function' ? innerJoin(fn) : flatInnerJoin(fn);
    return buildWindowedCoGroup(JOIN.kind, this.spec, coGroup);
  }
}

const JOIN: JoinStages<'Join'> = { kind: 'Join', where: JoinWhere, equalTo: JoinEqualTo, window: JoinWithWindow };

/**
 * Window functions: what turns a fired window into output records. Either a
 * shorthand `(key, window, result) => out`, or a `ProcessWindowFunction` that
 * gets every element (or the pre-aggregated result) of the window and a
 * context with the window, time, per-window and per-key state, and side outputs.
 */
import type { OutputTag } from '../api/OutputTag.js';
import type { Collector, Key, RuntimeContext } from '../api/functions.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/descriptors.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/State.js';
import type { Window } from './windows.js';

/**
 * Keyed state getters with a fixed scope (the current key, or the current key and window).
 *
 * ```ts
 * const firings = ctx.windowState().getState(new ValueStateDescriptor<number>('firings', 0));
 * firings.update((firings.value() ?? 0) + 1);
 * ```
 */
export interface KeyedStateStore {
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/**
 * What a ProcessWindowFunction sees besides the elements.
 *
 * ```ts
 * process(key, ctx, elements, out) {
 *   out.collect({ key, start: ctx.window.start, late: ctx.currentWatermark() > ctx.window.maxTimestamp() });
 * }
 * ```
 */
export interface ProcessWindowContext<W extends Window> {
  /** The window being evaluated. */
  readonly window: W;
  currentWatermark(): number;
  currentProcessingTime(): number;
  /**
   * State scoped to the key and this window. It lives until you clear it:
   * do so in the function's `clear(context)`, which runs when the window is
   * cleaned up (end of window + allowed lateness).
   */
  windowState(): KeyedStateStore;
  /** State scoped to the key only, shared by all its windows. */
  globalState(): KeyedStateStore;
  /** Emits to a side output (with the window's timestamp, `window.maxTimestamp()`). */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/**
 * A window function with access to the window's context.
 *
 * ```ts
 * const countPerWindow: ProcessWindowFunction<Click, { user: string; clicks: number; end: number }, string, TimeWindow> = {
 *   process(user, ctx, clicks, out) {
 *     let n = 0;
 *     for (const _ of clicks) n++;
 *     out.collect({ user, clicks: n, end: ctx.window.end });
 *   },
 * };
 * keyed.window(TumblingEventTimeWindows.of(60_000)).process(countPerWindow);
 * ```
 * Gotchas: outputs carry the timestamp `window.maxTimestamp()`; combined with
 * `reduce`/`aggregate`, `elements` holds the single pre-aggregated value;
 * `elements` is valid only during the call.
 */
export interface ProcessWindowFunction<IN, OUT, K extends Key, W extends Window> {
  process(key: K, context: ProcessWindowContext<W>, elements: Iterable<IN>, out: Collector<OUT>): void;
  /** Called when the window is cleaned up; clear per-window state here. */
  clear?(context: ProcessWindowContext<W>): void;
  /** Called once before any window fires. */
  open?(context: RuntimeContext): void;
  close?(): void;
}

/**
 * The shorthand window function: maps the key, the window and its
 * (pre-aggregated) result to one output.
 *
 * ```ts
 * .aggregate(countAgg, (key, window, count) => ({ key, start: window.start, count }))
 * ```
 */
export type WindowFunction<IN, OUT, K extends Key, W extends Window> = (key: K, window: W, result: IN) => OUT;

/**
 * What `reduce(fn, windowFn)` and `aggregate(fn, windowFn)` accept: the
 * shorthand or a ProcessWindowFunction (which gets a one-element iterable).
 *
 * ```ts
 * const label: UserWindowFunction<number, string, string, TimeWindow> = (key, w, n) => `${key}@${w.start}: ${n}`;
 * ```
 */
export type UserWindowFunction<IN, OUT, K extends Key, W extends Window> =
  | WindowFunction<IN, OUT, K, W>
  | ProcessWindowFunction<IN, OUT, K, W>;

/**
 * The trigger contract: a trigger decides, per key and window, when the
 * window fires and when it is purged. It is called for every element added
 * to a window and for the timers it registered, and it may keep state scoped
 * to the key and window. It returns a `TriggerResult` rather than acting.
 */
import type { Window } from '../windows.js';
import type { TriggerResult } from './TriggerResult.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../../state/descriptors.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../../state/State.js';

/**
 * What a trigger may do: read time, set timers for its window, use state scoped to key and window.
 *
 * ```ts
 * onElement(e, ts, window, ctx) {
 *   if (window.maxTimestamp() <= ctx.currentWatermark()) return TriggerResult.FIRE;
 *   ctx.registerEventTimeTimer(window.maxTimestamp());
 *   return TriggerResult.CONTINUE;
 * }
 * ```
 */
export interface TriggerContext {
  /** The current watermark (`-Infinity` before the first). */
  currentWatermark(): number;
  /** The current processing time. */
  currentProcessingTime(): number;
  /** Calls the trigger's `onEventTime` for this window when the watermark reaches `time`. */
  registerEventTimeTimer(time: number): void;
  /** Calls the trigger's `onProcessingTime` for this window when the clock reaches `time`. */
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
  /** State scoped to the current key and window; cleared only when the trigger clears it (in `clear`). */
  getPartitionedState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getPartitionedState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getPartitionedState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getPartitionedState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
  getPartitionedState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
}

/**
 * The context of `onMerge`: the window is the merge result; it can fold the merged windows' state into it.
 *
 * ```ts
 * onMerge(window, ctx) {
 *   ctx.mergePartitionedState(countDescriptor); // counts of the merged sessions add up
 * }
 * ```
 */
export interface OnMergeContext extends TriggerContext {
  /** Folds the state named by `descriptor` of every merged window into the result window's state. */
  mergePartitionedState(
    descriptor: ReducingStateDescriptor<any> | ListStateDescriptor<any> | AggregatingStateDescriptor<any, any, any>,
  ): void;
}

/**
 * Decides when a window fires. Custom triggers are plain objects:
 *
 * ```ts
 * const everyTenthOrAtEnd: Trigger<Order, TimeWindow> = {
 *   onElement(order, ts, window, ctx) {
 *     ctx.registerEventTimeTimer(window.maxTimestamp());
 *     const n = ctx.getPartitionedState(countDescriptor);
 *     n.add(1);
 *     return (n.get() ?? 0) % 10 === 0 ? TriggerResult.FIRE : TriggerResult.CONTINUE;
 *   },
 *   onEventTime: (time, window) => (time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE),
 *   onProcessingTime: () => TriggerResult.CONTINUE,
 *   clear(window, ctx) {
 *     ctx.deleteEventTimeTimer(window.maxTimestamp());
 *     ctx.getPartitionedState(countDescriptor).clear();
 *   },
 * };
 * ```
 * Gotchas: timers fire for the window they were registered in; `clear` must
 * delete the trigger's timers and state (it runs when the window is cleaned
 * up); a trigger used with session windows must implement `canMerge` (true)
 * and `onMerge`.
 */
export interface Trigger<T, W extends Window> {
  /** Called for every element added to `window`. */
  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Called when an event-time timer registered for `window` fires. */
  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** Called when a processing-time timer registered for `window` fires. */
  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult;
  /** True when the trigger supports merging windows (default false). */
  canMerge?(): boolean;
  /** Called when windows merged into `window`; re-register timers and merge state here. */
  onMerge?(window: W, ctx: OnMergeContext): void;
  /** Deletes the trigger's timers and state for `window` (the window is being cleaned up). */
  clear(window: W, ctx: TriggerContext): void;
  /** A short description for operator names, e.g. `CountTrigger(100)`. */
  toString(): string;
}

/**
 * The window assigner contract: which windows a record belongs to, which
 * trigger fires them by default, and whether they run on event or processing
 * time. Merging assigners (session windows) also say how windows merge.
 * An assigner only describes windows; the window operator runs them.
 */
import type { Window } from '../windows.js';
import type { Trigger } from '../triggers/Trigger.js';

/**
 * What an assigner may ask while assigning.
 *
 * ```ts
 * assignWindows(e, ts, ctx) { return [windowAt(ctx.currentProcessingTime())]; }
 * ```
 */
export interface WindowAssignerContext {
  /** The current processing time (ms), from the operator's clock. */
  currentProcessingTime(): number;
}

/**
 * Receives one merge: `toBeMerged` (two or more windows) collapse into `mergeResult`.
 *
 * ```ts
 * const log: MergeCallback<TimeWindow> = (merged, result) => console.log(merged.map(String), '→', String(result));
 * ```
 */
export type MergeCallback<W extends Window> = (toBeMerged: readonly W[], mergeResult: W) => void;

/**
 * Assigns records to windows.
 *
 * ```ts
 * const assigner: WindowAssigner<unknown, TimeWindow> = TumblingEventTimeWindows.of(60_000);
 * assigner.assignWindows(event, 61_000, ctx); // [TimeWindow[60000, 120000)]
 * ```
 * Gotcha: the returned array may be shared between calls (assigners intern
 * windows for speed); never modify it.
 */
export interface WindowAssigner<T, W extends Window> {
  /** The windows `element` (with event time `timestamp`, `-Infinity` when it has none) belongs to. */
  assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): readonly W[];
  /** The trigger used when the user sets none. */
  getDefaultTrigger(): Trigger<T, W>;
  /** True for event-time windows (watermarks close them; lateness applies). */
  isEventTime(): boolean;
  /** True for assigners whose windows merge (sessions); they implement `mergeWindows`. */
  isMerging(): this is MergingWindowAssigner<T, W>;
  /** A short description used in operator names, e.g. `TumblingEventTimeWindows(60000)`. */
  toString(): string;
}

/**
 * An assigner whose windows merge when they overlap (session windows).
 *
 * ```ts
 * const sessions = EventTimeSessionWindows.withGap(30_000);
 * sessions.mergeWindows([a, b], (merged, result) => console.log(merged, '→', result));
 * ```
 */
export interface MergingWindowAssigner<T, W extends Window> extends WindowAssigner<T, W> {
  /** Finds the windows among `windows` that merge and reports each merge to `callback`. */
  mergeWindows(windows: readonly W[], callback: MergeCallback<W>): void;
}

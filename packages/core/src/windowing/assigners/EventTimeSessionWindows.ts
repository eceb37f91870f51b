/**
 * Event-time session windows: a key's records form one session while each
 * follows the previous within `gap`; sessions that come to overlap (or
 * touch) merge. The gap can be fixed or computed per record.
 */
import { SessionWindowAssigner, checkGapExtractor, checkPositiveMillis, type SessionGapExtractor } from './assignerInternals.js';

export type { SessionGapExtractor } from './assignerInternals.js';

const NAME = 'EventTimeSessionWindows';

/**
 * Session windows in event time. Each record opens the window
 * `[timestamp, timestamp + gap)`; overlapping windows of a key merge.
 *
 * ```ts
 * keyed.window(EventTimeSessionWindows.withGap(30 * 60_000))                  // 30-minute inactivity gap
 * keyed.window(EventTimeSessionWindows.withDynamicGap((e: Click) => e.premium ? 60_000 : 10_000))
 * ```
 * Gotchas: `gap` must be > 0 (RangeError); a dynamic gap <= 0 fails the
 * record; records need timestamps (a WatermarkStrategy); triggers used with
 * sessions must support merging.
 */
export class EventTimeSessionWindows<T = unknown> extends SessionWindowAssigner<T> {
  private constructor(gap: number, gapOf: SessionGapExtractor<T> | undefined) {
    super(NAME, 'event-time', gap, gapOf);
  }

  /** Sessions that end after `gap` ms without records. */
  static withGap(gap: number): EventTimeSessionWindows {
    checkPositiveMillis(NAME, 'gap', gap);
    return new EventTimeSessionWindows(gap, undefined);
  }

  /** Sessions whose gap is computed from each record. */
  static withDynamicGap<T>(extractor: SessionGapExtractor<T>): EventTimeSessionWindows<T> {
    checkGapExtractor(NAME, extractor);
    return new EventTimeSessionWindows(0, extractor);
  }
}

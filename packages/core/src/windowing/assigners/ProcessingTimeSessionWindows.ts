/**
 * Processing-time session windows: a key's records form one session while
 * each arrives within `gap` (wall-clock) of the previous; sessions merge.
 */
import { SessionWindowAssigner, checkGapExtractor, checkPositiveMillis, type SessionGapExtractor } from './assignerInternals.js';

const NAME = 'ProcessingTimeSessionWindows';

/**
 * Session windows in processing time: each record opens
 * `[now, now + gap)`; overlapping windows of a key merge.
 *
 * ```ts
 * keyed.window(ProcessingTimeSessionWindows.withGap(10_000)) // sessions that end after 10 s of silence
 * ```
 * Gotcha: `gap` must be > 0 (RangeError); a dynamic gap <= 0 fails the record.
 */
export class ProcessingTimeSessionWindows<T = unknown> extends SessionWindowAssigner<T> {
  private constructor(gap: number, gapOf: SessionGapExtractor<T> | undefined) {
    super(NAME, 'processing-time', gap, gapOf);
  }

  /** Sessions that end after `gap` ms without records. */
  static withGap(gap: number): ProcessingTimeSessionWindows {
    checkPositiveMillis(NAME, 'gap', gap);
    return new ProcessingTimeSessionWindows(gap, undefined);
  }

  /** Sessions whose gap is computed from each record. */
  static withDynamicGap<T>(extractor: SessionGapExtractor<T>): ProcessingTimeSessionWindows<T> {
    checkGapExtractor(NAME, extractor);
    return new ProcessingTimeSessionWindows(0, extractor);
  }
}

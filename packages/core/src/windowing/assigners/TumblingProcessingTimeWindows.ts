/**
 * Tumbling processing-time windows: fixed-size, non-overlapping windows of
 * wall-clock time, aligned to the epoch (plus an optional offset).
 */
import { AlignedWindowAssigner, TumblingWindowCache, checkOffset, checkPositiveMillis } from './assignerInternals.js';

const NAME = 'TumblingProcessingTimeWindows';

/**
 * Puts each record into the window `[start, start + size)` that contains the
 * current processing time; the window fires when the clock passes its end.
 *
 * ```ts
 * keyed.window(TumblingProcessingTimeWindows.of(1_000)).reduce(sum) // a sum per key and second
 * ```
 * Gotchas: results depend on arrival time, so reruns differ; tests drive the
 * clock with `TestClock`. `size` > 0 and `|offset| < size`, else a RangeError.
 */
export class TumblingProcessingTimeWindows extends AlignedWindowAssigner {
  private constructor(
    readonly size: number,
    readonly offset: number,
  ) {
    super(NAME, 'processing-time', new TumblingWindowCache(size, offset));
  }

  /** Windows of `size` ms, shifted by `offset` ms (default 0). */
  static of(size: number, offset = 0): TumblingProcessingTimeWindows {
    checkPositiveMillis(NAME, 'size', size);
    checkOffset(NAME, offset, size, 'size');
    return new TumblingProcessingTimeWindows(size, offset);
  }

  override toString(): string {
    return this.describe([this.size], this.offset);
  }
}

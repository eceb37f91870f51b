/**
 * Tumbling event-time windows: fixed-size, non-overlapping windows aligned to
 * the epoch (plus an optional offset), closed by the watermark.
 */
import { AlignedWindowAssigner, TumblingWindowCache, checkOffset, checkPositiveMillis } from './assignerInternals.js';

const NAME = 'TumblingEventTimeWindows';

/**
 * Puts each record into the one window `[start, start + size)` that contains its timestamp.
 *
 * ```ts
 * keyed.window(TumblingEventTimeWindows.of(60_000))           // [0, 60000), [60000, 120000), …
 * keyed.window(TumblingEventTimeWindows.of(86_400_000, -3_600_000)) // days starting at 23:00 UTC
 * ```
 * Gotchas: `size` > 0 and `|offset| < size`, else a RangeError; records need
 * timestamps (a WatermarkStrategy), else processing fails with a message saying so.
 */
export class TumblingEventTimeWindows extends AlignedWindowAssigner {
  private constructor(
    readonly size: number,
    readonly offset: number,
  ) {
    super(NAME, 'event-time', new TumblingWindowCache(size, offset));
  }

  /** Windows of `size` ms, shifted by `offset` ms (default 0). */
  static of(size: number, offset = 0): TumblingEventTimeWindows {
    checkPositiveMillis(NAME, 'size', size);
    checkOffset(NAME, offset, size, 'size');
    return new TumblingEventTimeWindows(size, offset);
  }

  override toString(): string {
    return this.describe([this.size], this.offset);
  }
}

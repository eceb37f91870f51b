/**
 * Sliding event-time windows: windows of `size` that start every `slide`, so
 * a record belongs to `size / slide` overlapping windows.
 */
import { AlignedWindowAssigner, SlidingWindowCache, checkSliding } from './assignerInternals.js';

const NAME = 'SlidingEventTimeWindows';

/**
 * Puts each record into every window `[start, start + size)` with `start` a
 * multiple of `slide` (plus `offset`) that contains its timestamp, latest first.
 *
 * ```ts
 * keyed.window(SlidingEventTimeWindows.of(3_600_000, 300_000)) // the last hour, every 5 minutes
 * ```
 * Gotchas: `size` > 0, 0 < `slide` <= `size`, `|offset| < slide`, else a
 * RangeError; records need timestamps (a WatermarkStrategy).
 */
export class SlidingEventTimeWindows extends AlignedWindowAssigner {
  private constructor(
    readonly size: number,
    readonly slide: number,
    readonly offset: number,
  ) {
    super(NAME, 'event-time', new SlidingWindowCache(size, slide, offset));
  }

  /** Windows of `size` ms starting every `slide` ms, shifted by `offset` ms (default 0). */
  static of(size: number, slide: number, offset = 0): SlidingEventTimeWindows {
    checkSliding(NAME, size, slide, offset);
    return new SlidingEventTimeWindows(size, slide, offset);
  }

  override toString(): string {
    return this.describe([this.size, this.slide], this.offset);
  }
}

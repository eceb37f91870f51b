/**
 * Sliding processing-time windows: windows of `size` wall-clock time that
 * start every `slide`.
 */
import { AlignedWindowAssigner, SlidingWindowCache, checkSliding } from './assignerInternals.js';

const NAME = 'SlidingProcessingTimeWindows';

/**
 * Puts each record into every sliding window that contains the current
 * processing time.
 *
 * ```ts
 * keyed.window(SlidingProcessingTimeWindows.of(10_000, 1_000)) // the last 10 s, every second
 * ```
 * Gotcha: `size` > 0, 0 < `slide` <= `size`, `|offset| < slide`, else a RangeError.
 */
export class SlidingProcessingTimeWindows extends AlignedWindowAssigner {
  private constructor(
    readonly size: number,
    readonly slide: number,
    readonly offset: number,
  ) {
    super(NAME, 'processing-time', new SlidingWindowCache(size, slide, offset));
  }

  /** Windows of `size` ms starting every `slide` ms, shifted by `offset` ms (default 0). */
  static of(size: number, slide: number, offset = 0): SlidingProcessingTimeWindows {
    checkSliding(NAME, size, slide, offset);
    return new SlidingProcessingTimeWindows(size, slide, offset);
  }

  override toString(): string {
    return this.describe([this.size, this.slide], this.offset);
  }
}

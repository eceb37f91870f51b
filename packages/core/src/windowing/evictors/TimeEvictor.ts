/**
 * Keeps only the elements of a window within `windowSize` of its newest
 * element: evicts every element with timestamp <= max timestamp - windowSize.
 */
import { checkArgument } from '../../errors.js';
import { hasTimestamp } from '../../time/watermark.js';
import type { Window } from '../windows.js';
import type { Evictor, EvictorContext, TimestampedValue } from './Evictor.js';

/**
 * Evicts elements older than `windowSize` ms relative to the newest element.
 *
 * ```ts
 * // at each firing, only the last 5 s of events count
 * keyed.window(GlobalWindows.create()).trigger(CountTrigger.of(100)).evictor(TimeEvictor.of(5_000)).process(fn)
 * ```
 * Gotcha: elements without timestamps are never evicted.
 */
export class TimeEvictor implements Evictor<unknown, Window> {
  private constructor(
    readonly windowSize: number,
    readonly doEvictAfter: boolean,
  ) {}

  /** Keeps `windowSize` (>= 0) ms of elements; evicts after the window function when `doEvictAfter`, else before. */
  static of(windowSize: number, doEvictAfter = false): TimeEvictor {
    checkArgument(
      Number.isSafeInteger(windowSize) && windowSize >= 0,
      `TimeEvictor: window size must be >= 0 (a whole number of milliseconds), got ${windowSize}`,
    );
    return new TimeEvictor(windowSize, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[], _window: Window, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<unknown>[], _window: Window, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  toString(): string {
    return `TimeEvictor(${this.windowSize})`;
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    const first = elements[0];
    if (first === undefined || !hasTimestamp(first.timestamp)) return;
    let newest = Number.NEGATIVE_INFINITY;
    for (const e of elements) if (e.timestamp > newest) newest = e.timestamp;
    const cutoff = newest - this.windowSize;
    let kept = 0;
    for (const e of elements) if (e.timestamp > cutoff) elements[kept++] = e;
    elements.length = kept;
  }
}

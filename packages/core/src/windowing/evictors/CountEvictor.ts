/**
 * Keeps at most `n` elements in a window: evicts the oldest (first added)
 * beyond that, before or after the window function.
 */
import { checkArgument } from '../../errors.js';
import type { Window } from '../windows.js';
import type { Evictor, EvictorContext, TimestampedValue } from './Evictor.js';

/**
 * Keeps the last `maxCount` elements of a window.
 *
 * ```ts
 * // every 10 records, the average of the last 100 per key
 * keyed.window(GlobalWindows.create()).trigger(CountTrigger.of(10)).evictor(CountEvictor.of(100)).process(average)
 * ```
 */
export class CountEvictor implements Evictor<unknown, Window> {
  private constructor(
    readonly maxCount: number,
    readonly doEvictAfter: boolean,
  ) {}

  /** Keeps `maxCount` (> 0) elements; evicts after the window function when `doEvictAfter`, else before. */
  static of(maxCount: number, doEvictAfter = false): CountEvictor {
    checkArgument(Number.isSafeInteger(maxCount) && maxCount > 0, `CountEvictor: count must be a whole number > 0, got ${maxCount}`);
    return new CountEvictor(maxCount, doEvictAfter);
  }

  evictBefore(elements: TimestampedValue<unknown>[], _window: Window, _ctx: EvictorContext): void {
    if (!this.doEvictAfter) this.evict(elements);
  }

  evictAfter(elements: TimestampedValue<unknown>[], _window: Window, _ctx: EvictorContext): void {
    if (this.doEvictAfter) this.evict(elements);
  }

  toString(): string {
    return `CountEvictor(${this.maxCount})`;
  }

  private evict(elements: TimestampedValue<unknown>[]): void {
    if (elements.length > this.maxCount) elements.splice(0, elements.length - this.maxCount);
  }
}

/**
 * The evictor contract: removes elements from a window's contents before
 * and/or after the window function runs. A window with an evictor keeps
 * every element (with its timestamp) instead of an incremental aggregate.
 */
import type { Window } from '../windows.js';

/**
 * An element of a window with its event time (`-Infinity` when it has none).
 *
 * ```ts
 * const newest = Math.max(...elements.map((e: TimestampedValue<Click>) => e.timestamp));
 * ```
 */
export interface TimestampedValue<T> {
  readonly value: T;
  readonly timestamp: number;
}

/**
 * What an evictor may ask.
 *
 * ```ts
 * evictBefore(elements, window, ctx) {
 *   const cutoff = ctx.currentWatermark() - 60_000;
 *   for (let i = elements.length - 1; i >= 0; i--) if (elements[i]!.timestamp < cutoff) elements.splice(i, 1);
 * }
 * ```
 */
export interface EvictorContext {
  currentProcessingTime(): number;
  currentWatermark(): number;
}

/**
 * Removes elements from a firing window, in place: delete entries of
 * `elements` (e.g. with `splice`) to evict them; what is left stays in the
 * window.
 *
 * ```ts
 * const dropNegative: Evictor<number, TimeWindow> = {
 *   evictBefore(elements) {
 *     for (let i = elements.length - 1; i >= 0; i--) if (elements[i]!.value < 0) elements.splice(i, 1);
 *   },
 *   evictAfter() {},
 * };
 * ```
 * Gotcha: elements come in arrival order (merged session windows: in merge order).
 */
export interface Evictor<T, W extends Window> {
  /** Called before the window function; the function sees what remains. */
  evictBefore(elements: TimestampedValue<T>[], window: W, ctx: EvictorContext): void;
  /** Called after the window function. */
  evictAfter(elements: TimestampedValue<T>[], window: W, ctx: EvictorContext): void;
  /** A short description for operator names, e.g. `CountEvictor(10)`. */
  toString(): string;
}

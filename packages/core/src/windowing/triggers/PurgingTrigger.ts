/**
 * Wraps a trigger so that each of its firings also purges the window:
 * FIRE becomes FIRE_AND_PURGE.
 */
import type { Window } from '../windows.js';
import type { OnMergeContext, Trigger, TriggerContext } from './Trigger.js';
import { TriggerResult } from './TriggerResult.js';

/**
 * Turns every FIRE of `nested` into FIRE_AND_PURGE.
 *
 * ```ts
 * keyed.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(3))).reduce(sum)
 * // emits the sum of each batch of 3 elements per key
 * ```
 */
export class PurgingTrigger<T, W extends Window> implements Trigger<T, W> {
  private constructor(readonly nested: Trigger<T, W>) {}

  /** Purges whenever `nested` fires. */
  static of<T, W extends Window>(nested: Trigger<T, W>): PurgingTrigger<T, W> {
    return new PurgingTrigger(nested);
  }

  onElement(element: T, timestamp: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onElement(element, timestamp, window, ctx));
  }

  onEventTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onEventTime(time, window, ctx));
  }

  onProcessingTime(time: number, window: W, ctx: TriggerContext): TriggerResult {
    return purging(this.nested.onProcessingTime(time, window, ctx));
  }

  canMerge(): boolean {
    return this.nested.canMerge?.() ?? false;
  }

  onMerge(window: W, ctx: OnMergeContext): void {
    this.nested.onMerge?.(window, ctx);
  }

  clear(window: W, ctx: TriggerContext): void {
    this.nested.clear(window, ctx);
  }

  toString(): string {
    return `PurgingTrigger(${String(this.nested)})`;
  }
}

function purging(result: TriggerResult): TriggerResult {
  return result === TriggerResult.FIRE ? TriggerResult.FIRE_AND_PURGE : result;
}

/**
 * Fires a window every time it has received `n` more elements. With
 * `GlobalWindows` and `PurgingTrigger` this makes count windows.
 */
import { checkArgument } from '../../errors.js';
import { ReducingStateDescriptor } from '../../state/descriptors.js';
import type { Window } from '../windows.js';
import type { OnMergeContext, Trigger, TriggerContext } from './Trigger.js';
import { TriggerResult } from './TriggerResult.js';

const sum = (a: number, b: number): number => a + b;

/**
 * Fires after every `n` elements of a window (the count restarts after each firing).
 *
 * ```ts
 * keyed.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(100)))
 * ```
 * Gotcha: on its own it never purges, so a window fires with all elements so
 * far; wrap it in `PurgingTrigger` for disjoint batches.
 */
export class CountTrigger implements Trigger<unknown, Window> {
  private readonly countState = new ReducingStateDescriptor<number>('count', sum);

  private constructor(readonly maxCount: number) {}

  /** Fires every `n` elements; `n` must be a whole number > 0. */
  static of(n: number): CountTrigger {
    checkArgument(Number.isSafeInteger(n) && n > 0, `CountTrigger: count must be a whole number > 0, got ${n}`);
    return new CountTrigger(n);
  }

  onElement(_element: unknown, _timestamp: number, _window: Window, ctx: TriggerContext): TriggerResult {
    const count = ctx.getPartitionedState(this.countState);
    count.add(1);
    if ((count.get() ?? 0) >= this.maxCount) {
      count.clear();
      return TriggerResult.FIRE;
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.countState);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    ctx.getPartitionedState(this.countState).clear();
  }

  toString(): string {
    return `CountTrigger(${this.maxCount})`;
  }
}

/**
 * Early firings in processing time: fires a window every `interval` of
 * wall-clock time, starting from the first element.
 */
import type { Window } from '../windows.js';
import { ContinuousTrigger, PROCESSING_TIME, checkInterval } from './continuousInternals.js';
import type { TriggerContext } from './Trigger.js';
import { TriggerResult } from './TriggerResult.js';

const NAME = 'ContinuousProcessingTimeTrigger';

/**
 * Fires every `interval` ms of processing time (aligned to multiples of
 * `interval`) while the window has elements, and at the window's end.
 *
 * ```ts
 * keyed.window(GlobalWindows.create()).trigger(ContinuousProcessingTimeTrigger.of(5_000)).reduce(latest)
 * ```
 * Gotcha: it never purges; each firing emits the contents so far.
 */
export class ContinuousProcessingTimeTrigger extends ContinuousTrigger {
  private constructor(interval: number) {
    super(NAME, interval, PROCESSING_TIME);
  }

  /** Fires every `interval` ms of processing time; `interval` must be a whole number > 0. */
  static of(interval: number): ContinuousProcessingTimeTrigger {
    checkInterval(NAME, interval);
    return new ContinuousProcessingTimeTrigger(interval);
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    this.startSchedule(ctx.currentProcessingTime(), window, ctx);
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    return this.fireIfScheduled(time, window, ctx);
  }
}

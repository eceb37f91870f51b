/**
 * Early firings in event time: fires a window every `interval` of event time
 * while it is open (as the watermark advances), and once more at its end.
 */
import type { Window } from '../windows.js';
import { ContinuousTrigger, EVENT_TIME, checkInterval } from './continuousInternals.js';
import type { TriggerContext } from './Trigger.js';
import { TriggerResult } from './TriggerResult.js';

const NAME = 'ContinuousEventTimeTrigger';

/**
 * Fires at every multiple of `interval` (event time) inside the window and at
 * the window's end.
 *
 * ```ts
 * // hourly sales, updated every minute of event time
 * orders.keyBy(o => o.productLine)
 *   .window(TumblingEventTimeWindows.of(3_600_000))
 *   .trigger(ContinuousEventTimeTrigger.of(60_000))
 *   .aggregate(sumAmounts)
 * ```
 * Gotcha: it never purges, so every firing emits the running result for the
 * window so far; downstream should treat results as updates (upsert by window).
 */
export class ContinuousEventTimeTrigger extends ContinuousTrigger {
  private constructor(interval: number) {
    super(NAME, interval, EVENT_TIME);
  }

  /** Fires every `interval` ms of event time; `interval` must be a whole number > 0. */
  static of(interval: number): ContinuousEventTimeTrigger {
    checkInterval(NAME, interval);
    return new ContinuousEventTimeTrigger(interval);
  }

  onElement(_element: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const end = window.maxTimestamp();
    if (end <= ctx.currentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(end);
    this.startSchedule(timestamp, window, ctx);
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time === window.maxTimestamp()) return TriggerResult.FIRE;
    return this.fireIfScheduled(time, window, ctx);
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }
}

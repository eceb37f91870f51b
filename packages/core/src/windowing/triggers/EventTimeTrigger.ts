/**
 * The default trigger of event-time windows: fires once the watermark passes
 * the end of the window, and at once for every element that arrives after
 * that (a late firing, within the allowed lateness).
 */
import type { Window } from '../windows.js';
import type { OnMergeContext, Trigger, TriggerContext } from './Trigger.js';
import { TriggerResult } from './TriggerResult.js';

/**
 * Fires when the watermark reaches `window.maxTimestamp()`.
 *
 * ```ts
 * keyed.window(TumblingEventTimeWindows.of(60_000)).trigger(EventTimeTrigger.create())
 * ```
 * Gotcha: with allowed lateness, each late element fires the window again
 * with the updated contents.
 */
export class EventTimeTrigger implements Trigger<unknown, Window> {
  private static readonly INSTANCE = new EventTimeTrigger();

  private constructor() {}

  /** The (stateless, shared) event-time trigger. */
  static create(): EventTimeTrigger {
    return EventTimeTrigger.INSTANCE;
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const end = window.maxTimestamp();
    if (end <= ctx.currentWatermark()) return TriggerResult.FIRE;
    ctx.registerEventTimeTimer(end);
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: Window, _ctx: TriggerContext): TriggerResult {
    return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: Window, ctx: OnMergeContext): void {
    const end = window.maxTimestamp();
    if (end > ctx.currentWatermark()) ctx.registerEventTimeTimer(end);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteEventTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return 'EventTimeTrigger';
  }
}

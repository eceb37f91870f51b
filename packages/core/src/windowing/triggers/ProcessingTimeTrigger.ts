/**
 * The default trigger of processing-time windows: fires when the clock
 * reaches the end of the window.
 */
import type { Window } from '../windows.js';
import type { OnMergeContext, Trigger, TriggerContext } from './Trigger.js';
import { TriggerResult } from './TriggerResult.js';

/**
 * Fires when processing time reaches `window.maxTimestamp()`.
 *
 * ```ts
 * keyed.window(TumblingProcessingTimeWindows.of(1_000)).trigger(ProcessingTimeTrigger.create())
 * ```
 */
export class ProcessingTimeTrigger implements Trigger<unknown, Window> {
  private static readonly INSTANCE = new ProcessingTimeTrigger();

  private constructor() {}

  /** The (stateless, shared) processing-time trigger. */
  static create(): ProcessingTimeTrigger {
    return ProcessingTimeTrigger.INSTANCE;
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    ctx.registerProcessingTimeTimer(window.maxTimestamp());
    return TriggerResult.CONTINUE;
  }

  onEventTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.CONTINUE;
  }

  onProcessingTime(_time: number, _window: Window, _ctx: TriggerContext): TriggerResult {
    return TriggerResult.FIRE;
  }

  canMerge(): boolean {
    return true;
  }

  onMerge(window: Window, ctx: OnMergeContext): void {
    const end = window.maxTimestamp();
    if (end > ctx.currentProcessingTime()) ctx.registerProcessingTimeTimer(end);
  }

  clear(window: Window, ctx: TriggerContext): void {
    ctx.deleteProcessingTimeTimer(window.maxTimestamp());
  }

  toString(): string {
    return 'ProcessingTimeTrigger';
  }
}

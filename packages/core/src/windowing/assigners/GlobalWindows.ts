/**
 * Global windows: one window per key that never ends. Nothing fires unless a
 * trigger says so: use them with a count or custom trigger (count windows).
 */
import type { Trigger } from '../triggers/Trigger.js';
import { TriggerResult } from '../triggers/TriggerResult.js';
import { GlobalWindow } from '../windows.js';
import type { MergingWindowAssigner, WindowAssigner, WindowAssignerContext } from './WindowAssigner.js';

/** The default trigger of global windows: never fires. */
const NEVER_TRIGGER: Trigger<unknown, GlobalWindow> = {
  onElement: () => TriggerResult.CONTINUE,
  onEventTime: () => TriggerResult.CONTINUE,
  onProcessingTime: () => TriggerResult.CONTINUE,
  canMerge: () => true,
  onMerge: () => {},
  clear: () => {},
  toString: () => 'NeverTrigger',
};

/**
 * Assigns every record to the single `GlobalWindow`.
 *
 * ```ts
 * // sums of every 100 records per key
 * keyed.window(GlobalWindows.create()).trigger(PurgingTrigger.of(CountTrigger.of(100))).reduce(sum)
 * ```
 * Gotcha: the default trigger never fires, and the window is never cleaned
 * up: purge with the trigger (or an evictor) or state grows without bound.
 */
export class GlobalWindows implements WindowAssigner<unknown, GlobalWindow> {
  private static readonly INSTANCE = new GlobalWindows();
  private readonly windows: readonly GlobalWindow[] = [GlobalWindow.get()];

  private constructor() {}

  /** The global-window assigner. */
  static create(): GlobalWindows {
    return GlobalWindows.INSTANCE;
  }

  assignWindows(_element: unknown, _timestamp: number, _ctx: WindowAssignerContext): readonly GlobalWindow[] {
    return this.windows;
  }

  getDefaultTrigger(): Trigger<unknown, GlobalWindow> {
    return NEVER_TRIGGER;
  }

  isEventTime(): boolean {
    return false;
  }

  isMerging(): this is MergingWindowAssigner<unknown, GlobalWindow> {
    return false;
  }

  toString(): string {
    return 'GlobalWindows';
  }
}

/**
 * Shared by the continuous triggers (`ContinuousEventTimeTrigger`,
 * `ContinuousProcessingTimeTrigger`): the `interval` check, and the firing
 * schedule both keep — the next fire time, in state scoped to key and window,
 * with a timer of the trigger's time domain for it; each firing schedules the
 * next `interval` later, never past the window's end. The two differ only in
 * the time domain and in how an element starts the schedule.
 */
import { checkArgument } from '../../errors.js';
import { ReducingStateDescriptor } from '../../state/descriptors.js';
import type { ReducingState } from '../../state/State.js';
import type { Window } from '../windows.js';
import type { OnMergeContext, Trigger, TriggerContext } from './Trigger.js';
import { TriggerResult } from './TriggerResult.js';

/** The timers of one time domain, so the schedule works in event and in processing time. */
export interface TimerDomain {
  register(ctx: TriggerContext, time: number): void;
  delete(ctx: TriggerContext, time: number): void;
}

export const EVENT_TIME: TimerDomain = {
  register: (ctx, time) => ctx.registerEventTimeTimer(time),
  delete: (ctx, time) => ctx.deleteEventTimeTimer(time),
};

export const PROCESSING_TIME: TimerDomain = {
  register: (ctx, time) => ctx.registerProcessingTimeTimer(time),
  delete: (ctx, time) => ctx.deleteProcessingTimeTimer(time),
};

/** Checks that `interval` is a whole number of milliseconds > 0. */
export function checkInterval(trigger: string, interval: number): void {
  checkArgument(
    Number.isSafeInteger(interval) && interval > 0,
    `${trigger}: interval must be > 0 (a whole number of milliseconds), got ${interval}`,
  );
}

const min = (a: number, b: number): number => Math.min(a, b);

/**
 * A trigger that fires at every multiple of `interval` after a window's
 * first element, and at the window's end. Subclasses start the schedule in
 * `onElement` and hand their domain's timers to `fireIfScheduled`.
 */
export abstract class ContinuousTrigger implements Trigger<unknown, Window> {
  private readonly fireTime = new ReducingStateDescriptor<number>('fire-time', min);

  protected constructor(
    private readonly name: string,
    readonly interval: number,
    private readonly domain: TimerDomain,
  ) {}

  abstract onElement(element: unknown, timestamp: number, window: Window, ctx: TriggerContext): TriggerResult;
  abstract onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult;
  abstract onProcessingTime(time: number, window: Window, ctx: TriggerContext): TriggerResult;

  canMerge(): boolean {
    return true;
  }

  /** Keeps the earliest firing of the merged windows. */
  onMerge(_window: Window, ctx: OnMergeContext): void {
    ctx.mergePartitionedState(this.fireTime);
    const next = ctx.getPartitionedState(this.fireTime).get();
    if (next !== undefined) this.domain.register(ctx, next);
  }

  clear(_window: Window, ctx: TriggerContext): void {
    const fireTime = ctx.getPartitionedState(this.fireTime);
    const time = fireTime.get();
    if (time !== undefined) {
      this.domain.delete(ctx, time);
      fireTime.clear();
    }
  }

  toString(): string {
    return `${this.name}(${this.interval})`;
  }

  /** Schedules the first firing after `time` (aligned to `interval`) unless one is scheduled already. */
  protected startSchedule(time: number, window: Window, ctx: TriggerContext): void {
    const fireTime = ctx.getPartitionedState(this.fireTime);
    if (fireTime.get() === undefined) this.scheduleAfter(time - nonNegativeModulo(time, this.interval), window, ctx, fireTime);
  }

  /** FIRE when the timer at `time` is the scheduled firing (and schedules the next), else CONTINUE. */
  protected fireIfScheduled(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    const fireTime = ctx.getPartitionedState(this.fireTime);
    if (fireTime.get() !== time) return TriggerResult.CONTINUE;
    fireTime.clear();
    this.scheduleAfter(time, window, ctx, fireTime);
    return TriggerResult.FIRE;
  }

  private scheduleAfter(time: number, window: Window, ctx: TriggerContext, fireTime: ReducingState<number>): void {
    const next = Math.min(time + this.interval, window.maxTimestamp());
    fireTime.add(next);
    this.domain.register(ctx, next);
  }
}

function nonNegativeModulo(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r;
}

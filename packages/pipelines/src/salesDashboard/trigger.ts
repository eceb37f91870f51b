/**
 * The dashboard's window trigger: event-time windows with early firings in
 * processing time.
 *
 * Why processing time: an early firing driven by event time
 * (`ContinuousEventTimeTrigger`) fires only when the watermark passes the
 * next interval, so what the dashboard shows lags by the watermark's
 * out-of-orderness bound plus the interval, and stalls altogether while no
 * orders arrive to move the watermark. Firing on the wall clock every
 * `interval` shows every order at most one interval (plus the write) after
 * it arrived, however the watermark moves: with the pipeline's default
 * 30-second interval the data age stays under the one-minute target while
 * orders flow.
 *
 * Unlike core's `ContinuousProcessingTimeTrigger`, this one fires in
 * processing time only when the window changed since its last firing (no
 * repeated upserts of unchanged hours), fires once more when the watermark
 * passes the window's end (the on-time result), and fires at once for
 * every late element within the allowed lateness, so late orders correct
 * their hour immediately. It never purges: each firing emits the running
 * result, and downstream upserts by window.
 */
import { TriggerResult, ValueStateDescriptor, type Trigger, type TriggerContext, type Window } from '@tributary/core';

/**
 * Fires a window at its end (event time), for each late element, and
 * every `interval` ms of processing time while it has unfired changes.
 *
 * ```ts
 * orders.keyBy(lineAndCountry)
 *   .window(TumblingEventTimeWindows.of(3_600_000))
 *   .trigger(EarlyFiringTrigger.every(60_000))
 *   .allowedLateness(86_400_000)
 *   .aggregate(salesAggregate, toHourlySales);
 * ```
 */
export class EarlyFiringTrigger implements Trigger<unknown, Window> {
  /** The processing time of the scheduled early firing, while one is scheduled. */
  private readonly scheduled = new ValueStateDescriptor<number>('early-firing-at');

  private constructor(readonly interval: number) {}

  /**
   * Early firings every `interval` ms of processing time (aligned to
   * multiples of it).
   *
   * @throws RangeError unless `interval` is a whole number of milliseconds > 0.
   */
  static every(interval: number): EarlyFiringTrigger {
    if (!Number.isSafeInteger(interval) || interval <= 0) {
      throw new RangeError(`EarlyFiringTrigger: interval must be > 0 (a whole number of milliseconds), got ${interval}`);
    }
    return new EarlyFiringTrigger(interval);
  }

  onElement(_element: unknown, _timestamp: number, window: Window, ctx: TriggerContext): TriggerResult {
    const end = window.maxTimestamp();
    if (end <= ctx.currentWatermark()) return TriggerResult.FIRE; // late, within the allowed lateness: correct at once
    ctx.registerEventTimeTimer(end);
    const scheduled = ctx.getPartitionedState(this.scheduled);
    if (scheduled.value() === undefined) {
      const now = ctx.currentProcessingTime();
      const at = now - (now % this.interval) + this.interval;
      scheduled.update(at);
      ctx.registerProcessingTimeTimer(at);
    }
    return TriggerResult.CONTINUE;
  }

  onEventTime(time: number, window: Window, ctx: TriggerContext): TriggerResult {
    if (time !== window.maxTimestamp()) return TriggerResult.CONTINUE;
    this.cancelEarlyFiring(ctx);
    return TriggerResult.FIRE;
  }

  onProcessingTime(time: number, _window: Window, ctx: TriggerContext): TriggerResult {
    const scheduled = ctx.getPartitionedState(this.scheduled);
    if (scheduled.value() !== time) return TriggerResult.CONTINUE;
    scheduled.clear();
    return TriggerResult.FIRE;
  }

  clear(_window: Window, ctx: TriggerContext): void {
    this.cancelEarlyFiring(ctx);
  }

  toString(): string {
    return `EarlyFiringTrigger(${this.interval})`;
  }

  private cancelEarlyFiring(ctx: TriggerContext): void {
    const scheduled = ctx.getPartitionedState(this.scheduled);
    const at = scheduled.value();
    if (at !== undefined) {
      ctx.deleteProcessingTimeTimer(at);
      scheduled.clear();
    }
  }
}

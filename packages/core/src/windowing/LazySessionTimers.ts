/**
 * Lazy timers for event-time session windows under the default trigger
 * (`EventTimeTrigger`, the built-in session assigners). Flink moves a
 * session's timer with every record that extends the session (delete the
 * old end, register the new one), which made timers the bulk of a session
 * record's cost. Here a session keeps the timer it has while it grows; when
 * that timer comes due and finds the session larger, it re-arms at the
 * session's end. Windows fire and are cleaned up at exactly the times, and
 * with exactly the results, of the eager scheme.
 *
 * Invariants, between two calls, for each in-flight window W of a key
 * (`wm` the watermark, `L` the allowed lateness), unless W was read from
 * state when its key's set was built (after a restore the watermark starts
 * over, so whether W fired is not known: such a window is treated as the
 * eager scheme treats it until it merges into a new one):
 * - W not fired yet (`W.max > wm`): a timer of the key is pending at a time
 *   `<= W.max` for W or for a window W contained when it was in flight
 *   (a "stale" timer, which re-arms for W when it fires);
 * - W fired (`W.max <= wm`, only with `L > 0`): a timer (W, `W.max + L`) is
 *   pending: its cleanup, as in the eager scheme.
 * A stale timer was registered before any timer of the window it re-arms
 * for, and a time's timers fire in registration order, so a re-armed timer
 * never fires a window twice.
 *
 * This object only decides; the window operator fires and cleans up.
 */
import type { InternalTimerService } from '../state/InternalTimerService.js';
import type { TimeWindow } from './windows.js';

/** What a due timer asks of the operator for the window it found. */
export type SessionTimerAction = 'none' | 'fire' | 'clean-up' | 'fire-and-clean-up';

/** The timer decisions of event-time sessions with the default trigger; see the module comment. */
export class LazySessionTimers {
  constructor(
    private readonly timers: InternalTimerService<TimeWindow>,
    private readonly allowedLateness: number,
  ) {}

  /**
   * Windows `merged` (in flight before in `set`) merge into one: true when
   * one of them has not fired yet and was not read from state, whose
   * pending timer then also covers the result. The others lose their
   * timers, as in the eager scheme (the result gets its own).
   */
  onMerge(merged: readonly TimeWindow[], set: { isLoaded(window: TimeWindow): boolean }): boolean {
    const watermark = this.timers.currentWatermark();
    let covered = false;
    for (let i = 0; i < merged.length; i++) {
      const window = merged[i]!;
      const end = window.maxTimestamp();
      if (end > watermark && !set.isLoaded(window)) {
        covered = true;
      } else {
        this.timers.deleteEventTimeTimer(window, end);
        this.timers.deleteEventTimeTimer(window, end + this.allowedLateness);
      }
    }
    return covered;
  }

  /**
   * A record went into `window` (not late); `armed` says a timer known to
   * be pending covers it (it was in flight, or merged from one that was).
   * Registers what the window needs and returns true when it must fire at
   * once (its end has passed: a late firing within the allowed lateness).
   */
  onElement(window: TimeWindow, armed: boolean): boolean {
    const end = window.maxTimestamp();
    if (end > this.timers.currentWatermark()) {
      if (!armed) this.timers.registerEventTimeTimer(window, end);
      return false;
    }
    this.timers.registerEventTimeTimer(window, end + this.allowedLateness); // (already there for a window in flight)
    return true;
  }

  /**
   * A timer (`timerWindow`, `time`) came due and `window` is the in-flight
   * window containing `timerWindow`: what to do with `window`. A timer of
   * the window itself fires it at its end and cleans it up at its end plus
   * the allowed lateness (registering that timer when it fires); a stale
   * timer re-arms at the window's end.
   */
  onTimer(timerWindow: TimeWindow, time: number, window: TimeWindow): SessionTimerAction {
    const end = window.maxTimestamp();
    if (window.equals(timerWindow)) {
      const cleanup = end + this.allowedLateness;
      if (time === cleanup) return time === end ? 'fire-and-clean-up' : 'clean-up';
      if (time !== end) return 'none';
      this.timers.registerEventTimeTimer(window, cleanup);
      return 'fire';
    }
    // a stale timer re-arms at the end; one due after the end (none is expected) must not fire the window again
    if (end >= time) this.timers.registerEventTimeTimer(window, end);
    return 'none';
  }
}

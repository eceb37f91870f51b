/**
 * The processing-time clock. Everything in the runtime that asks "what time
 * is it?" or "wake me at t" goes through a Clock, so tests can drive time
 * with a virtual clock (see `TestClock` in `@tributary/core/testing`) instead
 * of mocking globals.
 */

/** Cancels a scheduled callback; calling it twice is harmless. */
export type Cancel = () => void;

/** A source of processing time and timers. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once, as soon as `now() >= at`. */
  schedule(at: number, callback: () => void): Cancel;
}

/** The wall clock, with `setTimeout` timers. Timers never keep the process alive on their own. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(at: number, callback: () => void): Cancel {
    const handle = setTimeout(callback, Math.max(0, at - Date.now()));
    handle.unref?.();
    return () => clearTimeout(handle);
  }
}

/** The shared wall clock. */
export const systemClock: Clock = new SystemClock();

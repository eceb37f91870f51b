/**
 * A virtual `Clock` for deterministic tests: time stands still until the
 * test moves it, and moving it runs the callbacks that came due, in time
 * order (ties in the order they were scheduled).
 *
 * ```ts
 * const clock = new TestClock(1_000);
 * clock.schedule(1_500, () => fired.push(clock.now()));
 * clock.advance(600); // fired: [1500]; clock.now() === 1600
 * ```
 *
 * While a callback runs, `now()` is the time it was scheduled for (or the
 * current time, when it was scheduled in the past), so a chain of timers sees
 * the same times it would see on the wall clock. Callbacks scheduled while
 * time moves run in the same call when they are due by its target time.
 *
 * Gotchas: a callback scheduled at or before `now()` runs on the next
 * `advance`/`setTime` (`advance(0)` runs it), never inside `schedule`. If a
 * callback throws, the error propagates out of `advance` and time stays at
 * that callback's time; later callbacks stay pending. Moving time from
 * inside a callback throws.
 */
import { checkArgument } from '../errors.js';
import type { Cancel, Clock } from '../time/clock.js';

interface Scheduled {
  readonly at: number;
  readonly seq: number;
  readonly callback: () => void;
  /** Cancelled or already run. */
  done: boolean;
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** A virtual clock that moves only when told to; see the module comment. */
export class TestClock implements Clock {
  private time: number;
  private seq = 0;
  private pending = 0;
  private running = false;
  /** A binary min-heap by (at, seq); cancelled entries are dropped lazily. */
  private readonly heap: Scheduled[] = [];

  constructor(start = 0) {
    checkArgument(Number.isFinite(start), `TestClock start time must be a finite number, got ${start}`);
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Calls `callback` once when time reaches `at` (see the gotchas for `at <= now()`). */
  schedule(at: number, callback: () => void): Cancel {
    checkArgument(!Number.isNaN(at), 'TestClock.schedule time must be a number, got NaN');
    const entry: Scheduled = { at, seq: this.seq++, callback, done: false };
    this.push(entry);
    this.pending++;
    return () => {
      if (!entry.done) {
        entry.done = true;
        this.pending--;
      }
    };
  }

  /** Moves time forward by `ms` (>= 0), running due callbacks in order. */
  advance(ms: number): void {
    checkArgument(Number.isFinite(ms) && ms >= 0, `TestClock.advance needs a finite number of milliseconds >= 0, got ${ms}`);
    this.setTime(this.time + ms);
  }

  /** Moves time forward to `time` (not backwards), running due callbacks in order. */
  setTime(time: number): void {
    if (Number.isNaN(time) || time < this.time) {
      throw new RangeError(`TestClock cannot move backwards: now is ${this.time}, asked for ${time}`);
    }
    if (this.running) throw new Error('TestClock time cannot be moved from inside a scheduled callback');
    this.running = true;
    try {
      for (;;) {
        const next = this.heap[0];
        if (next === undefined || next.at > time) break;
        this.pop();
        if (next.done) continue;
        next.done = true;
        this.pending--;
        if (next.at > this.time) this.time = next.at;
        next.callback();
      }
      this.time = time;
    } finally {
      this.running = false;
    }
  }

  /** The number of scheduled callbacks that have not run and were not cancelled. */
  pendingTimers(): number {
    return this.pending;
  }

  /** The time of the earliest pending callback, if any. */
  nextTimerAt(): number | undefined {
    while (this.heap[0]?.done === true) this.pop();
    return this.heap[0]?.at;
  }

  private push(entry: Scheduled): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as Scheduled;
      if (!before(entry, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && before(heap[right] as Scheduled, heap[left] as Scheduled)) child = right;
      const c = heap[child] as Scheduled;
      if (!before(c, last)) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

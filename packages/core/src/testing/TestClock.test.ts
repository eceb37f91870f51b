import { describe, expect, it } from 'vitest';
import { TestClock } from './TestClock.js';

describe('TestClock', () => {
  it('starts at the given time and stands still', () => {
    expect(new TestClock().now()).toBe(0);
    const clock = new TestClock(1_000);
    expect(clock.now()).toBe(1_000);
    expect(clock.now()).toBe(1_000);
    expect(() => new TestClock(Number.NaN)).toThrow(RangeError);
  });

  it('runs due callbacks in time order, ties in scheduling order, at their own time', () => {
    const clock = new TestClock(0);
    const log: string[] = [];
    clock.schedule(30, () => log.push(`c@${clock.now()}`));
    clock.schedule(10, () => log.push(`a@${clock.now()}`));
    clock.schedule(20, () => log.push(`b1@${clock.now()}`));
    clock.schedule(20, () => log.push(`b2@${clock.now()}`));
    clock.schedule(31, () => log.push('late'));
    expect(clock.pendingTimers()).toBe(5);
    clock.advance(30);
    expect(log).toEqual(['a@10', 'b1@20', 'b2@20', 'c@30']);
    expect(clock.now()).toBe(30);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(31);
  });

  it('runs callbacks scheduled during a move when they are due by its target', () => {
    const clock = new TestClock(0);
    const log: number[] = [];
    const tick = (): void => {
      log.push(clock.now());
      clock.schedule(clock.now() + 10, tick);
    };
    clock.schedule(10, tick);
    clock.setTime(45);
    expect(log).toEqual([10, 20, 30, 40]);
    expect(clock.now()).toBe(45);
    expect(clock.pendingTimers()).toBe(1);
  });

  it('cancels callbacks; cancelling twice is harmless', () => {
    const clock = new TestClock(0);
    const log: string[] = [];
    const cancel = clock.schedule(10, () => log.push('cancelled'));
    clock.schedule(10, () => log.push('kept'));
    cancel();
    cancel();
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(10);
    expect(log).toEqual(['kept']);
    expect(clock.pendingTimers()).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it('runs a callback scheduled in the past on the next move, not inside schedule', () => {
    const clock = new TestClock(100);
    const log: number[] = [];
    clock.schedule(50, () => log.push(clock.now()));
    expect(log).toEqual([]);
    clock.advance(0);
    expect(log).toEqual([100]);
  });

  it('refuses to move backwards', () => {
    const clock = new TestClock(100);
    expect(() => clock.setTime(99)).toThrow(RangeError);
    expect(() => clock.setTime(99)).toThrow(/backwards/);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    clock.setTime(100);
    expect(clock.now()).toBe(100);
  });

  it('propagates a callback error, leaving time at that callback and later callbacks pending', () => {
    const clock = new TestClock(0);
    const log: number[] = [];
    clock.schedule(10, () => {
      throw new Error('boom');
    });
    clock.schedule(20, () => log.push(clock.now()));
    expect(() => clock.advance(50)).toThrow('boom');
    expect(clock.now()).toBe(10);
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(40);
    expect(log).toEqual([20]);
    expect(clock.now()).toBe(50);
  });

  it('does not let a callback move time', () => {
    const clock = new TestClock(0);
    let error: unknown;
    clock.schedule(1, () => {
      try {
        clock.advance(1);
      } catch (e) {
        error = e;
      }
    });
    clock.advance(5);
    expect(String(error)).toMatch(/inside a scheduled callback/);
    expect(clock.now()).toBe(5);
  });
});

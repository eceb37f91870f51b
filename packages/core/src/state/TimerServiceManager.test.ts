import { describe, expect, it } from 'vitest';
import type { Key } from '../api/functions.js';
import type { InternalTimer } from '../operators/StreamOperator.js';
import { TestClock } from '../testing/TestClock.js';
import { HeapKeyedStateBackend } from './HeapKeyedStateBackend.js';
import { VOID_NAMESPACE } from './KeyedStateAccess.js';
import { keyGroupOf, keyGroupRange, subtaskForKeyGroup } from './KeyGroups.js';
import { TimerServiceManager, type TimersSnapshot } from './TimerServiceManager.js';

const MAX_P = 128;

interface Fired {
  domain: 'event' | 'processing';
  time: number;
  key: Key;
  namespace: unknown;
  /** The backend's current key during the callback. */
  currentKey: Key;
  /** The clock's time during the callback. */
  now: number;
}

function setup(options: { clock?: TestClock; range?: { start: number; end: number } } = {}) {
  const clock = options.clock ?? new TestClock(0);
  const backend = new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: options.range ?? { start: 0, end: MAX_P - 1 }, clock });
  const fired: Fired[] = [];
  const errors: unknown[] = [];
  let onEvent: (timer: InternalTimer) => void = () => {};
  let onProcessing: (timer: InternalTimer) => void = () => {};
  const record = (domain: Fired['domain'], timer: InternalTimer): void => {
    fired.push({ domain, time: timer.timestamp, key: timer.key, namespace: timer.namespace, currentKey: backend.getCurrentKey(), now: clock.now() });
  };
  const manager = new TimerServiceManager({
    backend,
    clock,
    onEventTime: (timer) => {
      record('event', timer);
      onEvent(timer);
    },
    onProcessingTime: (timer) => {
      record('processing', timer);
      onProcessing(timer);
    },
    onError: (error) => errors.push(error),
  });
  return {
    clock,
    backend,
    manager,
    fired,
    errors,
    onEvent: (fn: (timer: InternalTimer) => void) => (onEvent = fn),
    onProcessing: (fn: (timer: InternalTimer) => void) => (onProcessing = fn),
  };
}

describe('TimerServiceManager event time', () => {
  it('fires timers <= the watermark in time order across keys and services, with the key set', () => {
    const { backend, manager, fired } = setup();
    const a = manager.getTimerService<number>('a');
    const b = manager.getTimerService<string>('b');
    expect(manager.getTimerService('a')).toBe(a);
    backend.setCurrentKey('k1');
    a.registerEventTimeTimer(VOID_NAMESPACE, 30);
    b.registerEventTimeTimer('x', 10);
    backend.setCurrentKey('k2');
    a.registerEventTimeTimer(VOID_NAMESPACE, 20);
    b.registerEventTimeTimer('y', 40);
    expect(manager.numEventTimeTimers()).toBe(4);

    manager.advanceWatermark(30);
    expect(fired.map((f) => [f.time, f.key, f.namespace, f.currentKey])).toEqual([
      [10, 'k1', 'x', 'k1'],
      [20, 'k2', 0, 'k2'],
      [30, 'k1', 0, 'k1'],
    ]);
    expect(manager.currentWatermark()).toBe(30);
    expect(manager.numEventTimeTimers()).toBe(1);
    manager.advanceWatermark(20); // never goes back
    expect(manager.currentWatermark()).toBe(30);
    manager.advanceWatermark(Number.POSITIVE_INFINITY);
    expect(fired.map((f) => f.time)).toEqual([10, 20, 30, 40]);
    expect(manager.numEventTimeTimers()).toBe(0);
  });

  it('deduplicates by (time, key, namespace)', () => {
    const { backend, manager, fired } = setup();
    const windows = manager.getTimerService<{ start: number; end: number }>('w', (w) => `${w.start}:${w.end}`);
    backend.setCurrentKey('k');
    windows.registerEventTimeTimer({ start: 0, end: 10 }, 9);
    windows.registerEventTimeTimer({ start: 0, end: 10 }, 9);
    windows.registerEventTimeTimer({ start: 5, end: 10 }, 9);
    backend.setCurrentKey('j');
    windows.registerEventTimeTimer({ start: 0, end: 10 }, 9);
    expect(manager.numEventTimeTimers()).toBe(3);
    manager.advanceWatermark(9);
    expect(fired).toHaveLength(3);
  });

  it('does not fire deleted timers, including ones deleted by an earlier timer at the same time', () => {
    const { backend, manager, fired, onEvent } = setup();
    const timers = manager.getTimerService<number>('t');
    backend.setCurrentKey('gone');
    timers.registerEventTimeTimer(0, 5);
    timers.deleteEventTimeTimer(0, 5);
    timers.deleteEventTimeTimer(0, 6); // not registered: harmless
    for (const key of ['a', 'b']) {
      backend.setCurrentKey(key);
      timers.registerEventTimeTimer(0, 10);
    }
    onEvent((timer) => {
      const other = timer.key === 'a' ? 'b' : 'a';
      backend.setCurrentKey(other);
      timers.deleteEventTimeTimer(0, 10);
    });
    manager.advanceWatermark(100);
    expect(fired.map((f) => f.key)).toHaveLength(1);
    expect(manager.numEventTimeTimers()).toBe(0);
  });

  it('fires timers registered while firing when they are due, in time order', () => {
    const { backend, manager, fired, onEvent } = setup();
    const timers = manager.getTimerService<number>('t');
    backend.setCurrentKey('a');
    timers.registerEventTimeTimer(0, 10);
    backend.setCurrentKey('b');
    timers.registerEventTimeTimer(0, 10);
    onEvent((timer) => {
      if (timer.timestamp === 10 && timer.key === 'a') {
        timers.registerEventTimeTimer(0, 5); // already due, earlier: fires before b@10
        timers.registerEventTimeTimer(0, 15); // due
        timers.registerEventTimeTimer(0, 50); // not due
      }
    });
    manager.advanceWatermark(20);
    expect(fired.map((f) => `${f.key}@${f.time}`)).toEqual(['a@10', 'a@5', 'b@10', 'a@15']);
    expect(manager.numEventTimeTimers()).toBe(1);
  });

  it('handles many keys with the same time as one batch', () => {
    const { backend, manager, fired } = setup();
    const timers = manager.getTimerService<number>('t');
    for (let i = 0; i < 10_000; i++) {
      backend.setCurrentKey(i);
      timers.registerEventTimeTimer(0, 1_000);
    }
    backend.setCurrentKey('late');
    timers.registerEventTimeTimer(0, 999);
    expect(manager.numEventTimeTimers()).toBe(10_001);
    manager.advanceWatermark(1_000);
    expect(fired).toHaveLength(10_001);
    expect(fired[0]?.key).toBe('late');
    expect(new Set(fired.slice(1).map((f) => f.key)).size).toBe(10_000);
    expect(fired.every((f) => f.key === f.currentKey)).toBe(true);
  });

  it('propagates errors from event-time callbacks to the caller and keeps the rest', () => {
    const { backend, manager, fired, onEvent } = setup();
    const timers = manager.getTimerService<number>('t');
    backend.setCurrentKey('a');
    timers.registerEventTimeTimer(0, 1);
    timers.registerEventTimeTimer(0, 2);
    onEvent((timer) => {
      if (timer.timestamp === 1) throw new Error('boom');
    });
    expect(() => manager.advanceWatermark(5)).toThrow('boom');
    expect(manager.numEventTimeTimers()).toBe(1);
    manager.advanceWatermark(5);
    expect(fired.map((f) => f.time)).toEqual([1, 2]);
  });

  it('rejects NaN times', () => {
    const { backend, manager } = setup();
    backend.setCurrentKey('a');
    expect(() => manager.getTimerService<number>('t').registerEventTimeTimer(0, Number.NaN)).toThrow(RangeError);
  });
});

describe('TimerServiceManager processing time', () => {
  it('fires through the clock in time order, keeping a single wakeup', () => {
    const { backend, manager, fired, clock } = setup();
    const timers = manager.getTimerService<number>('t');
    expect(timers.currentProcessingTime()).toBe(0);
    backend.setCurrentKey('a');
    timers.registerProcessingTimeTimer(0, 100);
    backend.setCurrentKey('b');
    timers.registerProcessingTimeTimer(0, 50);
    timers.registerProcessingTimeTimer(0, 150);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextTimerAt()).toBe(50);
    expect(manager.numProcessingTimeTimers()).toBe(3);

    clock.advance(49);
    expect(fired).toEqual([]);
    clock.advance(70);
    expect(fired.map((f) => [f.time, f.key, f.now])).toEqual([
      [50, 'b', 50],
      [100, 'a', 100],
    ]);
    expect(clock.nextTimerAt()).toBe(150);
    clock.advance(1_000);
    expect(fired.map((f) => f.time)).toEqual([50, 100, 150]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('skips deleted timers and fires timers registered while firing', () => {
    const { backend, manager, fired, clock, onProcessing } = setup();
    const timers = manager.getTimerService<number>('t');
    backend.setCurrentKey('a');
    timers.registerProcessingTimeTimer(0, 10);
    timers.registerProcessingTimeTimer(0, 20);
    timers.deleteProcessingTimeTimer(0, 10);
    onProcessing((timer) => {
      if (timer.timestamp === 20) {
        timers.registerProcessingTimeTimer(0, 20 + 5); // a chained timer
        timers.registerProcessingTimeTimer(0, 15); // already due
      }
    });
    clock.advance(100);
    expect(fired.map((f) => [f.time, f.now])).toEqual([
      [20, 20],
      [15, 20],
      [25, 25],
    ]);
  });

  it('reports errors to onError and still fires the remaining timers', () => {
    const { backend, manager, fired, clock, errors, onProcessing } = setup();
    const timers = manager.getTimerService<number>('t');
    backend.setCurrentKey('a');
    timers.registerProcessingTimeTimer(0, 10);
    timers.registerProcessingTimeTimer(0, 20);
    onProcessing((timer) => {
      if (timer.timestamp === 10) throw new Error('bad timer');
    });
    clock.advance(30);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('bad timer');
    expect(fired.map((f) => f.time)).toEqual([10, 20]);
  });

  it('close() cancels the wakeup', () => {
    const { backend, manager, fired, clock } = setup();
    backend.setCurrentKey('a');
    manager.getTimerService<number>('t').registerProcessingTimeTimer(0, 10);
    manager.close();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(100);
    expect(fired).toEqual([]);
  });
});

describe('TimerServiceManager snapshot and restore', () => {
  function viaJson(snapshot: TimersSnapshot): TimersSnapshot {
    return JSON.parse(JSON.stringify(snapshot)) as TimersSnapshot;
  }

  it('restores event and processing timers; due processing timers fire on the next clock turn', () => {
    const source = setup();
    const windows = source.manager.getTimerService<{ start: number; end: number }>('w', (w) => `${w.start}:${w.end}`);
    const user = source.manager.getTimerService<number>('user');
    source.backend.setCurrentKey('a');
    windows.registerEventTimeTimer({ start: 0, end: 10 }, 9);
    user.registerProcessingTimeTimer(0, 100);
    source.backend.setCurrentKey('b');
    windows.registerEventTimeTimer({ start: 10, end: 20 }, 19);
    user.registerProcessingTimeTimer(0, 5_000);
    const snapshot = viaJson(source.manager.snapshot());

    const target = setup({ clock: new TestClock(1_000) });
    target.manager.restore([snapshot], { start: 0, end: MAX_P - 1 });
    expect(target.manager.numEventTimeTimers()).toBe(2);
    expect(target.manager.numProcessingTimeTimers()).toBe(2);
    // services created after restore (as an operator does in open) pick their timers up
    const restoredWindows = target.manager.getTimerService<{ start: number; end: number }>('w', (w) => `${w.start}:${w.end}`);
    target.manager.getTimerService<number>('user');
    expect(target.fired).toEqual([]);
    target.clock.advance(0);
    expect(target.fired.map((f) => [f.domain, f.time, f.key, f.now])).toEqual([['processing', 100, 'a', 1_000]]);

    // deduplication still works against restored timers
    target.backend.setCurrentKey('a');
    restoredWindows.registerEventTimeTimer({ start: 0, end: 10 }, 9);
    expect(target.manager.numEventTimeTimers()).toBe(2);
    target.manager.advanceWatermark(30);
    expect(target.fired.filter((f) => f.domain === 'event').map((f) => [f.time, f.key, f.namespace])).toEqual([
      [9, 'a', { start: 0, end: 10 }],
      [19, 'b', { start: 10, end: 20 }],
    ]);
    target.clock.setTime(5_000);
    expect(target.fired.at(-1)).toMatchObject({ domain: 'processing', time: 5_000, key: 'b' });
  });

  it('fires restored timers at once when the service already exists', () => {
    const source = setup();
    source.backend.setCurrentKey('k');
    source.manager.getTimerService<number>('t').registerProcessingTimeTimer(0, 10);
    const target = setup({ clock: new TestClock(50) });
    target.manager.getTimerService<number>('t');
    target.manager.restore([source.manager.snapshot()]);
    expect(target.clock.pendingTimers()).toBe(1);
    target.clock.advance(0);
    expect(target.fired.map((f) => [f.time, f.now])).toEqual([[10, 50]]);
  });

  it('splits timers by key group when rescaling, keeping each exactly once', () => {
    const source = setup();
    const timers = source.manager.getTimerService<number>('t');
    const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
    for (const key of keys) {
      source.backend.setCurrentKey(key);
      timers.registerEventTimeTimer(0, 10);
      timers.registerProcessingTimeTimer(0, 20);
    }
    const snapshot = viaJson(source.manager.snapshot());
    const partSnapshots: TimersSnapshot[] = [];
    const parts = [0, 1, 2].map((i) => {
      const part = setup({ range: keyGroupRange(i, MAX_P, 3) });
      part.manager.restore([snapshot], keyGroupRange(i, MAX_P, 3));
      part.manager.getTimerService<number>('t');
      partSnapshots.push(viaJson(part.manager.snapshot()));
      part.manager.advanceWatermark(10);
      part.clock.advance(20);
      return part;
    });
    const seen = parts.flatMap((part, i) =>
      part.fired.map((f) => {
        expect(subtaskForKeyGroup(keyGroupOf(f.key, MAX_P), MAX_P, 3)).toBe(i);
        return `${f.domain}:${String(f.key)}`;
      }),
    );
    expect(seen).toHaveLength(400);
    expect(new Set(seen).size).toBe(400);

    // and back to one subtask from the three parts' snapshots
    const merged = setup();
    merged.manager.restore(partSnapshots);
    merged.manager.getTimerService<number>('t');
    expect(merged.manager.numEventTimeTimers()).toBe(200);
    expect(merged.manager.numProcessingTimeTimers()).toBe(200);
    merged.manager.advanceWatermark(10);
    expect(new Set(merged.fired.map((f) => f.key))).toEqual(new Set(keys));
  });

  it('rejects a snapshot with another maxParallelism', () => {
    const { manager } = setup();
    expect(() => manager.restore([{ maxParallelism: 64, keyGroups: {} }])).toThrow(/maxParallelism 64/);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../checkpoint/serialization.js';
import { HeapKeyedStateBackend } from '../state/HeapKeyedStateBackend.js';
import { TestClock } from '../testing/TestClock.js';
import { EventTimeSessionWindows } from './assigners/EventTimeSessionWindows.js';
import type { WindowMerger } from './MergingWindowSet.js';
import { MergingWindowSets } from './MergingWindowSets.js';
import { MERGING_WINDOW_SET_STATE } from './windowOperatorInternals.js';
import { TimeWindow } from './windows.js';

const noMerge: WindowMerger<TimeWindow> = { mergeWindows: () => {} };

function setup(): { backend: HeapKeyedStateBackend; sets: MergingWindowSets<TimeWindow> } {
  const backend = new HeapKeyedStateBackend({ maxParallelism: 8, keyGroupRange: { start: 0, end: 7 }, clock: new TestClock(0) });
  return { backend, sets: new MergingWindowSets<TimeWindow>(backend, EventTimeSessionWindows.withGap(10)) };
}

describe('MergingWindowSets', () => {
  it('keeps one set per key and writes each change through to keyed state', () => {
    const { backend, sets } = setup();
    backend.setCurrentKey('a');
    const a = sets.current();
    a.addWindow(new TimeWindow(0, 10), noMerge);
    sets.persist(a);
    backend.setCurrentKey('b');
    expect(sets.current()).not.toBe(a);
    backend.setCurrentKey('a');
    expect(sets.current()).toBe(a);
    a.addWindow(new TimeWindow(5, 15), noMerge);
    sets.persist(a);
    const snapshot = backend.snapshot();
    const entries = Object.values(snapshot.keyGroups).flatMap((group) => group[MERGING_WINDOW_SET_STATE] ?? []);
    expect(entries.map(([, key, value]) => [key, (value as TimeWindow[][]).map(([w, s]) => `${String(w)} in ${String(s)}`)])).toEqual([
      ['a', ['TimeWindow[0, 15) in TimeWindow[0, 10)']],
    ]);
  });

  it('drops a set that turned empty, with its state entry', () => {
    const { backend, sets } = setup();
    backend.setCurrentKey('a');
    const a = sets.current();
    a.addWindow(new TimeWindow(0, 10), noMerge);
    sets.persist(a);
    a.retireWindow(new TimeWindow(0, 10));
    sets.persist(a);
    expect(backend.numEntries(MERGING_WINDOW_SET_STATE)).toBe(0);
    expect(sets.current()).not.toBe(a);
  });

  it('after discard, rebuilds sets from state: changes never persisted are forgotten', () => {
    const { backend, sets } = setup();
    backend.setCurrentKey('a');
    const a = sets.current();
    a.addWindow(new TimeWindow(0, 10), noMerge);
    sets.persist(a);
    a.addWindow(new TimeWindow(50, 60), noMerge); // not persisted (say, the record failed)
    sets.discard();
    const rebuilt = sets.current();
    expect(rebuilt).not.toBe(a);
    expect(rebuilt.windows().map(String)).toEqual(['TimeWindow[0, 10)']);
  });

  it('extends a key\'s one session in place once persisted, after telling a snapshot in progress (which keeps the session as at its start)', () => {
    const { backend, sets } = setup();
    backend.setCurrentKey('a');
    const a = sets.current();
    expect(sets.extendOnly(a, 0, 10, Number.NEGATIVE_INFINITY)).toBeUndefined(); // no session yet
    a.addWindow(new TimeWindow(0, 10), noMerge);
    sets.persist(a);
    const atBarrier = encodeState(backend.snapshot());
    const pass = backend.beginSnapshot();
    const extended = sets.extendOnly(a, 5, 15, Number.NEGATIVE_INFINITY)!;
    expect(String(extended[0])).toBe('TimeWindow[0, 15)');
    expect(String(extended[1])).toBe('TimeWindow[0, 10)');
    sets.persist(a); // nothing left to write
    pass.finishNow();
    expect(pass.text()).toBe(atBarrier);
    // the change itself is in state
    const entries = Object.values(backend.snapshot().keyGroups).flatMap((group) => group[MERGING_WINDOW_SET_STATE] ?? []);
    expect(entries.map(([, , value]) => (value as TimeWindow[][]).map(([w]) => String(w)))).toEqual([['TimeWindow[0, 15)']]);
    // a session that has fired (its end is not after the watermark) is not extended here
    expect(sets.extendOnly(a, 12, 22, 14)).toBeUndefined();
  });
});


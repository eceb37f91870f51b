import { describe, expect, it } from 'vitest';
import { decodeState, encodeState } from '../checkpoint/serialization.js';
import { HeapKeyedStateBackend } from '../state/HeapKeyedStateBackend.js';
import { TestClock } from '../testing/TestClock.js';
import { EventTimeSessionWindows } from './assigners/EventTimeSessionWindows.js';
import type { MergingWindowSet, WindowMerger } from './MergingWindowSet.js';
import { MergingWindowSets } from './MergingWindowSets.js';
import { MERGING_WINDOW_SET_STATE } from './windowOperatorInternals.js';
import { TimeWindow } from './windows.js';

const noMerge: WindowMerger<TimeWindow> = { mergeWindows: () => {} };

function setup(): { backend: HeapKeyedStateBackend; sets: MergingWindowSets<TimeWindow> } {
  const backend = new HeapKeyedStateBackend({ maxParallelism: 8, keyGroupRange: { start: 0, end: 7 }, clock: new TestClock(0) });
  return { backend, sets: new MergingWindowSets<TimeWindow>(backend, EventTimeSessionWindows.withGap(10)) };
}

/** Key 'a' current, with the session [0, 10) in flight and persisted. */
function withSessionOfA(): { backend: HeapKeyedStateBackend; sets: MergingWindowSets<TimeWindow>; a: MergingWindowSet<TimeWindow> } {
  const { backend, sets } = setup();
  backend.setCurrentKey('a');
  const a = sets.current();
  a.addWindow(new TimeWindow(0, 10), noMerge);
  sets.persist(a);
  return { backend, sets, a };
}

describe('MergingWindowSets', () => {
  it('keeps one set per key and writes each change through to keyed state', () => {
    const { backend, sets, a } = withSessionOfA();
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
    const { backend, sets, a } = withSessionOfA();
    a.retireWindow(new TimeWindow(0, 10));
    sets.persist(a);
    expect(backend.numEntries(MERGING_WINDOW_SET_STATE)).toBe(0);
    expect(sets.current()).not.toBe(a);
  });

  it('after discard, rebuilds sets from state: changes never persisted are forgotten', () => {
    const { backend, sets, a } = withSessionOfA();
    a.addWindow(new TimeWindow(50, 60), noMerge); // not persisted (say, the record failed)
    sets.discard();
    const rebuilt = sets.current();
    expect(rebuilt).not.toBe(a);
    expect(rebuilt.windows().map(String)).toEqual(['TimeWindow[0, 10)']);
  });

  /** The merging-window-set state entries in a snapshot: key → windows. */
  function persistedWindows(backend: HeapKeyedStateBackend): Record<string, string[]> {
    const entries = Object.values(backend.snapshot().keyGroups).flatMap((group) => group[MERGING_WINDOW_SET_STATE] ?? []);
    return Object.fromEntries(entries.map(([, key, value]) => [key, (value as TimeWindow[][]).map(([w]) => String(w))]));
  }

  it('grows a key\'s sole session without writing it, and settles the growth into state when the set is read, before snapshots and before discarding', () => {
    const { backend, sets } = setup();
    backend.setCurrentKey('a');
    const a = sets.current();
    expect(a.extendSole(0, 10, Number.NEGATIVE_INFINITY)).toBe(false); // no session yet
    a.addWindow(new TimeWindow(0, 10), noMerge);
    sets.persist(a);
    expect(a.extendSole(5, 15, Number.NEGATIVE_INFINITY)).toBe(true);
    expect(a.extendSole(-3, 7, Number.NEGATIVE_INFINITY)).toBe(true);
    expect(String(a.soleWindowState)).toBe('TimeWindow[0, 10)');
    expect(persistedWindows(backend)).toEqual({ a: ['TimeWindow[0, 10)'] }); // not written yet
    backend.setCurrentKey('b');
    sets.settleAll();
    expect(backend.getCurrentKey()).toBe('b'); // the current key is left as it was
    expect(persistedWindows(backend)).toEqual({ a: ['TimeWindow[-3, 15)'] });
    // reading the set settles it first
    backend.setCurrentKey('a');
    expect(a.extendSole(14, 24, Number.NEGATIVE_INFINITY)).toBe(true);
    expect(a.windows().map(String)).toEqual(['TimeWindow[-3, 24)']);
    expect(persistedWindows(backend)).toEqual({ a: ['TimeWindow[-3, 24)'] });
    // a growth not settled yet survives discard (it is not a half-made change)
    expect(a.extendSole(20, 30, Number.NEGATIVE_INFINITY)).toBe(true);
    sets.discard();
    expect(sets.current().windows().map(String)).toEqual(['TimeWindow[-3, 30)']);
  });

  it('does not grow a session that has fired, one it does not reach, several sessions, or sessions read from state', () => {
    const { backend, sets, a } = withSessionOfA();
    expect(a.extendSole(12, 22, 9)).toBe(false); // its max timestamp 9 is not after the watermark
    expect(a.extendSole(11, 21, Number.NEGATIVE_INFINITY)).toBe(false); // does not touch [0, 10)
    expect(a.extendSole(10, 20, Number.NEGATIVE_INFINITY)).toBe(true); // touches: merges
    a.addWindow(new TimeWindow(40, 50), noMerge);
    sets.persist(a);
    expect(a.extendSole(45, 55, Number.NEGATIVE_INFINITY)).toBe(false); // two sessions in flight
    sets.discard();
    expect(sets.current().extendSole(45, 55, Number.NEGATIVE_INFINITY)).toBe(false); // rebuilt from state: loaded
  });

  it('settles a grown session in place once persisted, after telling a snapshot in progress (which keeps the session as at its start)', () => {
    const { backend, sets, a } = withSessionOfA();
    const atBarrier = encodeState(backend.snapshot());
    const pass = backend.beginSnapshot();
    expect(a.extendSole(5, 15, Number.NEGATIVE_INFINITY)).toBe(true);
    sets.persist(a); // settles: the entry is changed in place
    expect(a.windows().map(String)).toEqual(['TimeWindow[0, 15)']);
    pass.finishNow();
    expect(pass.text()).toBe(atBarrier);
    expect(persistedWindows(backend)).toEqual({ a: ['TimeWindow[0, 15)'] });
  });
});

import { describe, expect, it } from 'vitest';
import type { AdoptingList } from '../state/KeyedStateAccess.js';
import type { ListState } from '../state/State.js';
import { EventTimeSessionWindows } from './assigners/EventTimeSessionWindows.js';
import { MergingWindowSet, type WindowMapping, type WindowMerger } from './MergingWindowSet.js';
import { TimeWindow } from './windows.js';

/** A list state over a plain array that counts writes (`adopt` and `touchAdopted` included). */
function listState<T>(initial: T[] = []): ListState<T> & AdoptingList<T> & { items: T[]; writes: number } {
  const s = {
    items: initial,
    writes: 0,
    get: () => s.items,
    add: (v: T) => void s.items.push(v),
    addAll: (vs: Iterable<T>) => void s.items.push(...vs),
    update: (vs: Iterable<T>) => {
      s.items = [...vs];
      s.writes++;
    },
    clear: () => {
      s.items = [];
      s.writes++;
    },
    adopt: (list: T[]) => {
      s.items = list;
      s.writes++;
    },
    touchAdopted: () => void s.writes++,
  };
  return s;
}

const tw = (start: number, end: number): TimeWindow => new TimeWindow(start, end);
const sessions = EventTimeSessionWindows.withGap(3);
type Merge = [result: string, merged: string[], stateResult: string, mergedState: string[]];

function recordMerges(merges: Merge[]): WindowMerger<TimeWindow> {
  return {
    mergeWindows: (result, merged, stateResult, mergedState) =>
      void merges.push([String(result), merged.map(String), String(stateResult), mergedState.map(String)]),
  };
}

const noMerge: WindowMerger<TimeWindow> = { mergeWindows: () => {} };

describe('MergingWindowSet', () => {
  it('keeps separate windows as their own state windows and persists only changes', () => {
    const state = listState<WindowMapping<TimeWindow>>();
    const set = new MergingWindowSet(sessions, state);
    const merges: Merge[] = [];
    expect(String(set.addWindow(tw(0, 3), recordMerges(merges)))).toBe('TimeWindow[0, 3)');
    expect(String(set.addWindow(tw(5, 8), recordMerges(merges)))).toBe('TimeWindow[5, 8)');
    expect(merges).toEqual([]);
    expect(String(set.getStateWindow(tw(5, 8)))).toBe('TimeWindow[5, 8)');
    set.persist();
    set.persist();
    expect(state.writes).toBe(1);
    expect(state.items.map(([w, s]) => [String(w), String(s)])).toEqual([
      ['TimeWindow[0, 3)', 'TimeWindow[0, 3)'],
      ['TimeWindow[5, 8)', 'TimeWindow[5, 8)'],
    ]);
  });

  it('merges a bridging window: the result keeps one state window and the other state windows merge into it', () => {
    const set = new MergingWindowSet(sessions, listState<WindowMapping<TimeWindow>>());
    const merges: Merge[] = [];
    set.addWindow(tw(0, 3), recordMerges(merges));
    set.addWindow(tw(5, 8), recordMerges(merges));
    const result = set.addWindow(tw(2, 5), recordMerges(merges));
    expect(String(result)).toBe('TimeWindow[0, 8)');
    expect(merges).toEqual([['TimeWindow[0, 8)', ['TimeWindow[0, 3)', 'TimeWindow[5, 8)'], 'TimeWindow[0, 3)', ['TimeWindow[5, 8)']]]);
    expect(String(set.getStateWindow(result))).toBe('TimeWindow[0, 3)');
    expect(set.getStateWindow(tw(0, 3))).toBeUndefined();
    expect(set.windows().map(String)).toEqual(['TimeWindow[0, 8)']);
  });

  it('does not report a merge when the new window falls inside an in-flight window', () => {
    const set = new MergingWindowSet(sessions, listState<WindowMapping<TimeWindow>>());
    const merges: Merge[] = [];
    set.addWindow(tw(0, 3), recordMerges(merges));
    set.addWindow(tw(2, 5), recordMerges(merges)); // → [0, 5), state window [0, 3)
    merges.length = 0;
    expect(String(set.addWindow(tw(1, 4), recordMerges(merges)))).toBe('TimeWindow[0, 5)');
    expect(String(set.addWindow(tw(0, 5), recordMerges(merges)))).toBe('TimeWindow[0, 5)');
    expect(merges).toEqual([]);
    expect(String(set.getStateWindow(tw(0, 5)))).toBe('TimeWindow[0, 3)');
  });

  it('extends a window: the merge result takes over its state window', () => {
    const set = new MergingWindowSet(sessions, listState<WindowMapping<TimeWindow>>());
    const merges: Merge[] = [];
    set.addWindow(tw(0, 3), recordMerges(merges));
    expect(String(set.addWindow(tw(2, 5), recordMerges(merges)))).toBe('TimeWindow[0, 5)');
    expect(merges).toEqual([['TimeWindow[0, 5)', ['TimeWindow[0, 3)'], 'TimeWindow[0, 3)', []]]);
  });

  it('restores its mapping from state (also from structured clones) and clears the state when empty', () => {
    const state = listState<WindowMapping<TimeWindow>>();
    const first = new MergingWindowSet(sessions, state);
    first.addWindow(tw(0, 3), noMerge);
    first.addWindow(tw(2, 5), noMerge);
    first.persist();
    state.items = structuredClone(state.items);
    const again = new MergingWindowSet(sessions, state);
    expect(String(again.getStateWindow(tw(0, 5)))).toBe('TimeWindow[0, 3)');
    expect(() => again.retireWindow(tw(0, 3))).toThrow(/not in the in-flight window set/);
    again.retireWindow(tw(0, 5));
    again.persist();
    expect(state.items).toEqual([]);
  });

  it('adds session bounds without a window when they fall inside, and finds the window covering an older one', () => {
    const state = listState<WindowMapping<TimeWindow>>();
    const set = new MergingWindowSet(sessions, state);
    const merges: Merge[] = [];
    const [first] = set.addTimeWindow(0, 3, recordMerges(merges));
    const [extended, stateWindow] = set.addTimeWindow(2, 5, recordMerges(merges));
    expect([String(extended), String(stateWindow)]).toEqual(['TimeWindow[0, 5)', 'TimeWindow[0, 3)']);
    expect(set.addTimeWindow(1, 4, recordMerges(merges))[0]).toBe(extended); // inside: the in-flight entry, no merge
    expect(merges).toEqual([['TimeWindow[0, 5)', ['TimeWindow[0, 3)'], 'TimeWindow[0, 3)', []]]);
    expect(set.getCovering(first!)?.[0]).toBe(extended);
    expect(set.getCovering(tw(4, 9))).toBeUndefined();
    expect(set.isLoaded(extended!)).toBe(false);
    set.persist();
    const rebuilt = new MergingWindowSet(sessions, state);
    const [loaded] = rebuilt.addTimeWindow(4, 5, noMerge);
    expect(rebuilt.isLoaded(loaded!)).toBe(true); // read from state: its history is not known
  });
});

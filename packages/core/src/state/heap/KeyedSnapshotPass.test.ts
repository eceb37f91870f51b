import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AggregateFunction, Key } from '../../api/functions.js';
import { decodeState } from '../../checkpoint/serialization.js';
import { TestClock } from '../../testing/TestClock.js';
import { AggregatingStateDescriptor, ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor } from '../descriptors.js';
import { HeapKeyedStateBackend } from '../HeapKeyedStateBackend.js';
import type { KeyedStateSnapshot } from '../KeyedStateAccess.js';
import { keyGroupOf } from '../KeyGroups.js';

const MAX_P = 16;

function newBackend(clock = new TestClock(0)): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: { start: 0, end: MAX_P - 1 }, clock });
}

/** An accumulator changed in place by `add`, as window aggregates do. */
const sum: AggregateFunction<number, { total: number }, number> = {
  createAccumulator: () => ({ total: 0 }),
  add: (value, acc) => {
    acc.total += value;
    return acc;
  },
  getResult: (acc) => acc.total,
  merge: (a, b) => ({ total: a.total + b.total }),
};

/** The operations the property drives: every state kind, in place mutation, namespaces. */
type Op =
  | { kind: 'setValue'; key: number; ns: number; n: number }
  | { kind: 'bumpInPlace'; key: number; ns: number }
  | { kind: 'clearValue'; key: number; ns: number }
  | { kind: 'addToList'; key: number; ns: number; n: number }
  | { kind: 'putInMap'; key: number; n: number }
  | { kind: 'removeFromMap'; key: number; n: number }
  | { kind: 'aggregate'; key: number; ns: number; n: number }
  | { kind: 'mergeLists'; key: number; target: number; source: number }
  | { kind: 'refillAdopted'; key: number; n: number }
  | { kind: 'snapshotStep'; entries: number };

const key = fc.integer({ min: 0, max: 6 });
const ns = fc.integer({ min: 0, max: 3 });
const n = fc.integer({ min: 0, max: 5 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('setValue' as const), key, ns, n }),
  fc.record({ kind: fc.constant('bumpInPlace' as const), key, ns }),
  fc.record({ kind: fc.constant('clearValue' as const), key, ns }),
  fc.record({ kind: fc.constant('addToList' as const), key, ns, n }),
  fc.record({ kind: fc.constant('putInMap' as const), key, n }),
  fc.record({ kind: fc.constant('removeFromMap' as const), key, n }),
  fc.record({ kind: fc.constant('aggregate' as const), key, ns, n }),
  fc.record({ kind: fc.constant('mergeLists' as const), key, target: ns, source: ns }),
  fc.record({ kind: fc.constant('refillAdopted' as const), key, n }),
  fc.record({ kind: fc.constant('snapshotStep' as const), entries: fc.integer({ min: 1, max: 8 }) }),
);

/**
 * The naive oracle: every entry as `state|namespace|key` → value, kept as
 * plain JSON values and copied wholesale (structuredClone) when a snapshot starts.
 */
type Model = Map<string, unknown>;

function applyToModel(model: Model, o: Op): void {
  const id = (state: string, namespace: number, k: number): string => `${state}|${namespace}|${k}`;
  switch (o.kind) {
    case 'setValue':
      model.set(id('value', o.ns, o.key), { n: o.n });
      break;
    case 'bumpInPlace': {
      const current = model.get(id('value', o.ns, o.key)) as { n: number } | undefined;
      if (current !== undefined) model.set(id('value', o.ns, o.key), { n: current.n + 1 });
      break;
    }
    case 'clearValue':
      model.delete(id('value', o.ns, o.key));
      break;
    case 'addToList':
      model.set(id('list', o.ns, o.key), [...((model.get(id('list', o.ns, o.key)) as number[] | undefined) ?? []), o.n]);
      break;
    case 'putInMap': {
      const map = new Map((model.get(id('map', 0, o.key)) as Array<[number, number]> | undefined) ?? []);
      map.set(o.n, o.n * 10);
      model.set(id('map', 0, o.key), [...map]);
      break;
    }
    case 'removeFromMap': {
      const map = new Map((model.get(id('map', 0, o.key)) as Array<[number, number]> | undefined) ?? []);
      map.delete(o.n);
      if (map.size === 0) model.delete(id('map', 0, o.key));
      else model.set(id('map', 0, o.key), [...map]);
      break;
    }
    case 'aggregate': {
      const acc = (model.get(id('sum', o.ns, o.key)) as { total: number } | undefined) ?? { total: 0 };
      model.set(id('sum', o.ns, o.key), { total: acc.total + o.n });
      break;
    }
    case 'mergeLists': {
      if (o.target === o.source) break;
      const source = model.get(id('list', o.source, o.key)) as number[] | undefined;
      if (source === undefined) break;
      model.delete(id('list', o.source, o.key));
      const target = (model.get(id('list', o.target, o.key)) as number[] | undefined) ?? [];
      model.set(id('list', o.target, o.key), [...target, ...source]);
      break;
    }
    case 'refillAdopted':
      if (o.n === 0) model.delete(id('adopted', 0, o.key));
      else model.set(id('adopted', 0, o.key), adoptedContents(o.n));
      break;
    case 'snapshotStep':
      break;
  }
}

/** What `refillAdopted` with `n` > 0 leaves in the adopted list: `n` elements. */
const adoptedContents = (n: number): number[] => Array.from({ length: n }, (_, i) => n * 10 + i);

/** Per backend, the array each key's adopted list entry is (refilled in place, as merging window sets do). */
const adoptedArrays = new WeakMap<HeapKeyedStateBackend, Map<number, number[]>>();

/** Drives the real backend with the same operations. */
function applyToBackend(b: HeapKeyedStateBackend, o: Op): void {
  const value = b.getValueState(new ValueStateDescriptor<{ n: number }>('value'));
  const list = b.getListState(new ListStateDescriptor<number>('list'));
  const map = b.getMapState(new MapStateDescriptor<number, number>('map'));
  const agg = b.getAggregatingState(new AggregatingStateDescriptor('sum', sum));
  if (o.kind === 'snapshotStep') return;
  b.setCurrentKey(o.key);
  switch (o.kind) {
    case 'setValue':
      value.setCurrentNamespace(o.ns);
      value.update({ n: o.n });
      break;
    case 'bumpInPlace': {
      value.setCurrentNamespace(o.ns);
      const current = value.value();
      if (current !== undefined) {
        current.n++; // changed in place, then written back: the pattern the hook must see first
        value.update(current);
      }
      break;
    }
    case 'clearValue':
      value.setCurrentNamespace(o.ns);
      value.clear();
      break;
    case 'addToList':
      list.setCurrentNamespace(o.ns);
      list.add(o.n);
      break;
    case 'putInMap':
      map.put(o.n, o.n * 10);
      break;
    case 'removeFromMap':
      map.remove(o.n);
      break;
    case 'aggregate':
      agg.setCurrentNamespace(o.ns);
      agg.add(o.n);
      break;
    case 'mergeLists':
      if (o.target !== o.source) list.mergeNamespaces(o.target, [o.source]);
      break;
    case 'refillAdopted': {
      const adopted = b.getListState(new ListStateDescriptor<number>('adopted'));
      let arrays = adoptedArrays.get(b);
      if (arrays === undefined) adoptedArrays.set(b, (arrays = new Map()));
      if (o.n === 0) {
        adopted.clear();
        arrays.delete(o.key); // (the next refill adopts a fresh array)
        break;
      }
      let array = arrays.get(o.key);
      // an array that still is the entry is only touched, as merging window sets do
      if (array !== undefined) adopted.touchAdopted();
      else {
        arrays.set(o.key, (array = []));
        adopted.adopt(array);
      }
      const contents = adoptedContents(o.n);
      for (let i = 0; i < contents.length; i++) array[i] = contents[i]!;
      while (array.length > contents.length) array.pop();
      break;
    }
  }
}

/** A decoded snapshot as the oracle's `state|namespace|key` → value entries. */
function entriesOf(snapshot: KeyedStateSnapshot): Model {
  const entries: Model = new Map();
  for (const [group, byState] of Object.entries(snapshot.keyGroups)) {
    for (const [state, rows] of Object.entries(byState)) {
      for (const [namespace, k, value] of rows) {
        expect(keyGroupOf(k, MAX_P)).toBe(Number(group));
        const id = `${state}|${String(namespace)}|${String(k)}`;
        expect(entries.has(id), `entry ${id} written twice`).toBe(false);
        entries.set(id, value);
      }
    }
  }
  return entries;
}

describe('KeyedSnapshotPass', () => {
  it('holds exactly the state at its start, whatever the operator does while it is encoded (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.array(op, { maxLength: 120 }), (before, during) => {
        const b = newBackend();
        const model: Model = new Map();
        for (const o of before) {
          applyToBackend(b, o);
          applyToModel(model, o);
        }
        const expected = structuredClone(model);
        const pass = b.beginSnapshot();
        for (const o of during) {
          if (o.kind === 'snapshotStep') pass.advance(o.entries);
          applyToBackend(b, o);
          applyToModel(model, o);
        }
        pass.finishNow();
        expect(entriesOf(decodeState(pass.text()) as KeyedStateSnapshot)).toEqual(expected);
        // the live state went on unaffected: a snapshot now is the model now
        const after = b.beginSnapshot();
        after.finishNow();
        expect(entriesOf(decodeState(after.text()) as KeyedStateSnapshot)).toEqual(model);
      }),
      { numRuns: 500 },
    );
  });
});

describe('KeyedSnapshotPass details', () => {
  it('is encoded in slices between other work, and equals the synchronous snapshot', async () => {
    const b = newBackend();
    const count = b.getValueState(new ValueStateDescriptor<{ n: number }>('count'));
    for (let k = 0; k < 20_000; k++) {
      b.setCurrentKey(`k${k}`);
      count.update({ n: k });
    }
    const expected = entriesOf(JSON.parse(JSON.stringify(b.snapshot())) as KeyedStateSnapshot);
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const text = await b.beginSnapshot().complete(0.5);
    clearInterval(ticker);
    expect(turns).toBeGreaterThan(0);
    expect(entriesOf(decodeState(text) as KeyedStateSnapshot)).toEqual(expected);
  });

  it('drops entries expired when it started, and keeps restored state no handle asked for', () => {
    const clock = new TestClock(0);
    const b = newBackend(clock);
    const seen = b.getValueState(new ValueStateDescriptor<number>('seen').enableTimeToLive({ ttl: 100 }));
    b.setCurrentKey('old');
    seen.update(1);
    clock.advance(60);
    b.setCurrentKey('young');
    seen.update(2);
    clock.advance(50);
    b.restore([{ maxParallelism: MAX_P, keyGroups: { [keyGroupOf('r', MAX_P)]: { other: [[0, 'r', 7]] } }, states: { other: { kind: 'value', ttl: false } } }]);
    const pass = b.beginSnapshot();
    pass.finishNow();
    const snapshot = decodeState(pass.text()) as KeyedStateSnapshot;
    expect(entriesOf(snapshot)).toEqual(new Map<string, unknown>([['seen|0|young', [2, 60]], ['other|0|r', 7]]));
    expect(snapshot.states).toEqual({ seen: { kind: 'value', ttl: true }, other: { kind: 'value', ttl: false } });
    expect(b.numEntries('seen')).toBe(1);
  });

  it('fails the snapshot, not the access, when a value cannot be encoded', async () => {
    const b = newBackend();
    const handlers = b.getValueState(new ValueStateDescriptor<unknown>('handlers'));
    b.setCurrentKey('a');
    handlers.update({ onEvent: () => 1 });
    const pass = b.beginSnapshot();
    expect(() => handlers.value()).not.toThrow();
    await expect(pass.complete(1)).rejects.toThrow(/function is not serializable/);
  });

  it('a new snapshot finishes the one in progress first', () => {
    const b = newBackend();
    const count = b.getValueState(new ValueStateDescriptor<number>('count'));
    const keys: Key[] = ['a', 'b', 'c'];
    keys.forEach((k, i) => {
      b.setCurrentKey(k);
      count.update(i);
    });
    const first = b.beginSnapshot();
    b.setCurrentKey('a');
    count.update(100);
    const second = b.beginSnapshot();
    expect(first.isDone).toBe(true);
    second.finishNow();
    expect(entriesOf(decodeState(first.text()) as KeyedStateSnapshot).get('count|0|a')).toBe(0);
    expect(entriesOf(decodeState(second.text()) as KeyedStateSnapshot).get('count|0|a')).toBe(100);
  });
});

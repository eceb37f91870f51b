import { describe, expect, it } from 'vitest';
import type { AggregateFunction, Key } from '../api/functions.js';
import { TestClock } from '../testing/TestClock.js';
import {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
  type StateTtlConfig,
} from './descriptors.js';
import { HeapKeyedStateBackend } from './HeapKeyedStateBackend.js';
import type { KeyedStateSnapshot } from './KeyedStateAccess.js';
import { keyGroupOf, keyGroupRange, subtaskForKeyGroup } from './KeyGroups.js';

const MAX_P = 128;

function backend(clock = new TestClock(0), range = { start: 0, end: MAX_P - 1 }): HeapKeyedStateBackend {
  return new HeapKeyedStateBackend({ maxParallelism: MAX_P, keyGroupRange: range, clock });
}

const average: AggregateFunction<number, { sum: number; count: number }, number> = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (value, acc) => {
    acc.sum += value;
    acc.count++;
    return acc;
  },
  getResult: (acc) => acc.sum / acc.count,
  merge: (a, b) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

interface Window {
  start: number;
  end: number;
}
const windowKey = (w: Window): string => `${w.start}:${w.end}`;

/** JSON round trip, as a checkpoint written to storage would do. */
function viaJson(snapshot: KeyedStateSnapshot): KeyedStateSnapshot {
  return JSON.parse(JSON.stringify(snapshot)) as KeyedStateSnapshot;
}

describe('HeapKeyedStateBackend state kinds', () => {
  it('value state: default value, per-key values, clear, update(undefined)', () => {
    const b = backend();
    const count = b.getValueState(new ValueStateDescriptor<number>('count', 0));
    b.setCurrentKey('a');
    expect(count.value()).toBe(0);
    count.update(5);
    b.setCurrentKey('b');
    expect(count.value()).toBe(0);
    count.update(7);
    b.setCurrentKey('a');
    expect(count.value()).toBe(5);
    expect(b.numEntries('count')).toBe(2);
    count.clear();
    expect(count.value()).toBe(0);
    expect(b.numEntries('count')).toBe(1);
    b.setCurrentKey('b');
    count.update(undefined as unknown as number);
    expect(b.numEntries('count')).toBe(0);
    expect([...b.keys('count')]).toEqual([]);
  });

  it('value state without a default returns undefined', () => {
    const b = backend();
    const v = b.getValueState(new ValueStateDescriptor<string>('v'));
    b.setCurrentKey(1);
    expect(v.value()).toBeUndefined();
    v.update('x');
    expect(v.value()).toBe('x');
  });

  it('list state: add, addAll, update, get, and emptied lists are removed', () => {
    const b = backend();
    const list = b.getListState(new ListStateDescriptor<number>('list'));
    b.setCurrentKey('k');
    expect(list.get()).toEqual([]);
    list.add(1);
    list.addAll([2, 3]);
    expect(list.get()).toEqual([1, 2, 3]);
    list.addAll(list.get());
    expect(list.get()).toEqual([1, 2, 3, 1, 2, 3]);
    list.update([9]);
    expect(list.get()).toEqual([9]);
    list.addAll([]);
    expect(list.get()).toEqual([9]);
    list.update([]);
    expect(list.get()).toEqual([]);
    expect(b.numEntries('list')).toBe(0);
    list.addAll([]);
    expect(b.numEntries('list')).toBe(0);
    list.add(4);
    list.clear();
    expect(b.numEntries('list')).toBe(0);
  });

  it('map state: put, get, contains, remove, iteration, isEmpty; an emptied map is removed', () => {
    const b = backend();
    const map = b.getMapState(new MapStateDescriptor<string, number>('map'));
    b.setCurrentKey('k');
    expect(map.isEmpty()).toBe(true);
    expect([...map.entries()]).toEqual([]);
    map.put('x', 1);
    map.putAll([
      ['y', 2],
      ['z', 3],
    ]);
    expect(map.get('y')).toBe(2);
    expect(map.get('nope')).toBeUndefined();
    expect(map.contains('z')).toBe(true);
    expect(map.contains('nope')).toBe(false);
    expect([...map.entries()]).toEqual([
      ['x', 1],
      ['y', 2],
      ['z', 3],
    ]);
    expect([...map.keys()]).toEqual(['x', 'y', 'z']);
    expect([...map.values()]).toEqual([1, 2, 3]);
    expect(map.isEmpty()).toBe(false);
    b.setCurrentKey('other');
    expect(map.isEmpty()).toBe(true);
    b.setCurrentKey('k');
    map.remove('x');
    map.remove('y');
    expect(b.numEntries('map')).toBe(1);
    map.remove('z');
    expect(map.isEmpty()).toBe(true);
    expect(b.numEntries('map')).toBe(0);
  });

  it('reducing state folds added values', () => {
    const b = backend();
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('sum', (a, v) => a + v));
    b.setCurrentKey('k');
    expect(sum.get()).toBeUndefined();
    sum.add(1);
    sum.add(2);
    sum.add(3);
    expect(sum.get()).toBe(6);
    sum.clear();
    expect(sum.get()).toBeUndefined();
  });

  it('aggregating state keeps the accumulator and returns the result', () => {
    const b = backend();
    const avg = b.getAggregatingState(new AggregatingStateDescriptor('avg', average));
    b.setCurrentKey('k');
    expect(avg.get()).toBeUndefined();
    avg.add(2);
    avg.add(4);
    expect(avg.get()).toBe(3);
    b.setCurrentKey('j');
    avg.add(10);
    expect(avg.get()).toBe(10);
  });

  it('returns the same handle for the same name and rejects another kind under that name', () => {
    const b = backend();
    const first = b.getValueState(new ValueStateDescriptor<number>('s'));
    expect(b.getValueState(new ValueStateDescriptor<number>('s'))).toBe(first);
    expect(() => b.getListState(new ListStateDescriptor<number>('s'))).toThrow(/'s'.*value state.*list state/);
  });

  it('throws when state is used before a key is set', () => {
    const b = backend();
    const v = b.getValueState(new ValueStateDescriptor<number>('v'));
    expect(() => v.value()).toThrow(/'v'.*without a current key/);
    expect(() => b.getCurrentKey()).toThrow();
  });

  it('checks its options', () => {
    const clock = new TestClock();
    expect(() => new HeapKeyedStateBackend({ maxParallelism: 0, keyGroupRange: { start: 0, end: 0 }, clock })).toThrow(RangeError);
    expect(() => new HeapKeyedStateBackend({ maxParallelism: 4, keyGroupRange: { start: 0, end: 4 }, clock })).toThrow(/keyGroupRange/);
  });
});

describe('HeapKeyedStateBackend namespaces', () => {
  it('keeps one entry per (namespace, key); equal namespaces share an entry', () => {
    const b = backend();
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('sum', (a, v) => a + v), windowKey);
    b.setCurrentKey('k');
    sum.setCurrentNamespace({ start: 0, end: 10 });
    sum.add(1);
    sum.setCurrentNamespace({ start: 10, end: 20 });
    sum.add(5);
    sum.setCurrentNamespace({ start: 0, end: 10 });
    sum.add(2);
    expect(sum.get()).toBe(3);
    sum.setCurrentNamespace({ start: 10, end: 20 });
    expect(sum.get()).toBe(5);
    expect(b.numEntries('sum')).toBe(2);
    expect([...b.keys('sum')]).toEqual(['k']);
    sum.clear();
    expect(sum.get()).toBeUndefined();
    expect(b.numEntries('sum')).toBe(1);
  });

  it('handles over the same state see a namespace emptied and refilled through another handle', () => {
    const b = backend();
    const a = b.getValueState(new ValueStateDescriptor<number>('v'), windowKey);
    const other = b.getValueState(new ValueStateDescriptor<number>('v'), (w: Window) => `${w.start}:${w.end}`);
    expect(other).not.toBe(a);
    const w = { start: 0, end: 1 };
    a.setCurrentNamespace(w);
    other.setCurrentNamespace(w);
    b.setCurrentKey('k');
    a.update(1);
    expect(other.value()).toBe(1);
    other.clear();
    expect(a.value()).toBeUndefined();
    other.update(2);
    expect(a.value()).toBe(2);
  });

  it('keys() lists each key once across namespaces', () => {
    const b = backend();
    const v = b.getValueState(new ValueStateDescriptor<number>('v'));
    for (const key of ['a', 'b', 'c']) {
      b.setCurrentKey(key);
      for (const ns of [1, 2, 3]) {
        v.setCurrentNamespace(ns);
        v.update(ns);
      }
    }
    expect([...b.keys('v')].sort()).toEqual(['a', 'b', 'c']);
    expect([...b.keys('unknown')]).toEqual([]);
  });

  it('merges namespaces of list, reducing and aggregating state', () => {
    const b = backend();
    const list = b.getListState(new ListStateDescriptor<number>('list'), windowKey);
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('sum', (x, y) => x + y), windowKey);
    const avg = b.getAggregatingState(new AggregatingStateDescriptor('avg', average), windowKey);
    const w1 = { start: 0, end: 5 };
    const w2 = { start: 3, end: 8 };
    const w3 = { start: 6, end: 9 };
    const merged = { start: 0, end: 9 };
    b.setCurrentKey('k');
    for (const [w, values] of [
      [w1, [1, 2]],
      [w2, [3]],
      [w3, [6]],
    ] as const) {
      for (const handle of [list, sum, avg]) handle.setCurrentNamespace(w);
      for (const value of values) {
        list.add(value);
        sum.add(value);
        avg.add(value);
      }
    }
    for (const handle of [list, sum, avg]) handle.mergeNamespaces(merged, [w1, w2, w3]);
    for (const handle of [list, sum, avg]) handle.setCurrentNamespace(merged);
    expect([...list.get()].sort()).toEqual([1, 2, 3, 6]);
    expect(sum.get()).toBe(12);
    expect(avg.get()).toBe(3);
    for (const handle of [list, sum, avg]) handle.setCurrentNamespace(w1);
    expect(list.get()).toEqual([]);
    expect(sum.get()).toBeUndefined();
    expect(avg.get()).toBeUndefined();
    expect(b.numEntries()).toBe(3);
    // merging into a window that already has state keeps it
    sum.setCurrentNamespace(w1);
    sum.add(100);
    sum.mergeNamespaces(merged, [w1]);
    sum.setCurrentNamespace(merged);
    expect(sum.get()).toBe(112);
  });
});

describe('HeapKeyedStateBackend snapshot and restore', () => {
  function fill(b: HeapKeyedStateBackend, keys: readonly Key[]): void {
    const value = b.getValueState(new ValueStateDescriptor<string>('value'));
    const list = b.getListState(new ListStateDescriptor<number>('list'));
    const map = b.getMapState(new MapStateDescriptor<string, number>('map'));
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('sum', (x, y) => x + y), windowKey);
    const avg = b.getAggregatingState(new AggregatingStateDescriptor('avg', average));
    for (const key of keys) {
      b.setCurrentKey(key);
      value.update(`v-${key}`);
      list.addAll([1, 2, String(key).length]);
      map.put('a', 1);
      map.put(String(key), 2);
      sum.setCurrentNamespace({ start: 0, end: 10 });
      sum.add(3);
      sum.setCurrentNamespace({ start: 10, end: 20 });
      sum.add(4);
      avg.add(10);
      avg.add(20);
    }
  }

  function check(b: HeapKeyedStateBackend, key: Key): void {
    const value = b.getValueState(new ValueStateDescriptor<string>('value'));
    const list = b.getListState(new ListStateDescriptor<number>('list'));
    const map = b.getMapState(new MapStateDescriptor<string, number>('map'));
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('sum', (x, y) => x + y), windowKey);
    const avg = b.getAggregatingState(new AggregatingStateDescriptor('avg', average));
    b.setCurrentKey(key);
    expect(value.value()).toBe(`v-${key}`);
    expect(list.get()).toEqual([1, 2, String(key).length]);
    expect([...map.entries()]).toEqual([
      ['a', 1],
      [String(key), 2],
    ]);
    sum.setCurrentNamespace({ start: 0, end: 10 });
    expect(sum.get()).toBe(3);
    sum.setCurrentNamespace({ start: 10, end: 20 });
    expect(sum.get()).toBe(4);
    expect(avg.get()).toBe(15);
  }

  const keys: Key[] = Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? i : `key-${i}`));
  const ENTRIES_PER_KEY = 6; // value, list, map, 2 × sum, avg

  it('round-trips every state kind through JSON, registering before or after restore', () => {
    const source = backend();
    fill(source, keys);
    const snapshot = viaJson(source.snapshot());
    expect(snapshot.maxParallelism).toBe(MAX_P);
    expect(snapshot.states?.['map']).toEqual({ kind: 'map', ttl: false });

    const restoredFirst = backend();
    restoredFirst.restore([snapshot]);
    expect(restoredFirst.numEntries()).toBe(keys.length * ENTRIES_PER_KEY);
    expect(new Set(restoredFirst.keys('value'))).toEqual(new Set(keys));
    for (const key of keys) check(restoredFirst, key);

    const registeredFirst = backend();
    fill(registeredFirst, []);
    registeredFirst.restore([snapshot]);
    for (const key of keys) check(registeredFirst, key);

    // a snapshot of a restored backend that never registered its states keeps them
    const passThrough = backend();
    passThrough.restore([snapshot]);
    const again = backend();
    again.restore([viaJson(passThrough.snapshot())]);
    for (const key of keys) check(again, key);
  });

  it('groups entries by key group', () => {
    const b = backend();
    fill(b, keys);
    const snapshot = b.snapshot();
    for (const [group, states] of Object.entries(snapshot.keyGroups)) {
      for (const entries of Object.values(states)) {
        for (const [, key] of entries) expect(keyGroupOf(key, MAX_P)).toBe(Number(group));
      }
    }
  });

  it('rescales 2 → 1 and 1 → 4, keeping every entry exactly once', () => {
    const clock = new TestClock();
    const two = [0, 1].map((i) => backend(clock, keyGroupRange(i, MAX_P, 2)));
    for (const [i, b] of two.entries()) fill(b, keys.filter((k) => subtaskForKeyGroup(keyGroupOf(k, MAX_P), MAX_P, 2) === i));
    const snapshots = two.map((b) => viaJson(b.snapshot()));

    const one = backend(clock);
    one.restore(snapshots);
    expect(one.numEntries()).toBe(keys.length * ENTRIES_PER_KEY);
    for (const key of keys) check(one, key);

    const oneSnapshot = viaJson(one.snapshot());
    const four = [0, 1, 2, 3].map((i) => {
      const b = backend(clock, keyGroupRange(i, MAX_P, 4));
      b.restore([oneSnapshot]);
      return b;
    });
    expect(four.reduce((n, b) => n + b.numEntries(), 0)).toBe(keys.length * ENTRIES_PER_KEY);
    for (const key of keys) {
      const owner = subtaskForKeyGroup(keyGroupOf(key, MAX_P), MAX_P, 4);
      const holders = four.filter((b) => [...b.keys('value')].includes(key));
      expect(holders).toEqual([four[owner]]);
      check(four[owner] as HeapKeyedStateBackend, key);
    }
  });

  it('rejects a snapshot taken with another maxParallelism, and kind conflicts', () => {
    const b = backend();
    fill(b, ['a']);
    const snapshot = b.snapshot();
    const other = new HeapKeyedStateBackend({ maxParallelism: 64, keyGroupRange: { start: 0, end: 63 }, clock: new TestClock() });
    expect(() => other.restore([snapshot])).toThrow(/maxParallelism 128.*maxParallelism 64/);

    const registered = backend();
    registered.getListState(new ListStateDescriptor<string>('value'));
    expect(() => registered.restore([snapshot])).toThrow(/'value'/);

    const pending = backend();
    pending.restore([snapshot]);
    expect(() => pending.getMapState(new MapStateDescriptor<string, string>('value'))).toThrow(/'value'.*value state.*map state/);
  });
});

describe('HeapKeyedStateBackend TTL', () => {
  function ttlBackend(): { b: HeapKeyedStateBackend; clock: TestClock } {
    const clock = new TestClock(1_000);
    return { b: backend(clock), clock };
  }

  const ttl = (config: Partial<StateTtlConfig> = {}): StateTtlConfig => ({ ttl: 100, ...config });

  it('expires values after the last write (OnCreateAndWrite, NeverReturnExpired)', () => {
    const { b, clock } = ttlBackend();
    const v = b.getValueState(new ValueStateDescriptor<number>('v', -1).enableTimeToLive(ttl()));
    b.setCurrentKey('k');
    v.update(1);
    clock.advance(60);
    expect(v.value()).toBe(1); // reads do not refresh
    clock.advance(39);
    expect(v.value()).toBe(1);
    clock.advance(1);
    expect(v.value()).toBe(-1);
    expect(b.numEntries('v')).toBe(0);
    v.update(2);
    clock.advance(60);
    v.update(3); // a write refreshes
    clock.advance(60);
    expect(v.value()).toBe(3);
  });

  it('refreshes on read with OnReadAndWrite', () => {
    const { b, clock } = ttlBackend();
    const v = b.getValueState(new ValueStateDescriptor<number>('v').enableTimeToLive(ttl({ updateType: 'OnReadAndWrite' })));
    b.setCurrentKey('k');
    v.update(1);
    for (let i = 0; i < 5; i++) {
      clock.advance(90);
      expect(v.value()).toBe(1);
    }
    clock.advance(100);
    expect(v.value()).toBeUndefined();
  });

  it('returns an expired value until it is cleaned up with ReturnExpiredIfNotCleanedUp', () => {
    const { b, clock } = ttlBackend();
    const v = b.getValueState(new ValueStateDescriptor<number>('v').enableTimeToLive(ttl({ visibility: 'ReturnExpiredIfNotCleanedUp' })));
    b.setCurrentKey('k');
    v.update(1);
    clock.advance(150);
    expect([...b.keys('v')]).toEqual(['k']);
    expect(v.value()).toBe(1); // this read cleans it up
    expect(v.value()).toBeUndefined();
    expect(b.numEntries('v')).toBe(0);
  });

  it('expires list elements one by one', () => {
    const { b, clock } = ttlBackend();
    const list = b.getListState(new ListStateDescriptor<string>('l').enableTimeToLive(ttl()));
    b.setCurrentKey('k');
    list.add('a');
    clock.advance(50);
    list.addAll(['b', 'c']);
    clock.advance(50);
    expect(list.get()).toEqual(['b', 'c']);
    clock.advance(50);
    expect(list.get()).toEqual([]);
    expect(b.numEntries('l')).toBe(0);
  });

  it('returns expired list elements once with ReturnExpiredIfNotCleanedUp', () => {
    const { b, clock } = ttlBackend();
    const list = b.getListState(new ListStateDescriptor<string>('l').enableTimeToLive(ttl({ visibility: 'ReturnExpiredIfNotCleanedUp' })));
    b.setCurrentKey('k');
    list.add('old');
    clock.advance(100);
    list.add('new');
    expect(list.get()).toEqual(['old', 'new']);
    expect(list.get()).toEqual(['new']);
  });

  it('expires map entries one by one and refreshes them on read with OnReadAndWrite', () => {
    const { b, clock } = ttlBackend();
    const map = b.getMapState(new MapStateDescriptor<string, number>('m').enableTimeToLive(ttl({ updateType: 'OnReadAndWrite' })));
    b.setCurrentKey('k');
    map.put('a', 1);
    map.put('b', 2);
    clock.advance(80);
    expect(map.get('a')).toBe(1); // refreshes 'a' only
    clock.advance(30);
    expect(map.contains('b')).toBe(false);
    expect([...map.entries()]).toEqual([['a', 1]]);
    clock.advance(100);
    expect(map.isEmpty()).toBe(true);
    expect(b.numEntries('m')).toBe(0);
  });

  it('drops an expired reducing value before folding, and restarts an expired accumulator', () => {
    const { b, clock } = ttlBackend();
    const sum = b.getReducingState(new ReducingStateDescriptor<number>('sum', (x, y) => x + y).enableTimeToLive(ttl()));
    const avg = b.getAggregatingState(new AggregatingStateDescriptor('avg', average).enableTimeToLive(ttl()));
    b.setCurrentKey('k');
    sum.add(5);
    avg.add(5);
    clock.advance(100);
    sum.add(1);
    avg.add(1);
    expect(sum.get()).toBe(1);
    expect(avg.get()).toBe(1);
  });

  it('never snapshots an expired entry, and removes it', () => {
    const { b, clock } = ttlBackend();
    const v = b.getValueState(new ValueStateDescriptor<number>('v').enableTimeToLive(ttl({ visibility: 'ReturnExpiredIfNotCleanedUp' })));
    const list = b.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(ttl()));
    b.setCurrentKey('old');
    v.update(1);
    list.add(1);
    clock.advance(50);
    b.setCurrentKey('young');
    v.update(2);
    list.add(2);
    b.setCurrentKey('old');
    list.add(3);
    clock.advance(50);
    const snapshot = b.snapshot();
    const entries = Object.values(snapshot.keyGroups).flatMap((group) => Object.entries(group).flatMap(([name, es]) => es.map((e) => [name, e[1], e[2]])));
    expect(entries.sort()).toEqual(
      [
        ['l', 'old', [[3, 1050]]],
        ['l', 'young', [[2, 1050]]],
        ['v', 'young', [2, 1050]],
      ].sort(),
    );
    expect(b.numEntries('v')).toBe(1);
    b.setCurrentKey('old');
    expect(v.value()).toBeUndefined();
  });

  it('keeps TTL timestamps through snapshot and restore', () => {
    const { b, clock } = ttlBackend();
    const desc = () => new ValueStateDescriptor<number>('v').enableTimeToLive(ttl());
    const mapDesc = () => new MapStateDescriptor<string, number>('m').enableTimeToLive(ttl());
    b.getValueState(desc());
    const map = b.getMapState(mapDesc());
    b.setCurrentKey('k');
    b.getValueState(desc()).update(1);
    map.put('x', 1);
    clock.advance(60);
    const snapshot = viaJson(b.snapshot());

    const later = new TestClock(clock.now());
    const restored = backend(later);
    restored.restore([snapshot]);
    const v = restored.getValueState(desc());
    const m = restored.getMapState(mapDesc());
    restored.setCurrentKey('k');
    expect(v.value()).toBe(1);
    expect(m.get('x')).toBe(1);
    later.advance(40); // 100 ms after the original write
    expect(v.value()).toBeUndefined();
    expect(m.get('x')).toBeUndefined();

    const muchLater = backend(new TestClock(clock.now() + 1_000));
    muchLater.restore([snapshot]);
    muchLater.setCurrentKey('k');
    expect(muchLater.getValueState(desc()).value()).toBeUndefined();
  });

  it('tolerates TTL switched on or off between snapshot and restore', () => {
    const { b } = ttlBackend();
    b.setCurrentKey('k');
    b.getValueState(new ValueStateDescriptor<number>('v').enableTimeToLive(ttl())).update(7);
    b.getListState(new ListStateDescriptor<number>('l')).add(8);
    const snapshot = viaJson(b.snapshot());
    const clock = new TestClock(5_000);
    const r = backend(clock);
    r.restore([snapshot]);
    r.setCurrentKey('k');
    expect(r.getValueState(new ValueStateDescriptor<number>('v')).value()).toBe(7);
    const list = r.getListState(new ListStateDescriptor<number>('l').enableTimeToLive(ttl()));
    expect(list.get()).toEqual([8]);
    clock.advance(100); // timestamps were set at restore time
    expect(list.get()).toEqual([]);
  });
});

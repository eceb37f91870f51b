/**
 * `MapState` on the heap: each entry is a `Map`. With TTL every map entry
 * carries its own timestamp (like Flink): expired map entries are skipped
 * (or returned once, with `ReturnExpiredIfNotCleanedUp`) and removed on
 * access and in snapshots. A map emptied by `remove` or expiry is removed.
 */
import type { MapState } from '../State.js';
import type { Key } from '../../api/functions.js';
import { AbstractHeapState } from './AbstractHeapState.js';
import type { EntryCodec, NamespaceBucket } from './StateTable.js';
import { EXPIRED, isExpired, type TtlSettings, type TtlValue } from './ttl.js';

/** A map entry: the user map, or one of `TtlValue`s when TTL is on. */
export type MapEntry<UK, UV> = Map<UK, UV> | Map<UK, TtlValue<UV>>;

/** Snapshot form: `[key, value]` pairs, or `[key, value, timestamp]` triples with TTL. */
export function mapCodec<UK, UV>(ttl: TtlSettings | undefined): EntryCodec<MapEntry<UK, UV>> {
  const rows = (raw: unknown): unknown[][] => {
    if (!Array.isArray(raw) || !raw.every(Array.isArray)) throw new TypeError('expected an array of entries in a map state snapshot');
    return raw as unknown[][];
  };
  if (ttl === undefined) {
    return {
      encode: (stored) => Array.from(stored as Map<UK, UV>),
      decode(raw) {
        const map = new Map<UK, UV>();
        for (const row of rows(raw)) map.set(row[0] as UK, row[1] as UV);
        return map.size === 0 ? undefined : map;
      },
      isVisible: () => true,
    };
  }
  return {
    encode(stored, now) {
      const map = stored as Map<UK, TtlValue<UV>>;
      const out: Array<[UK, UV, number]> = [];
      for (const [k, e] of map) {
        if (isExpired(e.t, ttl, now)) map.delete(k);
        else out.push([k, e.v, e.t]);
      }
      return out.length === 0 ? EXPIRED : out;
    },
    decode(raw, rawHasTtl, now) {
      const map = new Map<UK, TtlValue<UV>>();
      for (const row of rows(raw)) map.set(row[0] as UK, { v: row[1] as UV, t: rawHasTtl ? (row[2] as number) : now });
      return map.size === 0 ? undefined : map;
    },
    isVisible(stored, now) {
      if (ttl.visibility === 'ReturnExpiredIfNotCleanedUp') return true;
      for (const e of (stored as Map<UK, TtlValue<UV>>).values()) if (!isExpired(e.t, ttl, now)) return true;
      return false;
    },
  };
}

/** A `MapState` handle over a heap `StateTable`. */
export class HeapMapState<UK, UV, N> extends AbstractHeapState<MapEntry<UK, UV>, N> implements MapState<UK, UV> {
  get(userKey: UK): UV | undefined {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket === undefined) return undefined;
    const stored = bucket.entries.get(key);
    if (stored === undefined) return undefined;
    if (this.ttl === undefined) return (stored as Map<UK, UV>).get(userKey);
    return this.readTtl(bucket, key, stored as Map<UK, TtlValue<UV>>, userKey, this.keyContext.now());
  }

  contains(userKey: UK): boolean {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket === undefined) return false;
    const stored = bucket.entries.get(key);
    if (stored === undefined) return false;
    if (this.ttl === undefined) return stored.has(userKey);
    const map = stored as Map<UK, TtlValue<UV>>;
    const e = map.get(userKey);
    if (e === undefined) return false;
    const now = this.keyContext.now();
    const expired = isExpired(e.t, this.ttl, now);
    this.readTtl(bucket, key, map, userKey, now);
    return !expired || this.ttl.visibility === 'ReturnExpiredIfNotCleanedUp';
  }

  put(userKey: UK, value: UV): void {
    const key = this.currentKey();
    const map = this.writableMap(key);
    if (this.ttl === undefined) {
      (map as Map<UK, UV>).set(userKey, value);
      return;
    }
    const now = this.keyContext.now();
    const ttlMap = map as Map<UK, TtlValue<UV>>;
    const e = ttlMap.get(userKey);
    if (e === undefined) {
      ttlMap.set(userKey, { v: value, t: now });
    } else {
      e.v = value;
      e.t = now;
    }
  }

  putAll(entries: Iterable<readonly [UK, UV]>): void {
    for (const [k, v] of entries) this.put(k, v);
  }

  remove(userKey: UK): void {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket === undefined) return;
    const stored = bucket.entries.get(key);
    if (stored === undefined) return;
    stored.delete(userKey);
    if (stored.size === 0) this.table.remove(bucket, key);
  }

  entries(): IterableIterator<[UK, UV]> {
    const stored = this.lookup();
    if (stored !== undefined && this.ttl === undefined) return (stored as Map<UK, UV>).entries();
    return this.iterate<[UK, UV]>((k, v) => [k, v]);
  }

  keys(): IterableIterator<UK> {
    const stored = this.lookup();
    if (stored !== undefined && this.ttl === undefined) return (stored as Map<UK, UV>).keys();
    return this.iterate((k) => k);
  }

  values(): IterableIterator<UV> {
    const stored = this.lookup();
    if (stored !== undefined && this.ttl === undefined) return (stored as Map<UK, UV>).values();
    return this.iterate((_, v) => v);
  }

  isEmpty(): boolean {
    const stored = this.lookup();
    if (stored === undefined) return true;
    if (this.ttl === undefined) return false;
    for (const _ of this.iterate((k) => k)) return false;
    return true;
  }

  private lookup(): MapEntry<UK, UV> | undefined {
    const key = this.currentKey();
    return this.bucket()?.entries.get(key);
  }

  private writableMap(key: Key): MapEntry<UK, UV> {
    const entries = this.writableBucket().entries;
    let map = entries.get(key);
    if (map === undefined) {
      map = new Map();
      entries.set(key, map);
    }
    return map;
  }

  /** Reads one TTL'd map entry: expiry, cleanup, visibility, refresh on read. */
  private readTtl(bucket: NamespaceBucket<MapEntry<UK, UV>>, key: Key, map: Map<UK, TtlValue<UV>>, userKey: UK, now: number): UV | undefined {
    const ttl = this.ttl as TtlSettings;
    const e = map.get(userKey);
    if (e === undefined) return undefined;
    if (isExpired(e.t, ttl, now)) {
      map.delete(userKey);
      if (map.size === 0) this.table.remove(bucket, key);
      return ttl.visibility === 'ReturnExpiredIfNotCleanedUp' ? e.v : undefined;
    }
    if (ttl.updateType === 'OnReadAndWrite') e.t = now;
    return e.v;
  }

  /** Iterates the current key's map (TTL-aware: every visited entry goes through `readTtl`). */
  private *iterate<R>(project: (k: UK, v: UV) => R): Generator<R, void, undefined> {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket === undefined) return;
    const stored = bucket.entries.get(key);
    if (stored === undefined) return;
    const ttl = this.ttl;
    if (ttl === undefined) {
      for (const [k, v] of stored as Map<UK, UV>) yield project(k, v);
      return;
    }
    const map = stored as Map<UK, TtlValue<UV>>;
    const now = this.keyContext.now();
    for (const [k, e] of map) {
      const expired = isExpired(e.t, ttl, now);
      const v = this.readTtl(bucket, key, map, k, now);
      if (!expired || ttl.visibility === 'ReturnExpiredIfNotCleanedUp') yield project(k, v as UV);
    }
  }
}

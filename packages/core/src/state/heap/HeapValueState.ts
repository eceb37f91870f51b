/**
 * `ValueState` on the heap, and the entry codec shared by the single-value
 * kinds (value, reducing, aggregating). Without TTL an entry is the value
 * itself; with TTL it is a `TtlValue` updated in place on each write.
 * `update(undefined)` clears the entry.
 */
import type { NamespaceKey } from '../KeyedStateAccess.js';
import type { ValueState } from '../State.js';
import { AbstractHeapState, readTtlValue, type KeyContext } from './AbstractHeapState.js';
import type { EntryCodec, StateTable } from './StateTable.js';
import { EXPIRED, decodeTtlPair, isExpired, type TtlSettings, type TtlValue } from './ttl.js';

/** A single-value entry: the value, or a `TtlValue` of it when TTL is on. */
export type SingleEntry<T> = T | TtlValue<T>;

/**
 * The codec of single-value entries. Snapshot form: the value, or
 * `[value, timestamp]` with TTL.
 */
export function singleValueCodec<T>(ttl: TtlSettings | undefined): EntryCodec<SingleEntry<T>> {
  if (ttl === undefined) {
    return {
      encode: (stored) => stored,
      decode: (raw, rawHasTtl) => (rawHasTtl ? decodeTtlPair<T>(raw).v : (raw as T)),
      isVisible: () => true,
    };
  }
  return {
    encode(stored, now) {
      const entry = stored as TtlValue<T>;
      return isExpired(entry.t, ttl, now) ? EXPIRED : [entry.v, entry.t];
    },
    decode: (raw, rawHasTtl, now) => (rawHasTtl ? decodeTtlPair<T>(raw) : { v: raw as T, t: now }),
    isVisible: (stored, now) => ttl.visibility === 'ReturnExpiredIfNotCleanedUp' || !isExpired((stored as TtlValue<T>).t, ttl, now),
  };
}

/** A `ValueState` handle over a heap `StateTable`. */
export class HeapValueState<T, N> extends AbstractHeapState<SingleEntry<T>, N> implements ValueState<T> {
  constructor(
    table: StateTable<SingleEntry<T>>,
    keyContext: KeyContext,
    namespaceKey: NamespaceKey<N> | undefined,
    private readonly defaultValue: T | undefined,
  ) {
    super(table, keyContext, namespaceKey);
  }

  value(): T | undefined {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket === undefined) return this.defaultValue;
    const stored = bucket.entries.get(key);
    if (stored === undefined) return this.defaultValue;
    const ttl = this.ttl;
    if (ttl === undefined) return stored as T;
    const value = readTtlValue(this.table, bucket, key, stored as TtlValue<T>, ttl, this.keyContext.now());
    return value === undefined ? this.defaultValue : value;
  }

  update(value: T): void {
    if (value === undefined) {
      this.clear();
      return;
    }
    const key = this.currentKey();
    const entries = this.writableBucket().entries;
    if (this.ttl === undefined) {
      entries.set(key, value);
      return;
    }
    const now = this.keyContext.now();
    const entry = entries.get(key) as TtlValue<T> | undefined;
    if (entry === undefined) {
      entries.set(key, { v: value, t: now });
    } else {
      entry.v = value;
      entry.t = now;
    }
  }
}

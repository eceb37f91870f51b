/**
 * `ListState` on the heap. Without TTL an entry is the array itself and
 * `get()` returns it without copying; with TTL every element carries its own
 * timestamp (like Flink), expired elements are dropped on read and in
 * snapshots, and `get()` builds a fresh array. An emptied list is removed.
 * `adopt` lets internal callers (merging window sets) keep one array as the
 * entry and refill it in place, instead of a copy per `update`.
 */
import type { MergingNamespaced } from '../KeyedStateAccess.js';
import type { ListState } from '../State.js';
import { AbstractHeapState } from './AbstractHeapState.js';
import type { EntryCodec } from './StateTable.js';
import { EXPIRED, decodeTtlPair, isExpired, type TtlSettings, type TtlValue } from './ttl.js';

/** A list entry: the elements, or `TtlValue`s of them when TTL is on. */
export type ListEntry<T> = T[] | TtlValue<T>[];

const EMPTY: readonly never[] = Object.freeze([]);

/** Snapshot form: an array of elements, or of `[element, timestamp]` pairs with TTL. */
export function listCodec<T>(ttl: TtlSettings | undefined): EntryCodec<ListEntry<T>> {
  const toArray = (raw: unknown): unknown[] => {
    if (!Array.isArray(raw)) throw new TypeError(`expected an array in a list state snapshot, got ${typeof raw}`);
    return raw;
  };
  if (ttl === undefined) {
    return {
      encode: (stored) => (stored as T[]).slice(),
      decode(raw, rawHasTtl) {
        const list = rawHasTtl ? toArray(raw).map((pair) => decodeTtlPair<T>(pair).v) : (toArray(raw).slice() as T[]);
        return list.length === 0 ? undefined : list;
      },
      isVisible: () => true,
    };
  }
  return {
    encode(stored, now) {
      const list = stored as TtlValue<T>[];
      pruneExpired(list, ttl, now);
      return list.length === 0 ? EXPIRED : list.map((e) => [e.v, e.t]);
    },
    decode(raw, rawHasTtl, now) {
      const list = toArray(raw).map((item) => (rawHasTtl ? decodeTtlPair<T>(item) : { v: item as T, t: now }));
      return list.length === 0 ? undefined : list;
    },
    isVisible: (stored, now) =>
      ttl.visibility === 'ReturnExpiredIfNotCleanedUp' || (stored as TtlValue<T>[]).some((e) => !isExpired(e.t, ttl, now)),
  };
}

/** Removes expired elements in place, keeping order. */
function pruneExpired<T>(list: TtlValue<T>[], ttl: TtlSettings, now: number): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const e = list[r] as TtlValue<T>;
    if (!isExpired(e.t, ttl, now)) list[w++] = e;
  }
  list.length = w;
}

/** A `ListState` handle over a heap `StateTable`; its namespaces can be merged. */
export class HeapListState<T, N> extends AbstractHeapState<ListEntry<T>, N> implements ListState<T>, MergingNamespaced<N> {
  get(): readonly T[] {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket === undefined) return EMPTY;
    const stored = bucket.entries.get(key);
    if (stored === undefined) return EMPTY;
    const ttl = this.ttl;
    if (ttl === undefined) return stored as T[];
    const now = this.keyContext.now();
    const refresh = ttl.updateType === 'OnReadAndWrite';
    const returnExpired = ttl.visibility === 'ReturnExpiredIfNotCleanedUp';
    const list = stored as TtlValue<T>[];
    const result: T[] = [];
    let expired = 0;
    for (const e of list) {
      if (isExpired(e.t, ttl, now)) {
        expired++;
        if (returnExpired) result.push(e.v);
      } else {
        if (refresh) e.t = now;
        result.push(e.v);
      }
    }
    if (expired > 0) {
      pruneExpired(list, ttl, now);
      if (list.length === 0) this.table.remove(bucket, key);
    }
    return result;
  }

  add(value: T): void {
    const key = this.currentKey();
    const entries = this.writableBucket().entries;
    const element = this.ttl === undefined ? value : { v: value, t: this.keyContext.now() };
    const stored = entries.get(key) as unknown[] | undefined;
    if (stored === undefined) entries.set(key, [element] as ListEntry<T>);
    else stored.push(element);
  }

  addAll(values: Iterable<T>): void {
    const key = this.currentKey();
    const wrap = this.wrapper();
    let stored: unknown[] | undefined;
    // `addAll(state.get())` must not iterate the array it appends to.
    if ((values as unknown) === this.bucket()?.entries.get(key)) values = Array.from(values);
    for (const value of values) {
      if (stored === undefined) {
        const entries = this.writableBucket().entries;
        stored = entries.get(key) as unknown[] | undefined;
        if (stored === undefined) {
          stored = [];
          entries.set(key, stored as ListEntry<T>);
        }
      }
      stored.push(wrap === undefined ? value : wrap(value));
    }
  }

  update(values: Iterable<T>): void {
    const key = this.currentKey();
    const wrap = this.wrapper();
    const list = wrap === undefined ? Array.from(values) : Array.from(values, wrap);
    if (list.length === 0) {
      const bucket = this.bucket();
      if (bucket !== undefined) this.table.remove(bucket, key);
    } else {
      this.writableBucket().entries.set(key, list as ListEntry<T>);
    }
  }

  /**
   * Makes `list` itself the current key's entry, without a copy, once a
   * snapshot in progress has seen the entry as it was. The caller then fills
   * or changes `list` in place before its next access of this state, calls
   * `adopt` again before each later change, and never leaves it empty
   * (`clear` instead). Only for state without TTL (elements carry no timestamps).
   *
   * ```ts
   * mappingState.adopt(persisted); // then copy the new mapping into `persisted`
   * ```
   */
  adopt(list: T[]): void {
    if (this.ttl !== undefined) throw new TypeError(`list state '${this.table.name}' has TTL: adopt needs state without TTL (use update)`);
    const key = this.currentKey();
    const entries = this.writableBucket().entries;
    if (entries.get(key) !== list) entries.set(key, list);
  }

  /**
   * `adopt(list)` for a `list` this handle adopted as the current key's entry
   * in the current namespace, and that still is the entry (nothing but the
   * adopter changed it since): skips the lookup and only tells a snapshot
   * in progress of the coming change.
   *
   * ```ts
   * mappingState.touchAdopted(); // then change `persisted` in place
   * ```
   */
  touchAdopted(): void {
    this.currentKey();
  }

  /** Appends the current key's lists of `sources` to `target`'s, clearing the sources. Elements keep their TTL timestamps. */
  mergeNamespaces(target: N, sources: readonly N[]): void {
    const key = this.currentKey();
    let merged: unknown[] | undefined;
    for (const source of sources) {
      const stored = this.takeFrom(source, key) as unknown[] | undefined;
      if (stored === undefined) continue;
      if (merged === undefined) merged = stored;
      else for (const e of stored) merged.push(e);
    }
    if (merged === undefined) return;
    const existing = this.takeFrom(target, key) as unknown[] | undefined;
    if (existing !== undefined) {
      for (const e of merged) existing.push(e);
      merged = existing;
    }
    if (this.ttl !== undefined) pruneExpired(merged as TtlValue<T>[], this.ttl, this.keyContext.now());
    if (merged.length > 0) this.writeTo(target, key, merged as ListEntry<T>);
  }

  /** With TTL: wraps a value with the current time. */
  private wrapper(): ((value: T) => TtlValue<T>) | undefined {
    if (this.ttl === undefined) return undefined;
    const now = this.keyContext.now();
    return (value) => ({ v: value, t: now });
  }
}

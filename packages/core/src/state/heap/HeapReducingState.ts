/**
 * `ReducingState` on the heap: added values are folded into one with the
 * descriptor's reduce function. Its namespaces can be merged (merging
 * windows). With TTL, an expired value is dropped before the next fold.
 */
import type { ReduceFunction } from '../../api/functions.js';
import type { MergingNamespaced, NamespaceKey } from '../KeyedStateAccess.js';
import type { ReducingState } from '../State.js';
import { AbstractHeapState, readTtlValue, type KeyContext } from './AbstractHeapState.js';
import type { SingleEntry } from './HeapValueState.js';
import type { StateTable } from './StateTable.js';
import { isExpired, type TtlValue } from './ttl.js';

/** A `ReducingState` handle over a heap `StateTable`; its namespaces can be merged. */
export class HeapReducingState<T, N> extends AbstractHeapState<SingleEntry<T>, N> implements ReducingState<T>, MergingNamespaced<N> {
  constructor(
    table: StateTable<SingleEntry<T>>,
    keyContext: KeyContext,
    namespaceKey: NamespaceKey<N> | undefined,
    private readonly reduce: ReduceFunction<T>,
  ) {
    super(table, keyContext, namespaceKey);
  }

  get(): T | undefined {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket === undefined) return undefined;
    const stored = bucket.entries.get(key);
    if (stored === undefined || this.ttl === undefined) return stored as T | undefined;
    return readTtlValue(this.table, bucket, key, stored as TtlValue<T>, this.ttl, this.keyContext.now());
  }

  add(value: T): void {
    const key = this.currentKey();
    const entries = this.writableBucket().entries;
    const stored = entries.get(key);
    const ttl = this.ttl;
    if (ttl === undefined) {
      entries.set(key, stored === undefined ? value : this.reduce(stored as T, value));
      return;
    }
    const now = this.keyContext.now();
    const entry = stored as TtlValue<T> | undefined;
    if (entry === undefined) {
      entries.set(key, { v: value, t: now });
    } else if (isExpired(entry.t, ttl, now)) {
      entry.v = value;
      entry.t = now;
    } else {
      entry.v = this.reduce(entry.v, value);
      entry.t = now;
    }
  }

  /** Folds the current key's values of `sources` into `target`, clearing the sources. */
  mergeNamespaces(target: N, sources: readonly N[]): void {
    this.mergeSingleValues(target, sources, this.reduce);
  }
}

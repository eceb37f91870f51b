/**
 * `AggregatingState` on the heap: stores the accumulator of the
 * descriptor's AggregateFunction and returns `getResult` of it. Namespaces
 * merge with `AggregateFunction.merge` (merging windows). With TTL, an
 * expired accumulator is replaced by a fresh one on the next add.
 */
import type { AggregateFunction } from '../../api/functions.js';
import type { MergingNamespaced, NamespaceKey } from '../KeyedStateAccess.js';
import type { AggregatingState } from '../State.js';
import { AbstractHeapState, readTtlValue, type KeyContext } from './AbstractHeapState.js';
import type { SingleEntry } from './HeapValueState.js';
import type { StateTable } from './StateTable.js';
import { isExpired, type TtlValue } from './ttl.js';

/** An `AggregatingState` handle over a heap `StateTable`; its namespaces can be merged. */
export class HeapAggregatingState<IN, ACC, OUT, N>
  extends AbstractHeapState<SingleEntry<ACC>, N>
  implements AggregatingState<IN, OUT>, MergingNamespaced<N>
{
  constructor(
    table: StateTable<SingleEntry<ACC>>,
    keyContext: KeyContext,
    namespaceKey: NamespaceKey<N> | undefined,
    private readonly aggregate: AggregateFunction<IN, ACC, OUT>,
  ) {
    super(table, keyContext, namespaceKey);
  }

  private readonly mergeAccumulators = (a: ACC, b: ACC): ACC => this.aggregate.merge(a, b);

  get(): OUT | undefined {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket === undefined) return undefined;
    const stored = bucket.entries.get(key);
    if (stored === undefined) return undefined;
    if (this.ttl === undefined) return this.aggregate.getResult(stored as ACC);
    const acc = readTtlValue(this.table, bucket, key, stored as TtlValue<ACC>, this.ttl, this.keyContext.now());
    return acc === undefined ? undefined : this.aggregate.getResult(acc);
  }

  add(value: IN): void {
    const key = this.currentKey();
    const entries = this.writableBucket().entries;
    const stored = entries.get(key);
    const ttl = this.ttl;
    if (ttl === undefined) {
      const acc = stored === undefined ? this.aggregate.createAccumulator() : (stored as ACC);
      const next = this.aggregate.add(value, acc);
      if (next !== stored) entries.set(key, next);
      return;
    }
    const now = this.keyContext.now();
    const entry = stored as TtlValue<ACC> | undefined;
    if (entry === undefined) {
      entries.set(key, { v: this.aggregate.add(value, this.aggregate.createAccumulator()), t: now });
    } else {
      const acc = isExpired(entry.t, ttl, now) ? this.aggregate.createAccumulator() : entry.v;
      entry.v = this.aggregate.add(value, acc);
      entry.t = now;
    }
  }

  /** Merges the current key's accumulators of `sources` into `target`, clearing the sources. */
  mergeNamespaces(target: N, sources: readonly N[]): void {
    this.mergeSingleValues(target, sources, this.mergeAccumulators);
  }
}

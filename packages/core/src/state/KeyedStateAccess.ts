/**
 * The keyed state a keyed operator works with: the current key, state
 * handles per descriptor, and snapshots by key group. Implemented by the heap
 * backend (`HeapKeyedStateBackend`).
 *
 * A handle reads and writes the entry of the current key in the handle's
 * current namespace. Plain functions use the default namespace; the window
 * operator sets the namespace to the window before touching window state.
 */
import type { Key } from '../api/functions.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from './descriptors.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './State.js';

/** The namespace of state that belongs to no window. */
export const VOID_NAMESPACE = 0;

/** A state handle whose namespace can be switched. */
export interface Namespaced<N = unknown> {
  setCurrentNamespace(namespace: N): void;
  /** The keys with an entry in `namespace` (a live view: do not add entries while iterating; TTL is not checked). */
  keysIn(namespace: N): Iterable<Key>;
  /** The number of keys `keysIn` lists. */
  countIn(namespace: N): number;
  /**
   * Call before changing in place a value read earlier from the current
   * key's entry in `namespace` (a mutable accumulator, say): a snapshot in
   * progress copies the entry first. Costs a field check otherwise.
   */
  touchEntry(namespace: N): void;
}

/**
 * A state handle whose entries in several namespaces can be merged into one
 * (list, reducing and aggregating state; used by merging windows).
 */
export interface MergingNamespaced<N = unknown> extends Namespaced<N> {
  /**
   * Merges the current key's entries of `sources` into `target` (lists are
   * appended, reducing state reduced, accumulators merged with
   * `AggregateFunction.merge`) and clears them in `sources`. The handle's
   * current namespace is unchanged.
   */
  mergeNamespaces(target: N, sources: readonly N[]): void;
}

/**
 * A list state handle that can take an array as its entry without copying it
 * (internal: the window operator's merging window sets). See `HeapListState.adopt`.
 */
export interface AdoptingList<T> {
  adopt(list: T[]): void;
  /** Before an in-place change of the adopted list that still is the entry. See `HeapListState.touchAdopted`. */
  touchAdopted(): void;
}

/** Maps a namespace to a primitive identity; equal namespaces must give equal identities. */
export type NamespaceKey<N> = (namespace: N) => string | number;

/** State of one key group: state name → entries of [namespace, key, value]. JSON-friendly. */
export type KeyGroupSnapshot = Record<string, Array<[namespace: unknown, key: Key, value: unknown]>>;

/** The kinds of keyed state. */
export type StateKind = 'value' | 'list' | 'map' | 'reducing' | 'aggregating';

/** What a snapshot records about one state: its kind, and whether its values carry TTL timestamps. */
export interface StateMeta {
  readonly kind: StateKind;
  readonly ttl: boolean;
}

/** A snapshot of a backend: key group → its state. */
export interface KeyedStateSnapshot {
  readonly maxParallelism: number;
  readonly keyGroups: Record<number, KeyGroupSnapshot>;
  /**
   * Per state name: its kind and TTL flag, so a restore can check the kind
   * and read the entries' encoding before the state is registered again.
   */
  readonly states?: Record<string, StateMeta>;
}

export interface KeyedStateAccess {
  getCurrentKey(): Key;
  setCurrentKey(key: Key): void;

  getValueState<T, N = number>(descriptor: ValueStateDescriptor<T>, namespaceKey?: NamespaceKey<N>): ValueState<T> & Namespaced<N>;
  getListState<T, N = number>(
    descriptor: ListStateDescriptor<T>,
    namespaceKey?: NamespaceKey<N>,
  ): ListState<T> & MergingNamespaced<N> & AdoptingList<T>;
  getMapState<UK, UV, N = number>(
    descriptor: MapStateDescriptor<UK, UV>,
    namespaceKey?: NamespaceKey<N>,
  ): MapState<UK, UV> & Namespaced<N>;
  getReducingState<T, N = number>(
    descriptor: ReducingStateDescriptor<T>,
    namespaceKey?: NamespaceKey<N>,
  ): ReducingState<T> & MergingNamespaced<N>;
  getAggregatingState<IN, ACC, OUT, N = number>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
    namespaceKey?: NamespaceKey<N>,
  ): AggregatingState<IN, OUT> & MergingNamespaced<N>;

  /** Every key that has an entry in the named state (any namespace). */
  keys(stateName: string): Iterable<Key>;

  /** Snapshot of all state, grouped by key group. */
  snapshot(): KeyedStateSnapshot;
  /** Loads the entries of the key groups this backend owns from one or more snapshots (rescaling). */
  restore(snapshots: readonly KeyedStateSnapshot[]): void;
}

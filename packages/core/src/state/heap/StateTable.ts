/**
 * The heap storage of one named piece of keyed state: namespace identity →
 * bucket `{ namespace, entries: key → stored entry }`. Plain keyed state
 * lives in one bucket (the void namespace); window state has one bucket per
 * window, so purging a window drops one small map. Empty entries and empty
 * buckets are removed at once, so memory follows live state.
 *
 * What an entry stores depends on the state kind and on TTL (a plain value,
 * an array, a Map, or their `TtlValue` wrappers); each kind supplies an
 * `EntryCodec` that turns its entries into JSON-friendly snapshot values and back.
 */
import type { Key } from '../../api/functions.js';
import type { StateKind } from '../KeyedStateAccess.js';
import type { TtlSettings } from './ttl.js';

/** The primitive identity of a namespace (see `NamespaceKey`). */
export type NamespaceId = string | number;

/** The entries of one namespace. `detached` turns true when the table drops the (empty) bucket. */
export class NamespaceBucket<S> {
  detached = false;
  readonly entries = new Map<Key, S>();

  constructor(
    readonly id: NamespaceId,
    readonly namespace: unknown,
    /** The `id` of the table holding the bucket, what a `NamespaceSlot` is checked against. */
    readonly tableId: symbol,
    /** The function `id` was computed with (handles of one table may name namespaces differently). */
    readonly identityOf: ((namespace: never) => NamespaceId) | undefined,
  ) {}
}

/**
 * A namespace object with a slot for the bucket it was last looked up in
 * (time windows have one: `TimeWindow.stateBucket`): a handle switching to
 * it takes the bucket from the slot when the slot holds a live bucket of the
 * handle's table, instead of computing the identity and looking it up — session
 * windows are each their own bucket, and consecutive records switch
 * between them. A slot serves one table at a time (the last one that
 * looked it up). Gotcha: a window kept after its job keeps that one
 * bucket's entries alive (not the table: buckets name it by `tableId`).
 */
export interface NamespaceSlot {
  /** A bucket, `null` when empty; reads `undefined` on namespaces without a slot. */
  stateBucket: unknown;
}

/**
 * The live bucket of `table` that `namespace`'s slot holds, if its identity
 * was computed with `identityOf` (so it is `namespace`'s identity too:
 * identities of slotted namespaces never change).
 */
export function slottedBucket<S>(
  namespace: unknown,
  table: StateTable<S>,
  identityOf: ((namespace: never) => NamespaceId) | undefined,
): NamespaceBucket<S> | undefined {
  if (typeof namespace !== 'object' || namespace === null) return undefined;
  const bucket = (namespace as NamespaceSlot).stateBucket as NamespaceBucket<S> | null | undefined;
  return bucket != null && bucket.tableId === table.id && bucket.identityOf === identityOf && !bucket.detached ? bucket : undefined;
}

/** Puts `bucket` into `namespace`'s slot, when it has one. */
export function fillSlot(namespace: unknown, bucket: NamespaceBucket<unknown>): void {
  if (typeof namespace === 'object' && namespace !== null && (namespace as NamespaceSlot).stateBucket !== undefined) {
    (namespace as NamespaceSlot).stateBucket = bucket;
  }
}

/** Converts a state kind's stored entries to snapshot values and back. */
export interface EntryCodec<S> {
  /**
   * The JSON-friendly form of an entry, or `EXPIRED` when nothing of it is
   * left alive at `now`. May prune expired list elements / map entries in place.
   */
  encode(stored: S, now: number): unknown;
  /**
   * Rebuilds an entry from its snapshot form. `rawHasTtl` says whether the
   * snapshot carried timestamps (TTL switched on or off since is tolerated:
   * timestamps are dropped, or set to `now`). `undefined` when the entry is empty.
   */
  decode(raw: unknown, rawHasTtl: boolean, now: number): S | undefined;
  /** Whether a read of the entry at `now` would see anything (TTL), for `keys()`. */
  isVisible(stored: S, now: number): boolean;
}

/** What a snapshot in progress needs to hear: an entry is about to be read or changed (see `KeyedSnapshotPass`). */
export interface TableSnapshotHook {
  touch(namespace: NamespaceId, key: Key): void;
}

/** One named state's entries, by namespace then key. */
export class StateTable<S> {
  readonly buckets = new Map<NamespaceId, NamespaceBucket<S>>();
  /** Tells this table's buckets from other tables' (see `NamespaceSlot`). */
  readonly id: symbol;
  /** The snapshot being taken of this table, if any: handles call it before each access. */
  snapshotHook: TableSnapshotHook | undefined = undefined;

  constructor(
    readonly name: string,
    readonly kind: StateKind,
    readonly ttl: TtlSettings | undefined,
    readonly codec: EntryCodec<S>,
  ) {
    this.id = Symbol(name);
  }

  /** The bucket of a namespace (whose identity `id` is, by `identityOf`), created when missing. */
  bucketFor(id: NamespaceId, namespace: unknown, identityOf: ((namespace: never) => NamespaceId) | undefined): NamespaceBucket<S> {
    let bucket = this.buckets.get(id);
    if (bucket === undefined) {
      bucket = new NamespaceBucket<S>(id, namespace, this.id, identityOf);
      this.buckets.set(id, bucket);
    }
    return bucket;
  }

  /** Removes one entry, and its bucket when that was the last entry. */
  remove(bucket: NamespaceBucket<S>, key: Key): void {
    const entries = bucket.entries;
    entries.delete(key);
    if (entries.size === 0) this.dropBucket(bucket);
  }

  /** Drops a bucket (when it is the table's current bucket for its namespace). */
  dropBucket(bucket: NamespaceBucket<S>): void {
    if (this.buckets.get(bucket.id) === bucket) this.buckets.delete(bucket.id);
    bucket.detached = true;
  }

  /** The number of (namespace, key) entries. */
  size(): number {
    let n = 0;
    for (const bucket of this.buckets.values()) n += bucket.entries.size;
    return n;
  }
}

/**
 * The base of the heap state handles: the handle's current namespace (and
 * its identity), the cached bucket of that namespace, the current key read
 * from the backend, and the helpers every kind shares (clear, moving entries
 * between namespaces for merging windows). On the default namespace an
 * access costs one bucket check and one `Map` lookup, and allocates nothing;
 * switching to a namespace object that carries its bucket (`NamespaceSlot`,
 * e.g. a session window) costs no lookup of the bucket either.
 */
import type { Key } from '../../api/functions.js';
import { VOID_NAMESPACE, type NamespaceKey, type Namespaced } from '../KeyedStateAccess.js';
import { fillSlot, slottedBucket, type NamespaceBucket, type NamespaceId, type StateTable } from './StateTable.js';
import { isExpired, type TtlSettings, type TtlValue } from './ttl.js';

/** What a handle reads from its backend: the current key and the processing time (for TTL). */
export interface KeyContext {
  /** The current key; `undefined` before the first `setCurrentKey`. */
  readonly currentKey: Key | undefined;
  now(): number;
}

const NO_KEYS: readonly Key[] = [];

/** Thrown when state is used before any key was set. */
function noKeySet(stateName: string): Error {
  return new Error(`State '${stateName}' was accessed without a current key: keyed state needs a keyed stream (keyBy) and a record or timer in scope`);
}

/** The base of every heap state handle (namespace, bucket cache, current key). */
export abstract class AbstractHeapState<S, N> implements Namespaced<N> {
  protected readonly ttl: TtlSettings | undefined;
  private nsId: NamespaceId = VOID_NAMESPACE;
  private namespace: unknown = VOID_NAMESPACE;
  /** The bucket of the current namespace, when it existed at the last lookup. */
  private cached: NamespaceBucket<S> | undefined = undefined;

  constructor(
    protected readonly table: StateTable<S>,
    protected readonly keyContext: KeyContext,
    private readonly namespaceKey: NamespaceKey<N> | undefined,
  ) {
    this.ttl = table.ttl;
  }

  /** Switches the namespace (e.g. the window) later calls read and write. */
  setCurrentNamespace(namespace: N): void {
    if (namespace === this.namespace) return; // the same object: the same identity and bucket
    this.namespace = namespace;
    const slotted = slottedBucket(namespace, this.table, this.namespaceKey);
    if (slotted !== undefined) {
      this.nsId = slotted.id;
      this.cached = slotted;
      return;
    }
    const id = this.identity(namespace);
    if (id !== this.nsId) {
      this.nsId = id;
      this.cached = undefined;
    }
  }

  keysIn(namespace: N): Iterable<Key> {
    return this.table.buckets.get(this.identity(namespace))?.entries.keys() ?? NO_KEYS;
  }

  countIn(namespace: N): number {
    return this.table.buckets.get(this.identity(namespace))?.entries.size ?? 0;
  }

  touchEntry(namespace: N): void {
    const hook = this.table.snapshotHook;
    if (hook === undefined) return;
    const key = this.keyContext.currentKey;
    if (key === undefined) throw noKeySet(this.table.name);
    hook.touch(this.identity(namespace), key);
  }

  /** Removes the current key's entry in the current namespace. */
  clear(): void {
    const key = this.currentKey();
    const bucket = this.bucket();
    if (bucket !== undefined) this.table.remove(bucket, key);
  }

  protected identity(namespace: N): NamespaceId {
    return this.namespaceKey === undefined ? (namespace as NamespaceId) : this.namespaceKey(namespace);
  }

  /**
   * The current key; throws when none was set. Every access of the current
   * namespace starts here, so this is also where a snapshot in progress
   * encodes the entry before it is read or changed.
   */
  protected currentKey(): Key {
    const key = this.keyContext.currentKey;
    if (key === undefined) throw noKeySet(this.table.name);
    const hook = this.table.snapshotHook;
    if (hook !== undefined) hook.touch(this.nsId, key);
    return key;
  }

  /** The current namespace's bucket, or undefined when it has no entries. */
  protected bucket(): NamespaceBucket<S> | undefined {
    let bucket = this.cached;
    if (bucket === undefined || bucket.detached) {
      bucket = this.table.buckets.get(this.nsId);
      this.cached = bucket;
      if (bucket !== undefined) fillSlot(this.namespace, bucket);
    }
    return bucket;
  }

  /** The current namespace's bucket, created when missing. */
  protected writableBucket(): NamespaceBucket<S> {
    let bucket = this.bucket();
    if (bucket === undefined) {
      bucket = this.table.bucketFor(this.nsId, this.namespace, this.namespaceKey);
      this.cached = bucket;
      fillSlot(this.namespace, bucket);
    }
    return bucket;
  }

  /** Removes and returns the current key's entry in another namespace (for merging). */
  protected takeFrom(namespace: N, key: Key): S | undefined {
    const id = this.identity(namespace);
    this.table.snapshotHook?.touch(id, key);
    const bucket = this.table.buckets.get(id);
    if (bucket === undefined) return undefined;
    const stored = bucket.entries.get(key);
    if (stored !== undefined) this.table.remove(bucket, key);
    return stored;
  }

  /** Writes the current key's entry in another namespace (for merging). */
  protected writeTo(namespace: N, key: Key, stored: S): void {
    const id = this.identity(namespace);
    this.table.snapshotHook?.touch(id, key);
    this.table.bucketFor(id, namespace, this.namespaceKey).entries.set(key, stored);
  }

  /**
   * For the single-value kinds (entries `T`, or `TtlValue<T>` with TTL):
   * folds the current key's live values of `sources` into `target` with
   * `combine(target, merged sources)` and clears the sources. The merged
   * entry counts as written now.
   */
  protected mergeSingleValues<T>(target: N, sources: readonly N[], combine: (a: T, b: T) => T): void {
    const key = this.currentKey();
    const ttl = this.ttl;
    const now = ttl === undefined ? 0 : this.keyContext.now();
    const live = (stored: S | undefined): stored is S =>
      stored !== undefined && (ttl === undefined || !isExpired((stored as TtlValue<T>).t, ttl, now));
    const valueOf = (stored: S): T => (ttl === undefined ? (stored as unknown as T) : (stored as TtlValue<T>).v);
    let merged: T | undefined;
    let any = false;
    for (const source of sources) {
      const stored = this.takeFrom(source, key);
      if (!live(stored)) continue;
      merged = any ? combine(merged as T, valueOf(stored)) : valueOf(stored);
      any = true;
    }
    if (!any) return;
    const existing = this.takeFrom(target, key);
    if (live(existing)) merged = combine(valueOf(existing), merged as T);
    const entry = ttl === undefined ? merged : { v: merged, t: now };
    this.writeTo(target, key, entry as S);
  }
}

/**
 * Reads a TTL'd single value: an expired one is removed (and returned once
 * more with `ReturnExpiredIfNotCleanedUp`); a live one is refreshed with `OnReadAndWrite`.
 */
export function readTtlValue<T, S>(
  table: StateTable<S>,
  bucket: NamespaceBucket<S>,
  key: Key,
  entry: TtlValue<T>,
  ttl: TtlSettings,
  now: number,
): T | undefined {
  if (isExpired(entry.t, ttl, now)) {
    table.remove(bucket, key);
    return ttl.visibility === 'ReturnExpiredIfNotCleanedUp' ? entry.v : undefined;
  }
  if (ttl.updateType === 'OnReadAndWrite') entry.t = now;
  return entry.v;
}

/**
 * The heap keyed state backend: keyed state of one keyed operator subtask in
 * plain `Map`s, snapshotted by key group so that a snapshot can be restored
 * at another parallelism (each subtask loads only its key groups).
 *
 * ```ts
 * const backend = new HeapKeyedStateBackend({ maxParallelism: 128, keyGroupRange: { start: 0, end: 127 }, clock });
 * const count = backend.getValueState(new ValueStateDescriptor<number>('count', 0));
 * backend.setCurrentKey('alice');
 * count.update((count.value() ?? 0) + 1);
 * ```
 *
 * Each state name has one `StateTable` (namespace → key → entry). Handles read
 * the backend's current key and their own current namespace; accesses on the
 * default namespace allocate nothing. TTL is measured on the backend's clock.
 *
 * Checkpoints use `beginSnapshot`: an asynchronous copy-on-access snapshot
 * encoded to text between records (`KeyedSnapshotPass`), so a barrier does
 * not pause the operator for the size of its state.
 *
 * Gotchas: namespaces that are not strings or numbers need a `NamespaceKey`;
 * `snapshot()` shares value objects with live state (serialize them before
 * more records are processed); values read from state must be changed
 * through the handles (`update` after mutating in place), or a change can
 * leak into a snapshot in progress; a key outside the subtask's key groups
 * is not rejected, but would be lost on a rescaled restore.
 */
import type { Key } from '../api/functions.js';
import { checkArgument, InvalidProgramError, TributaryError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from './descriptors.js';
import type { KeyContext } from './heap/AbstractHeapState.js';
import { HeapAggregatingState } from './heap/HeapAggregatingState.js';
import { HeapListState, listCodec } from './heap/HeapListState.js';
import { HeapMapState, mapCodec } from './heap/HeapMapState.js';
import { HeapReducingState } from './heap/HeapReducingState.js';
import { HeapValueState, singleValueCodec } from './heap/HeapValueState.js';
import { KeyedSnapshotPass } from './heap/KeyedSnapshotPass.js';
import { StateTable, type EntryCodec, type NamespaceId } from './heap/StateTable.js';
import { EXPIRED, type TtlSettings } from './heap/ttl.js';
import { keyGroupOf } from './KeyGroups.js';
import type {
  AdoptingList,
  KeyedStateAccess,
  KeyedStateSnapshot,
  KeyGroupSnapshot,
  MergingNamespaced,
  Namespaced,
  NamespaceKey,
  StateKind,
  StateMeta,
} from './KeyedStateAccess.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from './State.js';

/** An inclusive range of key groups. */
export interface KeyGroupRange {
  readonly start: number;
  readonly end: number;
}

export interface HeapKeyedStateBackendOptions {
  /** The number of key groups (the operator's max parallelism). */
  readonly maxParallelism: number;
  /** The key groups this subtask owns (inclusive); `restore` loads only these. */
  readonly keyGroupRange: KeyGroupRange;
  /** The processing-time clock TTL is measured on. */
  readonly clock: Clock;
}

type SnapshotEntry = [namespace: unknown, key: Key, value: unknown];

/** A registered state: its table, the namespace key it was registered with, and its handles. */
interface Registration {
  readonly table: StateTable<unknown>;
  readonly namespaceKey: NamespaceKey<any> | undefined;
  /** Handles by namespace key function, so the same registration returns the same handle. */
  readonly handles: Map<NamespaceKey<any> | undefined, unknown>;
}

/** Restored entries of a state no handle asked for yet. */
interface PendingState {
  meta: StateMeta | undefined;
  readonly entries: SnapshotEntry[];
}

function codecFor(kind: StateKind, ttl: TtlSettings | undefined): EntryCodec<unknown> {
  switch (kind) {
    case 'list':
      return listCodec(ttl) as EntryCodec<unknown>;
    case 'map':
      return mapCodec(ttl) as EntryCodec<unknown>;
    default:
      return singleValueCodec(ttl) as EntryCodec<unknown>;
  }
}

function kindMismatch(name: string, registered: StateKind, requested: StateKind): InvalidProgramError {
  return new InvalidProgramError(
    `State '${name}' is ${registered} state and cannot be used as ${requested} state: state names must be unique within an operator`,
  );
}

/** Keyed state of one operator subtask on the heap; see the module comment. */
export class HeapKeyedStateBackend implements KeyedStateAccess, KeyContext {
  /** The current key, read by every handle. Set it with `setCurrentKey`. */
  currentKey: Key | undefined = undefined;
  readonly maxParallelism: number;
  readonly keyGroupRange: KeyGroupRange;
  private readonly clock: Clock;
  private readonly registrations = new Map<string, Registration>();
  private readonly pending = new Map<string, PendingState>();
  /** The asynchronous snapshot being taken, until it is done. */
  private pass: KeyedSnapshotPass | undefined = undefined;

  constructor(options: HeapKeyedStateBackendOptions) {
    const { maxParallelism, keyGroupRange, clock } = options;
    checkArgument(Number.isInteger(maxParallelism) && maxParallelism >= 1, `maxParallelism must be an integer >= 1, got ${maxParallelism}`);
    checkArgument(
      Number.isInteger(keyGroupRange.start) &&
        Number.isInteger(keyGroupRange.end) &&
        keyGroupRange.start >= 0 &&
        keyGroupRange.end < maxParallelism &&
        keyGroupRange.start <= keyGroupRange.end + 1,
      `keyGroupRange must lie within [0, ${maxParallelism - 1}], got [${keyGroupRange.start}, ${keyGroupRange.end}]`,
    );
    this.maxParallelism = maxParallelism;
    this.keyGroupRange = { start: keyGroupRange.start, end: keyGroupRange.end };
    this.clock = clock;
  }

  /** The processing time TTL is measured with. */
  now(): number {
    return this.clock.now();
  }

  getCurrentKey(): Key {
    if (this.currentKey === undefined) throw new Error('No current key is set on the keyed state backend');
    return this.currentKey;
  }

  setCurrentKey(key: Key): void {
    this.currentKey = key;
  }

  getValueState<T, N = number>(descriptor: ValueStateDescriptor<T>, namespaceKey?: NamespaceKey<N>): ValueState<T> & Namespaced<N> {
    return this.handle(descriptor, namespaceKey, (table) => new HeapValueState<T, N>(table as never, this, namespaceKey, descriptor.defaultValue));
  }

  getListState<T, N = number>(
    descriptor: ListStateDescriptor<T>,
    namespaceKey?: NamespaceKey<N>,
  ): ListState<T> & MergingNamespaced<N> & AdoptingList<T> {
    return this.handle(descriptor, namespaceKey, (table) => new HeapListState<T, N>(table as never, this, namespaceKey));
  }

  getMapState<UK, UV, N = number>(descriptor: MapStateDescriptor<UK, UV>, namespaceKey?: NamespaceKey<N>): MapState<UK, UV> & Namespaced<N> {
    return this.handle(descriptor, namespaceKey, (table) => new HeapMapState<UK, UV, N>(table as never, this, namespaceKey));
  }

  getReducingState<T, N = number>(
    descriptor: ReducingStateDescriptor<T>,
    namespaceKey?: NamespaceKey<N>,
  ): ReducingState<T> & MergingNamespaced<N> {
    return this.handle(descriptor, namespaceKey, (table) => new HeapReducingState<T, N>(table as never, this, namespaceKey, descriptor.reduce));
  }

  getAggregatingState<IN, ACC, OUT, N = number>(
    descriptor: AggregatingStateDescriptor<IN, ACC, OUT>,
    namespaceKey?: NamespaceKey<N>,
  ): AggregatingState<IN, OUT> & MergingNamespaced<N> {
    return this.handle(
      descriptor,
      namespaceKey,
      (table) => new HeapAggregatingState<IN, ACC, OUT, N>(table as never, this, namespaceKey, descriptor.aggregate),
    );
  }

  /** Every key with a visible entry in the named state, in any namespace; each key once. */
  *keys(stateName: string): Generator<Key, void, undefined> {
    const registration = this.registrations.get(stateName);
    if (registration === undefined) {
      const pending = this.pending.get(stateName);
      if (pending !== undefined) yield* new Set(pending.entries.map((entry) => entry[1]));
      return;
    }
    const table = registration.table;
    const now = this.clock.now();
    if (table.buckets.size <= 1) {
      for (const bucket of table.buckets.values()) {
        for (const [key, stored] of bucket.entries) if (table.codec.isVisible(stored, now)) yield key;
      }
      return;
    }
    const seen = new Set<Key>();
    for (const bucket of table.buckets.values()) {
      for (const [key, stored] of bucket.entries) {
        if (!seen.has(key) && table.codec.isVisible(stored, now)) {
          seen.add(key);
          yield key;
        }
      }
    }
  }

  /** The names of the registered (and restored, not yet registered) states. */
  stateNames(): string[] {
    return [...this.registrations.keys(), ...this.pending.keys()];
  }

  /** The number of (namespace, key) entries of one state, or of all states; expired-but-uncleaned TTL entries count. */
  numEntries(stateName?: string): number {
    let n = 0;
    for (const [name, registration] of this.registrations) {
      if (stateName === undefined || name === stateName) n += registration.table.size();
    }
    for (const [name, pending] of this.pending) {
      if (stateName === undefined || name === stateName) n += pending.entries.length;
    }
    return n;
  }

  /**
   * Snapshot of every entry, grouped by key group. Expired TTL entries are
   * removed, not snapshotted. Restored states no handle asked for are kept.
   * Values (and accumulators) are shared with live state, not copied:
   * serialize the snapshot before the operator processes more records.
   */
  snapshot(): KeyedStateSnapshot {
    this.finishSnapshotInProgress();
    const now = this.clock.now();
    const maxParallelism = this.maxParallelism;
    const keyGroups: Record<number, KeyGroupSnapshot> = {};
    const states: Record<string, StateMeta> = {};
    const add = (name: string, namespace: unknown, key: Key, value: unknown): void => {
      const group = (keyGroups[keyGroupOf(key, maxParallelism)] ??= {});
      (group[name] ??= []).push([namespace, key, value]);
    };
    for (const [name, { table }] of this.registrations) {
      states[name] = { kind: table.kind, ttl: table.ttl !== undefined };
      for (const bucket of table.buckets.values()) {
        for (const [key, stored] of bucket.entries) {
          const value = table.codec.encode(stored, now);
          if (value === EXPIRED) table.remove(bucket, key);
          else add(name, bucket.namespace, key, value);
        }
      }
    }
    for (const [name, pending] of this.pending) {
      if (pending.meta !== undefined) states[name] = pending.meta;
      for (const [namespace, key, value] of pending.entries) add(name, namespace, key, value);
    }
    return { maxParallelism, keyGroups, states };
  }

  /**
   * Starts an asynchronous snapshot of every entry as it is now (see
   * `KeyedSnapshotPass`): `complete(sliceMs)` encodes it between records
   * and resolves with the text `encodeState(this.snapshot())` would give
   * now (entries may come in another order). A snapshot still in progress
   * is finished first. Expired TTL entries are removed, not snapshotted.
   *
   * ```ts
   * const text = await backend.beginSnapshot().complete(2);
   * restored.restore([decodeState(text) as KeyedStateSnapshot]);
   * ```
   */
  beginSnapshot(): KeyedSnapshotPass {
    this.finishSnapshotInProgress();
    const tables = Array.from(this.registrations.values(), (registration) => registration.table);
    const restored = Array.from(this.pending, ([name, { meta, entries }]) => ({ name, meta, entries }));
    const pass = new KeyedSnapshotPass(tables, restored, this.maxParallelism, this.clock.now());
    this.pass = pass;
    return pass;
  }

  private finishSnapshotInProgress(): void {
    this.pass?.finishNow();
    this.pass = undefined;
  }

  /**
   * Loads the entries of this backend's key groups from snapshots (one per
   * old subtask when rescaling). Throws when a snapshot was taken with
   * another `maxParallelism`, or when a state's kind differs from the one
   * registered here. Entries of states not registered yet are kept until a
   * handle asks for them (their namespaces need its `NamespaceKey`).
   * The backend takes over the snapshot's value objects (accumulators may be
   * mutated in place): restore a fresh copy (e.g. parsed JSON) each time.
   */
  restore(snapshots: readonly KeyedStateSnapshot[]): void {
    this.finishSnapshotInProgress();
    for (const snapshot of snapshots) {
      if (snapshot.maxParallelism !== this.maxParallelism) {
        throw new TributaryError(
          'INCOMPATIBLE_STATE',
          `Cannot restore keyed state taken with maxParallelism ${snapshot.maxParallelism} into a backend with maxParallelism ${this.maxParallelism}: key groups would not match`,
        );
      }
    }
    const { start, end } = this.keyGroupRange;
    for (const snapshot of snapshots) {
      for (const [keyGroupText, group] of Object.entries(snapshot.keyGroups)) {
        const keyGroup = Number(keyGroupText);
        if (keyGroup < start || keyGroup > end) continue;
        for (const [name, entries] of Object.entries(group)) this.restoreState(name, snapshot.states?.[name], entries);
      }
    }
  }

  private restoreState(name: string, meta: StateMeta | undefined, entries: readonly SnapshotEntry[]): void {
    const registration = this.registrations.get(name);
    if (registration !== undefined) {
      const table = registration.table;
      if (meta !== undefined && meta.kind !== table.kind) throw kindMismatch(name, meta.kind, table.kind);
      this.load(table, entries, meta?.ttl ?? table.ttl !== undefined, registration.namespaceKey);
      return;
    }
    let pending = this.pending.get(name);
    if (pending === undefined) {
      pending = { meta, entries: [] };
      this.pending.set(name, pending);
    } else if (meta !== undefined) {
      if (pending.meta !== undefined && (pending.meta.kind !== meta.kind || pending.meta.ttl !== meta.ttl)) {
        throw new TributaryError('INCOMPATIBLE_STATE', `State '${name}' has different kinds or TTL settings in the snapshots being restored`);
      }
      pending.meta = meta;
    }
    for (const entry of entries) pending.entries.push(entry);
  }

  private load(table: StateTable<unknown>, entries: readonly SnapshotEntry[], rawHasTtl: boolean, namespaceKey: NamespaceKey<any> | undefined): void {
    const now = this.clock.now();
    for (const [namespace, key, raw] of entries) {
      const stored = table.codec.decode(raw, rawHasTtl, now);
      if (stored === undefined) continue;
      const id = namespaceKey === undefined ? (namespace as NamespaceId) : namespaceKey(namespace);
      table.bucketFor(id, namespace, namespaceKey).entries.set(key, stored);
    }
  }

  /** The handle for a descriptor: the same one for the same name and namespace key. */
  private handle<H>(descriptor: StateDescriptor, namespaceKey: NamespaceKey<any> | undefined, create: (table: StateTable<unknown>) => H): H {
    const registration = this.register(descriptor, namespaceKey);
    let handle = registration.handles.get(namespaceKey) as H | undefined;
    if (handle === undefined) {
      handle = create(registration.table);
      registration.handles.set(namespaceKey, handle);
    }
    return handle;
  }

  private register(descriptor: StateDescriptor, namespaceKey: NamespaceKey<any> | undefined): Registration {
    const name = descriptor.name;
    let registration = this.registrations.get(name);
    if (registration !== undefined) {
      if (registration.table.kind !== descriptor.kind) throw kindMismatch(name, registration.table.kind, descriptor.kind);
      return registration;
    }
    const pending = this.pending.get(name);
    if (pending?.meta !== undefined && pending.meta.kind !== descriptor.kind) throw kindMismatch(name, pending.meta.kind, descriptor.kind);
    const table = new StateTable<unknown>(name, descriptor.kind, descriptor.ttl, codecFor(descriptor.kind, descriptor.ttl));
    registration = { table, namespaceKey, handles: new Map() };
    this.registrations.set(name, registration);
    if (pending !== undefined) {
      this.pending.delete(name);
      this.load(table, pending.entries, pending.meta?.ttl ?? descriptor.ttl !== undefined, namespaceKey);
    }
    return registration;
  }
}

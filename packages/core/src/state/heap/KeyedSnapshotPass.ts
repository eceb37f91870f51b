/**
 * An asynchronous, copy-on-access snapshot of the heap keyed state (what
 * Flink's copy-on-write heap snapshots do, written straight to text).
 *
 * Starting one costs next to nothing when the barrier passes: it notes
 * which namespace buckets exist and hooks each `StateTable`. The entries
 * are then encoded (`encodeState`) in slices between records — `step` —
 * while the operator goes on. An entry the operator is about to touch
 * before the pass got to it is encoded first (`touch`, called by the state
 * handles before every access), and entries created after the start are
 * marked as seen without being encoded, so the text holds exactly the state
 * at the barrier however the live state changes meanwhile.
 *
 * ```ts
 * const pass = new KeyedSnapshotPass(tables, restoredEntries, 128, clock.now());
 * const text = await pass.complete(2); // slices of ≈ 2 ms; or pass.finishNow(), then pass.text()
 * // text == encodeState(backend.snapshot()) at the start, up to the order of entries
 * ```
 *
 * Gotcha: the hook sees accesses through state handles only. A value object
 * read from state (or passed to `update`) and then changed in place without
 * another access of that state can leak its change into a snapshot in
 * progress: change values through the handles (`update` after mutating),
 * as with Flink's heap backend.
 */
import type { Key } from '../../api/functions.js';
import { encodeState } from '../../checkpoint/serialization.js';
import { keyGroupOf } from '../KeyGroups.js';
import type { StateMeta } from '../KeyedStateAccess.js';
import type { NamespaceBucket, NamespaceId, StateTable, TableSnapshotHook } from './StateTable.js';
import { EXPIRED } from './ttl.js';

/** How many entries are encoded between two looks at the clock. */
const ENTRIES_PER_CLOCK_CHECK = 64;

/** Encoded entries: key group → state name → entry texts (`[namespace, key, value]`). */
type EncodedGroups = Map<number, Map<string, string[]>>;

/** Entries of a restored state no handle has asked for yet. */
export interface RestoredEntries {
  readonly name: string;
  readonly meta: StateMeta | undefined;
  readonly entries: ReadonlyArray<readonly [namespace: unknown, key: Key, value: unknown]>;
}

/** One table's part of a pass: which entries are encoded, and the cursor of the background walk. */
class TableCapture<S> implements TableSnapshotHook {
  private readonly seen = new Map<NamespaceBucket<S>, Set<Key>>();
  private readonly buckets: NamespaceBucket<S>[];
  private bucketIndex = 0;
  private cursor: Iterator<Key> | undefined = undefined;

  constructor(
    private readonly table: StateTable<S>,
    private readonly emit: (name: string, namespace: unknown, key: Key, value: unknown) => void,
    private readonly now: number,
    private readonly fail: (error: unknown) => void,
  ) {
    this.buckets = Array.from(table.buckets.values());
    for (const bucket of this.buckets) this.seen.set(bucket, new Set());
    table.snapshotHook = this;
  }

  /** The entry (namespace, key) is about to be read or changed: encode it first if the pass has not. */
  touch(namespace: NamespaceId, key: Key): void {
    const bucket = this.table.buckets.get(namespace);
    if (bucket !== undefined) this.visit(bucket, key);
  }

  /**
   * Encodes up to `limit` entries not encoded yet; returns how many entries
   * it looked at (less than `limit` only when the table is done).
   */
  advance(limit: number): number {
    let looked = 0;
    while (looked < limit) {
      if (this.cursor === undefined) {
        const bucket = this.buckets[this.bucketIndex];
        if (bucket === undefined) return looked;
        this.cursor = bucket.entries.keys();
      }
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = undefined;
        this.bucketIndex++;
        continue;
      }
      this.visit(this.buckets[this.bucketIndex] as NamespaceBucket<S>, next.value);
      looked++;
    }
    return looked;
  }

  /** Unhooks the table (the pass is over). */
  detach(): void {
    if (this.table.snapshotHook === this) this.table.snapshotHook = undefined;
  }

  private visit(bucket: NamespaceBucket<S>, key: Key): void {
    const seen = this.seen.get(bucket);
    // Buckets created after the start hold only entries the snapshot must not see.
    if (seen === undefined || seen.has(key)) return;
    seen.add(key);
    const stored = bucket.entries.get(key);
    if (stored === undefined) return;
    // A value that cannot be encoded fails the snapshot, never the access that touched it.
    try {
      const value = this.table.codec.encode(stored, this.now);
      if (value === EXPIRED) this.table.remove(bucket, key);
      else this.emit(this.table.name, bucket.namespace, key, value);
    } catch (error) {
      this.fail(error);
    }
  }
}

/** A snapshot of heap keyed state being encoded; see the module comment. */
export class KeyedSnapshotPass {
  private readonly groups: EncodedGroups = new Map();
  private readonly captures: TableCapture<unknown>[];
  private readonly states: Record<string, StateMeta> = {};
  private tableIndex = 0;
  private done = false;
  /** The key groups' texts joined so far, and the groups still to join. */
  private joined = '';
  private unjoined: Iterator<[number, Map<string, string[]>]> | undefined = undefined;
  /** The first entry that could not be encoded; `text()` throws it. */
  private failure: { readonly error: unknown } | undefined = undefined;

  /**
   * Hooks `tables` (a table may be hooked by one pass at a time: finish the
   * previous pass first) and encodes the restored, unregistered entries at once.
   */
  constructor(
    tables: Iterable<StateTable<unknown>>,
    restored: Iterable<RestoredEntries>,
    private readonly maxParallelism: number,
    now: number,
  ) {
    const emit = (name: string, namespace: unknown, key: Key, value: unknown): void => this.emit(name, namespace, key, value);
    const fail = (error: unknown): void => {
      this.failure ??= { error };
    };
    this.captures = [];
    for (const table of tables) {
      this.states[table.name] = { kind: table.kind, ttl: table.ttl !== undefined };
      this.captures.push(new TableCapture(table, emit, now, fail));
    }
    for (const { name, meta, entries } of restored) {
      if (meta !== undefined) this.states[name] = meta;
      for (const [namespace, key, value] of entries) emit(name, namespace, key, value);
    }
    if (this.captures.length === 0) this.done = true;
  }

  /** Whether every entry is encoded (the tables are unhooked; the text may still be in pieces). */
  get isDone(): boolean {
    return this.done;
  }

  /**
   * Encodes entries, then joins the text of one key group after another,
   * for about `budgetMs` milliseconds; true once the text is ready.
   */
  step(budgetMs: number): boolean {
    const deadline = performance.now() + budgetMs;
    for (;;) {
      if (!this.done) this.advance(ENTRIES_PER_CLOCK_CHECK);
      else if (!this.joinNextGroup()) return true;
      if (performance.now() >= deadline) return false;
    }
  }

  /**
   * Encodes the rest in the background, in slices of about `sliceMs`
   * milliseconds with a macrotask turn between them (records and timers
   * are processed in between), and resolves with `text()`.
   */
  async complete(sliceMs: number): Promise<string> {
    while (!this.step(sliceMs)) await new Promise<void>((resolve) => setImmediate(resolve));
    return this.text();
  }

  /** Encodes every remaining entry now (and unhooks the tables); the text is joined when asked for. */
  finishNow(): void {
    while (!this.done) this.advance(Number.MAX_SAFE_INTEGER);
  }

  /**
   * The snapshot as `encodeState` writes a `KeyedStateSnapshot`
   * (`{ maxParallelism, keyGroups, states }`). Only once `isDone`; throws
   * the error of the first entry that could not be encoded.
   */
  text(): string {
    if (!this.done) throw new Error('The keyed state snapshot is still being taken');
    if (this.failure !== undefined) throw this.failure.error;
    while (this.joinNextGroup());
    return `{"maxParallelism":${this.maxParallelism},"keyGroups":{${this.joined}},"states":${encodeState(this.states)}}`;
  }

  /**
   * Appends the next key group's text to `joined` (string concatenation, so
   * the pieces are not copied again); false when none is left.
   */
  private joinNextGroup(): boolean {
    const next = this.unjoined?.next() ?? (this.unjoined = this.groups.entries()).next();
    if (next.done === true) return false;
    const [keyGroup, byState] = next.value;
    this.joined += `${this.joined === '' ? '' : ','}"${keyGroup}":${objectText(byState)}`;
    this.groups.delete(keyGroup);
    return true;
  }

  /** Encodes up to `limit` more entries the operator has not touched (a finer `step`, for tests). */
  advance(limit: number): void {
    let left = limit;
    while (left > 0) {
      const capture = this.captures[this.tableIndex];
      if (capture === undefined) {
        this.done = true;
        return;
      }
      const looked = capture.advance(left);
      left -= looked;
      if (left > 0) {
        capture.detach();
        this.tableIndex++;
      }
    }
  }

  private emit(name: string, namespace: unknown, key: Key, value: unknown): void {
    const keyGroup = keyGroupOf(key, this.maxParallelism);
    let byState = this.groups.get(keyGroup);
    if (byState === undefined) {
      byState = new Map();
      this.groups.set(keyGroup, byState);
    }
    let entries = byState.get(name);
    if (entries === undefined) {
      entries = [];
      byState.set(name, entries);
    }
    entries.push(encodeState([namespace, key, value]));
  }
}

/** `{ name: [entry, …], … }` from entry texts, with the escape `encodeState` gives an object that has a `$t` key. */
function objectText(byState: ReadonlyMap<string, readonly string[]>): string {
  const properties: string[] = [];
  let escape = false;
  for (const [name, entries] of byState) {
    if (name === '$t') escape = true;
    properties.push(`${JSON.stringify(name)}:[${entries.join(',')}]`);
  }
  const object = `{${properties.join(',')}}`;
  return escape ? `{"$t":"object","v":${object}}` : object;
}

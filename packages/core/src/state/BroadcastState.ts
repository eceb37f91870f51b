/**
 * Broadcast state: operator (non-keyed) map state that a broadcast process
 * function keeps its broadcast records in — rules, thresholds, model
 * versions. Every parallel instance receives every broadcast record, so
 * every instance holds the same broadcast state, as long as only
 * `processBroadcastElement` writes it. That is why the view handed to
 * `processElement` is read-only: writing it there throws.
 *
 * ```ts
 * const rulesDescriptor = new MapStateDescriptor<string, Rule>('rules');
 * const alerts = events.connect(rules.broadcast(rulesDescriptor)).process({
 *   processBroadcastElement(rule, ctx) { ctx.getBroadcastState(rulesDescriptor).put(rule.id, rule); },
 *   processElement(event, ctx, out) {
 *     for (const rule of ctx.getBroadcastState(rulesDescriptor).values()) if (rule.matches(event)) out.collect(event);
 *   },
 * });
 * ```
 * Broadcast state is snapshotted with the operator's non-keyed state (one
 * copy per instance) and must hold JSON-friendly keys and values.
 */
import { TributaryError } from '../errors.js';

/**
 * A read-only view of broadcast state: what `processElement` sees.
 *
 * ```ts
 * const threshold = ctx.getBroadcastState(thresholds).get(event.sensor) ?? DEFAULT_THRESHOLD;
 * ```
 * Gotcha: the values are the stored objects themselves; do not mutate them
 * in `processElement` (instances would diverge).
 */
export interface ReadOnlyBroadcastState<K, V> {
  /** The value stored under `key`, or undefined. */
  get(key: K): V | undefined;
  contains(key: K): boolean;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
  values(): IterableIterator<V>;
  isEmpty(): boolean;
  /** The number of entries. */
  readonly size: number;
}

/**
 * Writable broadcast state: what `processBroadcastElement` sees.
 *
 * ```ts
 * processBroadcastElement(rule, ctx) {
 *   const rules = ctx.getBroadcastState(rulesDescriptor);
 *   if (rule.deleted) rules.remove(rule.id); else rules.put(rule.id, rule);
 * }
 * ```
 * Write only from the broadcast record's content, deterministically, so
 * every parallel instance ends with the same state.
 */
export interface BroadcastState<K, V> extends ReadOnlyBroadcastState<K, V> {
  put(key: K, value: V): void;
  putAll(entries: Iterable<readonly [K, V]>): void;
  remove(key: K): void;
  /** Removes every entry. */
  clear(): void;
}

/**
 * @internal The heap implementation: a Map, seen writable or read-only.
 * Both views of one state share the same Map.
 *
 * ```ts
 * const map = new Map<string, number>();
 * const writable = new HeapBroadcastState('limits', map, false);
 * const readOnly = new HeapBroadcastState('limits', map, true);
 * writable.put('a', 1); // readOnly.get('a') === 1; readOnly.put(...) throws
 * ```
 */
export class HeapBroadcastState<K, V> implements BroadcastState<K, V> {
  constructor(
    readonly name: string,
    private readonly map: Map<K, V>,
    private readonly readOnly: boolean,
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  contains(key: K): boolean {
    return this.map.has(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  keys(): IterableIterator<K> {
    return this.map.keys();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  isEmpty(): boolean {
    return this.map.size === 0;
  }

  put(key: K, value: V): void {
    this.checkWritable('put');
    this.map.set(key, value);
  }

  putAll(entries: Iterable<readonly [K, V]>): void {
    this.checkWritable('putAll');
    for (const [key, value] of entries) this.map.set(key, value);
  }

  remove(key: K): void {
    this.checkWritable('remove');
    this.map.delete(key);
  }

  clear(): void {
    this.checkWritable('clear');
    this.map.clear();
  }

  private checkWritable(method: string): void {
    if (!this.readOnly) return;
    throw new TributaryError(
      'BROADCAST_STATE_READ_ONLY',
      `Broadcast state '${this.name}' is read-only in processElement (${method}() was called): only ` +
        'processBroadcastElement may modify broadcast state, so that every parallel instance keeps the same state',
    );
  }
}

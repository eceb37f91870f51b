/**
 * Shared by the broadcast process operators (keyed and non-keyed): the
 * broadcast state of one operator instance — one Map per declared
 * MapStateDescriptor, handed out as a writable view (broadcast side) or a
 * read-only view (element side) — and its JSON-friendly snapshot.
 */
import { InvalidProgramError, TributaryError } from '../errors.js';
import { HeapBroadcastState, type BroadcastState, type ReadOnlyBroadcastState } from '../state/BroadcastState.js';
import type { MapStateDescriptor } from '../state/descriptors.js';

/**
 * What a broadcast operator's `snapshotState` returns: state name → its entries.
 *
 * ```ts
 * const snapshot: BroadcastStateSnapshot = { broadcastState: { rules: [['r1', { maxTotal: 50 }]] } };
 * ```
 */
export interface BroadcastStateSnapshot {
  readonly broadcastState: Record<string, Array<[key: unknown, value: unknown]>>;
}

interface Registered {
  readonly map: Map<unknown, unknown>;
  readonly writable: HeapBroadcastState<unknown, unknown>;
  readonly readOnly: HeapBroadcastState<unknown, unknown>;
}

/**
 * The broadcast states of one operator instance.
 *
 * ```ts
 * const store = new BroadcastStateStore([rulesDescriptor]);
 * store.writable(rulesDescriptor).put('r1', rule);
 * store.readOnly(rulesDescriptor).get('r1'); // rule
 * const copy = store.snapshot(); // { broadcastState: { rules: [['r1', rule]] } }
 * ```
 */
export class BroadcastStateStore {
  private readonly states = new Map<string, Registered>();
  /** Names the operator in errors; set when the operator opens. */
  operatorName = 'Broadcast Process';

  constructor(descriptors: readonly MapStateDescriptor<any, any>[]) {
    for (const d of descriptors) this.register(d.name);
  }

  writable<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V> {
    return this.lookup(descriptor).writable as HeapBroadcastState<K, V>;
  }

  readOnly<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V> {
    return this.lookup(descriptor).readOnly as HeapBroadcastState<K, V>;
  }

  /** Every declared state's entries (a copy). */
  snapshot(): BroadcastStateSnapshot {
    const broadcastState: Record<string, Array<[unknown, unknown]>> = {};
    for (const [name, state] of this.states) broadcastState[name] = [...state.map.entries()];
    return { broadcastState };
  }

  /**
   * Replaces the content of the states named in `snapshot` (undeclared names
   * are kept too). Every instance holds the same broadcast state, so
   * restoring several instances' snapshots (a rescale) gives the same result.
   */
  restore(snapshot: unknown): void {
    if (snapshot === undefined || snapshot === null) return;
    if (Array.isArray(snapshot)) {
      for (const one of snapshot) this.restore(one);
      return;
    }
    const states = (snapshot as Partial<BroadcastStateSnapshot>).broadcastState;
    if (typeof states !== 'object' || states === null) {
      throw new TributaryError(
        'INVALID_SNAPSHOT',
        `Operator '${this.operatorName}' cannot restore broadcast state from ${JSON.stringify(snapshot)}: expected { broadcastState: { name: [[key, value], …] } }`,
      );
    }
    for (const [name, entries] of Object.entries(states)) {
      const state = this.states.get(name) ?? this.register(name);
      state.map.clear();
      for (const [key, value] of entries) state.map.set(key, value);
    }
  }

  private register(name: string): Registered {
    const map = new Map<unknown, unknown>();
    const state: Registered = {
      map,
      writable: new HeapBroadcastState(name, map, false),
      readOnly: new HeapBroadcastState(name, map, true),
    };
    this.states.set(name, state);
    return state;
  }

  private lookup(descriptor: MapStateDescriptor<any, any>): Registered {
    const state = this.states.get(descriptor.name);
    if (state !== undefined) return state;
    const known = [...this.states.keys()].map((n) => `'${n}'`).join(', ') || 'none';
    throw new InvalidProgramError(
      `Operator '${this.operatorName}' has no broadcast state '${descriptor.name}' (declared: ${known}): ` +
        'pass its MapStateDescriptor to broadcast(...)',
    );
  }
}

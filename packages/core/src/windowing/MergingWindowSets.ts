/**
 * The merging window sets of a window operator's keys (session windows),
 * cached in memory. Each key's set lives in keyed list state — that is what
 * snapshots, restores and `numEntries` see — but rebuilding it from the list
 * for every record and timer dominated session windows. So a key's set is
 * built from state once, kept here, and written through to state whenever
 * it changes (`persist`): state and cache never differ between two calls,
 * and a checkpoint holds exactly what it held before.
 *
 * A set that turns empty leaves the cache with its state entry, so memory
 * follows the keys with windows in flight. After an error every cached set
 * is dropped (`discard`) and rebuilt from state on next use, so changes that
 * were never persisted are forgotten, as when the set was rebuilt for every
 * call. The one change a set makes without persisting it — a session grown
 * by `extendSole` — is settled into state before a snapshot (`settleAll`)
 * and before the sets are dropped.
 */
import type { Key } from '../api/functions.js';
import { ListStateDescriptor } from '../state/descriptors.js';
import { VOID_NAMESPACE, type AdoptingList, type KeyedStateAccess, type Namespaced } from '../state/KeyedStateAccess.js';
import type { ListState } from '../state/State.js';
import type { MergingWindowAssigner } from './assigners/WindowAssigner.js';
import { MergingWindowSet, type WindowMapping } from './MergingWindowSet.js';
import { MERGING_WINDOW_SET_STATE, namespaceKeyOf } from './windowOperatorInternals.js';
import type { Window } from './windows.js';

/** Key → in-memory merging window set, written through to keyed state. */
export class MergingWindowSets<W extends Window> {
  private readonly state: ListState<WindowMapping<W>> & Namespaced<unknown> & AdoptingList<WindowMapping<W>>;
  private readonly sets = new Map<Key, MergingWindowSet<W>>();

  constructor(
    private readonly keyed: KeyedStateAccess,
    private readonly assigner: MergingWindowAssigner<any, W>,
  ) {
    this.state = keyed.getListState<WindowMapping<W>, unknown>(new ListStateDescriptor<WindowMapping<W>>(MERGING_WINDOW_SET_STATE), namespaceKeyOf);
  }

  /** The current key's set, built from state on first use; the state handle points at it. */
  current(): MergingWindowSet<W> {
    const key = this.keyed.getCurrentKey();
    this.state.setCurrentNamespace(VOID_NAMESPACE);
    let set = this.sets.get(key);
    if (set === undefined) {
      set = new MergingWindowSet<W>(this.assigner, this.state);
      this.sets.set(key, set);
    }
    return set;
  }

  /** Writes the current key's set to state if it changed; an empty set leaves the cache. */
  persist(set: MergingWindowSet<W>): void {
    // a trigger may have pointed the shared handle elsewhere (state of the same name)
    this.state.setCurrentNamespace(VOID_NAMESPACE);
    set.persist();
    if (set.isEmpty()) this.sets.delete(this.keyed.getCurrentKey());
  }

  /**
   * Writes every session grown by `extendSole` into keyed state (`settle`):
   * before a snapshot reads the state. Leaves the current key as it was.
   */
  settleAll(): void {
    const keyed = this.keyed;
    let previous: Key | undefined;
    for (const [key, set] of this.sets) {
      if (!set.isUnsettled) continue;
      previous ??= keyed.getCurrentKey(); // (set: sets are made for a current key)
      keyed.setCurrentKey(key);
      this.state.setCurrentNamespace(VOID_NAMESPACE);
      set.settle();
    }
    if (previous !== undefined) keyed.setCurrentKey(previous);
  }

  /** Forgets the cached sets (after an error): they are rebuilt from state on next use; grown sessions are settled first. */
  discard(): void {
    this.settleAll();
    this.sets.clear();
  }
}

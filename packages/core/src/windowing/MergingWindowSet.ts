/**
 * The in-flight windows of one key for a merging assigner (sessions), as in
 * Flink's MergingWindowSet: each window maps to the "state window" whose
 * namespace holds its contents. When windows merge, the result takes over
 * the state window of one of them and the others' state is merged into it,
 * so merging never moves the bulk of the state. The mapping lives in keyed
 * state (a list of pairs), so it survives snapshots.
 */
import { TributaryError } from '../errors.js';
import type { ListState } from '../state/State.js';
import type { MergingWindowAssigner } from './assigners/WindowAssigner.js';
import { reviveWindow, type Window } from './windows.js';

/**
 * A persisted mapping entry: [window, state window].
 *
 * ```ts
 * const entry: WindowMapping<TimeWindow> = [new TimeWindow(0, 8), new TimeWindow(0, 3)];
 * ```
 */
export type WindowMapping<W extends Window> = readonly [window: W, stateWindow: W];

/**
 * Called for each merge (e.g. to merge trigger state and contents): `mergedWindows` (pre-existing windows) became
 * `mergeResult`, whose contents live in `stateWindowResult`; the contents of
 * `mergedStateWindows` must be merged into it.
 */
export type MergeFunction<W extends Window> = (
  mergeResult: W,
  mergedWindows: readonly W[],
  stateWindowResult: W,
  mergedStateWindows: readonly W[],
) => void;

/**
 * The window → state-window mapping of the current key.
 *
 * ```ts
 * const set = new MergingWindowSet(EventTimeSessionWindows.withGap(10), mappingState);
 * const actual = set.addWindow(new TimeWindow(5, 15), onMerge); // may merge with [0, 10) into [0, 15)
 * const stateWindow = set.getStateWindow(actual);
 * set.persist();
 * ```
 * Gotcha: `mappingState` must already point at the right key and namespace;
 * call `persist()` after changes or they are lost.
 */
export class MergingWindowSet<W extends Window> {
  private readonly mapping = new Map<string | number, WindowMapping<W>>();
  private changed = false;

  constructor(
    private readonly assigner: MergingWindowAssigner<any, W>,
    private readonly state: ListState<WindowMapping<W>>,
  ) {
    for (const [window, stateWindow] of state.get()) {
      const w = reviveWindow(window) as W;
      this.mapping.set(w.key, [w, reviveWindow(stateWindow) as W]);
    }
  }

  /** The state window of an in-flight window, or undefined when it is not in flight. */
  getStateWindow(window: W): W | undefined {
    return this.mapping.get(window.key)?.[1];
  }

  /** Removes a window that was cleaned up (or turned out late). */
  retireWindow(window: W): void {
    if (!this.mapping.delete(window.key)) {
      throw new TributaryError('WINDOW_NOT_IN_FLIGHT', `Window ${String(window)} is not in the in-flight window set`);
    }
    this.changed = true;
  }

  /** The in-flight windows. */
  windows(): W[] {
    const result: W[] = [];
    for (const [w] of this.mapping.values()) result.push(w);
    return result;
  }

  /**
   * Adds a new window, merging it with in-flight windows as the assigner
   * says; returns the window the new one ended up in. `merge` is called for
   * each merge that changes a window (not when the new window falls inside
   * an existing one).
   */
  addWindow(newWindow: W, merge: MergeFunction<W>): W {
    // an equal window is already in flight (in-flight windows never overlap, so nothing merges)
    if (this.mapping.has(newWindow.key)) return newWindow;

    const candidates = this.windows();
    candidates.push(newWindow);
    const merges: Array<[result: W, merged: W[]]> = [];
    this.assigner.mergeWindows(candidates, (toBeMerged, mergeResult) => {
      merges.push([mergeResult, [...toBeMerged]]);
    });

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    for (const [mergeResult, mergedWindows] of merges) {
      const newIndex = mergedWindows.findIndex((w) => w.key === newWindow.key);
      if (newIndex >= 0) {
        mergedWindows.splice(newIndex, 1);
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      // the result takes over the state window of one of the merged (in-flight) windows
      const stateWindowResult = this.mapping.get(mergedWindows[0]!.key)![1];
      const mergedStateWindows: W[] = [];
      for (const w of mergedWindows) {
        const entry = this.mapping.get(w.key);
        if (entry !== undefined) {
          this.mapping.delete(w.key);
          if (entry[1].key !== stateWindowResult.key) mergedStateWindows.push(entry[1]);
        }
      }
      this.mapping.set(mergeResult.key, [mergeResult, stateWindowResult]);
      this.changed = true;
      // the new window fell inside one in-flight window: nothing changed for that window
      const unchanged = mergedWindows.length === 1 && mergedWindows[0]!.key === mergeResult.key;
      if (!unchanged) merge(mergeResult, mergedWindows, stateWindowResult, mergedStateWindows);
    }

    if (!mergedNewWindow) {
      this.mapping.set(newWindow.key, [newWindow, newWindow]);
      this.changed = true;
    }
    return resultWindow;
  }

  /** Writes the mapping back to keyed state if it changed (clears the state when empty). */
  persist(): void {
    if (!this.changed) return;
    if (this.mapping.size === 0) this.state.clear();
    else this.state.update(this.mapping.values());
    this.changed = false;
  }
}

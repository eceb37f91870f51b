/**
 * The in-flight windows of one key for a merging assigner (sessions), as in
 * Flink's MergingWindowSet: each window maps to the "state window" whose
 * namespace holds its contents. When windows merge, the result takes over
 * the state window of one of them and the others' state is merged into it,
 * so merging never moves the bulk of the state. The mapping lives in keyed
 * state (a list of pairs), so it survives snapshots; the window operator
 * keeps each key's set in memory between records (`MergingWindowSets`).
 *
 * The built-in session assigners merge time windows that intersect. For
 * them a new window is merged by one scan, without asking the assigner: the
 * in-flight windows never intersect each other, so the new window merges
 * with exactly the ones it intersects — nearly always none or one (a record
 * that starts a session, or extends the key's session). A record that falls
 * into or extends the key's only session (the commonest case by far) only
 * moves two numbers on the set (`extendSole`); the mapping is brought up to
 * date (`settle`) before anything else reads it.
 */
import { TributaryError } from '../errors.js';
import type { AdoptingList } from '../state/KeyedStateAccess.js';
import type { ListState } from '../state/State.js';
import { SessionWindowAssigner } from './assigners/assignerInternals.js';
import type { MergingWindowAssigner } from './assigners/WindowAssigner.js';
import { reviveWindow, TimeWindow, type Window } from './windows.js';

/**
 * A persisted mapping entry: [window, state window].
 *
 * ```ts
 * const entry: WindowMapping<TimeWindow> = [new TimeWindow(0, 8), new TimeWindow(0, 3)];
 * ```
 */
export type WindowMapping<W extends Window> = readonly [window: W, stateWindow: W];

/**
 * Told of each merge (e.g. to merge trigger state and contents). An object
 * with a method, not a function: the set's calls then reach the same
 * function in every job, which optimized code may have inlined.
 */
export interface WindowMerger<W extends Window> {
  /**
   * `mergedWindows` (pre-existing windows) became `mergeResult`, whose
   * contents live in `stateWindowResult`; the contents of
   * `mergedStateWindows` must be merged into it.
   */
  mergeWindows(mergeResult: W, mergedWindows: readonly W[], stateWindowResult: W, mergedStateWindows: readonly W[]): void;
}

const NO_WINDOWS: readonly never[] = [];
/** `onlyIntersecting`: the new window intersects several in-flight windows. */
const SEVERAL = -2;

/** The index of the window equal to `window`, or -1. */
function indexOfEqual<W extends Window>(windows: readonly W[], window: W): number {
  for (let i = 0; i < windows.length; i++) if (windows[i]!.equals(window)) return i;
  return -1;
}

/** Removes `array[index]`, keeping the order (cheaper than `splice` on these short arrays). */
function removeAt<T>(array: T[], index: number): void {
  for (let i = index + 1; i < array.length; i++) array[i - 1] = array[i]!;
  array.pop();
}

/**
 * The window → state-window mapping of the current key.
 *
 * ```ts
 * const set = new MergingWindowSet(EventTimeSessionWindows.withGap(10), mappingState);
 * const actual = set.addWindow(new TimeWindow(5, 15), merger); // may merge with [0, 10) into [0, 15)
 * const stateWindow = set.getStateWindow(actual);
 * set.persist();
 * ```
 * Gotcha: `mappingState` must already point at the right key and namespace;
 * call `persist()` after changes or they are lost.
 */
export class MergingWindowSet<W extends Window> {
  /**
   * [window, state window] pairs in insertion order (the order persisted).
   * A key has few windows in flight, so a scan with `equals` beats hashing
   * a string identity per lookup.
   */
  private readonly mapping: WindowMapping<W>[] = [];
  private changed = false;
  /** The array that is the state entry once the set wrote one: `persist` refills it in place (no copy per change). */
  private persisted: WindowMapping<W>[] | undefined = undefined;
  /** True while `persisted` is the state entry (from its adoption until the set clears the state). */
  private adopted = false;
  /** True when windows are time windows that merge when they intersect (the built-in session assigners). */
  private readonly byIntersection: boolean;
  /** The windows read from state when the set was built (restored, or rebuilt after an error). */
  private readonly loaded: ReadonlySet<W> | undefined;
  /**
   * True while the set holds exactly one window, added since it was built,
   * and `soleStart`, `soleEnd` and `soleStateWindow` describe it (see
   * `extendSole`). Any change of the mapping makes it false.
   */
  private soleKnown = false;
  private soleStart = 0;
  /** The sole window's end: beyond the end of the window in the mapping while `unsettled`. */
  private soleEnd = 0;
  private soleStateWindow: W | undefined = undefined;
  /** True when `extendSole` moved the sole window's bounds and the mapping does not show it yet (`settle`). */
  private unsettled = false;
  /**
   * What the window operator keeps of the sole window's contents between
   * records (its folded value), so a record extending the session reaches
   * its accumulator without a state lookup. Forgotten whenever the mapping
   * changes; the operator keeps it equal to the contents state otherwise.
   */
  soleContents: unknown = undefined;

  constructor(
    private readonly assigner: MergingWindowAssigner<any, W>,
    private readonly state: ListState<WindowMapping<W>> & AdoptingList<WindowMapping<W>>,
  ) {
    this.byIntersection = assigner instanceof SessionWindowAssigner;
    for (const [window, stateWindow] of state.get()) {
      this.put(reviveWindow(window) as W, reviveWindow(stateWindow) as W);
    }
    if (this.mapping.length > 0) this.loaded = new Set(this.windows());
  }

  /**
   * True when `window` was read from state when the set was built, not
   * added since: what happened to it before (its timers) is not known here.
   */
  isLoaded(window: W): boolean {
    return this.loaded?.has(window) ?? false;
  }

  /** The state window of an in-flight window, or undefined when it is not in flight. */
  getStateWindow(window: W): W | undefined {
    this.settle();
    const i = this.indexOf(window);
    return i < 0 ? undefined : this.mapping[i]![1];
  }

  /**
   * The in-flight window that contains `window` (equal to it, or larger
   * after merges) with its state window; time windows only. In-flight
   * windows never overlap, so there is at most one.
   */
  getCovering(window: W): WindowMapping<W> | undefined {
    this.settle();
    const inner = window as unknown as TimeWindow;
    const mapping = this.mapping;
    for (let i = 0; i < mapping.length; i++) {
      const entry = mapping[i]!;
      const w = entry[0] as unknown as TimeWindow;
      if (w.start <= inner.start && inner.end <= w.end) return entry;
    }
    return undefined;
  }

  /** Removes a window that was cleaned up (or turned out late). */
  retireWindow(window: W): void {
    this.settle();
    if (this.take(window) === undefined) {
      throw new TributaryError('WINDOW_NOT_IN_FLIGHT', `Window ${String(window)} is not in the in-flight window set`);
    }
    this.mappingChanged();
  }

  /** The number of windows in flight. */
  get size(): number {
    return this.mapping.length;
  }

  /** True when no window is in flight. */
  isEmpty(): boolean {
    return this.mapping.length === 0;
  }

  /** The in-flight windows. */
  windows(): W[] {
    this.settle();
    const result: W[] = [];
    for (const entry of this.mapping) result.push(entry[0]);
    return result;
  }

  /**
   * Adds a new window, merging it with in-flight windows as the assigner
   * says; returns the window the new one ended up in. `merger` is told of
   * each merge that changes a window (not when the new window falls inside
   * an existing one, which is then returned).
   */
  addWindow(newWindow: W, merger: WindowMerger<W>): W {
    this.settle();
    if (this.byIntersection) {
      const { start, end } = newWindow as unknown as TimeWindow;
      const i = this.onlyIntersecting(start, end);
      if (i === -1) {
        this.mapping.push([newWindow, newWindow]);
        this.mappingChanged();
        return newWindow;
      }
      if (i !== SEVERAL) return this.addToOne(start, end, i, merger)[0];
    }
    // an equal window is already in flight (in-flight windows never overlap, so nothing merges)
    if (this.indexOf(newWindow) >= 0) return newWindow;

    const candidates = this.windows();
    candidates.push(newWindow);
    const merges: Array<[result: W, merged: W[]]> = [];
    this.assigner.mergeWindows(candidates, (toBeMerged, mergeResult) => {
      merges.push([mergeResult, [...toBeMerged]]);
    });

    let resultWindow = newWindow;
    let mergedNewWindow = false;
    // (indexed, not destructured: this runs for every record of a session)
    for (const step of merges) {
      const mergeResult = step[0];
      const mergedWindows = step[1];
      const newIndex = indexOfEqual(mergedWindows, newWindow);
      if (newIndex >= 0) {
        removeAt(mergedWindows, newIndex);
        mergedNewWindow = true;
        resultWindow = mergeResult;
      }
      // the result takes over the state window of one of the merged (in-flight) windows
      const stateWindowResult = this.getStateWindow(mergedWindows[0]!)!;
      const mergedStateWindows: W[] = [];
      for (const w of mergedWindows) {
        const entry = this.take(w);
        if (entry !== undefined && !entry[1].equals(stateWindowResult)) mergedStateWindows.push(entry[1]);
      }
      this.put(mergeResult, stateWindowResult);
      this.mappingChanged();
      // the new window fell inside one in-flight window: nothing changed for that window
      const unchanged = mergedWindows.length === 1 && mergedWindows[0]!.equals(mergeResult);
      if (!unchanged) merger.mergeWindows(mergeResult, mergedWindows, stateWindowResult, mergedStateWindows);
    }

    if (!mergedNewWindow) {
      this.put(newWindow, newWindow);
      this.mappingChanged();
    }
    return resultWindow;
  }

  /**
   * `addWindow` for the time window `[start, end)` of a built-in session
   * assigner, allocating the window only when it is not inside an in-flight
   * one: returns the entry [window the new one ended up in, its state window].
   */
  addTimeWindow(start: number, end: number, merger: WindowMerger<W>): WindowMapping<W> {
    this.settle();
    const i = this.onlyIntersecting(start, end);
    if (i === SEVERAL) {
      const actual = this.addWindow(new TimeWindow(start, end) as unknown as W, merger);
      return [actual, this.getStateWindow(actual)!];
    }
    return this.addToOne(start, end, i, merger);
  }

  /**
   * Adds the time window `[start, end)` that intersects at most one
   * in-flight window (at `index`, or -1 for none): what `addWindow` does,
   * without arrays. A merged window keeps its place (and state window) in
   * the mapping; a window inside an in-flight one changes nothing.
   */
  private addToOne(start: number, end: number, index: number, merger: WindowMerger<W>): WindowMapping<W> {
    const mapping = this.mapping;
    if (index < 0) {
      const window = new TimeWindow(start, end) as unknown as W;
      const entry: WindowMapping<W> = [window, window];
      mapping.push(entry);
      this.mappingChanged();
      return entry;
    }
    const entry = mapping[index]!;
    const inFlight = entry[0] as unknown as TimeWindow;
    if (inFlight.start <= start && end <= inFlight.end) return entry;
    const result = new TimeWindow(Math.min(inFlight.start, start), Math.max(inFlight.end, end)) as unknown as W;
    const merged: WindowMapping<W> = [result, entry[1]];
    mapping[index] = merged;
    this.mappingChanged();
    merger.mergeWindows(result, [entry[0]], entry[1], NO_WINDOWS);
    return merged;
  }

  /**
   * The common case of a record whose time window `[start, end)` (of a
   * built-in session assigner) falls into or extends its key's session:
   * when the set holds one window, added since the set was built, that
   * `[start, end)` intersects and whose max timestamp is after `watermark`
   * (not fired), the window grows to cover `[start, end)` — keeping its state
   * window; no merger is told, nothing else changes — and true is returned;
   * else false, and nothing changed. The mapping learns the new bounds only
   * when something reads the set (`settle`), so a run of such records costs
   * two numbers on the set, not a window each. Gotcha: before keyed state is
   * read behind the set's back (a snapshot), `settle` it.
   */
  extendSole(start: number, end: number, watermark: number): boolean {
    if (!this.soleKnown && !this.learnSole()) return false;
    const soleStart = this.soleStart;
    const soleEnd = this.soleEnd;
    if (soleStart > end || soleEnd < start || soleEnd - 1 <= watermark) return false; // (touching windows intersect)
    if (start < soleStart) {
      this.soleStart = start;
      this.unsettled = true;
    }
    if (end > soleEnd) {
      this.soleEnd = end;
      this.unsettled = true;
    }
    return true;
  }

  /** The state window of the sole window `extendSole` last reported (call only after it returned true). */
  get soleWindowState(): W {
    return this.soleStateWindow!;
  }

  /** True when `extendSole` grew the sole window and the mapping does not show it yet. */
  get isUnsettled(): boolean {
    return this.unsettled;
  }

  /**
   * Writes the sole window's bounds grown by `extendSole` into the mapping
   * (and, once persisted, into the state entry in place, telling the state
   * first: `touchAdopted`). Every other method calls it first. Gotcha: the
   * state handle must point at the key's set (as for `persist`).
   */
  settle(): void {
    if (!this.unsettled) return;
    this.unsettled = false;
    const entry = this.mapping[0]!;
    const grown = new TimeWindow(this.soleStart, this.soleEnd) as unknown as W;
    if (this.adopted && !this.changed) {
      this.state.touchAdopted();
      (entry as [W, W])[0] = grown; // (the persisted entry is this array)
      return;
    }
    this.mapping[0] = [grown, entry[1]];
    this.changed = true;
  }

  /** Reads the sole window's bounds (`soleKnown`), when the set holds one window added since it was built. */
  private learnSole(): boolean {
    const mapping = this.mapping;
    if (!this.byIntersection || mapping.length !== 1 || this.loaded !== undefined) return false;
    const entry = mapping[0]!;
    const window = entry[0] as unknown as TimeWindow;
    this.soleStart = window.start;
    this.soleEnd = window.end;
    this.soleStateWindow = entry[1];
    this.soleKnown = true;
    return true;
  }

  /** After any change of the mapping: it must be persisted, and what was known of a sole window is gone. */
  private mappingChanged(): void {
    this.changed = true;
    this.soleKnown = false;
    this.soleStateWindow = undefined;
    this.soleContents = undefined;
  }

  /** The index of the only in-flight window `[start, end)` intersects; -1 for none, `SEVERAL` for more than one. */
  private onlyIntersecting(start: number, end: number): number {
    const mapping = this.mapping;
    let found = -1;
    for (let i = 0; i < mapping.length; i++) {
      const w = mapping[i]![0] as unknown as TimeWindow;
      if (w.start > end || w.end < start) continue; // (touching windows intersect)
      if (found >= 0) return SEVERAL;
      found = i;
    }
    return found;
  }

  /**
   * Writes the mapping back to keyed state if it changed (clears the state
   * when empty). The state entry is an array of the set's own, adopted by
   * the state and then refilled, so a snapshot in progress sees it as it was
   * (once adopted, the state is only told of the change: `touchAdopted`).
   */
  persist(): void {
    this.settle();
    if (!this.changed) return;
    const mapping = this.mapping;
    if (mapping.length === 0) {
      this.state.clear();
      this.adopted = false;
    } else {
      const persisted = (this.persisted ??= []);
      if (this.adopted) this.state.touchAdopted();
      else {
        this.state.adopt(persisted);
        this.adopted = true;
      }
      for (let i = 0; i < mapping.length; i++) persisted[i] = mapping[i]!;
      while (persisted.length > mapping.length) persisted.pop(); // (cheaper than setting `length`)
    }
    this.changed = false;
  }

  private indexOf(window: W): number {
    const mapping = this.mapping;
    for (let i = 0; i < mapping.length; i++) if (mapping[i]![0].equals(window)) return i;
    return -1;
  }

  /** Maps `window` to `stateWindow`: replaces an equal window's entry in place, else appends. */
  private put(window: W, stateWindow: W): void {
    const i = this.indexOf(window);
    if (i < 0) this.mapping.push([window, stateWindow]);
    else this.mapping[i] = [window, stateWindow];
  }

  /** Removes and returns the entry of `window`, if in flight. */
  private take(window: W): WindowMapping<W> | undefined {
    const i = this.indexOf(window);
    if (i < 0) return undefined;
    const entry = this.mapping[i]!;
    removeAt(this.mapping, i);
    return entry;
  }
}

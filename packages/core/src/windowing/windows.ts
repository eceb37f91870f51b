/**
 * Windows: the finite (or, for the global window, endless) buckets a window
 * assigner puts records in. A `TimeWindow` covers `[start, end)`; its last
 * included timestamp, `maxTimestamp()`, is `end - 1` and is the timestamp a
 * window's results carry. Windows are immutable values with a primitive
 * `key` identity, which names their state namespace and timers.
 */

/** A window: something with a last timestamp and a primitive identity. */
export abstract class Window {
  /** The largest timestamp that still belongs to the window (`+Infinity` for the global window). */
  abstract maxTimestamp(): number;
  /** A primitive identity: equal windows have equal keys (state namespaces and timers use it). */
  abstract get key(): string | number;
  /** True when `other` is the same window. */
  equals(other: Window): boolean {
    return this === other || this.key === other.key;
  }
}

/**
 * The half-open time interval `[start, end)`.
 *
 * ```ts
 * const w = new TimeWindow(0, 10);
 * w.maxTimestamp();                          // 9
 * w.intersects(new TimeWindow(10, 20));      // true: touching windows merge
 * w.cover(new TimeWindow(5, 15)).toString(); // 'TimeWindow[0, 15)'
 * ```
 * Gotcha: `intersects` is inclusive at both ends, as in Flink, so session
 * windows that touch (`end === other.start`) merge.
 */
export class TimeWindow extends Window {
  private cachedKey: string | undefined;
  /** See `stateBucket`; `null` is an empty slot. */
  #stateBucket: unknown = null;

  constructor(
    readonly start: number,
    readonly end: number,
  ) {
    super();
  }

  maxTimestamp(): number {
    return this.end - 1;
  }

  /**
   * A cache slot of the heap state backend, not part of the window's value
   * (private: equality, JSON and clones ignore it): the namespace bucket of
   * the state table that last looked this window up, so a handle switching
   * to the window skips the lookup by identity (see `NamespaceSlot`).
   */
  get stateBucket(): unknown {
    return this.#stateBucket;
  }

  set stateBucket(bucket: unknown) {
    this.#stateBucket = bucket;
  }

  /** `'start:end'`, computed once. */
  override get key(): string {
    return (this.cachedKey ??= `${this.start}:${this.end}`);
  }

  /** Same bounds (what equal keys mean), compared without building the key. */
  override equals(other: Window): boolean {
    return other instanceof TimeWindow ? this.start === other.start && this.end === other.end : super.equals(other);
  }

  /** True when the windows overlap or touch (Flink's inclusive semantics). */
  intersects(other: TimeWindow): boolean {
    return this.start <= other.end && this.end >= other.start;
  }

  /** The smallest window that covers both. */
  cover(other: TimeWindow): TimeWindow {
    return new TimeWindow(Math.min(this.start, other.start), Math.max(this.end, other.end));
  }

  override toString(): string {
    return `TimeWindow[${this.start}, ${this.end})`;
  }

  /** Serialises as `{ start, end }` (see `reviveWindow`). */
  toJSON(): { start: number; end: number } {
    return { start: this.start, end: this.end };
  }

  /**
   * The start of the window of `size` (shifted by `offset`) that contains
   * `timestamp`. Works for negative timestamps and offsets (the modulo is
   * made non-negative).
   *
   * ```ts
   * TimeWindow.getWindowStartWithOffset(7, 0, 5);  // 5
   * TimeWindow.getWindowStartWithOffset(-1, 0, 5); // -5
   * TimeWindow.getWindowStartWithOffset(7, 3, 5);  // 3
   * ```
   */
  static getWindowStartWithOffset(timestamp: number, offset: number, windowSize: number): number {
    const remainder = (timestamp - offset) % windowSize;
    return remainder < 0 ? timestamp - (remainder + windowSize) : timestamp - remainder;
  }

  /**
   * Merges overlapping (or touching) windows, as session windows need:
   * calls `callback(merged, result)` once for each group of two or more
   * distinct windows that collapse into `result`.
   *
   * ```ts
   * TimeWindow.mergeWindows([new TimeWindow(0, 5), new TimeWindow(3, 8)], (merged, result) => {
   *   // merged: [0,5) and [3,8); result: [0,8)
   * });
   * ```
   */
  static mergeWindows(
    windows: readonly TimeWindow[],
    callback: (toBeMerged: readonly TimeWindow[], mergeResult: TimeWindow) => void,
  ): void {
    // Hot for session windows (once per record): no closures, no copy for the common one-or-two-window case.
    if (windows.length < 2) return; // a single window never merges
    const sorted =
      windows.length === 2
        ? compareWindows(windows[0]!, windows[1]!) <= 0
          ? windows
          : [windows[1]!, windows[0]!]
        : [...windows].sort(compareWindows);
    let cover: TimeWindow | undefined;
    let group: TimeWindow[] = [];
    for (const candidate of sorted) {
      if (cover === undefined) {
        cover = candidate;
        group = [candidate];
      } else if (cover.intersects(candidate)) {
        cover = cover.cover(candidate);
        // equal windows count once (Flink collects them in a set)
        if (!containsEqualWindow(group, candidate)) group.push(candidate);
      } else {
        if (group.length > 1) callback(group, cover);
        cover = candidate;
        group = [candidate];
      }
    }
    if (cover !== undefined && group.length > 1) callback(group, cover);
  }
}

/** Orders windows by start, then end (the sort of `TimeWindow.mergeWindows`). */
function compareWindows(a: TimeWindow, b: TimeWindow): number {
  return a.start - b.start || a.end - b.end;
}

/** Whether `group` holds a window with the same bounds as `w`. */
function containsEqualWindow(group: readonly TimeWindow[], w: TimeWindow): boolean {
  for (let i = 0; i < group.length; i++) {
    const g = group[i]!;
    if (g.start === w.start && g.end === w.end) return true;
  }
  return false;
}

/**
 * The single window of `GlobalWindows`: it holds every record of a key and
 * never ends, so it is never cleaned up; a trigger (e.g. a purging count
 * trigger) decides when it fires.
 *
 * ```ts
 * GlobalWindow.get().maxTimestamp(); // Infinity
 * GlobalWindow.get() === GlobalWindow.get(); // true
 * ```
 */
export class GlobalWindow extends Window {
  private static readonly INSTANCE = new GlobalWindow();
  /** Marks the global window in structured clones (snapshots). */
  readonly global = true;

  private constructor() {
    super();
  }

  /** The one global window. */
  static get(): GlobalWindow {
    return GlobalWindow.INSTANCE;
  }

  maxTimestamp(): number {
    return Number.POSITIVE_INFINITY;
  }

  override get key(): string {
    return 'global';
  }

  override toString(): string {
    return 'GlobalWindow';
  }

  /** Serialises as the string `'global'` (see `reviveWindow`). */
  toJSON(): string {
    return 'global';
  }
}

/**
 * Turns a window that went through JSON or a structured clone (a snapshot)
 * back into a window object; windows are returned unchanged.
 *
 * ```ts
 * reviveWindow({ start: 0, end: 10 }); // TimeWindow[0, 10)
 * reviveWindow('global');               // GlobalWindow
 * ```
 */
export function reviveWindow(value: unknown): Window {
  if (value instanceof Window) return value;
  if (value === 'global') return GlobalWindow.get();
  if (typeof value === 'object' && value !== null) {
    const { start, end, global } = value as { start?: unknown; end?: unknown; global?: unknown };
    if (typeof start === 'number' && typeof end === 'number') return new TimeWindow(start, end);
    if (global === true) return GlobalWindow.get();
  }
  throw new TypeError(`not a window: ${String(value)}`);
}

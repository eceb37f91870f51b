// Naive reference implementations ("oracles") of Flink's event-time window
// semantics: WindowOperator + EventTimeTrigger for tumbling, sliding and
// session windows with allowed lateness, plus GlobalWindows-based count
// windows. Written for obviousness, not speed: every step re-scans state.
// Independent of the engine on purpose; do not import packages/core here.
//
// Semantics reproduced (Flink WindowOperator / EventTimeTrigger):
// - A record arriving at watermark W is offered to each assigned window w
//   (for sessions: the window obtained by merging the record's window into
//   the key's active sessions). w is LATE if maxTs(w) + L <= W and then does
//   not take the record. If no window took the record and ts + L <= W the
//   record goes to the late side output; if no window took it but the record
//   itself is not late it is silently dropped (reported as droppedNotLate;
//   this only happens for sliding windows with size < slide, whose gaps
//   contain no window at all).
// - When a window takes a record and maxTs(w) <= W it fires at once with its
//   full contents; otherwise a timer at maxTs(w) is pending and the window
//   fires when the watermark reaches maxTs(w).
// - Window state is purged when W >= maxTs(w) + L (cleanup timer).
// - When a watermark advance fires several windows they fire in maxTs order.
//
// Known Flink quirk NOT reproduced: with *dynamic* session gaps, a new
// record whose own window [ts, ts+gap) is exactly equal to an existing
// merged session makes Flink's MergingWindowSet remap that session to a fresh
// (empty) state namespace, losing the earlier contents. This oracle keeps the
// contents (the intended semantics). Fixed gaps cannot trigger the quirk.

import type { DataRecord, Script, TimeWindow } from './types.js';
import { toRecord } from './types.js';

/** One emission of a window: the aggregate of all its contents at firing time. */
export interface WindowFiring {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  /** Sum of the values in the window at firing time. */
  readonly sum: number;
  /** Number of records in the window at firing time. */
  readonly count: number;
  /** end - 1 (the window's maxTimestamp). */
  readonly timestamp: number;
  /** True iff this (key, start, end) window had already fired before. */
  readonly late: boolean;
}

export interface WindowOracleResult {
  /** In emission order (ties within one watermark advance: by key, then start). */
  readonly firings: WindowFiring[];
  /** Records sent to the late side output, in arrival order. */
  readonly lateRecords: DataRecord[];
  /** Records no window took although they were not late (silently dropped by Flink). */
  readonly droppedNotLate: DataRecord[];
}

export interface TumblingOptions {
  readonly size: number;
  readonly offset?: number;
  readonly allowedLateness?: number;
}

export interface SlidingOptions {
  readonly size: number;
  readonly slide: number;
  readonly offset?: number;
  readonly allowedLateness?: number;
}

export type DynamicGap = (key: string, value: number, ts: number) => number;

export type SessionOptions =
  | { readonly gap: number; readonly allowedLateness?: number }
  | { readonly dynamicGap: DynamicGap; readonly allowedLateness?: number };

/** Mathematical (always non-negative for n > 0) modulo. */
export function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** The tumbling window containing ts: start = ts - ((ts - offset) mod size). */
export function tumblingWindowFor(ts: number, size: number, offset = 0): TimeWindow {
  const start = ts - mod(ts - offset, size);
  return { start, end: start + size };
}

/**
 * All sliding windows [s, s + size) with s ≡ offset (mod slide) and
 * s <= ts < s + size, in ascending start order. Computed by walking the
 * candidate starts in (ts - size, ts]: the first one is the smallest
 * s >= ts - size + 1 with s ≡ offset (mod slide).
 */
export function slidingWindowsFor(ts: number, size: number, slide: number, offset = 0): TimeWindow[] {
  const lowest = ts - size + 1;
  const out: TimeWindow[] = [];
  for (let s = lowest + mod(offset - lowest, slide); s <= ts; s += slide) {
    out.push({ start: s, end: s + size });
  }
  return out;
}

/** Last firing per (key, start, end), sorted by key, start, end. */
export function finalResults<F extends { readonly key: string; readonly start: number; readonly end: number }>(
  firings: readonly F[],
): F[] {
  const last = new Map<string, F>();
  for (const f of firings) last.set(windowId(f.key, f), f);
  return [...last.values()].sort(compareByWindow);
}

/** Comparator: key, then start, then end. */
export function compareByWindow(
  a: { readonly key: string; readonly start: number; readonly end: number },
  b: { readonly key: string; readonly start: number; readonly end: number },
): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.start !== b.start) return a.start - b.start;
  return a.end - b.end;
}

/**
 * A canonical sort of firings for multiset comparison: key, start, end,
 * then count and sum (repeated firings of one window only grow).
 */
export function sortFirings(firings: readonly WindowFiring[]): WindowFiring[] {
  return [...firings].sort(
    (a, b) => compareByWindow(a, b) || a.count - b.count || a.sum - b.sum || Number(a.late) - Number(b.late),
  );
}

function windowId(key: string, w: TimeWindow): string {
  return JSON.stringify([key, w.start, w.end]);
}

/** Mutable state of one live window (key, start, end). */
interface LiveWindow {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  sum: number;
  count: number;
  /** The EventTimeTrigger timer at maxTimestamp is registered and has not fired yet. */
  timerPending: boolean;
}

/** Bookkeeping shared by the non-merging and the session simulation. */
class Emitter {
  readonly firings: WindowFiring[] = [];
  readonly lateRecords: DataRecord[] = [];
  readonly droppedNotLate: DataRecord[] = [];
  private readonly firedBefore = new Set<string>();

  fire(w: LiveWindow): void {
    const id = windowId(w.key, w);
    this.firings.push({
      key: w.key,
      start: w.start,
      end: w.end,
      sum: w.sum,
      count: w.count,
      timestamp: w.end - 1,
      late: this.firedBefore.has(id),
    });
    this.firedBefore.add(id);
  }

  /** A record no window took: late side output if the record is late, else dropped. */
  notTaken(r: DataRecord, lateness: number, watermark: number): void {
    if (r.ts + lateness <= watermark) this.lateRecords.push(toRecord(r));
    else this.droppedNotLate.push(toRecord(r));
  }

  result(): WindowOracleResult {
    return { firings: this.firings, lateRecords: this.lateRecords, droppedNotLate: this.droppedNotLate };
  }
}

/**
 * Advances the watermark over a set of live windows: fire every window whose
 * pending timer (at maxTs = end - 1) is now due, in maxTs order, then purge
 * every window whose cleanup time maxTs + L has been reached.
 */
function fireAndPurge(live: LiveWindow[], watermark: number, lateness: number, emitter: Emitter): LiveWindow[] {
  const due = live
    .filter((w) => w.timerPending && w.end - 1 <= watermark)
    .sort((a, b) => a.end - 1 - (b.end - 1) || compareByWindow(a, b));
  for (const w of due) {
    w.timerPending = false;
    emitter.fire(w);
  }
  return live.filter((w) => !(w.end - 1 + lateness <= watermark));
}

/** Non-merging WindowOperator + EventTimeTrigger over an arbitrary assigner. */
function runNonMerging(script: Script, assign: (ts: number) => TimeWindow[], lateness: number): WindowOracleResult {
  const emitter = new Emitter();
  let watermark = -Infinity;
  let live: LiveWindow[] = [];

  const advance = (wm: number): void => {
    if (!(wm > watermark)) return;
    watermark = wm;
    live = fireAndPurge(live, watermark, lateness, emitter);
  };

  for (const step of script) {
    if (step.kind === 'watermark') {
      advance(step.wm);
      continue;
    }
    let taken = false;
    for (const w of assign(step.ts)) {
      if (w.end - 1 + lateness <= watermark) continue; // window is late: it does not take the record
      taken = true;
      let lw = live.find((x) => x.key === step.key && x.start === w.start && x.end === w.end);
      if (lw === undefined) {
        lw = { key: step.key, start: w.start, end: w.end, sum: 0, count: 0, timerPending: false };
        live.push(lw);
      }
      lw.sum += step.value;
      lw.count += 1;
      if (w.end - 1 <= watermark) emitter.fire(lw); // EventTimeTrigger.onElement: FIRE
      else lw.timerPending = true; // EventTimeTrigger.onElement: register timer at maxTs
    }
    if (!taken) emitter.notTaken(step, lateness, watermark);
  }
  advance(Infinity);
  return emitter.result();
}

/** Flink TumblingEventTimeWindows.of(size, offset) with allowedLateness. */
export function tumblingOracle(script: Script, options: TumblingOptions): WindowOracleResult {
  const { size, offset = 0, allowedLateness = 0 } = options;
  if (!(size > 0)) throw new Error('tumblingOracle: size must be > 0');
  return runNonMerging(script, (ts) => [tumblingWindowFor(ts, size, offset)], allowedLateness);
}

/** Flink SlidingEventTimeWindows.of(size, slide, offset) with allowedLateness. */
export function slidingOracle(script: Script, options: SlidingOptions): WindowOracleResult {
  const { size, slide, offset = 0, allowedLateness = 0 } = options;
  if (!(size > 0) || !(slide > 0)) throw new Error('slidingOracle: size and slide must be > 0');
  return runNonMerging(script, (ts) => slidingWindowsFor(ts, size, slide, offset), allowedLateness);
}

/** Flink's TimeWindow.intersects: touching windows intersect too. */
export function flinkIntersects(a: TimeWindow, b: TimeWindow): boolean {
  return a.start <= b.end && a.end >= b.start;
}

/**
 * Flink EventTimeSessionWindows.withGap(gap) or
 * EventTimeSessionWindows.withDynamicGap(extractor), with allowedLateness.
 */
export function sessionOracle(script: Script, options: SessionOptions): WindowOracleResult {
  const lateness = options.allowedLateness ?? 0;
  const gapOf: DynamicGap = 'gap' in options ? () => options.gap : options.dynamicGap;
  const emitter = new Emitter();
  let watermark = -Infinity;
  let live: LiveWindow[] = []; // active sessions of all keys

  const advance = (wm: number): void => {
    if (!(wm > watermark)) return;
    watermark = wm;
    live = fireAndPurge(live, watermark, lateness, emitter);
  };

  for (const step of script) {
    if (step.kind === 'watermark') {
      advance(step.wm);
      continue;
    }
    const gap = gapOf(step.key, step.value, step.ts);
    if (!(gap > 0)) throw new Error(`sessionOracle: gap must be > 0, got ${gap}`);

    // Merge the record's window [ts, ts + gap) with every active session of
    // the key it (transitively) intersects; the result is their cover.
    let cover: TimeWindow = { start: step.ts, end: step.ts + gap };
    const members: LiveWindow[] = [];
    let grew = true;
    while (grew) {
      grew = false;
      for (const s of live) {
        if (s.key === step.key && !members.includes(s) && flinkIntersects(cover, s)) {
          members.push(s);
          cover = { start: Math.min(cover.start, s.start), end: Math.max(cover.end, s.end) };
          grew = true;
        }
      }
    }

    if (cover.end - 1 + lateness <= watermark) {
      // A late merged window is discarded. Any active session has
      // maxTs + L > W (else it was cleaned up) and a cover only grows, so
      // only a record that merged with nothing can land here.
      if (members.length > 0) throw new Error('sessionOracle invariant violated: merge produced a late window');
      emitter.notTaken(step, lateness, watermark);
      continue;
    }

    const merged: LiveWindow = {
      key: step.key,
      start: cover.start,
      end: cover.end,
      sum: members.reduce((acc, s) => acc + s.sum, 0) + step.value,
      count: members.reduce((acc, s) => acc + s.count, 0) + 1,
      timerPending: false,
    };
    live = live.filter((s) => !members.includes(s));
    live.push(merged);
    if (merged.end - 1 <= watermark) emitter.fire(merged);
    else merged.timerPending = true;
  }
  advance(Infinity);
  return emitter.result();
}

/** One firing of a count window. */
export interface CountFiring {
  readonly key: string;
  /** The window contents (values) at firing time, oldest first. */
  readonly values: number[];
  readonly sum: number;
  readonly count: number;
}

/**
 * Flink countWindow(size) / countWindow(size, slide) on a keyed stream.
 * - countWindow(size): GlobalWindows + PurgingTrigger(CountTrigger(size)):
 *   per key, every `size` records fire with exactly those records.
 * - countWindow(size, slide): GlobalWindows + CountEvictor(size) +
 *   CountTrigger(slide): per key, every `slide` records fire with the last
 *   min(size, n) records (n = records of the key so far).
 * Leftover records never fire (GlobalWindows never fires at end of input).
 * Timestamps and watermarks are irrelevant; watermark steps are ignored.
 * Firings are in arrival order.
 */
export function countWindowOracle(
  records: ReadonlyArray<DataRecord | { readonly kind: 'watermark'; readonly wm: number }>,
  size: number,
  slide?: number,
): CountFiring[] {
  if (!(size > 0) || (slide !== undefined && !(slide > 0))) throw new Error('countWindowOracle: size/slide must be > 0');
  const seen = new Map<string, number[]>(); // every value of the key so far, in order
  const out: CountFiring[] = [];
  for (const r of records) {
    if (!('key' in r)) continue;
    const all = seen.get(r.key) ?? [];
    all.push(r.value);
    seen.set(r.key, all);
    const n = all.length;
    const every = slide ?? size;
    if (n % every !== 0) continue;
    const values = all.slice(Math.max(0, n - size));
    out.push({ key: r.key, values, sum: values.reduce((a, b) => a + b, 0), count: values.length });
  }
  return out;
}

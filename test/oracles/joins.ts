// Naive reference implementations ("oracles") of Flink's keyed joins:
// window join and window coGroup (tumbling / sliding event-time windows),
// and interval join, both as a batch oracle (no late data) and as a
// streaming oracle over a two-sided script with watermarks that reproduces
// Flink IntervalJoinOperator's late-record dropping and buffer cleanup.
// Nested loops over all records on purpose; independent of the engine.

import type { DataRecord, TimeWindow } from './types.js';
import { toRecord } from './types.js';
import { compareByWindow, slidingWindowsFor, tumblingWindowFor } from './windows.js';

/** The window assigner of a window join / coGroup. */
export type JoinWindowAssigner =
  | { readonly kind: 'tumbling'; readonly size: number; readonly offset?: number }
  | { readonly kind: 'sliding'; readonly size: number; readonly slide: number; readonly offset?: number };

/** All windows the assigner puts a timestamp in. */
export function assignWindows(assigner: JoinWindowAssigner, ts: number): TimeWindow[] {
  return assigner.kind === 'tumbling'
    ? [tumblingWindowFor(ts, assigner.size, assigner.offset ?? 0)]
    : slidingWindowsFor(ts, assigner.size, assigner.slide, assigner.offset ?? 0);
}

function inWindow(ts: number, w: TimeWindow): boolean {
  return w.start <= ts && ts < w.end;
}

/** One joined pair of a window join, emitted when the window fires. */
export interface WindowJoinPair {
  readonly key: string;
  readonly left: DataRecord;
  readonly right: DataRecord;
  readonly start: number;
  readonly end: number;
  /** window.end - 1 */
  readonly timestamp: number;
}

/**
 * Inner window join (Flink `a.join(b).where(k).equalTo(k).window(assigner)`):
 * every (left, right) pair with equal keys, once per window that contains
 * both timestamps. Assumes no late data. Order: by left record, then window,
 * then right record (compare as a multiset).
 */
export function windowJoinOracle(
  left: readonly DataRecord[],
  right: readonly DataRecord[],
  assigner: JoinWindowAssigner,
): WindowJoinPair[] {
  const out: WindowJoinPair[] = [];
  for (const l of left) {
    for (const w of assignWindows(assigner, l.ts)) {
      for (const r of right) {
        if (r.key === l.key && inWindow(r.ts, w)) {
          out.push({ key: l.key, left: toRecord(l), right: toRecord(r), start: w.start, end: w.end, timestamp: w.end - 1 });
        }
      }
    }
  }
  return out;
}

/** One coGroup call: all records of both sides for one key and window. */
export interface CoGroupResult {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  /** window.end - 1 */
  readonly timestamp: number;
  /** Left records in the window, in input order (possibly empty). */
  readonly left: DataRecord[];
  /** Right records in the window, in input order (possibly empty). */
  readonly right: DataRecord[];
}

/**
 * Window coGroup (Flink `a.coGroup(b).where(k).equalTo(k).window(assigner)`):
 * one group per (key, window) that holds at least one record of either side.
 * Assumes no late data. Sorted by key, start, end.
 */
export function coGroupOracle(
  left: readonly DataRecord[],
  right: readonly DataRecord[],
  assigner: JoinWindowAssigner,
): CoGroupResult[] {
  const groups: { key: string; start: number; end: number }[] = [];
  for (const r of [...left, ...right]) {
    for (const w of assignWindows(assigner, r.ts)) {
      if (!groups.some((g) => g.key === r.key && g.start === w.start && g.end === w.end)) {
        groups.push({ key: r.key, start: w.start, end: w.end });
      }
    }
  }
  return groups.sort(compareByWindow).map((g) => ({
    key: g.key,
    start: g.start,
    end: g.end,
    timestamp: g.end - 1,
    left: left.filter((r) => r.key === g.key && inWindow(r.ts, g)).map(toRecord),
    right: right.filter((r) => r.key === g.key && inWindow(r.ts, g)).map(toRecord),
  }));
}

/** One row of a windowed outer join built from coGroup; a missing side is null. */
export interface OuterJoinRow {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly timestamp: number;
  readonly left: DataRecord | null;
  readonly right: DataRecord | null;
}

/**
 * Windowed outer join derived from coGroup the usual Flink way: all pairs
 * when both sides are non-empty; otherwise each record of the non-empty side
 * paired with null, if the join type keeps that side. Sorted like coGroup,
 * pairs in nested-loop order within a group.
 */
export function windowOuterJoinOracle(
  left: readonly DataRecord[],
  right: readonly DataRecord[],
  assigner: JoinWindowAssigner,
  type: 'left' | 'right' | 'full',
): OuterJoinRow[] {
  const out: OuterJoinRow[] = [];
  for (const g of coGroupOracle(left, right, assigner)) {
    const base = { key: g.key, start: g.start, end: g.end, timestamp: g.timestamp };
    if (g.left.length > 0 && g.right.length > 0) {
      for (const l of g.left) for (const r of g.right) out.push({ ...base, left: l, right: r });
    } else if (g.right.length === 0 && (type === 'left' || type === 'full')) {
      for (const l of g.left) out.push({ ...base, left: l, right: null });
    } else if (g.left.length === 0 && (type === 'right' || type === 'full')) {
      for (const r of g.right) out.push({ ...base, left: null, right: r });
    }
  }
  return out;
}

export interface IntervalBoundsOptions {
  readonly lowerExclusive?: boolean;
  readonly upperExclusive?: boolean;
}

/** One interval-join pair; timestamp = max(left.ts, right.ts). */
export interface IntervalJoinPair {
  readonly key: string;
  readonly left: DataRecord;
  readonly right: DataRecord;
  readonly timestamp: number;
}

/** Effective inclusive bounds, as Flink's IntervalJoinOperator computes them. */
function inclusiveBounds(lower: number, upper: number, options: IntervalBoundsOptions): { lo: number; hi: number } {
  return {
    lo: options.lowerExclusive === true ? lower + 1 : lower,
    hi: options.upperExclusive === true ? upper - 1 : upper,
  };
}

/**
 * Interval join (Flink `a.intervalJoin(b).between(lower, upper)`): every
 * pair with equal keys and left.ts + lower <= right.ts <= left.ts + upper
 * (an exclusive bound moves by 1). Assumes no late data.
 * Order: by left record, then right record.
 */
export function intervalJoinOracle(
  left: readonly DataRecord[],
  right: readonly DataRecord[],
  lower: number,
  upper: number,
  options: IntervalBoundsOptions = {},
): IntervalJoinPair[] {
  const { lo, hi } = inclusiveBounds(lower, upper, options);
  const out: IntervalJoinPair[] = [];
  for (const l of left) {
    for (const r of right) {
      if (l.key === r.key && l.ts + lo <= r.ts && r.ts <= l.ts + hi) {
        out.push({ key: l.key, left: toRecord(l), right: toRecord(r), timestamp: Math.max(l.ts, r.ts) });
      }
    }
  }
  return out;
}

/** A step of a two-input script. The watermark applies to both inputs. */
export type JoinScriptStep =
  | {
      readonly kind: 'record';
      readonly side: 'left' | 'right';
      readonly key: string;
      readonly value: number;
      readonly ts: number;
    }
  | { readonly kind: 'watermark'; readonly wm: number };

export type JoinScript = readonly JoinScriptStep[];

export interface IntervalJoinScriptResult {
  /** In emission order. */
  readonly pairs: IntervalJoinPair[];
  /** Left records dropped as late (ts < watermark), in arrival order. */
  readonly lateLeft: DataRecord[];
  /** Right records dropped as late (ts < watermark), in arrival order. */
  readonly lateRight: DataRecord[];
}

/**
 * Interval join over a two-sided script with watermarks, reproducing Flink's
 * IntervalJoinOperator exactly:
 * - a record with ts < current watermark is late and dropped (side output);
 * - otherwise it is buffered and joined with every buffered record of the
 *   other side of the same key that is within the bounds;
 * - a buffered left record is removed when the watermark reaches
 *   ts + hi (if hi > 0, else ts); a buffered right record when it reaches
 *   ts - lo (if lo < 0, else ts). Such a cleanup timer fires at a watermark
 *   advance (a timer registered at or below the current watermark fires at
 *   the next advance). Note the edge this causes: a record exactly at the
 *   watermark is not late but its partner at the bound may already be gone.
 * At the end of input the watermark becomes +Infinity.
 */
export function intervalJoinScriptOracle(
  script: JoinScript,
  lower: number,
  upper: number,
  options: IntervalBoundsOptions = {},
): IntervalJoinScriptResult {
  const { lo, hi } = inclusiveBounds(lower, upper, options);
  const pairs: IntervalJoinPair[] = [];
  const lateLeft: DataRecord[] = [];
  const lateRight: DataRecord[] = [];
  let leftBuffer: DataRecord[] = [];
  let rightBuffer: DataRecord[] = [];
  // Pending cleanup timers; duplicates are harmless (removal is idempotent).
  let timers: { side: 'left' | 'right'; key: string; time: number }[] = [];
  let watermark = -Infinity;

  const advance = (wm: number): void => {
    if (!(wm > watermark)) return;
    watermark = wm;
    const due = timers.filter((t) => t.time <= watermark);
    timers = timers.filter((t) => !(t.time <= watermark));
    for (const t of due) {
      if (t.side === 'left') {
        const bucket = hi <= 0 ? t.time : t.time - hi;
        leftBuffer = leftBuffer.filter((r) => !(r.key === t.key && r.ts === bucket));
      } else {
        const bucket = lo <= 0 ? t.time + lo : t.time;
        rightBuffer = rightBuffer.filter((r) => !(r.key === t.key && r.ts === bucket));
      }
    }
  };

  for (const step of script) {
    if (step.kind === 'watermark') {
      advance(step.wm);
      continue;
    }
    const rec = toRecord(step);
    if (rec.ts < watermark) {
      (step.side === 'left' ? lateLeft : lateRight).push(rec);
      continue;
    }
    if (step.side === 'left') {
      leftBuffer.push(rec);
      for (const r of rightBuffer) {
        if (r.key === rec.key && rec.ts + lo <= r.ts && r.ts <= rec.ts + hi) {
          pairs.push({ key: rec.key, left: rec, right: r, timestamp: Math.max(rec.ts, r.ts) });
        }
      }
      timers.push({ side: 'left', key: rec.key, time: hi > 0 ? rec.ts + hi : rec.ts });
    } else {
      rightBuffer.push(rec);
      for (const l of leftBuffer) {
        if (l.key === rec.key && l.ts + lo <= rec.ts && rec.ts <= l.ts + hi) {
          pairs.push({ key: rec.key, left: l, right: rec, timestamp: Math.max(l.ts, rec.ts) });
        }
      }
      timers.push({ side: 'right', key: rec.key, time: -lo > 0 ? rec.ts - lo : rec.ts });
    }
  }
  advance(Infinity);
  return { pairs, lateLeft, lateRight };
}

/** Canonical multiset key of a join pair (for sorting / comparing). */
export function pairKey(p: { readonly key: string; readonly left: DataRecord; readonly right: DataRecord; readonly timestamp: number }): string {
  return JSON.stringify([p.key, p.left.ts, p.left.value, p.right.ts, p.right.value, p.timestamp]);
}

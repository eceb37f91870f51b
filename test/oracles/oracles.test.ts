// Checks the naive oracles themselves: tiny hand-computed cases (worked out
// in the comments) for windows (tumbling, sliding, session, count), joins
// and keyed timers, covering lateness, session merging, late firings and
// cleanup; plus a few self-consistency properties and generator sanity
// checks. Engine-independent: nothing here imports packages/core.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { DataRecord, Step } from './types.js';
import { scriptRecords } from './types.js';
import {
  countWindowOracle,
  finalResults,
  sessionOracle,
  slidingOracle,
  slidingWindowsFor,
  sortFirings,
  tumblingOracle,
  tumblingWindowFor,
} from './windows.js';
import type { WindowFiring } from './windows.js';
import {
  coGroupOracle,
  intervalJoinOracle,
  intervalJoinScriptOracle,
  pairKey,
  windowJoinOracle,
  windowOuterJoinOracle,
} from './joins.js';
import type { JoinScriptStep } from './joins.js';
import { keyedTimerOracle } from './keyedProcess.js';
import {
  joinInputArb,
  joinScriptArb,
  scriptArb,
  sessionParamsArb,
  slidingParamsArb,
  tumblingParamsArb,
} from './generators.js';

const r = (key: string, value: number, ts: number): Step => ({ kind: 'record', key, value, ts });
const w = (wm: number): Step => ({ kind: 'watermark', wm });
const d = (key: string, value: number, ts: number): DataRecord => ({ key, value, ts });
const f = (key: string, start: number, end: number, sum: number, count: number, late = false): WindowFiring => ({
  key,
  start,
  end,
  sum,
  count,
  timestamp: end - 1,
  late,
});

describe('window assignment', () => {
  it('tumbling start uses a true modulo (offset, negative)', () => {
    expect(tumblingWindowFor(7, 10)).toEqual({ start: 0, end: 10 });
    expect(tumblingWindowFor(10, 10)).toEqual({ start: 10, end: 20 });
    // offset 3: (2 - 3) mod 10 = 9 -> start -7
    expect(tumblingWindowFor(2, 10, 3)).toEqual({ start: -7, end: 3 });
    expect(tumblingWindowFor(3, 10, 3)).toEqual({ start: 3, end: 13 });
    expect(tumblingWindowFor(-1, 10)).toEqual({ start: -10, end: 0 });
  });

  it('sliding windows: s ≡ offset (mod slide), s <= ts < s + size', () => {
    expect(slidingWindowsFor(7, 10, 5)).toEqual([
      { start: 0, end: 10 },
      { start: 5, end: 15 },
    ]);
    expect(slidingWindowsFor(12, 10, 5)).toEqual([
      { start: 5, end: 15 },
      { start: 10, end: 20 },
    ]);
    // offset 1, slide 3, size 4: starts ..., -2, 1, 4; only [1,5) holds 3
    expect(slidingWindowsFor(3, 4, 3, 1)).toEqual([{ start: 1, end: 5 }]);
    // size < slide: 3 lies in the gap between [0,2) and [5,7)
    expect(slidingWindowsFor(3, 2, 5)).toEqual([]);
  });
});

describe('tumblingOracle', () => {
  it('fires at the watermark, drops and side-outputs late records (L = 0)', () => {
    // size 10. wm 9 fires a[0,10) = 1+2 (and purges it). a4@7 then finds
    // its window late (9 + 0 <= 9) and is late itself -> side output.
    // The end (wm +inf) fires a[10,20) = 5 and b[10,20) = 3 (maxTs 19, key order).
    const res = tumblingOracle([r('a', 1, 1), r('a', 2, 5), r('b', 3, 12), w(9), r('a', 4, 7), r('a', 5, 15), w(20)], {
      size: 10,
    });
    expect(res.firings).toEqual([f('a', 0, 10, 3, 2), f('a', 10, 20, 5, 1), f('b', 10, 20, 3, 1)]);
    expect(res.lateRecords).toEqual([d('a', 4, 7)]);
    expect(res.droppedNotLate).toEqual([]);
  });

  it('allowed lateness: late firings, first late-created window, cleanup', () => {
    // size 10, L = 5.
    // a1@1; wm 9 fires a[0,10) {1} (not purged: cleanup at 9 + 5 = 14).
    // a2@3: window not late (14 > 9), maxTs 9 <= 9 -> fires at once {1,2}, late (2nd firing).
    // b5@6: new window b[0,10), maxTs <= 9 -> fires at once; its FIRST firing -> late=false.
    // wm 14: cleanup of a[0,10) and b[0,10).
    // a4@4: window late (14 <= 14) and record late (4 + 5 <= 14) -> side output.
    // a8@12: a[10,20), fires at the end.
    const res = tumblingOracle(
      [r('a', 1, 1), w(9), r('a', 2, 3), r('b', 5, 6), w(14), r('a', 4, 4), r('a', 8, 12)],
      { size: 10, allowedLateness: 5 },
    );
    expect(res.firings).toEqual([
      f('a', 0, 10, 1, 1),
      f('a', 0, 10, 3, 2, true),
      f('b', 0, 10, 5, 1),
      f('a', 10, 20, 8, 1),
    ]);
    expect(res.lateRecords).toEqual([d('a', 4, 4)]);
    expect(finalResults(res.firings)).toEqual([f('a', 0, 10, 3, 2, true), f('a', 10, 20, 8, 1), f('b', 0, 10, 5, 1)]);
  });

  it('a late window implies a late record for tumbling windows', () => {
    // Window maxTs >= ts, so a late window implies a late record: with L = 3
    // and wm 12, a@9 (window [0,10): 9 + 3 <= 12) is late since 9 + 3 <= 12.
    const res = tumblingOracle([w(12), r('a', 1, 9)], { size: 10, allowedLateness: 3 });
    expect(res.lateRecords).toEqual([d('a', 1, 9)]);
    expect(res.droppedNotLate).toEqual([]);
  });

  it('offset windows and watermark steps that do not advance are ignored', () => {
    // size 10, offset 3: 2 -> [-7,3), 3 and 12 -> [3,13), 13 -> [13,23).
    // wm 5 fires [-7,3); the later wm 4 is ignored (so a@4 still lands in [3,13)).
    const res = tumblingOracle([r('a', 1, 2), r('a', 1, 3), w(5), w(4), r('a', 1, 4), r('a', 1, 12), r('a', 1, 13)], {
      size: 10,
      offset: 3,
    });
    expect(res.firings).toEqual([f('a', -7, 3, 1, 1), f('a', 3, 13, 3, 3), f('a', 13, 23, 1, 1)]);
    expect(res.lateRecords).toEqual([]);
  });
});

describe('slidingOracle', () => {
  it('assigns to every overlapping window; late only if all windows are late', () => {
    // size 10, slide 5. a1@7 -> [0,10),[5,15); a2@12 -> [5,15),[10,20).
    // wm 9 fires [0,10) {1}. a4@3 -> [-5,5) and [0,10), both late -> side output.
    // End: [5,15) {1,2} at 14, [10,20) {2} at 19.
    const res = slidingOracle([r('a', 1, 7), r('a', 2, 12), w(9), r('a', 4, 3)], { size: 10, slide: 5 });
    expect(res.firings).toEqual([f('a', 0, 10, 1, 1), f('a', 5, 15, 3, 2), f('a', 10, 20, 2, 1)]);
    expect(res.lateRecords).toEqual([d('a', 4, 3)]);
    expect(res.droppedNotLate).toEqual([]);
  });

  it('a record is taken by its non-late windows only', () => {
    // size 10, slide 5, wm 9: a@8 -> [0,10) late (9 <= 9), [5,15) not -> taken by [5,15).
    const res = slidingOracle([w(9), r('a', 1, 8)], { size: 10, slide: 5 });
    expect(res.firings).toEqual([f('a', 5, 15, 1, 1)]);
    expect(res.lateRecords).toEqual([]);
  });

  it('size < slide: records in the gaps are droppedNotLate or late', () => {
    // size 2, slide 5: windows [0,2), [5,7), ...
    // a@3: no window, not late (wm -inf) -> droppedNotLate.
    // wm 10; a@4: no window, late -> side output; a@1: [0,2) late -> side output.
    // a@11: [10,12) fires at the end.
    const res = slidingOracle([r('a', 1, 3), w(10), r('a', 2, 4), r('a', 3, 1), r('a', 4, 11)], { size: 2, slide: 5 });
    expect(res.droppedNotLate).toEqual([d('a', 1, 3)]);
    expect(res.lateRecords).toEqual([d('a', 2, 4), d('a', 3, 1)]);
    expect(res.firings).toEqual([f('a', 10, 12, 4, 1)]);
  });
});

describe('sessionOracle', () => {
  it('touching windows merge', () => {
    // gap 5: [0,5) and [5,10) touch -> one session [0,10).
    expect(sessionOracle([r('a', 1, 0), r('a', 2, 5)], { gap: 5 }).firings).toEqual([f('a', 0, 10, 3, 2)]);
    // [0,5) and [6,11) do not.
    expect(sessionOracle([r('a', 1, 0), r('a', 2, 6)], { gap: 5 }).firings).toEqual([
      f('a', 0, 5, 1, 1),
      f('a', 6, 11, 2, 1),
    ]);
  });

  it('merging, bridging, firing, a late record taken by a fresh session, a late record dropped (L = 0)', () => {
    // gap 5.
    // a1@1 -> [1,6); a2@4 -> [4,9) merges -> [1,9) {1,2}.
    // a3@10 -> [10,15): [1,9) does not touch (9 < 10) -> separate.
    // a4@9 -> [9,14) touches [1,9) and overlaps [10,15) -> [1,15) {1,2,3,4}.
    // b5@20 -> b[20,25).
    // wm 14: fires a[1,15) = 10 (maxTs 14) and purges it.
    // a6@12: [12,17), maxTs 16 > 14, nothing to merge with -> new session;
    //        the record is late (12 <= 14) but taken, so not side-output.
    // a7@2: [2,7), maxTs 6 <= 14 -> late window, late record -> side output.
    // End: a[12,17) = 6 at 16, b[20,25) = 5 at 24.
    const res = sessionOracle(
      [r('a', 1, 1), r('a', 2, 4), r('a', 3, 10), r('a', 4, 9), r('b', 5, 20), w(14), r('a', 6, 12), r('a', 7, 2)],
      { gap: 5 },
    );
    expect(res.firings).toEqual([f('a', 1, 15, 10, 4), f('a', 12, 17, 6, 1), f('b', 20, 25, 5, 1)]);
    expect(res.lateRecords).toEqual([d('a', 7, 2)]);
    expect(res.droppedNotLate).toEqual([]);
  });

  it('allowed lateness: merge into a fired session, late firing, cleanup', () => {
    // gap 3, L = 10.
    // a1@0 -> [0,3). wm 5 fires [0,3) {1} (cleanup at 2 + 10 = 12).
    // a2@4 -> [4,7) (0..3 does not touch 4..7) maxTs 6 > 5: pending.
    // a4@2 -> [2,5) bridges [0,3) and [4,7) -> [0,7) {1,2,4}=7, maxTs 6 > 5: pending.
    // wm 6 fires [0,7) = 7 (first firing of that window).
    // a8@1 -> [1,4) inside [0,7); maxTs 6 <= 6 -> fires at once = 15, late.
    // wm 16: cleanup of [0,7) (6 + 10 <= 16).
    // a16@3 -> [3,6): 5 + 10 <= 16 late window, 3 + 10 <= 16 late record.
    const res = sessionOracle(
      [r('a', 1, 0), w(5), r('a', 2, 4), r('a', 4, 2), w(6), r('a', 8, 1), w(16), r('a', 16, 3)],
      { gap: 3, allowedLateness: 10 },
    );
    expect(res.firings).toEqual([f('a', 0, 3, 1, 1), f('a', 0, 7, 7, 3), f('a', 0, 7, 15, 4, true)]);
    expect(res.lateRecords).toEqual([d('a', 16, 3)]);
    expect(finalResults(res.firings)).toEqual([f('a', 0, 3, 1, 1), f('a', 0, 7, 15, 4, true)]);
  });

  it('a merge whose result is already past the watermark fires immediately', () => {
    // gap 3, L = 10.
    // a1@0 [0,3) + a2@3 [3,6) touch -> [0,6). wm 10 fires [0,6) = 3.
    // a4@7 -> [7,10), maxTs 9 <= 10 (not late: 19 > 10) -> fires at once = 4.
    // a8@5 -> [5,8) bridges [0,6) and [7,10) -> [0,10) = 15, maxTs 9 <= 10 -> fires at once.
    // End: nothing pending.
    const res = sessionOracle([r('a', 1, 0), r('a', 2, 3), w(10), r('a', 4, 7), r('a', 8, 5)], {
      gap: 3,
      allowedLateness: 10,
    });
    expect(res.firings).toEqual([f('a', 0, 6, 3, 2), f('a', 7, 10, 4, 1), f('a', 0, 10, 15, 4)]);
  });

  it('dynamic gap', () => {
    // gap = value. 2@0 -> [0,2); 10@5 -> [5,15); 3@2 -> [2,5) touches both -> [0,15).
    const res = sessionOracle([r('a', 2, 0), r('a', 10, 5), r('a', 3, 2)], { dynamicGap: (_k, v) => v });
    expect(res.firings).toEqual([f('a', 0, 15, 15, 3)]);
    expect(() => sessionOracle([r('a', 0, 0)], { dynamicGap: (_k, v) => v })).toThrow();
  });
});

describe('countWindowOracle', () => {
  // a: 1,2,3,4,5 and b: 10,20, interleaved.
  const recs = [d('a', 1, 0), d('b', 10, 0), d('a', 2, 0), d('a', 3, 0), d('b', 20, 0), d('a', 4, 0), d('a', 5, 0)];

  it('tumbling countWindow(2): every 2 records of a key, leftovers never fire', () => {
    expect(countWindowOracle(recs, 2)).toEqual([
      { key: 'a', values: [1, 2], sum: 3, count: 2 },
      { key: 'b', values: [10, 20], sum: 30, count: 2 },
      { key: 'a', values: [3, 4], sum: 7, count: 2 },
    ]);
  });

  it('sliding countWindow(3, 2): every 2 records, the last min(3, n)', () => {
    expect(countWindowOracle(recs, 3, 2)).toEqual([
      { key: 'a', values: [1, 2], sum: 3, count: 2 },
      { key: 'b', values: [10, 20], sum: 30, count: 2 },
      { key: 'a', values: [2, 3, 4], sum: 9, count: 3 },
    ]);
  });

  it('ignores watermark steps', () => {
    expect(countWindowOracle([r('a', 1, 0), w(100), r('a', 2, 0)], 2)).toEqual([{ key: 'a', values: [1, 2], sum: 3, count: 2 }]);
  });
});

describe('keyedTimerOracle', () => {
  it('counts, timers in time order, re-registration, past timers fire at the next advance', () => {
    // delay 5.
    // a@1: a=1, timer a@6. b@2: b=1, timer b@7. a@3: a=2.
    // wm 6 -> {a,2,6}. a@4: a=3, new timer a@9. wm 8 -> {b,1,7}.
    // b@10: b=2, timer b@15. a@0: a=4 (timer a@9 already pending).
    // wm 12 -> {a,4,9}.
    // c@1: c=1, timer c@6 (already <= 12: fires at the next advance).
    // wm 12 again: no advance, nothing fires. c@2: c=2.
    // End (+inf): c@6 then b@15 -> {c,2,6}, {b,2,15}.
    const out = keyedTimerOracle(
      [
        r('a', 0, 1),
        r('b', 0, 2),
        r('a', 0, 3),
        w(6),
        r('a', 0, 4),
        w(8),
        r('b', 0, 10),
        r('a', 0, 0),
        w(12),
        r('c', 0, 1),
        w(12),
        r('c', 0, 2),
      ],
      5,
    );
    expect(out).toEqual([
      { key: 'a', count: 2, timer: 6 },
      { key: 'b', count: 1, timer: 7 },
      { key: 'a', count: 4, timer: 9 },
      { key: 'c', count: 2, timer: 6 },
      { key: 'b', count: 2, timer: 15 },
    ]);
  });
});

describe('window joins', () => {
  it('tumbling inner join: pairs of equal key in the same window', () => {
    // size 10. a: left 1@1 with right 10@5, 11@9 in [0,10); left 2@12 with right 12@15 in [10,20).
    // b: left 3@3 in [0,10), right 13@13 in [10,20): no pair.
    const left = [d('a', 1, 1), d('a', 2, 12), d('b', 3, 3)];
    const right = [d('a', 10, 5), d('a', 11, 9), d('a', 12, 15), d('b', 13, 13)];
    expect(windowJoinOracle(left, right, { kind: 'tumbling', size: 10 })).toEqual([
      { key: 'a', left: d('a', 1, 1), right: d('a', 10, 5), start: 0, end: 10, timestamp: 9 },
      { key: 'a', left: d('a', 1, 1), right: d('a', 11, 9), start: 0, end: 10, timestamp: 9 },
      { key: 'a', left: d('a', 2, 12), right: d('a', 12, 15), start: 10, end: 20, timestamp: 19 },
    ]);
  });

  it('sliding join: a pair is emitted once per shared window', () => {
    // size 10, slide 5. left 1@7 in [0,10),[5,15).
    // right 10@3 only shares [0,10); 11@12 only [5,15); 12@8 shares both.
    const left = [d('a', 1, 7)];
    const right = [d('a', 10, 3), d('a', 11, 12), d('a', 12, 8)];
    const out = windowJoinOracle(left, right, { kind: 'sliding', size: 10, slide: 5 });
    expect(out.map((p) => [p.right.value, p.start, p.timestamp])).toEqual([
      [10, 0, 9],
      [12, 0, 9],
      [11, 5, 14],
      [12, 5, 14],
    ]);
  });

  it('coGroup and outer joins', () => {
    // size 10. a[0,10): L[1] R[10]; a[10,20): L[] R[11]; b[10,20): L[2] R[].
    const left = [d('a', 1, 1), d('b', 2, 12)];
    const right = [d('a', 10, 5), d('a', 11, 15)];
    const assigner = { kind: 'tumbling', size: 10 } as const;
    expect(coGroupOracle(left, right, assigner)).toEqual([
      { key: 'a', start: 0, end: 10, timestamp: 9, left: [d('a', 1, 1)], right: [d('a', 10, 5)] },
      { key: 'a', start: 10, end: 20, timestamp: 19, left: [], right: [d('a', 11, 15)] },
      { key: 'b', start: 10, end: 20, timestamp: 19, left: [d('b', 2, 12)], right: [] },
    ]);
    const vals = (type: 'left' | 'right' | 'full'): [number | null, number | null][] =>
      windowOuterJoinOracle(left, right, assigner, type).map((x) => [x.left?.value ?? null, x.right?.value ?? null]);
    expect(vals('left')).toEqual([
      [1, 10],
      [2, null],
    ]);
    expect(vals('right')).toEqual([
      [1, 10],
      [null, 11],
    ]);
    expect(vals('full')).toEqual([
      [1, 10],
      [null, 11],
      [2, null],
    ]);
  });
});

describe('interval joins', () => {
  // between(-2, 1): right.ts in [left.ts - 2, left.ts + 1].
  const left = [d('a', 1, 10)];
  const right = [d('a', 10, 7), d('a', 11, 8), d('a', 12, 11), d('a', 13, 12), d('b', 14, 10)];

  it('batch: inclusive and exclusive bounds, timestamp = max', () => {
    const vals = (o: { lowerExclusive?: boolean; upperExclusive?: boolean }): [number, number][] =>
      intervalJoinOracle(left, right, -2, 1, o).map((p) => [p.right.value, p.timestamp]);
    expect(vals({})).toEqual([
      [11, 10],
      [12, 11],
    ]);
    expect(vals({ lowerExclusive: true })).toEqual([[12, 11]]);
    expect(vals({ upperExclusive: true })).toEqual([[11, 10]]);
    expect(vals({ lowerExclusive: true, upperExclusive: true })).toEqual([]);
  });

  it('script: late records dropped (ts < wm), buffer cleanup edge', () => {
    // between(-2, 1). Cleanup: left at ts + 1, right at ts + 2.
    // L1@10; R2@8 joins (8 in [8,11]) -> ts 10. wm 9.
    // R3@7: 7 < 9 -> late. L4@9: not late (9 < 9 false); R2@8 in [7,10] -> ts 9.
    // wm 11: cleanup timers L1 (11), R2 (10), L4 (10) fire -> buffers empty.
    // R5@11: not late, would match L1 (11 in [8,11]) but L1 is gone -> no pair.
    // L6@5: late.
    const script: JoinScriptStep[] = [
      { kind: 'record', side: 'left', key: 'a', value: 1, ts: 10 },
      { kind: 'record', side: 'right', key: 'a', value: 2, ts: 8 },
      { kind: 'watermark', wm: 9 },
      { kind: 'record', side: 'right', key: 'a', value: 3, ts: 7 },
      { kind: 'record', side: 'left', key: 'a', value: 4, ts: 9 },
      { kind: 'watermark', wm: 11 },
      { kind: 'record', side: 'right', key: 'a', value: 5, ts: 11 },
      { kind: 'record', side: 'left', key: 'a', value: 6, ts: 5 },
    ];
    const res = intervalJoinScriptOracle(script, -2, 1);
    expect(res.pairs).toEqual([
      { key: 'a', left: d('a', 1, 10), right: d('a', 2, 8), timestamp: 10 },
      { key: 'a', left: d('a', 4, 9), right: d('a', 2, 8), timestamp: 9 },
    ]);
    expect(res.lateRight).toEqual([d('a', 3, 7)]);
    expect(res.lateLeft).toEqual([d('a', 6, 5)]);
    // The batch oracle over the non-late records also has L1 x R5.
    const batch = intervalJoinOracle([d('a', 1, 10), d('a', 4, 9)], [d('a', 2, 8), d('a', 5, 11)], -2, 1);
    expect(batch.map((p) => [p.left.value, p.right.value])).toEqual([
      [1, 2],
      [1, 5],
      [4, 2],
    ]);
  });
});

/** Independent batch sessionization (sort + sweep) for the watermark-free case. */
function batchSessions(records: readonly DataRecord[], gap: number): WindowFiring[] {
  const out: WindowFiring[] = [];
  const keys = [...new Set(records.map((x) => x.key))];
  for (const key of keys) {
    const mine = records.filter((x) => x.key === key).sort((a, b) => a.ts - b.ts);
    let cur: { start: number; end: number; sum: number; count: number } | undefined;
    for (const x of mine) {
      if (cur !== undefined && x.ts <= cur.end) {
        cur.end = Math.max(cur.end, x.ts + gap);
        cur.sum += x.value;
        cur.count += 1;
      } else {
        if (cur !== undefined) out.push(f(key, cur.start, cur.end, cur.sum, cur.count));
        cur = { start: x.ts, end: x.ts + gap, sum: x.value, count: 1 };
      }
    }
    if (cur !== undefined) out.push(f(key, cur.start, cur.end, cur.sum, cur.count));
  }
  return sortFirings(out);
}

describe('oracle self-consistency properties', () => {
  it('generated scripts: ts >= 0, watermarks never decrease', () => {
    fc.assert(
      fc.property(scriptArb(), (script) => {
        let last = -Infinity;
        for (const s of script) {
          if (s.kind === 'record') expect(s.ts).toBeGreaterThanOrEqual(0);
          else {
            expect(s.wm).toBeGreaterThanOrEqual(last);
            last = s.wm;
          }
        }
      }),
    );
  });

  it('tumbling: every record is in a final result or late; never droppedNotLate', () => {
    fc.assert(
      fc.property(scriptArb(), tumblingParamsArb(), (script, p) => {
        const res = tumblingOracle(script, p);
        const counted = finalResults(res.firings).reduce((a, x) => a + x.count, 0);
        expect(counted + res.lateRecords.length).toBe(scriptRecords(script).length);
        expect(res.droppedNotLate).toEqual([]);
      }),
    );
  });

  it('sliding with size >= slide never drops a non-late record', () => {
    fc.assert(
      fc.property(scriptArb(), slidingParamsArb(), (script, p) => {
        fc.pre(p.size >= p.slide);
        expect(slidingOracle(script, p).droppedNotLate).toEqual([]);
      }),
    );
  });

  it('tumbling without watermarks equals a batch group-by', () => {
    fc.assert(
      fc.property(scriptArb({ watermarkPercent: 0 }), tumblingParamsArb(), (script, p) => {
        const res = tumblingOracle(script, p);
        const expected = new Map<string, WindowFiring>();
        for (const x of scriptRecords(script)) {
          const win = tumblingWindowFor(x.ts, p.size, p.offset);
          const id = `${x.key}|${win.start}`;
          const prev = expected.get(id);
          expected.set(id, f(x.key, win.start, win.end, (prev?.sum ?? 0) + x.value, (prev?.count ?? 0) + 1));
        }
        expect(sortFirings(res.firings)).toEqual(sortFirings([...expected.values()]));
        expect(res.lateRecords).toEqual([]);
      }),
    );
  });

  it('sessions without watermarks equal batch sessionization; never droppedNotLate', () => {
    fc.assert(
      fc.property(scriptArb({ watermarkPercent: 0 }), sessionParamsArb(), (script, p) => {
        const res = sessionOracle(script, p);
        expect(sortFirings(res.firings)).toEqual(batchSessions(scriptRecords(script), p.gap));
      }),
    );
    fc.assert(
      fc.property(scriptArb(), sessionParamsArb(), (script, p) => {
        expect(sessionOracle(script, p).droppedNotLate).toEqual([]);
      }),
    );
  });

  it('window join equals the pairs of coGroup', () => {
    fc.assert(
      fc.property(joinInputArb(), slidingParamsArb(), ({ left, right }, p) => {
        const assigner = { kind: 'sliding', size: p.size, slide: p.slide, offset: p.offset } as const;
        const fromCoGroup = coGroupOracle(left, right, assigner).flatMap((g) =>
          g.left.flatMap((l) => g.right.map((rr) => pairKey({ key: g.key, left: l, right: rr, timestamp: g.timestamp }))),
        );
        expect(windowJoinOracle(left, right, assigner).map(pairKey).sort()).toEqual(fromCoGroup.sort());
      }),
    );
  });

  it('interval join script without watermarks equals the batch interval join', () => {
    fc.assert(
      fc.property(
        joinScriptArb({ watermarkPercent: 0 }),
        fc.integer({ min: -5, max: 5 }),
        fc.integer({ min: 0, max: 5 }),
        (script, lower, width) => {
          const recs = script.filter((s) => s.kind === 'record');
          const left = recs.filter((s) => s.side === 'left').map((s) => d(s.key, s.value, s.ts));
          const right = recs.filter((s) => s.side === 'right').map((s) => d(s.key, s.value, s.ts));
          const streamed = intervalJoinScriptOracle(script, lower, lower + width);
          expect(streamed.pairs.map(pairKey).sort()).toEqual(
            intervalJoinOracle(left, right, lower, lower + width).map(pairKey).sort(),
          );
        },
      ),
    );
  });

  it('interval join script: streamed pairs are a subset of the batch pairs of non-late records', () => {
    fc.assert(
      fc.property(joinScriptArb(), fc.integer({ min: -5, max: 5 }), fc.integer({ min: 0, max: 5 }), (script, lower, width) => {
        const res = intervalJoinScriptOracle(script, lower, lower + width);
        const late = new Set([...res.lateLeft, ...res.lateRight].map((x) => x.value));
        const recs = script.filter((s) => s.kind === 'record' && !late.has(s.value));
        const left = recs.flatMap((s) => (s.kind === 'record' && s.side === 'left' ? [d(s.key, s.value, s.ts)] : []));
        const right = recs.flatMap((s) => (s.kind === 'record' && s.side === 'right' ? [d(s.key, s.value, s.ts)] : []));
        const batch = new Set(intervalJoinOracle(left, right, lower, lower + width).map(pairKey));
        for (const p of res.pairs) expect(batch.has(pairKey(p))).toBe(true);
      }),
    );
  });
});

// fast-check arbitraries producing inputs for the oracle-vs-engine property
// tests: single-source scripts of keyed records interleaved with watermarks
// (bounded out-of-orderness plus some records beyond the bound, so some are
// late), batch two-sided join inputs, and two-sided join scripts.
//
// Construction: an event-time "clock" advances by a random step per record;
// a record's ts is clock - jitter (jitter <= bound) or, for the late
// fraction, min(clock - bound - lateBy, lastWatermark - lateBy + 1), i.e.
// beyond the bound and at or behind the last watermark emitted (so it is
// really late, or exactly at the watermark, unless allowed lateness saves
// it). After a record a watermark "max ts seen - bound - 1" may follow, so watermarks never decrease
// (consecutive equal watermarks can occur; they are no-ops).
// Timestamps are clamped to be >= 0. Everything is built from shrinkable
// primitives, so counterexamples shrink to short, simple scripts.

import fc from 'fast-check';
import type { DataRecord, Step } from './types.js';
import type { JoinScriptStep } from './joins.js';

export interface ScriptArbOptions {
  /** Key pool (default ['a', 'b', 'c']). */
  readonly keys?: readonly string[];
  /** Number of records (default 0..30). */
  readonly minRecords?: number;
  readonly maxRecords?: number;
  /** Max clock advance between consecutive records (default 4). */
  readonly maxAdvance?: number;
  /** Out-of-orderness bound B (default 3). */
  readonly outOfOrderness?: number;
  /** Percentage of records placed beyond the bound (default 20). */
  readonly latePercent?: number;
  /** How far a late record lands behind: lateBy in 1..maxLateBy (default 10); see layOut. */
  readonly maxLateBy?: number;
  /** Percentage chance of a watermark step after each record (default 35). */
  readonly watermarkPercent?: number;
  /** Record values are integers in [minValue, maxValue] (default 1..9). */
  readonly minValue?: number;
  readonly maxValue?: number;
  /** Clock start (default 0). */
  readonly startTs?: number;
}

interface RawEvent {
  readonly key: string;
  readonly value: number;
  readonly advance: number;
  readonly jitter: number;
  readonly late: boolean;
  readonly lateBy: number;
  readonly watermarkAfter: boolean;
}

function percent(p: number): fc.Arbitrary<boolean> {
  return fc.integer({ min: 0, max: 99 }).map((x) => x < p);
}

function rawEventArb(o: ScriptArbOptions): fc.Arbitrary<RawEvent> {
  const keys = o.keys ?? ['a', 'b', 'c'];
  const bound = o.outOfOrderness ?? 3;
  return fc.record({
    key: fc.constantFrom(...keys),
    value: fc.integer({ min: o.minValue ?? 1, max: o.maxValue ?? 9 }),
    advance: fc.integer({ min: 0, max: o.maxAdvance ?? 4 }),
    jitter: fc.integer({ min: 0, max: bound }),
    late: percent(o.latePercent ?? 20),
    lateBy: fc.integer({ min: 1, max: Math.max(1, o.maxLateBy ?? 10) }),
    watermarkAfter: percent(o.watermarkPercent ?? 35),
  });
}

/** Turns raw events into (ts, watermark-after) pairs. */
function layOut(
  events: readonly RawEvent[],
  o: ScriptArbOptions,
): { ev: RawEvent; ts: number; watermark: number | undefined }[] {
  const bound = o.outOfOrderness ?? 3;
  let clock = o.startTs ?? 0;
  let maxSeen = -Infinity;
  let lastWatermark = -Infinity;
  return events.map((ev) => {
    clock += ev.advance;
    // A late record is beyond the bound and at or behind the last watermark
    // emitted so far (lateBy = 1 puts it exactly at the watermark).
    const beyondBound = clock - bound - ev.lateBy;
    const lateTs = lastWatermark === -Infinity ? beyondBound : Math.min(beyondBound, lastWatermark - ev.lateBy + 1);
    const ts = Math.max(0, ev.late ? lateTs : clock - ev.jitter);
    maxSeen = Math.max(maxSeen, ts);
    const watermark = ev.watermarkAfter ? maxSeen - bound - 1 : undefined;
    if (watermark !== undefined) lastWatermark = Math.max(lastWatermark, watermark);
    return { ev, ts, watermark };
  });
}

/** A single-source script of records and watermark steps. */
export function scriptArb(options: ScriptArbOptions = {}): fc.Arbitrary<Step[]> {
  return fc
    .array(rawEventArb(options), { minLength: options.minRecords ?? 0, maxLength: options.maxRecords ?? 30 })
    .map((events) => {
      const steps: Step[] = [];
      for (const { ev, ts, watermark } of layOut(events, options)) {
        steps.push({ kind: 'record', key: ev.key, value: ev.value, ts });
        if (watermark !== undefined) steps.push({ kind: 'watermark', wm: watermark });
      }
      return steps;
    });
}

/**
 * A two-sided join script: records tagged 'left' / 'right' and watermarks
 * (shared by both inputs). Record values are unique sequence numbers
 * (0, 1, 2, ... in script order), which makes pairs easy to read.
 */
export function joinScriptArb(options: ScriptArbOptions = {}): fc.Arbitrary<JoinScriptStep[]> {
  return fc
    .array(fc.tuple(rawEventArb(options), fc.constantFrom<'left' | 'right'>('left', 'right')), {
      minLength: options.minRecords ?? 0,
      maxLength: options.maxRecords ?? 30,
    })
    .map((tagged) => {
      const laid = layOut(
        tagged.map(([ev]) => ev),
        options,
      );
      const steps: JoinScriptStep[] = [];
      laid.forEach(({ ev, ts, watermark }, i) => {
        const side = tagged[i]?.[1] ?? 'left';
        steps.push({ kind: 'record', side, key: ev.key, value: i, ts });
        if (watermark !== undefined) steps.push({ kind: 'watermark', wm: watermark });
      });
      return steps;
    });
}

export interface JoinInputArbOptions {
  /** Key pool (default ['a', 'b']). */
  readonly keys?: readonly string[];
  /** Records per side (default 0..12). */
  readonly minRecords?: number;
  readonly maxRecords?: number;
  /** Timestamps are integers in [0, maxTs] (default 30). */
  readonly maxTs?: number;
}

/**
 * Batch two-sided join input (no watermarks, nothing late). Values are
 * unique: left records get 0, 1, 2, ... and right records 1000, 1001, ...
 */
export function joinInputArb(
  options: JoinInputArbOptions = {},
): fc.Arbitrary<{ left: DataRecord[]; right: DataRecord[] }> {
  const keys = options.keys ?? ['a', 'b'];
  const rec = fc.record({ key: fc.constantFrom(...keys), ts: fc.integer({ min: 0, max: options.maxTs ?? 30 }) });
  const side = fc.array(rec, { minLength: options.minRecords ?? 0, maxLength: options.maxRecords ?? 12 });
  return fc.record({ left: side, right: side }).map(({ left, right }) => ({
    left: left.map((r, i) => ({ key: r.key, value: i, ts: r.ts })),
    right: right.map((r, i) => ({ key: r.key, value: 1000 + i, ts: r.ts })),
  }));
}

/** Tumbling window parameters: size 1..maxSize, offset in [0, size), lateness 0..maxLateness. */
export function tumblingParamsArb(
  maxSize = 10,
  maxLateness = 6,
): fc.Arbitrary<{ size: number; offset: number; allowedLateness: number }> {
  return fc
    .record({ size: fc.integer({ min: 1, max: maxSize }), o: fc.nat(), allowedLateness: fc.integer({ min: 0, max: maxLateness }) })
    .map(({ size, o, allowedLateness }) => ({ size, offset: o % size, allowedLateness }));
}

/**
 * Sliding window parameters: slide 1..maxSize, size 1..maxSize (size < slide
 * allowed, as in Flink), offset in [0, slide), lateness 0..maxLateness.
 */
export function slidingParamsArb(
  maxSize = 10,
  maxLateness = 6,
): fc.Arbitrary<{ size: number; slide: number; offset: number; allowedLateness: number }> {
  return fc
    .record({
      size: fc.integer({ min: 1, max: maxSize }),
      slide: fc.integer({ min: 1, max: maxSize }),
      o: fc.nat(),
      allowedLateness: fc.integer({ min: 0, max: maxLateness }),
    })
    .map(({ size, slide, o, allowedLateness }) => ({ size, slide, offset: o % slide, allowedLateness }));
}

/** Session parameters: gap 1..maxGap, lateness 0..maxLateness. */
export function sessionParamsArb(maxGap = 8, maxLateness = 6): fc.Arbitrary<{ gap: number; allowedLateness: number }> {
  return fc.record({ gap: fc.integer({ min: 1, max: maxGap }), allowedLateness: fc.integer({ min: 0, max: maxLateness }) });
}

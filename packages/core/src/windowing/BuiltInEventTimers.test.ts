// The built-in event-time trigger's timer path against the generic one:
// tumbling and sliding event-time windows under the default trigger (timers
// handled without calling the trigger, see `onBuiltInEventTimer`; one
// namespace timer per window end and cleanup time stands for every key's) and under
// an equivalent trigger the operator does not recognise (every timer through
// the trigger) must emit the same firings, side outputs and late records, and
// leave no state or timer behind, for random out-of-order input with allowed
// lateness, evictors, per-window state of a ProcessWindowFunction, checkpoints
// and restores — including restores of snapshots taken by the generic path.
// Compared per key: each key's results and side outputs in order (timers due
// at the same time fire key by key in the generic path, window by window
// with namespace timers; Flink does not order them either).
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import type { AggregateFunction } from '../api/functions.js';
import { OutputTag } from '../api/OutputTag.js';
import { ValueStateDescriptor } from '../state/descriptors.js';
import { SlidingEventTimeWindows } from './assigners/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from './assigners/TumblingEventTimeWindows.js';
import { CountEvictor } from './evictors/CountEvictor.js';
import type { ProcessWindowFunction } from './ProcessWindowFunction.js';
import { LATE, ScriptedRun, play, stepArbitrary, unrecognised, type Rec } from './scriptedWindowRuns.js';
import { EventTimeTrigger } from './triggers/EventTimeTrigger.js';
import { WindowOperator, type WindowSettings } from './WindowOperator.js';
import type { TimeWindow } from './windows.js';

const FIRINGS = new OutputTag<string>('firings');
/** EventTimeTrigger's behaviour in an object the operator does not recognise: the generic path. */
const genericTrigger = unrecognised(EventTimeTrigger.create());

const firingCount = new ValueStateDescriptor<number>('firing-count');

/** Sums the window and counts its firings in per-window state (cleared with the window); reports each firing on a side output. */
const sumAndCount: ProcessWindowFunction<Rec, string, string, TimeWindow> = {
  process(key, ctx, elements, out) {
    let sum = 0;
    for (const [, value] of elements) sum += value;
    const count = ctx.windowState().getState(firingCount);
    const n = (count.value() ?? 0) + 1;
    count.update(n);
    out.collect(`${key} [${ctx.window.start}, ${ctx.window.end}) ${sum} #${n}`);
    ctx.output(FIRINGS, `${key}@${ctx.window.start}`);
  },
  clear: (ctx) => ctx.windowState().getState(firingCount).clear(),
};

/** Output lines grouped by key, each key's in order. */
function perKey(lines: readonly string[], keyOf: (line: string) => string): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const line of lines) (groups[keyOf(line)] ??= []).push(line);
  return groups;
}
/** `a [0, 5) 3 @4` → `a`. */
const firedKey = (line: string): string => line.split(' ')[0]!;
/** `late a:3 @5` or `firings a@0 @4` → `a`. */
const sideKey = (line: string): string => line.split(' ')[1]!.split(/[:@]/)[0]!;

/** Sums values in an accumulator changed in place (as Flink users write aggregates). */
const inPlaceSum: AggregateFunction<Rec, { sum: number }, number> = {
  createAccumulator: () => ({ sum: 0 }),
  add: (r, acc) => {
    acc.sum += r[1];
    return acc;
  },
  getResult: (acc) => acc.sum,
  merge: (a, b) => ({ sum: a.sum + b.sum }),
};

interface Params {
  readonly size: number;
  readonly slides: number;
  readonly lateness: number;
  readonly evictor: boolean;
  /** How windows are computed: all elements, a reduce returning new values, an aggregate changing its accumulator in place. */
  readonly fn: 'process' | 'reduce' | 'aggregate';
}

function operator(p: Params, builtInPath: boolean): WindowOperator<string, Rec, string, TimeWindow> {
  const assigner = p.slides === 1 ? TumblingEventTimeWindows.of(p.size) : SlidingEventTimeWindows.of(p.size * p.slides, p.size);
  const settings: WindowSettings<Rec, TimeWindow> = {
    assigner,
    allowedLateness: p.lateness,
    lateDataTag: LATE,
    ...(builtInPath ? {} : { trigger: genericTrigger }),
    ...(p.evictor ? { evictor: CountEvictor.of(2) } : {}),
  };
  if (p.fn === 'process') return WindowOperator.process(settings, sumAndCount);
  if (p.fn === 'aggregate') {
    return WindowOperator.aggregate<string, Rec, { sum: number }, number, string, TimeWindow>(
      settings,
      inPlaceSum,
      (key, w, sum) => `${key} [${w.start}, ${w.end}) ${sum}`,
    );
  }
  return WindowOperator.reduce<string, Rec, string, TimeWindow>(
    settings,
    (a, b) => [a[0], a[1] + b[1]],
    (key, w, r) => `${key} [${w.start}, ${w.end}) ${r[1]}`,
  );
}

const paramsArb: fc.Arbitrary<Params> = fc.record({
  size: fc.integer({ min: 1, max: 12 }),
  slides: fc.integer({ min: 1, max: 3 }),
  lateness: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
  evictor: fc.boolean(),
  fn: fc.constantFrom('process' as const, 'reduce' as const, 'aggregate' as const),
});

describe('built-in event-time trigger timers', () => {
  test.prop([paramsArb, fc.array(stepArbitrary({ min: -30, max: 30 }, 20), { maxLength: 100 })], { numRuns: 1_000 })(
    'fire, side-output and clean up exactly as through the trigger, across checkpoints (also from generic-path snapshots)',
    (p, script) => {
      const run = (builtInAt: (checkpoint: number) => boolean): ScriptedRun => new ScriptedRun((checkpoint) => operator(p, builtInAt(checkpoint)), [FIRINGS]);
      const generic = run(() => false);
      const fast = run(() => true);
      const upgraded = run((checkpoint) => checkpoint > 0); // generic until its first restore
      const alternating = run((checkpoint) => checkpoint % 2 === 1);
      const ends = play(script, [generic, fast, upgraded, alternating]);
      for (const other of [fast, upgraded, alternating]) {
        expect(perKey(other.fired, firedKey)).toEqual(perKey(generic.fired, firedKey));
        expect(perKey(other.side, sideKey)).toEqual(perKey(generic.side, sideKey));
      }
      for (const end of ends) expect(end).toEqual({ entries: 0, timers: 0 });
    },
    60_000,
  );
});

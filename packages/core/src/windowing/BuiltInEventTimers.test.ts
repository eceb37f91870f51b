// The built-in event-time trigger's timer path against the generic one:
// tumbling and sliding event-time windows under the default trigger (timers
// handled without calling the trigger, see `onBuiltInEventTimer`) and under
// an equivalent trigger the operator does not recognise (every timer through
// the trigger) must emit the same firings, side outputs and late records, and
// leave no state or timer behind, for random out-of-order input with allowed
// lateness, evictors, per-window state of a ProcessWindowFunction, checkpoints
// and restores — including restores of snapshots taken by the generic path.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { OutputTag } from '../api/OutputTag.js';
import { ValueStateDescriptor } from '../state/descriptors.js';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { MAX_WATERMARK } from '../time/watermark.js';
import { SlidingEventTimeWindows } from './assigners/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from './assigners/TumblingEventTimeWindows.js';
import { CountEvictor } from './evictors/CountEvictor.js';
import type { ProcessWindowFunction } from './ProcessWindowFunction.js';
import { EventTimeTrigger } from './triggers/EventTimeTrigger.js';
import type { Trigger } from './triggers/Trigger.js';
import { WindowOperator, type WindowSettings } from './WindowOperator.js';
import type { TimeWindow } from './windows.js';

type Rec = readonly [key: string, value: number];
type Step = { kind: 'record'; key: string; value: number; offset: number } | { kind: 'watermark'; advance: number } | { kind: 'checkpoint' };

const LATE = new OutputTag<Rec>('late');
const FIRINGS = new OutputTag<string>('firings');
const builtIn = EventTimeTrigger.create();
/** EventTimeTrigger's behaviour in an object the operator does not recognise: the generic path. */
const genericTrigger: Trigger<unknown, TimeWindow> = {
  onElement: (e, t, w, ctx) => builtIn.onElement(e, t, w, ctx),
  onEventTime: (t, w, ctx) => builtIn.onEventTime(t, w, ctx),
  onProcessingTime: (t, w, ctx) => builtIn.onProcessingTime(t, w, ctx),
  clear: (w, ctx) => builtIn.clear(w, ctx),
};

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

interface Params {
  readonly size: number;
  readonly slides: number;
  readonly lateness: number;
  readonly evictor: boolean;
  readonly process: boolean;
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
  if (p.process) return WindowOperator.process(settings, sumAndCount);
  return WindowOperator.reduce<string, Rec, string, TimeWindow>(
    settings,
    (a, b) => [a[0], a[1] + b[1]],
    (key, w, r) => `${key} [${w.start}, ${w.end}) ${r[1]}`,
  );
}

/** One operator through a script: snapshots restore into a new operator (`builtInAt` says which path, per checkpoint). */
class Run {
  private h: OperatorTestHarness<string, Rec>;
  private checkpoints = 0;
  readonly fired: string[] = [];
  readonly side: string[] = [];

  constructor(
    private readonly p: Params,
    private readonly builtInAt: (checkpoint: number) => boolean,
  ) {
    this.h = new OperatorTestHarness<string, Rec>(operator(p, builtInAt(0)), { keySelector: (r: Rec) => r[0], name: 'w' });
    this.h.open();
  }

  step(step: Step, watermark: number): void {
    if (step.kind === 'record') this.h.processElement([step.key, step.value], watermark + step.offset);
    else if (step.kind === 'watermark') this.h.processWatermark(watermark);
    else {
      const snapshot = this.h.snapshot();
      this.collect();
      void this.h.close();
      const next = operator(this.p, this.builtInAt(++this.checkpoints));
      this.h = OperatorTestHarness.restored(next, snapshot, { keySelector: (r: Rec) => r[0], name: 'w' });
      this.h.open();
    }
    this.collect();
  }

  finish(): { entries: number; timers: number } {
    this.h.processWatermark(MAX_WATERMARK);
    this.collect();
    return { entries: this.h.keyed!.numEntries(), timers: this.h.numEventTimeTimers() };
  }

  private collect(): void {
    for (const r of this.h.timestampedRecords()) this.fired.push(`${r.value} @${r.timestamp}`);
    for (const r of this.h.sideOutputRecords(LATE)) this.side.push(`late ${r.value.join(':')} @${r.timestamp}`);
    for (const r of this.h.sideOutputRecords(FIRINGS)) this.side.push(`fired ${r.value} @${r.timestamp}`);
    this.h.clearOutput();
  }
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('record' as const),
      key: fc.constantFrom('a', 'b', 'c'),
      value: fc.integer({ min: 1, max: 9 }),
      offset: fc.integer({ min: -30, max: 30 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('watermark' as const), advance: fc.integer({ min: 0, max: 20 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
);

const paramsArb: fc.Arbitrary<Params> = fc.record({
  size: fc.integer({ min: 1, max: 12 }),
  slides: fc.integer({ min: 1, max: 3 }),
  lateness: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
  evictor: fc.boolean(),
  process: fc.boolean(),
});

/** Runs the same script through each run; returns their results. */
function play(script: readonly Step[], runs: readonly Run[]): Array<{ entries: number; timers: number }> {
  let watermark = 0;
  for (const step of script) {
    if (step.kind === 'watermark') watermark += step.advance;
    for (const run of runs) run.step(step, watermark);
  }
  return runs.map((run) => run.finish());
}

describe('built-in event-time trigger timers', () => {
  test.prop([paramsArb, fc.array(stepArb, { maxLength: 100 })], { numRuns: 1_000 })(
    'fire, side-output and clean up exactly as through the trigger, across checkpoints (also from generic-path snapshots)',
    (p, script) => {
      const generic = new Run(p, () => false);
      const fast = new Run(p, () => true);
      const upgraded = new Run(p, (checkpoint) => checkpoint > 0); // generic until its first restore
      const alternating = new Run(p, (checkpoint) => checkpoint % 2 === 1);
      const ends = play(script, [generic, fast, upgraded, alternating]);
      for (const run of [fast, upgraded, alternating]) {
        expect(run.fired).toEqual(generic.fired);
        expect(run.side).toEqual(generic.side);
      }
      for (const end of ends) expect(end).toEqual({ entries: 0, timers: 0 });
    },
    60_000,
  );
});

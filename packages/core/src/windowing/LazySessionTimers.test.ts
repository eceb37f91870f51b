// Lazy session timers against the eager (Flink) scheme: event-time sessions
// under the default trigger (lazy timers) and under an equivalent trigger the
// operator does not recognise (eager timers, every record through the
// trigger) must emit the same firings and late records, and leave no state
// or timer behind, for random out-of-order input with allowed lateness,
// checkpoints and restores — including a restore of an eager snapshot.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import type { AggregateFunction } from '../api/functions.js';
import { OutputTag } from '../api/OutputTag.js';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { MAX_WATERMARK } from '../time/watermark.js';
import { EventTimeSessionWindows } from './assigners/EventTimeSessionWindows.js';
import { CountEvictor } from './evictors/CountEvictor.js';
import { EventTimeTrigger } from './triggers/EventTimeTrigger.js';
import type { Trigger } from './triggers/Trigger.js';
import { WindowOperator, type WindowSettings } from './WindowOperator.js';
import type { TimeWindow } from './windows.js';

type Rec = readonly [key: string, value: number];
type Step = { kind: 'record'; key: string; value: number; offset: number } | { kind: 'watermark'; advance: number } | { kind: 'checkpoint' };

const LATE = new OutputTag<Rec>('late');
const builtIn = EventTimeTrigger.create();
/** EventTimeTrigger's behaviour in an object the operator does not recognise: the eager path. */
const eagerTrigger: Trigger<unknown, TimeWindow> = {
  onElement: (e, t, w, ctx) => builtIn.onElement(e, t, w, ctx),
  onEventTime: (t, w, ctx) => builtIn.onEventTime(t, w, ctx),
  onProcessingTime: (t, w, ctx) => builtIn.onProcessingTime(t, w, ctx),
  canMerge: () => true,
  onMerge: (w, ctx) => builtIn.onMerge(w, ctx),
  clear: (w, ctx) => builtIn.clear(w, ctx),
};

const sumCount: AggregateFunction<Rec, { sum: number; n: number }, { sum: number; n: number }> = {
  createAccumulator: () => ({ sum: 0, n: 0 }),
  add: (r, acc) => ({ sum: acc.sum + r[1], n: acc.n + 1 }),
  getResult: (acc) => acc,
  merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
};

interface Params {
  readonly gap: number;
  readonly dynamic: boolean;
  readonly lateness: number;
  readonly evictor: boolean;
}

function operator(p: Params, lazy: boolean): WindowOperator<string, Rec, string, TimeWindow> {
  const assigner = p.dynamic ? EventTimeSessionWindows.withDynamicGap<Rec>((r) => p.gap + (r[1] % 4)) : EventTimeSessionWindows.withGap(p.gap);
  const settings: WindowSettings<Rec, TimeWindow> = {
    assigner: assigner as EventTimeSessionWindows<Rec>,
    allowedLateness: p.lateness,
    lateDataTag: LATE,
    ...(lazy ? {} : { trigger: eagerTrigger }),
    ...(p.evictor ? { evictor: CountEvictor.of(1_000) } : {}),
  };
  return WindowOperator.aggregate(settings, sumCount, (key, w, acc) => `${key} [${w.start}, ${w.end}) ${acc.sum}/${acc.n}`);
}

/** One operator through a script: snapshots restore into a new operator (`restoreAs` says which kind, per checkpoint). */
class Run {
  private h: OperatorTestHarness<string, Rec>;
  private checkpoints = 0;
  readonly fired: string[] = [];
  readonly late: string[] = [];

  constructor(
    private readonly p: Params,
    private readonly restoreAs: (checkpoint: number) => boolean,
  ) {
    this.h = this.harness(restoreAs(0));
    this.h.open();
  }

  step(step: Step, watermark: number): void {
    if (step.kind === 'record') this.h.processElement([step.key, step.value], watermark + step.offset);
    else if (step.kind === 'watermark') this.h.processWatermark(watermark);
    else {
      const snapshot = this.h.snapshot();
      this.collect();
      void this.h.close();
      this.h = OperatorTestHarness.restored(operator(this.p, this.restoreAs(++this.checkpoints)), snapshot, { keySelector: (r: Rec) => r[0], name: 'w' });
      this.h.open();
    }
    this.collect();
  }

  finish(): { entries: number; timers: number } {
    this.h.processWatermark(MAX_WATERMARK);
    this.collect();
    return { entries: this.h.keyed!.numEntries(), timers: this.h.numEventTimeTimers() };
  }

  private harness(lazy: boolean): OperatorTestHarness<string, Rec> {
    return new OperatorTestHarness<string, Rec>(operator(this.p, lazy), { keySelector: (r: Rec) => r[0], name: 'w' });
  }

  private collect(): void {
    for (const r of this.h.timestampedRecords()) this.fired.push(`${r.value} @${r.timestamp}`);
    for (const r of this.h.sideOutputRecords(LATE)) this.late.push(`${r.value.join(':')} @${r.timestamp}`);
    this.h.clearOutput();
  }
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('record' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.integer({ min: 1, max: 9 }), offset: fc.integer({ min: -40, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('watermark' as const), advance: fc.integer({ min: 0, max: 25 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
);

const paramsArb: fc.Arbitrary<Params> = fc.record({
  gap: fc.integer({ min: 1, max: 20 }),
  dynamic: fc.boolean(),
  lateness: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
  evictor: fc.boolean(),
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

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

describe('lazy session timers', () => {
  test.prop([paramsArb, fc.array(stepArb, { maxLength: 100 })], { numRuns: 3_000 })(
    'fire, side-output and clean up exactly as eager timers, across checkpoints (also from eager snapshots)',
    (p, script) => {
      const eager = new Run(p, () => false);
      const lazy = new Run(p, () => true);
      const upgraded = new Run(p, (checkpoint) => checkpoint > 0); // eager until its first restore
      const ends = play(script, [eager, lazy, upgraded]);
      expect(sorted(lazy.fired)).toEqual(sorted(eager.fired));
      expect(sorted(lazy.late)).toEqual(sorted(eager.late));
      expect(sorted(upgraded.fired)).toEqual(sorted(eager.fired));
      expect(sorted(upgraded.late)).toEqual(sorted(eager.late));
      for (const end of ends) expect(end).toEqual({ entries: 0, timers: 0 });
    },
    60_000,
  );
});

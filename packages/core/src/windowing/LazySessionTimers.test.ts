// Lazy session timers against the eager (Flink) scheme: event-time sessions
// under the default trigger (lazy timers) and under an equivalent trigger the
// operator does not recognise (eager timers, every record through the
// trigger) must emit the same firings and late records, and leave no state
// or timer behind, for random out-of-order input with allowed lateness,
// checkpoints and restores — including a restore of an eager snapshot —
// with accumulators replaced or changed in place (the lazy path keeps a
// session's accumulator on its set between records).
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import type { AggregateFunction } from '../api/functions.js';
import { EventTimeSessionWindows } from './assigners/EventTimeSessionWindows.js';
import { CountEvictor } from './evictors/CountEvictor.js';
import { LATE, ScriptedRun, play, stepArbitrary, unrecognised, type Rec } from './scriptedWindowRuns.js';
import { EventTimeTrigger } from './triggers/EventTimeTrigger.js';
import { WindowOperator, type WindowSettings } from './WindowOperator.js';
import type { TimeWindow } from './windows.js';

/** EventTimeTrigger's behaviour in an object the operator does not recognise: the eager path. */
const eagerTrigger = unrecognised(EventTimeTrigger.create());

type SumCount = { sum: number; n: number };

/** Sum and count, with a new accumulator per record, or (`mutable`) the same one changed in place. */
function sumCount(mutable: boolean): AggregateFunction<Rec, SumCount, SumCount> {
  return {
    createAccumulator: () => ({ sum: 0, n: 0 }),
    add: mutable
      ? (r, acc) => {
          acc.sum += r[1];
          acc.n++;
          return acc;
        }
      : (r, acc) => ({ sum: acc.sum + r[1], n: acc.n + 1 }),
    getResult: (acc) => ({ ...acc }),
    merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
  };
}

interface Params {
  readonly gap: number;
  readonly dynamic: boolean;
  readonly lateness: number;
  readonly evictor: boolean;
  readonly mutable: boolean;
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
  return WindowOperator.aggregate(settings, sumCount(p.mutable), (key, w, acc) => `${key} [${w.start}, ${w.end}) ${acc.sum}/${acc.n}`);
}

const paramsArb: fc.Arbitrary<Params> = fc.record({
  gap: fc.integer({ min: 1, max: 20 }),
  dynamic: fc.boolean(),
  lateness: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 40 })),
  evictor: fc.boolean(),
  mutable: fc.boolean(),
});

const sorted = (xs: readonly string[]): string[] => [...xs].sort();

describe('lazy session timers', () => {
  test.prop([paramsArb, fc.array(stepArbitrary({ min: -40, max: 30 }, 25), { maxLength: 100 })], { numRuns: 3_000 })(
    'fire, side-output and clean up exactly as eager timers, across checkpoints (also from eager snapshots)',
    (p, script) => {
      const eager = new ScriptedRun(() => operator(p, false));
      const lazy = new ScriptedRun(() => operator(p, true));
      const upgraded = new ScriptedRun((checkpoint) => operator(p, checkpoint > 0)); // eager until its first restore
      const ends = play(script, [eager, lazy, upgraded]);
      expect(sorted(lazy.fired)).toEqual(sorted(eager.fired));
      expect(sorted(lazy.side)).toEqual(sorted(eager.side));
      expect(sorted(upgraded.fired)).toEqual(sorted(eager.fired));
      expect(sorted(upgraded.side)).toEqual(sorted(eager.side));
      for (const end of ends) expect(end).toEqual({ entries: 0, timers: 0 });
    },
    60_000,
  );
});

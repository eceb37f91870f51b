// Tumbling and sliding processing-time windows under the default trigger
// (one namespace timer per window end for all the window's keys) against an
// equivalent trigger the operator does not recognise (a timer per key and
// window, every call through the trigger): the same firings in the same
// order, and no state or timer left, for random records, clock advances —
// including records in the millisecond a window's timer fired in, which
// still join that window — and checkpoints restored into either path.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { TestClock } from '../testing/TestClock.js';
import { NO_TIMESTAMP } from '../time/watermark.js';
import { SlidingProcessingTimeWindows } from './assigners/SlidingProcessingTimeWindows.js';
import { TumblingProcessingTimeWindows } from './assigners/TumblingProcessingTimeWindows.js';
import { unrecognised } from './scriptedWindowRuns.js';
import { ProcessingTimeTrigger } from './triggers/ProcessingTimeTrigger.js';
import { WindowOperator } from './WindowOperator.js';
import type { TimeWindow } from './windows.js';

type Rec = readonly [key: string, value: number];
type Step = { readonly kind: 'record'; readonly key: string; readonly value: number } | { readonly kind: 'advance'; readonly by: number } | { readonly kind: 'checkpoint' };

interface Params {
  readonly size: number;
  readonly slides: number;
}

const genericTrigger = unrecognised(ProcessingTimeTrigger.create());

function operator(p: Params, builtInPath: boolean): WindowOperator<string, Rec, string, TimeWindow> {
  const assigner = p.slides === 1 ? TumblingProcessingTimeWindows.of(p.size) : SlidingProcessingTimeWindows.of(p.size * p.slides, p.size);
  return WindowOperator.reduce<string, Rec, string, TimeWindow>(
    { assigner, ...(builtInPath ? {} : { trigger: genericTrigger }) },
    (a, b) => [a[0], a[1] + b[1]],
    (key, w, r) => `${key} [${w.start}, ${w.end}) ${r[1]}`,
  );
}

/** One operator through the steps; at each checkpoint a new operator (on the path `builtInAt` says) restores its snapshot. */
function play(p: Params, steps: readonly Step[], builtInAt: (checkpoint: number) => boolean): { fired: string[]; entries: number; timers: number } {
  const clock = new TestClock(0);
  const options = { keySelector: (r: Rec) => r[0], name: 'w', clock };
  let checkpoints = 0;
  let h = new OperatorTestHarness<string, Rec>(operator(p, builtInAt(0)), options);
  h.open();
  const fired: string[] = [];
  const collect = (): void => {
    for (const out of h.output) if (out.kind === 'record') fired.push(`${out.value} @${out.timestamp}`);
    h.clearOutput();
  };
  for (const step of steps) {
    if (step.kind === 'record') h.processElement([step.key, step.value], NO_TIMESTAMP);
    else if (step.kind === 'advance') h.setProcessingTime(clock.now() + step.by);
    else {
      collect();
      const snapshot = h.snapshot();
      h = OperatorTestHarness.restored<string, Rec>(operator(p, builtInAt(++checkpoints)), snapshot, options);
      h.open();
      h.setProcessingTime(clock.now()); // restored timers already due fire now
    }
    collect();
  }
  h.setProcessingTime(clock.now() + 1_000);
  collect();
  return { fired, entries: h.keyed!.numEntries(), timers: h.numProcessingTimeTimers() };
}

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('record' as const), key: fc.constantFrom('a', 'b', 'c', 'd'), value: fc.integer({ min: 1, max: 9 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('advance' as const), by: fc.integer({ min: 0, max: 12 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
);

describe('built-in processing-time trigger timers', () => {
  test.prop([fc.record({ size: fc.integer({ min: 1, max: 8 }), slides: fc.integer({ min: 1, max: 3 }) }), fc.array(stepArb, { maxLength: 80 })], { numRuns: 500 })(
    'fire and clean up exactly as through the trigger, across checkpoints restored into either path',
    (p, steps) => {
      const generic = play(p, steps, () => false);
      for (const builtInAt of [() => true, (c: number) => c % 2 === 1, (c: number) => c % 2 === 0]) {
        expect(play(p, steps, builtInAt)).toEqual(generic);
      }
      expect(generic).toMatchObject({ entries: 0, timers: 0 });
    },
    60_000,
  );
});

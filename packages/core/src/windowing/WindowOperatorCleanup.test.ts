// Property: under the built-in event-time trigger, tumbling and sliding
// windows keep exactly the timers and contents a naive model of Flink's
// scheme says (a trigger timer at the window end while it is ahead of the
// watermark, a cleanup timer at end + lateness, contents until cleanup),
// after every record and watermark of a random out-of-order stream, and
// nothing once the watermark reaches the end of time.
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect } from 'vitest';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { MAX_WATERMARK } from '../time/watermark.js';
import { SlidingEventTimeWindows } from './assigners/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from './assigners/TumblingEventTimeWindows.js';
import type { WindowAssigner } from './assigners/WindowAssigner.js';
import { WindowOperator } from './WindowOperator.js';
import type { TimeWindow } from './windows.js';

type Rec = readonly [key: string, value: number];
type Step = { kind: 'record'; key: string; ts: number } | { kind: 'watermark'; advance: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('record' as const), key: fc.constantFrom('a', 'b', 'c'), ts: fc.integer({ min: 0, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('watermark' as const), advance: fc.integer({ min: 0, max: 12 }) }) },
);

/** The naive model: live (key, window) pairs with contents; timers derived from them and the watermark. */
class Model {
  private readonly live = new Map<string, TimeWindow>();
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(private readonly lateness: number) {}

  add(key: string, windows: readonly TimeWindow[]): void {
    for (const w of windows) if (w.maxTimestamp() + this.lateness > this.watermark) this.live.set(`${key}|${w.start}`, w);
  }

  advance(watermark: number): void {
    this.watermark = Math.max(this.watermark, watermark);
    for (const [id, w] of this.live) if (w.maxTimestamp() + this.lateness <= this.watermark) this.live.delete(id);
  }

  entries(): number {
    return this.live.size;
  }

  timers(): number {
    let n = 0;
    for (const w of this.live.values()) {
      n++; // cleanup timer (the trigger's own when there is no lateness)
      if (this.lateness > 0 && w.maxTimestamp() > this.watermark) n++; // trigger timer at the end
    }
    return n;
  }
}

function check(assigner: WindowAssigner<Rec, TimeWindow>, lateness: number, steps: readonly Step[]): void {
  const op = WindowOperator.reduce<string, Rec, TimeWindow>({ assigner, allowedLateness: lateness }, (a, b) => [a[0], a[1] + b[1]]);
  const h = new OperatorTestHarness<Rec, Rec>(op, { keySelector: (r) => r[0], name: 'win' });
  h.open();
  const model = new Model(lateness);
  let watermark = -1;
  for (const step of steps) {
    if (step.kind === 'record') {
      h.processElement([step.key, 1], step.ts);
      model.add(step.key, assigner.assignWindows([step.key, 1], step.ts, { currentProcessingTime: () => 0 }));
    } else {
      watermark += step.advance;
      h.processWatermark(watermark);
      model.advance(watermark);
    }
    expect(h.keyed!.numEntries('window-contents')).toBe(model.entries());
    expect(h.numEventTimeTimers()).toBe(model.timers());
  }
  h.processWatermark(MAX_WATERMARK);
  expect(h.keyed!.numEntries()).toBe(0);
  expect(h.numEventTimeTimers()).toBe(0);
}

describe('WindowOperator cleanup under the built-in event-time trigger', () => {
  test.prop([fc.array(stepArb, { maxLength: 80 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom(0, 0, 3, 10)])(
    'tumbling windows keep exactly the modelled timers and contents',
    (steps, size, lateness) => check(TumblingEventTimeWindows.of(size), lateness, steps),
  );

  test.prop([fc.array(stepArb, { maxLength: 80 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, 0, 3, 10)])(
    'sliding windows keep exactly the modelled timers and contents',
    (steps, slide, slides, lateness) => check(SlidingEventTimeWindows.of(slide * slides, slide), lateness, steps),
  );
});

/**
 * Test support (not exported from the package): drives window operators
 * through the same random script — records at offsets from the watermark,
 * watermark advances, checkpoints that restore into a new operator — so a
 * fast path can be compared with the generic one it must equal. Used by the
 * property tests of lazy session timers and of the built-in event-time
 * trigger's timer path.
 *
 * ```ts
 * const generic = new ScriptedRun((checkpoint) => operator(false));
 * const fast = new ScriptedRun((checkpoint) => operator(checkpoint > 0));
 * const ends = play(script, [generic, fast]); // then compare fired/side, expect ends to be empty
 * ```
 */
import fc from 'fast-check';
import { OutputTag } from '../api/OutputTag.js';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { MAX_WATERMARK } from '../time/watermark.js';
import type { Trigger } from './triggers/Trigger.js';
import type { WindowOperator } from './WindowOperator.js';
import type { TimeWindow } from './windows.js';

/** A scripted record: its key and value. */
export type Rec = readonly [key: string, value: number];

/** One step of a script. A record's timestamp is the watermark plus its offset. */
export type Step = { kind: 'record'; key: string; value: number; offset: number } | { kind: 'watermark'; advance: number } | { kind: 'checkpoint' };

/** The side output late records go to. */
export const LATE = new OutputTag<Rec>('late');

/** What is left when a run ends: keyed state entries and event-time timers (both must be 0). */
export interface RunEnd {
  readonly entries: number;
  readonly timers: number;
}

/**
 * A trigger that behaves as `trigger` in an object the window operator does
 * not recognise, so the operator takes its generic path (every element and
 * timer through the trigger).
 */
export function unrecognised(trigger: Trigger<unknown, TimeWindow>): Trigger<unknown, TimeWindow> {
  const copy: Trigger<unknown, TimeWindow> = {
    onElement: (e, t, w, ctx) => trigger.onElement(e, t, w, ctx),
    onEventTime: (t, w, ctx) => trigger.onEventTime(t, w, ctx),
    onProcessingTime: (t, w, ctx) => trigger.onProcessingTime(t, w, ctx),
    clear: (w, ctx) => trigger.clear(w, ctx),
  };
  const onMerge = trigger.onMerge?.bind(trigger);
  return onMerge === undefined ? copy : { ...copy, canMerge: () => true, onMerge: (w, ctx) => onMerge(w, ctx) };
}

/** Random steps: records (keys a–c, values 1–9, offsets within `offsets`), watermark advances up to `maxAdvance`, checkpoints. */
export function stepArbitrary(offsets: { readonly min: number; readonly max: number }, maxAdvance: number): fc.Arbitrary<Step> {
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({ kind: fc.constant('record' as const), key: fc.constantFrom('a', 'b', 'c'), value: fc.integer({ min: 1, max: 9 }), offset: fc.integer(offsets) }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('watermark' as const), advance: fc.integer({ min: 0, max: maxAdvance }) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'checkpoint' as const }) },
  );
}

/**
 * One operator through a script: at each checkpoint its snapshot restores
 * into `operatorAt(checkpoint number)` (0 for the first operator).
 * `fired` holds the results, `side` the late records and the records of `sideTags`.
 */
export class ScriptedRun {
  private h: OperatorTestHarness<string, Rec>;
  private checkpoints = 0;
  readonly fired: string[] = [];
  readonly side: string[] = [];

  constructor(
    private readonly operatorAt: (checkpoint: number) => WindowOperator<string, Rec, string, TimeWindow>,
    private readonly sideTags: readonly OutputTag<string>[] = [],
  ) {
    this.h = new OperatorTestHarness<string, Rec>(operatorAt(0), { keySelector: (r: Rec) => r[0], name: 'w' });
    this.h.open();
  }

  step(step: Step, watermark: number): void {
    if (step.kind === 'record') this.h.processElement([step.key, step.value], watermark + step.offset);
    else if (step.kind === 'watermark') this.h.processWatermark(watermark);
    else {
      const snapshot = this.h.snapshot();
      this.collect();
      void this.h.close();
      this.h = OperatorTestHarness.restored(this.operatorAt(++this.checkpoints), snapshot, { keySelector: (r: Rec) => r[0], name: 'w' });
      this.h.open();
    }
    this.collect();
  }

  finish(): RunEnd {
    this.h.processWatermark(MAX_WATERMARK);
    this.collect();
    return { entries: this.h.keyed!.numEntries(), timers: this.h.numEventTimeTimers() };
  }

  private collect(): void {
    for (const r of this.h.timestampedRecords()) this.fired.push(`${r.value} @${r.timestamp}`);
    for (const r of this.h.sideOutputRecords(LATE)) this.side.push(`late ${r.value.join(':')} @${r.timestamp}`);
    for (const tag of this.sideTags) for (const r of this.h.sideOutputRecords(tag)) this.side.push(`${tag.id} ${r.value} @${r.timestamp}`);
    this.h.clearOutput();
  }
}

/** Runs the same script through each run; returns how each ended. */
export function play(script: readonly Step[], runs: readonly ScriptedRun[]): RunEnd[] {
  let watermark = 0;
  for (const step of script) {
    if (step.kind === 'watermark') watermark += step.advance;
    for (const run of runs) run.step(step, watermark);
  }
  return runs.map((run) => run.finish());
}

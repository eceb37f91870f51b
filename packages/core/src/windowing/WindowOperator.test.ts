// Contract tests for the window operator, in the style of Flink's WindowOperatorTest.
import { describe, expect, it } from 'vitest';
import type { AggregateFunction } from '../api/functions.js';
import { OutputTag } from '../api/OutputTag.js';
import { TributaryError, UserFunctionError } from '../errors.js';
import { decodeState, encodeState } from '../checkpoint/serialization.js';
import { ValueStateDescriptor } from '../state/descriptors.js';
import { OperatorTestHarness, type HarnessSnapshot } from '../testing/OperatorTestHarness.js';
import { TestClock } from '../testing/TestClock.js';
import { MAX_WATERMARK, NO_TIMESTAMP } from '../time/watermark.js';
import { EventTimeSessionWindows } from './assigners/EventTimeSessionWindows.js';
import { GlobalWindows } from './assigners/GlobalWindows.js';
import { ProcessingTimeSessionWindows } from './assigners/ProcessingTimeSessionWindows.js';
import { SlidingEventTimeWindows } from './assigners/SlidingEventTimeWindows.js';
import { TumblingEventTimeWindows } from './assigners/TumblingEventTimeWindows.js';
import { TumblingProcessingTimeWindows } from './assigners/TumblingProcessingTimeWindows.js';
import { CountEvictor } from './evictors/CountEvictor.js';
import { TimeEvictor } from './evictors/TimeEvictor.js';
import type { ProcessWindowFunction } from './ProcessWindowFunction.js';
import { ContinuousEventTimeTrigger } from './triggers/ContinuousEventTimeTrigger.js';
import { ContinuousProcessingTimeTrigger } from './triggers/ContinuousProcessingTimeTrigger.js';
import { CountTrigger } from './triggers/CountTrigger.js';
import { PurgingTrigger } from './triggers/PurgingTrigger.js';
import { WindowOperator } from './WindowOperator.js';
import type { GlobalWindow, TimeWindow, Window } from './windows.js';

type Rec = readonly [key: string, value: number];
const keyOf = (r: Rec): string => r[0];
const sum = (a: Rec, b: Rec): Rec => [a[0], a[1] + b[1]];

function open<OUT>(op: WindowOperator<string, Rec, OUT, any>, clock?: TestClock): OperatorTestHarness<OUT, Rec> {
  const h = new OperatorTestHarness<OUT, Rec>(op, clock === undefined ? { keySelector: keyOf, name: 'win' } : { keySelector: keyOf, name: 'win', clock });
  h.open();
  return h;
}

function restore<OUT>(op: WindowOperator<string, Rec, OUT, any>, snapshot: HarnessSnapshot): OperatorTestHarness<OUT, Rec> {
  const h = OperatorTestHarness.restored<OUT, Rec>(op, snapshot, { keySelector: keyOf, name: 'win' });
  h.open();
  return h;
}

/** The input of Flink's tumbling and sliding window contract tests: [record, timestamp] in arrival order. */
const FLINK_INPUT: ReadonlyArray<readonly [Rec, number]> = [
  [['key2', 1], 3999],
  [['key2', 1], 3000],
  [['key1', 1], 20],
  [['key1', 1], 0],
  [['key1', 1], 999],
  [['key2', 1], 1998],
  [['key2', 1], 1999],
  [['key2', 1], 1000],
];

/** Processes `records` ([record, timestamp]) in order. */
function feed<OUT>(h: OperatorTestHarness<OUT, Rec>, records: ReadonlyArray<readonly [Rec, number]>): void {
  for (const [record, timestamp] of records) h.processElement(record, timestamp);
}

/** Records with timestamps, sorted by timestamp then value (timers of one time fire in key order). */
function out<OUT>(h: OperatorTestHarness<OUT, Rec>): Array<[OUT, number]> {
  return h
    .timestampedRecords()
    .map((r): [OUT, number] => [r.value, r.timestamp])
    .sort((a, b) => a[1] - b[1] || JSON.stringify(a[0]).localeCompare(JSON.stringify(b[0])));
}

/** Records with timestamps in emission order. */
function emitted<OUT>(h: OperatorTestHarness<OUT, Rec>): Array<[OUT, number]> {
  return h.timestampedRecords().map((r): [OUT, number] => [r.value, r.timestamp]);
}

/** Takes the output so far and forgets it (side outputs too). */
function drain<OUT>(h: OperatorTestHarness<OUT, Rec>): Array<[OUT, number]> {
  const result = out(h);
  h.clearOutput();
  return result;
}

const sumAgg: AggregateFunction<Rec, { key: string; sum: number; n: number }, string> = {
  createAccumulator: () => ({ key: '', sum: 0, n: 0 }),
  add: (r, acc) => ({ key: r[0], sum: acc.sum + r[1], n: acc.n + 1 }),
  getResult: (acc) => `${acc.key}:${acc.sum}/${acc.n}`,
  merge: (a, b) => ({ key: a.key || b.key, sum: a.sum + b.sum, n: a.n + b.n }),
};

const describeWindow = (w: Window): string => String(w);

const sessionSummary: ProcessWindowFunction<Rec, string, string, TimeWindow> = {
  process(key, ctx, elements, collector) {
    let total = 0;
    for (const [, v] of elements) total += v;
    collector.collect(`${key}-${total} [${ctx.window.start}, ${ctx.window.end})`);
  },
};

describe('WindowOperator: tumbling event-time windows', () => {
  it('reduces per key and window, fires when the watermark passes the end, and drops late records', () => {
    const h = open(WindowOperator.reduce<string, Rec, TimeWindow>({ assigner: TumblingEventTimeWindows.of(3000) }, sum));
    feed(h, FLINK_INPUT);

    h.processWatermark(999);
    h.processWatermark(1999);
    expect(drain(h)).toEqual([]);
    h.processWatermark(2999);
    expect(drain(h)).toEqual([
      [['key1', 3], 2999],
      [['key2', 3], 2999],
    ]);
    h.processWatermark(3999);
    h.processWatermark(4999);
    expect(drain(h)).toEqual([]);
    h.processWatermark(5999);
    expect(h.watermarks()).toEqual([5999]);
    expect(drain(h)).toEqual([[['key2', 2], 5999]]);

    h.processElement(['key1', 1], 2500); // its window [0, 3000) is gone
    expect(drain(h)).toEqual([]);
    expect(h.metrics.lateRecords).toBe(1);
    expect(h.numEventTimeTimers()).toBe(0);
    expect(h.keyed!.numEntries()).toBe(0);
  });

  it('aggregates, and combines aggregate with a shorthand window function', () => {
    const plain = open(WindowOperator.aggregate<string, Rec, any, string, TimeWindow>({ assigner: TumblingEventTimeWindows.of(10) }, sumAgg));
    const withFn = open(
      WindowOperator.aggregate<string, Rec, any, string, string, TimeWindow>({ assigner: TumblingEventTimeWindows.of(10) }, sumAgg, (key, window, result) =>
        `${key} ${describeWindow(window)} ${result}`,
      ),
    );
    for (const h of [plain, withFn]) {
      h.processElement(['a', 1], 1);
      h.processElement(['a', 2], 9);
      h.processElement(['b', 5], 5);
      h.processElement(['a', 4], 10);
      h.processWatermark(MAX_WATERMARK);
    }
    expect(out(plain)).toEqual([
      ['a:3/2', 9],
      ['b:5/1', 9],
      ['a:4/1', 19],
    ]);
    expect(out(withFn)).toEqual([
      ['a TimeWindow[0, 10) a:3/2', 9],
      ['b TimeWindow[0, 10) b:5/1', 9],
      ['a TimeWindow[10, 20) a:4/1', 19],
    ]);
  });

  it('combines aggregate with a ProcessWindowFunction that receives the single result', () => {
    const fn: ProcessWindowFunction<string, string, string, TimeWindow> = {
      process(key, ctx, results, collector) {
        const all = [...results];
        collector.collect(`${key}@${ctx.window.start}: ${all.join(',')} (${all.length})`);
      },
    };
    const h = open(WindowOperator.aggregate({ assigner: TumblingEventTimeWindows.of(10) }, sumAgg, fn));
    h.processElement(['a', 1], 1);
    h.processElement(['a', 2], 2);
    h.processWatermark(9);
    expect(out(h)).toEqual([['a@0: a:3/2 (1)', 9]]);
  });

  it('combines reduce with a window function', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, string, TimeWindow>({ assigner: TumblingEventTimeWindows.of(10) }, sum, (key, window, r) => `${key}/${window.end}/${r[1]}`),
    );
    h.processElement(['a', 1], 1);
    h.processElement(['a', 2], 2);
    h.processWatermark(9);
    expect(out(h)).toEqual([['a/10/3', 9]]);
  });

  it('processes all elements, in arrival order', () => {
    const fn: ProcessWindowFunction<Rec, string, string, TimeWindow> = {
      process(key, ctx, elements, collector) {
        collector.collect(`${key} ${ctx.window.start}: ${[...elements].map((e) => e[1]).join(' ')}`);
      },
    };
    const h = open(WindowOperator.process({ assigner: TumblingEventTimeWindows.of(100) }, fn));
    h.processElement(['a', 3], 30);
    h.processElement(['a', 1], 10);
    h.processElement(['a', 2], 120);
    h.processElement(['a', 5], 50);
    h.processWatermark(MAX_WATERMARK);
    expect(out(h)).toEqual([
      ['a 0: 3 1 5', 99],
      ['a 100: 2', 199],
    ]);
  });

  it('fails on records without a timestamp, saying how to assign one', () => {
    const h = open(WindowOperator.reduce<string, Rec, TimeWindow>({ assigner: TumblingEventTimeWindows.of(10) }, sum));
    expect(() => h.processElement(['a', 1], NO_TIMESTAMP)).toThrow(TributaryError);
    expect(() => h.processElement(['a', 1], NO_TIMESTAMP)).toThrow(/no timestamp.*WatermarkStrategy/s);
  });
});

describe('WindowOperator: sliding event-time windows', () => {
  it('emits each window once the watermark passes it', () => {
    const h = open(
      WindowOperator.aggregate<string, Rec, any, string, TimeWindow>({ assigner: SlidingEventTimeWindows.of(3000, 1000) }, sumAgg),
    );
    feed(h, FLINK_INPUT);

    h.processWatermark(999);
    expect(drain(h)).toEqual([['key1:3/3', 999]]);
    h.processWatermark(1999);
    expect(drain(h)).toEqual([
      ['key1:3/3', 1999],
      ['key2:3/3', 1999],
    ]);
    h.processWatermark(2999);
    expect(drain(h)).toEqual([
      ['key1:3/3', 2999],
      ['key2:3/3', 2999],
    ]);
    h.processWatermark(3999);
    expect(drain(h)).toEqual([['key2:5/5', 3999]]);
    h.processWatermark(4999);
    expect(drain(h)).toEqual([['key2:2/2', 4999]]);
    h.processWatermark(5999);
    expect(drain(h)).toEqual([['key2:2/2', 5999]]);
    expect(h.keyed!.numEntries()).toBe(0);
    expect(h.numEventTimeTimers()).toBe(0);
  });

  it('sends a record late for some windows only to the windows still open', () => {
    const h = open(WindowOperator.reduce<string, Rec, TimeWindow>({ assigner: SlidingEventTimeWindows.of(20, 10) }, sum));
    h.processWatermark(19);
    h.processElement(['a', 1], 15); // [0, 20) is closed, [10, 30) is open: not a late record
    h.processWatermark(29);
    expect(out(h)).toEqual([[['a', 1], 29]]);
    expect(h.metrics.lateRecords).toBe(0);
  });
});

describe('WindowOperator: session windows', () => {
  it('merges sessions and continues correctly after a snapshot of half-filled sessions', () => {
    const settings = { assigner: EventTimeSessionWindows.withGap(3000) };
    const h = open(WindowOperator.process(settings, sessionSummary));
    h.processElement(['key2', 1], 0);
    h.processElement(['key2', 2], 1000);
    h.processElement(['key2', 3], 2500);
    h.processElement(['key1', 1], 10);
    h.processElement(['key1', 2], 1000);
    const snapshot = h.snapshot();
    void h.close();

    const r = restore(WindowOperator.process(settings, sessionSummary), snapshot);
    r.processElement(['key1', 3], 2500);
    r.processElement(['key2', 4], 5501);
    r.processElement(['key2', 5], 6000);
    r.processElement(['key2', 5], 6000);
    r.processElement(['key2', 6], 6050);
    r.processWatermark(12000);
    expect(drain(r)).toEqual([
      ['key1-6 [10, 5500)', 5499],
      ['key2-6 [0, 5500)', 5499],
      ['key2-20 [5501, 9050)', 9049],
    ]);

    r.processElement(['key2', 10], 15000);
    r.processElement(['key2', 20], 15000);
    r.processWatermark(17999);
    expect(drain(r)).toEqual([['key2-30 [15000, 18000)', 17999]]);
    expect(r.keyed!.numEntries()).toBe(0);
    expect(r.numEventTimeTimers()).toBe(0);
  });

  it('merges two sessions when a record bridges them, keeping the contents of both and firing the merged session once', () => {
    const h = open(WindowOperator.reduce<string, Rec, TimeWindow>({ assigner: EventTimeSessionWindows.withGap(3000) }, sum));
    h.processElement(['a', 1], 0); // [0, 3000)
    h.processElement(['a', 10], 5000); // [5000, 8000)
    expect(h.numEventTimeTimers()).toBe(2);
    h.processElement(['a', 100], 2500); // [2500, 5500) bridges both: [0, 8000)
    // lazy timers: the sessions' timers stay; the first, at 2999, re-arms at the merged end
    expect(h.numEventTimeTimers()).toBe(2);
    h.processWatermark(2999);
    expect(out(h)).toEqual([]);
    expect(h.numEventTimeTimers()).toBe(2); // [5000, 8000) and [0, 8000) at 7999
    h.processWatermark(7998);
    expect(out(h)).toEqual([]);
    h.processWatermark(7999);
    expect(out(h)).toEqual([[['a', 111], 7999]]);
    expect(h.keyed!.numEntries()).toBe(0);
  });

  it('a checkpoint taken while a session grows holds the session as at the barrier (accumulator changed in place, bounds settled)', async () => {
    const inPlace: AggregateFunction<Rec, { sum: number; n: number }, string> = {
      createAccumulator: () => ({ sum: 0, n: 0 }),
      add: (r, acc) => {
        acc.sum += r[1];
        acc.n++;
        return acc;
      },
      getResult: (acc) => `${acc.sum}/${acc.n}`,
      merge: (a, b) => ({ sum: a.sum + b.sum, n: a.n + b.n }),
    };
    const op = (): WindowOperator<string, Rec, string, TimeWindow> =>
      WindowOperator.aggregate<string, Rec, any, string, TimeWindow>({ assigner: EventTimeSessionWindows.withGap(10) }, inPlace);
    const h = open(op());
    for (let t = 0; t < 5; t++) h.processElement(['a', 1], t); // one session, grown record by record
    const barrier = h.snapshot(); // (settles the session first, as a checkpoint does)
    const atBarrier = encodeState(h.keyed!.snapshot());
    const pass = h.keyed!.beginSnapshot(); // copies entries as records after the barrier are about to change them
    for (let t = 5; t < 8; t++) h.processElement(['a', 10], t);
    const taken = await pass.complete(1);
    expect(taken).toBe(atBarrier);
    const r = restore(op(), { ...barrier, keyed: decodeState(taken) as HarnessSnapshot['keyed'] });
    r.processWatermark(MAX_WATERMARK);
    expect(out(r)).toEqual([['5/5', 13]]); // [0, 14): the five records before the barrier
    h.processWatermark(MAX_WATERMARK);
    expect(out(h)).toEqual([['35/8', 16]]);
  });

  it('merges aggregate accumulators of sessions', () => {
    const h = open(WindowOperator.aggregate<string, Rec, any, string, TimeWindow>({ assigner: EventTimeSessionWindows.withGap(10) }, sumAgg));
    h.processElement(['a', 1], 0);
    h.processElement(['a', 2], 30);
    h.processElement(['a', 4], 15); // bridges [0, 10) and [30, 40) only with [15, 25)? no: touches neither
    h.processElement(['a', 8], 9); // [9, 19) joins [0, 10) and [15, 25)
    h.processWatermark(MAX_WATERMARK);
    expect(out(h)).toEqual([
      ['a:13/3', 24],
      ['a:2/1', 39],
    ]);
  });

  it('supports dynamic gaps', () => {
    const h = open(
      WindowOperator.process(
        { assigner: EventTimeSessionWindows.withDynamicGap((r: Rec) => r[1] * 100) },
        sessionSummary as ProcessWindowFunction<Rec, string, string, TimeWindow>,
      ),
    );
    h.processElement(['a', 1], 0); // [0, 100)
    h.processElement(['a', 5], 150); // [150, 650)
    h.processElement(['a', 2], 100); // [100, 300): touches [0, 100), overlaps [150, 650)
    h.processWatermark(MAX_WATERMARK);
    expect(out(h)).toEqual([['a-8 [0, 650)', 649]]);
  });

  it('merges trigger state: a count trigger counts across merged sessions', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, TimeWindow>(
        { assigner: EventTimeSessionWindows.withGap(3000), trigger: PurgingTrigger.of(CountTrigger.of(3)) },
        sum,
      ),
    );
    h.processElement(['a', 1], 0);
    h.processElement(['a', 2], 5000);
    expect(out(h)).toEqual([]);
    h.processElement(['a', 4], 2500); // merges all three: count 3
    expect(drain(h)).toEqual([[['a', 7], 7999]]);
    h.processElement(['a', 8], 6000);
    h.processWatermark(MAX_WATERMARK);
    expect(drain(h)).toEqual([]);
    expect(h.keyed!.numEntries()).toBe(0);
  });

  it('rejects triggers that cannot merge', () => {
    const trigger = { ...CountTrigger.of(2), canMerge: () => false, onElement: () => 'CONTINUE' as const, onEventTime: () => 'CONTINUE' as const, onProcessingTime: () => 'CONTINUE' as const, clear: () => {} };
    expect(() => WindowOperator.reduce<string, Rec, TimeWindow>({ assigner: EventTimeSessionWindows.withGap(10), trigger }, sum)).toThrow(
      /needs a trigger that can merge/,
    );
  });

  it('processing-time sessions merge and fire by the clock', () => {
    const clock = new TestClock(0);
    const h = open(WindowOperator.process({ assigner: ProcessingTimeSessionWindows.withGap(3) }, sessionSummary), clock);
    h.processElement(['a', 1], NO_TIMESTAMP); // [0, 3)
    h.setProcessingTime(1);
    h.processElement(['a', 2], NO_TIMESTAMP); // [1, 4) → [0, 4)
    h.setProcessingTime(2); // the timer of [0, 3) went with the merge
    expect(drain(h)).toEqual([]);
    h.setProcessingTime(10);
    expect(drain(h)).toEqual([['a-3 [0, 4)', 3]]);
    h.processElement(['a', 5], NO_TIMESTAMP);
    h.setProcessingTime(20);
    expect(drain(h)).toEqual([['a-5 [10, 13)', 12]]);
    expect(h.keyed!.numEntries()).toBe(0);
  });
});

describe('WindowOperator: allowed lateness', () => {
  const lateTag = new OutputTag<Rec>('late');

  it('fires again for each late record within the lateness, cleans up after it, and side-outputs what comes later', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, TimeWindow>(
        { assigner: TumblingEventTimeWindows.of(2000), allowedLateness: 500, lateDataTag: lateTag },
        sum,
      ),
    );
    h.processElement(['k', 1], 500);
    h.processWatermark(1500);
    h.processElement(['k', 1], 1300);
    h.processWatermark(2300);
    expect(drain(h)).toEqual([[['k', 2], 1999]]);

    h.processElement(['k', 1], 1998); // late, but within the allowed lateness: an updated result
    expect(drain(h)).toEqual([[['k', 3], 1999]]);
    h.processElement(['k', 1], 2100); // the next window
    expect(h.keyed!.numEntries('window-contents')).toBe(2);

    h.processWatermark(2499); // cleanup time of [0, 2000)
    expect(h.keyed!.numEntries('window-contents')).toBe(1);

    h.processElement(['k', 5], 1000);
    h.processElement(['k', 6], 1999);
    expect(h.sideOutputRecords(lateTag)).toEqual([
      { value: ['k', 5], timestamp: 1000 },
      { value: ['k', 6], timestamp: 1999 },
    ]);
    expect(drain(h)).toEqual([]);
    expect(h.metrics.lateRecords).toBe(2);

    h.processWatermark(MAX_WATERMARK);
    expect(drain(h)).toEqual([[['k', 1], 3999]]);
    expect(h.keyed!.numEntries()).toBe(0);
    expect(h.numEventTimeTimers()).toBe(0);
  });

  it('drops late records without a side output, counting them', () => {
    const h = open(WindowOperator.reduce<string, Rec, TimeWindow>({ assigner: TumblingEventTimeWindows.of(10) }, sum));
    h.processWatermark(100);
    h.processElement(['k', 1], 5); // late: dropped
    h.processElement(['k', 1], 100); // behind the watermark, but its window [100, 110) is open
    h.processElement(['k', 1], 101);
    expect(h.metrics.lateRecords).toBe(1);
    h.processWatermark(MAX_WATERMARK);
    expect(out(h)).toEqual([[['k', 2], 109]]);
  });

  it('keeps late-fired sessions until their cleanup time', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, TimeWindow>(
        { assigner: EventTimeSessionWindows.withGap(10), allowedLateness: 20, lateDataTag: lateTag },
        sum,
      ),
    );
    h.processElement(['k', 1], 0); // [0, 10)
    h.processWatermark(15);
    expect(drain(h)).toEqual([[['k', 1], 9]]);
    h.processElement(['k', 2], 5); // [5, 15) merges: [0, 15), past the watermark: fires at once
    expect(drain(h)).toEqual([[['k', 3], 14]]);
    h.processWatermark(34); // cleanup of [0, 15) at 14 + 20
    h.processElement(['k', 4], 5); // [5, 15) would be cleaned up at 34: late
    expect(h.sideOutput(lateTag)).toEqual([['k', 4]]);
    expect(drain(h)).toEqual([]);
    expect(h.keyed!.numEntries()).toBe(0);
  });
});

describe('WindowOperator: triggers', () => {
  it('continuous event-time triggers fire early every interval and at the window end', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, TimeWindow>(
        { assigner: TumblingEventTimeWindows.of(10_000), trigger: ContinuousEventTimeTrigger.of(3000) },
        sum,
      ),
    );
    h.processElement(['k', 1], 1000);
    h.processElement(['k', 2], 2000);
    h.processWatermark(3000);
    expect(drain(h)).toEqual([[['k', 3], 9999]]);
    h.processElement(['k', 4], 4000);
    h.processWatermark(7000);
    expect(drain(h)).toEqual([[['k', 7], 9999]]);
    h.processWatermark(10_000);
    expect(drain(h)).toEqual([
      [['k', 7], 9999],
      [['k', 7], 9999],
    ]);
    expect(h.keyed!.numEntries()).toBe(0);
    expect(h.numEventTimeTimers()).toBe(0);
  });

  it('count windows: global windows with a purging count trigger', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, GlobalWindow>({ assigner: GlobalWindows.create(), trigger: PurgingTrigger.of(CountTrigger.of(3)) }, sum),
    );
    for (let i = 1; i <= 7; i++) h.processElement(['a', i], i);
    h.processElement(['b', 100], 0);
    h.processWatermark(MAX_WATERMARK);
    expect(emitted(h)).toEqual([
      [['a', 6], Number.POSITIVE_INFINITY],
      [['a', 15], Number.POSITIVE_INFINITY],
    ]);
    expect(h.numEventTimeTimers() + h.numProcessingTimeTimers()).toBe(0);
  });

  it('sliding count windows: a count evictor keeps the last n, a count trigger fires every m', () => {
    const names = WindowOperator.describe(
      { assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: CountEvictor.of(3) },
      'reduce',
    );
    expect(names).toBe('Window(GlobalWindows, CountTrigger(2), CountEvictor(3), reduce)');
    const h = open(
      WindowOperator.reduce<string, Rec, GlobalWindow>({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(2), evictor: CountEvictor.of(3) }, sum),
    );
    for (let i = 1; i <= 6; i++) h.processElement(['a', i], i);
    expect(emitted(h).map(([v]) => v)).toEqual([
      ['a', 3],
      ['a', 9],
      ['a', 15],
    ]);
    expect(h.keyed!.numEntries('window-contents')).toBe(1);
  });

  it('evictors with process and aggregate see the remaining elements; evicted ones leave the window', () => {
    const seen: number[][] = [];
    const fn: ProcessWindowFunction<Rec, number, string, GlobalWindow> = {
      process(_key, _ctx, elements, collector) {
        const values = [...elements].map((e) => e[1]);
        seen.push(values);
        collector.collect(values.length);
      },
    };
    const h = open(
      WindowOperator.process({ assigner: GlobalWindows.create(), trigger: CountTrigger.of(3), evictor: TimeEvictor.of(100, true) }, fn),
    );
    h.processElement(['a', 1], 0);
    h.processElement(['a', 2], 50);
    h.processElement(['a', 3], 120); // fires with all three, then evicts <= 20
    h.processElement(['a', 4], 130);
    h.processElement(['a', 5], 140);
    h.processElement(['a', 6], 300); // fires with 2..6, then evicts <= 200
    h.processElement(['a', 7], 310);
    h.processElement(['a', 8], 320);
    h.processElement(['a', 9], 330);
    expect(seen).toEqual([
      [1, 2, 3],
      [2, 3, 4, 5, 6],
      [6, 7, 8, 9],
    ]);

    const agg = open(
      WindowOperator.aggregate<string, Rec, any, string, GlobalWindow>(
        { assigner: GlobalWindows.create(), trigger: PurgingTrigger.of(CountTrigger.of(3)), evictor: CountEvictor.of(2) },
        sumAgg,
      ),
    );
    for (let i = 1; i <= 6; i++) agg.processElement(['a', i], i);
    expect(emitted(agg).map(([v]) => v)).toEqual(['a:5/2', 'a:11/2']);
  });

  it('custom triggers are plain objects', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, TimeWindow>(
        {
          assigner: TumblingEventTimeWindows.of(100),
          trigger: {
            onElement: (r: Rec) => (r[1] < 0 ? 'PURGE' : r[1] >= 10 ? 'FIRE' : 'CONTINUE'),
            onEventTime: () => 'CONTINUE',
            onProcessingTime: () => 'CONTINUE',
            clear: () => {},
          },
        },
        sum,
      ),
    );
    h.processElement(['a', 3], 1);
    h.processElement(['a', 10], 2);
    h.processElement(['a', -1], 3);
    h.processElement(['a', 20], 4);
    h.processWatermark(MAX_WATERMARK);
    expect(out(h)).toEqual([
      [['a', 13], 99],
      [['a', 20], 99],
    ]);
    expect(h.keyed!.numEntries()).toBe(0);
    expect(WindowOperator.describe({ assigner: TumblingEventTimeWindows.of(100), trigger: { ...ContinuousEventTimeTrigger.of(5), toString: Object.prototype.toString } as never }, 'process')).toBe(
      'Window(TumblingEventTimeWindows(100), Trigger, process)',
    );
  });
});

describe('WindowOperator: processing time', () => {
  it('tumbling processing-time windows fire as the TestClock passes their end', () => {
    const clock = new TestClock(0);
    const h = open(WindowOperator.reduce<string, Rec, TimeWindow>({ assigner: TumblingProcessingTimeWindows.of(1000) }, sum), clock);
    h.setProcessingTime(3);
    h.processElement(['a', 1], NO_TIMESTAMP);
    h.processElement(['a', 2], 5_000_000); // the record timestamp does not matter
    h.processElement(['b', 4], NO_TIMESTAMP);
    h.setProcessingTime(998);
    expect(drain(h)).toEqual([]);
    h.setProcessingTime(999);
    expect(drain(h)).toEqual([
      [['a', 3], 999],
      [['b', 4], 999],
    ]);
    h.setProcessingTime(1500);
    h.processElement(['a', 8], NO_TIMESTAMP);
    h.processWatermark(MAX_WATERMARK); // watermarks do not close processing-time windows
    expect(drain(h)).toEqual([]);
    h.setProcessingTime(5000);
    expect(drain(h)).toEqual([[['a', 8], 1999]]);
    expect(h.keyed!.numEntries()).toBe(0);
    expect(h.numProcessingTimeTimers()).toBe(0);
  });

  it('continuous processing-time triggers fire every interval', () => {
    const clock = new TestClock(0);
    const h = open(
      WindowOperator.reduce<string, Rec, GlobalWindow>({ assigner: GlobalWindows.create(), trigger: ContinuousProcessingTimeTrigger.of(100) }, sum),
      clock,
    );
    h.setProcessingTime(50);
    h.processElement(['a', 1], NO_TIMESTAMP);
    h.setProcessingTime(99);
    expect(drain(h)).toEqual([]);
    h.setProcessingTime(100);
    expect(drain(h)).toEqual([[['a', 1], Number.POSITIVE_INFINITY]]);
    h.processElement(['a', 2], NO_TIMESTAMP);
    h.setProcessingTime(250);
    expect(drain(h)).toEqual([[['a', 3], Number.POSITIVE_INFINITY]]);
    h.setProcessingTime(300);
    expect(drain(h)).toEqual([[['a', 3], Number.POSITIVE_INFINITY]]);
  });
});

describe('WindowOperator: process window functions', () => {
  const firings = new ValueStateDescriptor<number>('firings');
  const total = new ValueStateDescriptor<number>('total');
  const sideTag = new OutputTag<string>('side');

  const counting: ProcessWindowFunction<Rec, string, string, TimeWindow> = {
    process(key, ctx, elements, collector) {
      const perWindow = ctx.windowState().getState(firings);
      perWindow.update((perWindow.value() ?? 0) + 1);
      const perKey = ctx.globalState().getState(total);
      perKey.update((perKey.value() ?? 0) + 1);
      let n = 0;
      for (const _ of elements) n++;
      collector.collect(`${key}[${ctx.window.start}] n=${n} firing=${perWindow.value()} total=${perKey.value()} wm=${ctx.currentWatermark()}`);
      ctx.output(sideTag, `side ${ctx.window.start}`);
    },
    clear(ctx) {
      ctx.windowState().getState(firings).clear();
    },
  };

  it('gives per-window state (cleared through clear() at cleanup) and per-key state', () => {
    const h = open(WindowOperator.process({ assigner: TumblingEventTimeWindows.of(10), allowedLateness: 10 }, counting));
    h.processElement(['a', 1], 1);
    h.processElement(['a', 1], 11);
    h.processWatermark(10);
    h.processElement(['a', 1], 2); // late firing of [0, 10)
    expect(emitted(h)).toEqual([
      ['a[0] n=1 firing=1 total=1 wm=10', 9],
      ['a[0] n=2 firing=2 total=2 wm=10', 9],
    ]);
    expect(h.keyed!.numEntries('firings')).toBe(1);
    h.processWatermark(19); // [0, 10) cleaned up; [10, 20) fires
    expect(emitted(h)[2]).toEqual(['a[10] n=1 firing=1 total=3 wm=19', 19]);
    expect(h.keyed!.numEntries('firings')).toBe(1);
    h.processWatermark(29);
    expect(h.keyed!.numEntries('firings')).toBe(0);
    expect(h.keyed!.numEntries('total')).toBe(1);
    expect(h.keyed!.numEntries('window-contents')).toBe(0);
    expect(h.sideOutputRecords(sideTag)).toEqual([
      { value: 'side 0', timestamp: 9 },
      { value: 'side 0', timestamp: 9 },
      { value: 'side 10', timestamp: 19 },
    ]);
  });

  it('opens and closes the function, with keyed state from open', async () => {
    const calls: string[] = [];
    const fn: ProcessWindowFunction<Rec, number, string, TimeWindow> & { count?: { value(): number | undefined; update(v: number): void } } = {
      open(ctx) {
        calls.push(`open ${ctx.operatorName}`);
        this.count = ctx.getState(new ValueStateDescriptor<number>('seen'));
      },
      process(_key, _ctx, elements, collector) {
        for (const _ of elements) this.count!.update((this.count!.value() ?? 0) + 1);
        collector.collect(this.count!.value()!);
      },
      close() {
        calls.push('close');
      },
    };
    const h = open(WindowOperator.process({ assigner: TumblingEventTimeWindows.of(10) }, fn));
    h.processElement(['a', 1], 1);
    h.processElement(['a', 1], 2);
    h.processElement(['a', 1], 12);
    h.processWatermark(MAX_WATERMARK);
    await h.close();
    expect(out(h)).toEqual([
      [2, 9],
      [3, 19],
    ]);
    expect(calls).toEqual(['open win', 'close']);
  });
});

describe('WindowOperator: errors', () => {
  it('wraps errors of user functions in UserFunctionError naming the operator and carrying the record', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, TimeWindow>({ assigner: TumblingEventTimeWindows.of(10) }, (a, b) => {
        if (b[1] < 0) throw new Error('negative');
        return sum(a, b);
      }),
    );
    h.processElement(['a', 1], 1);
    let error: unknown;
    try {
      h.processElement(['a', -1], 2);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserFunctionError);
    expect((error as UserFunctionError).operator).toBe('win');
    expect((error as UserFunctionError).record).toEqual(['a', -1]);
    expect((error as Error).message).toBe(`Operator 'win' failed on record ["a",-1]: negative`);
  });

  it('names the window when a window function fails on a timer', () => {
    const h = open(
      WindowOperator.reduce<string, Rec, string, TimeWindow>({ assigner: TumblingEventTimeWindows.of(10) }, sum, () => {
        throw new Error('boom');
      }),
    );
    h.processElement(['a', 1], 1);
    expect(() => h.processWatermark(9)).toThrow(`Operator 'win' failed on window {"start":0,"end":10}: boom`);
  });
});

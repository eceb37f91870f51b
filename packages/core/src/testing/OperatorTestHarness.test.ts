import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_TAG } from '../api/DeadLetter.js';
import { OutputTag } from '../api/OutputTag.js';
import type { InternalTimer, OperatorContext, StreamOperator } from '../operators/StreamOperator.js';
import { ValueStateDescriptor } from '../state/descriptors.js';
import type { InternalTimerService } from '../state/InternalTimerService.js';
import type { Namespaced } from '../state/KeyedStateAccess.js';
import { keyGroupOf, subtaskForKeyGroup } from '../state/KeyGroups.js';
import type { ValueState } from '../state/State.js';
import { MAX_WATERMARK } from '../time/watermark.js';
import { OperatorTestHarness } from './OperatorTestHarness.js';
import { TestClock } from './TestClock.js';

interface Click {
  user: string;
}
interface Count {
  user: string;
  windowEnd: number;
  count: number;
}

const WINDOW = 10;
const tooLate = new OutputTag<Click>('too-late');

/** Counts clicks per user in tumbling 10 ms event-time windows (state and timers namespaced by window end). */
class CountPerWindow implements StreamOperator<Count> {
  private ctx!: OperatorContext<Count>;
  private count!: ValueState<number> & Namespaced<number>;
  private timers!: InternalTimerService<number>;
  seen = 0;

  open(ctx: OperatorContext<Count>): void {
    const keyed = ctx.keyed;
    if (keyed === undefined) throw new Error('needs keyBy');
    this.ctx = ctx;
    this.count = keyed.getValueState(new ValueStateDescriptor<number>('count', 0));
    this.timers = ctx.timerService<number>('windows');
  }

  processElement(value: unknown, timestamp: number): void {
    this.seen++;
    if (timestamp <= this.ctx.currentWatermark()) {
      this.ctx.output.collectSide(tooLate, value as Click, timestamp);
      return;
    }
    const end = Math.floor(timestamp / WINDOW) * WINDOW + WINDOW - 1;
    this.count.setCurrentNamespace(end);
    this.count.update((this.count.value() ?? 0) + 1);
    this.timers.registerEventTimeTimer(end, end);
  }

  onEventTime(timer: InternalTimer): void {
    this.count.setCurrentNamespace(timer.namespace as number);
    this.ctx.output.collect({ user: String(timer.key), windowEnd: timer.timestamp, count: this.count.value() ?? 0 }, timer.timestamp);
    this.count.clear();
  }

  snapshotState(): unknown {
    return { seen: this.seen };
  }

  initializeState(state: unknown): void {
    this.seen = (state as { seen: number }).seen;
  }
}

const byUser = (c: Click): string => c.user;

describe('OperatorTestHarness', () => {
  it('drives a keyed operator: state per key, timers before the watermark, output in order', () => {
    const harness = new OperatorTestHarness(new CountPerWindow(), { keySelector: byUser });
    harness.open();
    harness.processElement({ user: 'a' }, 1);
    harness.processElement({ user: 'b' }, 2);
    harness.processElement({ user: 'a' }, 5);
    harness.processElement({ user: 'a' }, 12);
    expect(harness.numEventTimeTimers()).toBe(3);
    harness.processWatermark(9);
    expect(harness.output).toEqual([
      { kind: 'record', value: { user: 'a', windowEnd: 9, count: 2 }, timestamp: 9 },
      { kind: 'record', value: { user: 'b', windowEnd: 9, count: 1 }, timestamp: 9 },
      { kind: 'watermark', watermark: 9 },
    ]);
    harness.processElement({ user: 'b' }, 3);
    expect(harness.sideOutput(tooLate)).toEqual([{ user: 'b' }]);
    harness.processWatermark(9); // no progress: nothing happens
    harness.processWatermark(MAX_WATERMARK);
    expect(harness.records().at(-1)).toEqual({ user: 'a', windowEnd: 19, count: 1 });
    expect(harness.watermarks()).toEqual([9, MAX_WATERMARK]);
    expect(harness.metrics.recordsIn).toBe(5);
    expect(harness.metrics.recordsOut).toBe(3);
    expect(harness.currentWatermark()).toBe(MAX_WATERMARK);
    expect(harness.keyed?.numEntries()).toBe(0);
  });

  it('recovers from a snapshot with exactly the remaining output', () => {
    const input: Array<[Click, number]> = [
      [{ user: 'a' }, 1],
      [{ user: 'b' }, 4],
      [{ user: 'a' }, 11],
      [{ user: 'c' }, 13],
      [{ user: 'a' }, 15],
      [{ user: 'b' }, 21],
    ];
    const run = (harness: OperatorTestHarness<Count, Click>, from: number, to: number): void => {
      for (const [click, ts] of input.slice(from, to)) harness.processElement(click, ts);
    };
    const reference = new OperatorTestHarness(new CountPerWindow(), { keySelector: byUser });
    reference.open();
    run(reference, 0, 6);
    reference.processWatermark(MAX_WATERMARK);

    const first = new OperatorTestHarness(new CountPerWindow(), { keySelector: byUser });
    first.open();
    run(first, 0, 3);
    first.processWatermark(10);
    const snapshot = first.snapshot();
    run(first, 3, 4); // the original may go on: the snapshot is a copy
    expect(snapshot.operator).toEqual({ seen: 3 });

    const operator = new CountPerWindow();
    const second = OperatorTestHarness.restored(operator, JSON.parse(JSON.stringify(snapshot)), { keySelector: byUser });
    second.open();
    expect(operator.seen).toBe(3);
    expect(second.numEventTimeTimers()).toBe(1);
    run(second, 3, 6);
    second.processWatermark(MAX_WATERMARK);
    expect([...first.records().slice(0, 2), ...second.records()]).toEqual(reference.records());
    expect(first.records()).toHaveLength(2);
  });

  it('restores several subtasks into one (rescaling)', () => {
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    const parts = [0, 1].map((subtaskIndex) => {
      const h = new OperatorTestHarness(new CountPerWindow(), { keySelector: byUser, parallelism: 2, subtaskIndex });
      h.open();
      for (const user of users) {
        if (subtaskForKeyGroup(keyGroupOf(user, 128), 128, 2) === subtaskIndex) h.processElement({ user }, 5);
      }
      return h;
    });
    const merged = OperatorTestHarness.restored(
      new CountPerWindow(),
      parts.map((p) => p.snapshot()),
      { keySelector: byUser },
    );
    merged.open();
    merged.processWatermark(MAX_WATERMARK);
    expect(merged.records().map((r) => r.user).sort()).toEqual([...users].sort());
    expect(merged.records().every((r) => r.count === 1)).toBe(true);
  });

  it('runs processing-time timers and scheduled callbacks on its TestClock', () => {
    const clock = new TestClock(1_000);
    const fired: string[] = [];
    const operator: StreamOperator<string> = {
      open(ctx) {
        const timers = ctx.timerService<number>('t');
        this.processElement = (value) => {
          timers.registerProcessingTimeTimer(0, ctx.clock.now() + 100);
          ctx.scheduleProcessingTime(ctx.clock.now() + 50, (now) => fired.push(`flush ${String(value)}@${now}`));
        };
        this.onProcessingTime = (timer) => {
          fired.push(`timer ${String(timer.key)}@${ctx.clock.now()}`);
          ctx.output.collect(`${String(timer.key)}!`, timer.timestamp);
        };
      },
      processElement() {},
    };
    const harness = new OperatorTestHarness<string, string>(operator, { keySelector: (v) => v, clock });
    harness.open();
    harness.processElement('x');
    harness.advanceProcessingTime(60);
    harness.processElement('y');
    expect(fired).toEqual(['flush x@1050']);
    harness.setProcessingTime(1_200);
    expect(fired).toEqual(['flush x@1050', 'timer x@1100', 'flush y@1110', 'timer y@1160']);
    expect(harness.records()).toEqual(['x!', 'y!']);
  });

  it('records failures from fail, processing-time timers and tracked work; finish rejects with the first', async () => {
    const operator: StreamOperator<never> = {
      open(ctx) {
        this.processElement = (value) => {
          if (value === 'fail') ctx.fail(new Error('failed'));
          if (value === 'track') ctx.track(Promise.reject(new Error('tracked')));
          if (value === 'timer') ctx.timerService<number>('t').registerProcessingTimeTimer(0, 5);
        };
      },
      processElement() {},
      onProcessingTime() {
        throw new Error('timer failed');
      },
    };
    const harness = new OperatorTestHarness<never, string>(operator, { keySelector: (v) => v });
    harness.open();
    expect(harness.failure).toBeUndefined();
    harness.processElement('timer');
    harness.advanceProcessingTime(10);
    expect((harness.failure as Error).message).toBe('timer failed');
    harness.processElement('track');
    harness.processElement('fail');
    await expect(harness.finish()).rejects.toThrow('timer failed');
    expect(harness.failures.map((e) => (e as Error).message)).toEqual(['timer failed', 'failed', 'tracked']);
    await harness.close();
  });

  it('awaits finish and tracked work, and collects backpressure promises', async () => {
    const log: string[] = [];
    const operator: StreamOperator = {
      open(ctx) {
        ctx.backpressure(Promise.resolve());
        this.finish = async () => {
          ctx.track(new Promise<void>((resolve) => setTimeout(() => (log.push('tracked'), resolve()), 5)));
          log.push('finish');
        };
        this.close = () => void log.push('close');
      },
      processElement() {},
    };
    const harness = new OperatorTestHarness(operator);
    harness.open();
    await harness.finish();
    await harness.close();
    expect(log).toEqual(['finish', 'tracked', 'close']);
    expect(harness.backpressured).toHaveLength(1);
    expect(() => harness.processElement(1)).toThrow(/closed/);
  });

  it('is non-keyed without a key selector and forwards watermarks by default', () => {
    const operator: StreamOperator<number> = {
      open(ctx) {
        expect(ctx.keyed).toBeUndefined();
        expect(() => ctx.timerService('t')).toThrow(/not keyed/);
        this.processElement = (value, ts) => ctx.output.collect((value as number) * 2, ts);
      },
      processElement() {},
    };
    const harness = new OperatorTestHarness<number, number>(operator);
    expect(() => harness.processElement(1)).toThrow(/open\(\) first/);
    harness.open();
    harness.processElement(1, 10);
    harness.processWatermark(10);
    expect(harness.output).toEqual([
      { kind: 'record', value: 2, timestamp: 10 },
      { kind: 'watermark', watermark: 10 },
    ]);
    expect(() => harness.restore({ keyed: undefined, timers: undefined, operator: undefined })).toThrow(/before open/);
  });

  it('takes the minimum watermark over two inputs', () => {
    const harness = new OperatorTestHarness(
      { processElement() {} },
      { keySelector: (v: string) => v, keySelector2: (v: string) => v.toUpperCase() },
    );
    harness.open();
    harness.processWatermark(10, 0);
    expect(harness.watermarks()).toEqual([]);
    harness.processWatermark(5, 1);
    expect(harness.watermarks()).toEqual([5]);
    harness.processWatermark(20, 1);
    expect(harness.watermarks()).toEqual([5, 10]);
    expect(() => harness.processWatermark(1, 2)).toThrow(RangeError);
  });

  it('routes processElement errors to dead letters when enabled', () => {
    const operator: StreamOperator = {
      processElement(value) {
        if (value === 'bad') throw new Error('cannot parse');
      },
    };
    const strict = new OperatorTestHarness<unknown, string>(operator);
    strict.open();
    expect(() => strict.processElement('bad')).toThrow('cannot parse');

    const lenient = new OperatorTestHarness<unknown, string>(operator, { deadLetters: true, name: 'parse' });
    lenient.open();
    lenient.processElement('bad', 7);
    lenient.processElement('good', 8);
    expect(lenient.sideOutput(DEAD_LETTER_TAG)).toMatchObject([{ record: 'bad', reason: 'cannot parse', operator: 'parse', timestamp: 7 }]);
    expect(lenient.metrics.deadLetters).toBe(1);
  });

  it('checks its options', () => {
    const op: StreamOperator = { processElement() {} };
    expect(() => new OperatorTestHarness(op, { parallelism: 2, subtaskIndex: 2 })).toThrow(/subtaskIndex/);
    expect(() => new OperatorTestHarness(op, { maxParallelism: 4, parallelism: 8 })).toThrow(/parallelism/);
  });
});

// The WindowedStream builder (api/WindowedStream.ts), end to end through the engine.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DataStream } from '../api/DataStream.js';
import type { AggregateFunction } from '../api/functions.js';
import { OutputTag } from '../api/OutputTag.js';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import { WindowedStream } from '../api/WindowedStream.js';
import { InvalidProgramError } from '../errors.js';
import { TestSource } from '../testing/TestSource.js';
import { runToCompletionWithTimestamps } from '../testing/runToCompletion.js';
import { WatermarkStrategy } from '../time/WatermarkStrategy.js';
import { EventTimeSessionWindows } from './assigners/EventTimeSessionWindows.js';
import { TumblingEventTimeWindows } from './assigners/TumblingEventTimeWindows.js';
import { CountEvictor } from './evictors/CountEvictor.js';
import type { ProcessWindowFunction } from './ProcessWindowFunction.js';
import { CountTrigger } from './triggers/CountTrigger.js';
import type { GlobalWindow, TimeWindow } from './windows.js';

interface View {
  readonly product: string;
  readonly n: number;
}
const view = (product: string, n: number, ts: number) => TestSource.record<View>({ product, n }, ts);

const count: AggregateFunction<View, number, number> = {
  createAccumulator: () => 0,
  add: (v, acc) => acc + v.n,
  getResult: (acc) => acc,
  merge: (a, b) => a + b,
};

function keyed(steps: Parameters<typeof TestSource.from<View>>[0]) {
  const env = StreamEnvironment.create({ parallelism: 1 });
  return env.fromSource(TestSource.from<View>(steps), WatermarkStrategy.noWatermarks<View>(), 'views').keyBy((v) => v.product);
}

describe('WindowedStream', () => {
  it('is immutable: every step returns a new stream', () => {
    const windows = keyed([TestSource.end()]).window(TumblingEventTimeWindows.of(10));
    const late = windows.allowedLateness(5);
    expect(late).not.toBe(windows);
    expect(late.trigger(CountTrigger.of(2))).not.toBe(late);
    expect(windows.evictor(CountEvictor.of(1))).not.toBe(windows);
    expect(windows.sideOutputLateData(new OutputTag<View>('late'))).not.toBe(windows);
  });

  it('checks its arguments', () => {
    const windows = keyed([TestSource.end()]).window(TumblingEventTimeWindows.of(10));
    expect(() => windows.allowedLateness(-1)).toThrow(new RangeError('allowedLateness must be >= 0 milliseconds, got -1'));
    const sessions = keyed([TestSource.end()]).window(EventTimeSessionWindows.withGap(10));
    const cannotMerge = { ...CountTrigger.of(2), canMerge: () => false, onElement: () => 'CONTINUE' as const, onEventTime: () => 'CONTINUE' as const, onProcessingTime: () => 'CONTINUE' as const, clear: () => {} };
    expect(() => sessions.trigger(cannotMerge)).toThrow(InvalidProgramError);
    expect(() => sessions.trigger(CountTrigger.of(2))).not.toThrow();
  });

  it('types keys, windows and results', () => {
    const k = keyed([TestSource.end()]);
    const w = k.window(TumblingEventTimeWindows.of(10));
    expectTypeOf(w).toEqualTypeOf<WindowedStream<string, View, TimeWindow>>();
    expectTypeOf(w.reduce((a, b) => ({ product: a.product, n: a.n + b.n }))).toEqualTypeOf<DataStream<View>>();
    expectTypeOf(w.aggregate(count)).toEqualTypeOf<DataStream<number>>();
    expectTypeOf(w.aggregate(count, (key, window, c) => ({ key, end: window.end, c }))).toEqualTypeOf<
      DataStream<{ key: string; end: number; c: number }>
    >();
    const pwf: ProcessWindowFunction<View, string, string, TimeWindow> = { process: (key, _ctx, _views, out) => out.collect(key) };
    expectTypeOf(w.process(pwf)).toEqualTypeOf<DataStream<string>>();
    expectTypeOf(k.countWindow(3)).toEqualTypeOf<WindowedStream<string, View, GlobalWindow>>();
  });

  it('runs windows with allowed lateness and a late-data side output in a job', async () => {
    const lateTag = new OutputTag<View>('late');
    const perWindow = keyed([
      view('a', 1, 1),
      view('b', 1, 2),
      view('a', 1, 9),
      TestSource.watermark(9),
      view('a', 10, 5), // late, within the allowed lateness: an update
      TestSource.watermark(14),
      view('a', 100, 3), // too late: side output
      view('a', 1000, 12),
      TestSource.end(),
    ])
      .window(TumblingEventTimeWindows.of(10))
      .allowedLateness(5)
      .sideOutputLateData(lateTag)
      .aggregate(count, (key, window, c) => `${key}[${window.start},${window.end})=${c}`);
    const late: View[] = [];
    perWindow.getSideOutput(lateTag).sinkTo((v) => void late.push(v));
    const out = await runToCompletionWithTimestamps(perWindow);
    expect(out.map((r) => [r.value, r.timestamp]).sort()).toEqual([
      ['a[0,10)=12', 9],
      ['a[0,10)=2', 9],
      ['a[10,20)=1000', 19],
      ['b[0,10)=1', 9],
    ]);
    expect(late).toEqual([{ product: 'a', n: 100 }]);
  });

  it('names the operator after the assigner, trigger, evictor and function', () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const k = env.fromSource(TestSource.from<View>([TestSource.end()]), WatermarkStrategy.noWatermarks<View>(), 'views').keyBy((v) => v.product);
    k.window(TumblingEventTimeWindows.of(60000)).reduce((a) => a).sinkTo(() => {});
    k.countWindow(5, 2).aggregate(count, (_k, _w, c) => c).sinkTo(() => {});
    const names = env.plan().vertices.map((v) => v.name);
    expect(names).toContain('Window(TumblingEventTimeWindows(60000), EventTimeTrigger, reduce)');
    expect(names).toContain('Window(GlobalWindows, CountTrigger(2), CountEvictor(5), aggregate+process)');
  });
});

// Type tests for the public API: element types flow through the builders,
// filter type guards narrow, keys are typed, half-built windows and joins
// cannot be executed. Checked by `tsc` (npm test type-checks this file) and
// run by vitest.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  OutputTag,
  StreamEnvironment,
  TumblingEventTimeWindows,
  EventTimeSessionWindows,
  TimeWindow,
  type DataStream,
  type KeyedStream,
  type WindowedStream,
  type DeadLetter,
  type JobHandle,
  type JobResult,
} from '@tributary/core';

interface Order {
  id: number;
  line: string;
  amount: number;
  status: 'paid' | 'open';
}
type Paid = Order & { status: 'paid' };

const env = StreamEnvironment.create();
const orders = env.fromCollection<Order>([]);

describe('public API types', () => {
  it('map, filter and flatMap carry element types; type guards narrow', () => {
    expectTypeOf(orders.map((o) => o.amount)).toEqualTypeOf<DataStream<number>>();
    expectTypeOf(orders.filter((o): o is Paid => o.status === 'paid')).toEqualTypeOf<DataStream<Paid>>();
    expectTypeOf(orders.filter((o) => o.amount > 0)).toEqualTypeOf<DataStream<Order>>();
    expectTypeOf(orders.flatMap<string>((o, out) => out.collect(o.line))).toEqualTypeOf<DataStream<string>>();
  });

  it('keyBy types the key; windows carry key, element and window types', () => {
    const keyed = orders.keyBy((o) => o.line);
    expectTypeOf(keyed).toEqualTypeOf<KeyedStream<string, Order>>();
    const windowed = keyed.window(TumblingEventTimeWindows.of(1000));
    expectTypeOf(windowed).toEqualTypeOf<WindowedStream<string, Order, TimeWindow>>();
    const totals = windowed.aggregate(
      { createAccumulator: () => 0, add: (o, acc) => acc + o.amount, getResult: (acc) => acc, merge: (a, b) => a + b },
      (key, window, total) => {
        expectTypeOf(key).toEqualTypeOf<string>();
        expectTypeOf(window).toEqualTypeOf<TimeWindow>();
        expectTypeOf(total).toEqualTypeOf<number>();
        return { key, total };
      },
    );
    expectTypeOf(totals).toEqualTypeOf<DataStream<{ key: string; total: number }>>();
    expectTypeOf(keyed.window(EventTimeSessionWindows.withGap(10)).reduce((a, b) => (a.amount > b.amount ? a : b))).toEqualTypeOf<
      DataStream<Order>
    >();
  });

  it('a half-built window cannot be executed', () => {
    const windowed = orders.keyBy((o) => o.id).window(TumblingEventTimeWindows.of(1000));
    // @ts-expect-error a WindowedStream has no sink: pick reduce/aggregate/process first
    expect(() => windowed.sinkTo(() => {})).toThrow();
  });

  it('side outputs and dead letters are typed', () => {
    const tag = new OutputTag<{ reason: string }>('rejected');
    const processed = orders.process<Order>({ processElement: (o, ctx, out) => (o.amount > 0 ? out.collect(o) : ctx.output(tag, { reason: 'amount' })) });
    expectTypeOf(processed.getSideOutput(tag)).toEqualTypeOf<DataStream<{ reason: string }>>();
    expectTypeOf(processed.deadLetters()).toEqualTypeOf<DataStream<DeadLetter>>();
  });

  it('execute returns an awaitable handle', () => {
    expectTypeOf(env.execute).returns.toEqualTypeOf<JobHandle>();
    expectTypeOf<Awaited<JobHandle>>().toEqualTypeOf<JobResult>();
    expectTypeOf(orders.executeAndCollect).returns.toEqualTypeOf<Promise<Order[]>>();
  });

  it('keyBy rejects non-key types', () => {
    // @ts-expect-error keys are strings, numbers, bigints or booleans
    orders.keyBy((o) => ({ id: o.id }));
  });
});

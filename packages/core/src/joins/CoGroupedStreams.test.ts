import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CountEvictor,
  DataStream,
  StreamEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type Collector,
  type TimeWindow,
} from '../index.js';
import { TestSource, runToCompletionWithTimestamps, type TestStep } from '../testing/index.js';
import { CoGroupEqualTo, CoGroupWhere, CoGroupWithWindow, type TaggedUnion } from './CoGroupedStreams.js';

interface Order {
  readonly id: string;
  readonly at: number;
}
interface Payment {
  readonly order: string;
  readonly amount: number;
  readonly at: number;
}

const order = (id: string, at: number): TestStep<Order> => TestSource.record({ id, at }, at);
const payment = (orderId: string, amount: number, at: number): TestStep<Payment> =>
  TestSource.record({ order: orderId, amount, at }, at);

function streams(env: StreamEnvironment, orders: TestStep<Order>[], payments: TestStep<Payment>[]): [DataStream<Order>, DataStream<Payment>] {
  return [
    env.fromSource(TestSource.from([...orders, TestSource.end()]), WatermarkStrategy.noWatermarks(), 'orders'),
    env.fromSource(TestSource.from([...payments, TestSource.end()]), WatermarkStrategy.noWatermarks(), 'payments'),
  ];
}

interface Paid {
  readonly id: string;
  readonly amounts: readonly number[];
}

/** A left outer join: every order, with the amounts paid for it in the same window. */
function leftOuter(orders: readonly Order[], payments: readonly Payment[], out: Collector<Paid>): void {
  for (const o of orders) out.collect({ id: o.id, amounts: payments.map((p) => p.amount) });
}

/** Orders coGrouped with their payments by order id, in 10 ms tumbling windows. */
function byOrderPer10ms(orders: DataStream<Order>, payments: DataStream<Payment>): CoGroupWithWindow<Order, Payment, string, TimeWindow> {
  return orders
    .coGroup(payments)
    .where((o) => o.id)
    .equalTo((p) => p.order)
    .window(TumblingEventTimeWindows.of(10));
}

const byTimeThenId = (a: { value: Paid; timestamp: number }, b: { value: Paid; timestamp: number }): number =>
  a.timestamp - b.timestamp || a.value.id.localeCompare(b.value.id);

describe('window coGroup', () => {
  it('expresses a left outer join: every left record, with its right matches or none', async () => {
    const env = StreamEnvironment.create();
    const [orders, payments] = streams(
      env,
      [order('a', 1), order('b', 2), TestSource.watermark(9), order('c', 12)],
      [payment('a', 5, 5), payment('a', 7, 7), TestSource.watermark(9), payment('c', 30, 25), payment('d', 1, 13)],
    );
    const paid = byOrderPer10ms(orders, payments).apply(leftOuter);
    const out = await runToCompletionWithTimestamps(paid);
    // c's payment falls in the next window and d has no order: neither appears
    expect(out.sort(byTimeThenId)).toEqual([
      { value: { id: 'a', amounts: [5, 7] }, timestamp: 9 },
      { value: { id: 'b', amounts: [] }, timestamp: 9 },
      { value: { id: 'c', amounts: [] }, timestamp: 19 },
    ]);
  });

  it('calls the function once per key and window with records on either side', async () => {
    const env = StreamEnvironment.create();
    const [orders, payments] = streams(env, [order('a', 1), order('a', 3), order('b', 11)], [payment('a', 1, 2), payment('c', 1, 4)]);
    const sizes = byOrderPer10ms(orders, payments).apply<string>((os, ps, out) =>
      out.collect(`${os[0]?.id ?? ps[0]?.order}:${os.length}/${ps.length}`),
    );
    const out = (await runToCompletionWithTimestamps(sizes)).map((r) => `${r.value}@${r.timestamp}`).sort();
    expect(out).toEqual(['a:2/1@9', 'b:1/0@19', 'c:0/1@9']);
  });

  it('applies an evictor to the tagged records of both sides', async () => {
    const env = StreamEnvironment.create({ parallelism: 1 });
    const [orders, payments] = streams(env, [order('a', 1), order('a', 2)], []);
    const counts = byOrderPer10ms(orders, payments)
      .evictor(CountEvictor.of(1))
      .apply<number>((os, _ps, out) => out.collect(os.length));
    expect((await runToCompletionWithTimestamps(counts)).map((r) => r.value)).toEqual([1]);
  });

  it('gives the same multiset of results at parallelism 1 and 3', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const orderSteps: TestStep<Order>[] = [];
    const paymentSteps: TestStep<Payment>[] = [];
    for (let t = 0; t < 50; t++) {
      if (t % 3 !== 0) orderSteps.push(order(ids[t % ids.length] as string, t));
      else paymentSteps.push(payment(ids[(t * 2) % ids.length] as string, t, t));
    }
    const run = async (parallelism: number): Promise<string[]> => {
      const env = StreamEnvironment.create({ parallelism });
      const [orders, payments] = streams(env, orderSteps, paymentSteps);
      const paid = byOrderPer10ms(orders, payments).apply(leftOuter);
      return (await runToCompletionWithTimestamps(paid)).map((r) => `${r.value.id}:${r.value.amounts.join(',')}@${r.timestamp}`).sort();
    };
    const one = await run(1);
    expect(one.length).toBe(33);
    expect(await run(3)).toEqual(one);
  });
});

describe('window coGroup builder', () => {
  const env = StreamEnvironment.create();
  const [orders, payments] = streams(env, [], []);

  it('checks each stage argument with a RangeError naming the constraint', () => {
    expect(() => orders.coGroup(payments).where(42 as never)).toThrow(
      new RangeError('cogroup where() needs a key selector function, got 42'),
    );
    const where = orders.coGroup(payments).where((o) => o.id);
    expect(() => where.equalTo(undefined as never)).toThrow(new RangeError('cogroup equalTo() needs a key selector function, got undefined'));
    const windowed = where.equalTo((p) => p.order).window(TumblingEventTimeWindows.of(10));
    expect(() => windowed.allowedLateness(Number.NaN)).toThrow(
      new RangeError('cogroup allowedLateness() needs an integer number of milliseconds >= 0, got NaN'),
    );
    expect(() => windowed.apply({} as never)).toThrow(
      new RangeError('cogroup apply() needs a function, got an object without the required methods'),
    );
    expect(() => where.equalTo((p) => p.order).window(undefined as never)).toThrow(
      new RangeError('cogroup window() needs a WindowAssigner (e.g. TumblingEventTimeWindows.of(60_000)), got undefined'),
    );
  });

  it('names the window operator after the coGroup and its assigner', () => {
    const stream = byOrderPer10ms(orders, payments).apply(leftOuter);
    expect(stream.transformation.name).toBe('CoGroup(TumblingEventTimeWindows(10))');
  });

  it('types: stages, key agreement and the result element type', () => {
    const where = orders.coGroup(payments).where((o) => o.at);
    expectTypeOf(where).toEqualTypeOf<CoGroupWhere<Order, Payment, number>>();
    // @ts-expect-error the right key must have the left key's type
    where.equalTo((p) => p.order);
    const equalTo = where.equalTo((p) => p.at);
    expectTypeOf(equalTo).toEqualTypeOf<CoGroupEqualTo<Order, Payment, number>>();
    // a coGroup cannot be applied before it has windows
    expectTypeOf(equalTo).not.toHaveProperty('apply');
    expect('apply' in equalTo).toBe(false);
    const windowed = equalTo.window(TumblingEventTimeWindows.of(10));
    expectTypeOf(windowed).toEqualTypeOf<CoGroupWithWindow<Order, Payment, number, TimeWindow>>();
    expectTypeOf(windowed.apply(leftOuter)).toEqualTypeOf<DataStream<Paid>>();
    expectTypeOf(windowed.apply<[string, number]>((os, ps, out) => out.collect([os[0]?.id ?? '', ps.length]))).toEqualTypeOf<
      DataStream<[string, number]>
    >();
    expectTypeOf<Parameters<typeof windowed.trigger>[0]['onElement']>().parameter(0).toEqualTypeOf<TaggedUnion<Order, Payment>>();
  });
});

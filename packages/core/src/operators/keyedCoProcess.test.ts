import { describe, expect, it } from 'vitest';
import type { Collector, KeyedCoProcessFunction, KeyedProcessContext, OnTimerContext, RuntimeContext } from '../api/functions.js';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import { ValueStateDescriptor } from '../state/descriptors.js';
import type { ValueState } from '../state/State.js';
import { runToCompletion, runToCompletionWithTimestamps } from '../testing/runToCompletion.js';
import { TestSource } from '../testing/TestSource.js';
import { WatermarkStrategy } from '../time/WatermarkStrategy.js';

interface Order {
  readonly id: string;
  readonly at: number;
}
interface Payment {
  readonly orderId: string;
  readonly at: number;
}
type Outcome = { readonly paid: string } | { readonly unpaid: string; readonly at: number };

/**
 * Decides 100 ms (event time) after each order whether it was paid by then.
 * Orders and payments share the key's state; the timer fires once both
 * inputs' watermarks pass it, so the outcome does not depend on how the
 * inputs interleave.
 */
class PaymentMatcher implements KeyedCoProcessFunction<string, Order, Payment, Outcome> {
  private order!: ValueState<Order>;
  private payment!: ValueState<Payment>;

  open(ctx: RuntimeContext): void {
    this.order = ctx.getState(new ValueStateDescriptor<Order>('order'));
    this.payment = ctx.getState(new ValueStateDescriptor<Payment>('payment'));
  }

  processElement1(order: Order, ctx: KeyedProcessContext<string>): void {
    expect(ctx.getCurrentKey()).toBe(order.id);
    this.order.update(order);
    ctx.timerService().registerEventTimeTimer(order.at + 100);
  }

  processElement2(payment: Payment, ctx: KeyedProcessContext<string>): void {
    expect(ctx.getCurrentKey()).toBe(payment.orderId);
    this.payment.update(payment);
  }

  onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<Outcome>): void {
    const payment = this.payment.value();
    out.collect(payment !== undefined && payment.at <= timestamp ? { paid: ctx.getCurrentKey() } : { unpaid: ctx.getCurrentKey(), at: timestamp });
    this.order.clear();
    this.payment.clear();
  }
}

function build(env: StreamEnvironment) {
  const strategy = <T extends { at: number }>() => WatermarkStrategy.forMonotonousTimestamps<T>().withTimestampAssigner((e) => e.at);
  const orders = env.fromSource(
    TestSource.from<Order>([
      TestSource.record({ id: 'o1', at: 0 }),
      TestSource.record({ id: 'o2', at: 10 }),
      TestSource.record({ id: 'o3', at: 20 }),
      TestSource.record({ id: 'o4', at: 300 }),
      TestSource.end(),
    ]),
    strategy<Order>(),
    'orders',
  );
  const payments = env.fromSource(
    TestSource.from<Payment>([
      TestSource.record({ orderId: 'o2', at: 50 }),
      TestSource.record({ orderId: 'o4', at: 305 }),
      TestSource.record({ orderId: 'o1', at: 310 }), // too late: o1 went unpaid at 100
      TestSource.end(),
    ]),
    strategy<Payment>(),
    'payments',
  );
  return { orders, payments };
}

describe('KeyedCoProcessOperator', () => {
  it.each([1, 3])('shares keyed state and timers across both inputs (parallelism %i)', async (parallelism) => {
    const env = StreamEnvironment.create({ parallelism });
    const { orders, payments } = build(env);
    const out = await runToCompletionWithTimestamps(
      orders
        .connect(payments)
        .keyBy(
          (o) => o.id,
          (p) => p.orderId,
        )
        .process(new PaymentMatcher()),
    );
    const key = (o: { value: Outcome; timestamp: number }) => JSON.stringify(o);
    expect(out.map(key).sort()).toEqual(
      [
        { value: { unpaid: 'o1', at: 100 }, timestamp: 100 },
        { value: { paid: 'o2' }, timestamp: 110 },
        { value: { unpaid: 'o3', at: 120 }, timestamp: 120 },
        { value: { paid: 'o4' }, timestamp: 400 },
      ]
        .map(key)
        .sort(),
    );
  });

  it('runs keyed when both connected streams are KeyedStreams', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const { orders, payments } = build(env);
    const out = await runToCompletion(
      orders
        .keyBy((o) => o.id)
        .connect(payments.keyBy((p) => p.orderId))
        .process<Outcome>(new PaymentMatcher()),
    );
    expect(out.filter((o) => 'paid' in o).map((o) => ('paid' in o ? o.paid : '')).sort()).toEqual(['o2', 'o4']);
  });
});

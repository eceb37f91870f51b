import { describe, expect, it } from 'vitest';
import type { CoProcessFunction } from '../api/functions.js';
import { OutputTag } from '../api/OutputTag.js';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import { runToCompletionWithTimestamps } from '../testing/runToCompletion.js';
import { TestSource } from '../testing/TestSource.js';
import { WatermarkStrategy } from '../time/WatermarkStrategy.js';

interface Order {
  readonly id: string;
  readonly amount: number;
}
interface Refund {
  readonly orderId: string;
  readonly amount: number;
}

function sources(env: StreamEnvironment) {
  const orders = env.fromSource(
    TestSource.from<Order>([TestSource.record({ id: 'a', amount: 10 }, 1_000), TestSource.record({ id: 'b', amount: 20 }, 2_000), TestSource.end()]),
    WatermarkStrategy.noWatermarks(),
    'orders',
  );
  const refunds = env.fromSource(
    TestSource.from<Refund>([TestSource.record({ orderId: 'a', amount: 5 }, 1_500), TestSource.end()]),
    WatermarkStrategy.noWatermarks(),
    'refunds',
  );
  return { orders, refunds };
}

describe('CoProcessOperator', () => {
  it('sends records of each input to its own method, keeping timestamps', async () => {
    const env = StreamEnvironment.create();
    const { orders, refunds } = sources(env);
    const big = new OutputTag<Order>('big');
    const fn: CoProcessFunction<Order, Refund, string> = {
      processElement1(order, ctx, out) {
        out.collect(`order ${order.id} +${order.amount} @${ctx.timestamp()}`);
        if (order.amount > 15) ctx.output(big, order);
      },
      processElement2(refund, ctx, out) {
        out.collect(`refund ${refund.orderId} -${refund.amount} @${ctx.timestamp()}`);
      },
    };
    const processed = orders.connect(refunds).process(fn);
    const bigOrders: Order[] = [];
    processed.getSideOutput(big).sinkTo((o) => {
      bigOrders.push(o);
    });
    const out = await runToCompletionWithTimestamps(processed);
    expect(out.map((r) => r.value).sort()).toEqual(['order a +10 @1000', 'order b +20 @2000', 'refund a -5 @1500']);
    expect(out.map((r) => r.timestamp).sort()).toEqual([1_000, 1_500, 2_000]);
    expect(bigOrders).toEqual([{ id: 'b', amount: 20 }]);
  });

  it('map and flatMap take one function per input', async () => {
    const env = StreamEnvironment.create({ parallelism: 2 });
    const { orders, refunds } = sources(env);
    const mapped = orders.connect(refunds).map(
      (o) => o.amount,
      (r) => -r.amount,
    );
    const flat = orders.connect(refunds).flatMap<string>(
      (o, out) => {
        out.collect(o.id);
        out.collect(o.id);
      },
      (r, out) => out.collect(r.orderId),
    );
    const [m, f] = await Promise.all([collect(mapped), collect(flat)]);
    expect(m.sort((a, b) => a - b)).toEqual([-5, 10, 20]);
    expect(f.sort()).toEqual(['a', 'a', 'a', 'b', 'b']);
  });

  it('rejects onTimer on non-keyed inputs', () => {
    const env = StreamEnvironment.create();
    const { orders, refunds } = sources(env);
    const fn = { processElement1() {}, processElement2() {}, onTimer() {} };
    expect(() => orders.connect(refunds).process(fn)).toThrow(/onTimer needs keyed inputs: call keyBy\(key1, key2\)/);
  });
});

async function collect<T>(stream: import('../api/DataStream.js').DataStream<T>): Promise<T[]> {
  const out: T[] = [];
  stream.sinkTo((v) => {
    out.push(v);
  });
  await stream.environment.execute();
  return out;
}

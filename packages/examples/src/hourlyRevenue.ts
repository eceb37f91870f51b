/**
 * An example job, run by `npm run example:hourly-revenue`: a keyed
 * tumbling-window aggregation over a generated, out-of-order stream of order
 * lines — revenue and units per product line per hour — printed as a table
 * with the throughput. `DEMO_ORDER_LINES=1000000` for a bigger run.
 */
import { StreamEnvironment, TumblingEventTimeWindows, WatermarkStrategy, type AggregateFunction } from '@tributary/core';
import { generateOrderLines, type OrderLine } from './orderLines.js';

interface Totals {
  revenue: number;
  units: number;
  orders: number;
}

const totals: AggregateFunction<OrderLine, Totals, Totals> = {
  createAccumulator: () => ({ revenue: 0, units: 0, orders: 0 }),
  add: (line, acc) => {
    acc.revenue += line.quantityOrdered * line.priceEach;
    acc.units += line.quantityOrdered;
    acc.orders += 1;
    return acc;
  },
  getResult: (acc) => acc,
  merge: (a, b) => ({ revenue: a.revenue + b.revenue, units: a.units + b.units, orders: a.orders + b.orders }),
};

const HOUR = 3_600_000;

async function main(): Promise<void> {
  const count = Number(process.env.DEMO_ORDER_LINES ?? 200_000);
  const lines = generateOrderLines({ count, seed: 42, hours: 6, maxDelayMs: 5 * 60_000 });
  const env = StreamEnvironment.create({ parallelism: 2 });

  const hourly = env
    .fromCollection(lines, 'order-lines')
    .assignTimestampsAndWatermarks(
      WatermarkStrategy.forBoundedOutOfOrderness<OrderLine>(5 * 60_000).withTimestampAssigner((line) => line.orderTime),
    )
    .keyBy((line) => line.productLine)
    .window(TumblingEventTimeWindows.of(HOUR))
    .aggregate(totals, (productLine, window, t) => ({ productLine, hourStart: window.start, ...t }))
    .name('revenue-per-line-per-hour');

  const started = Date.now();
  const results = await hourly.executeAndCollect('example: revenue per product line per hour');
  const seconds = (Date.now() - started) / 1000;

  results.sort((a, b) => a.hourStart - b.hourStart || a.productLine.localeCompare(b.productLine));
  console.log(`\nRevenue per product line per hour (${count.toLocaleString()} order lines, event time, 1-hour tumbling windows)\n`);
  console.log('hour (UTC)         product line         orders      units        revenue');
  for (const r of results) {
    const hour = new Date(r.hourStart).toISOString().slice(0, 16).replace('T', ' ');
    console.log(
      `${hour}   ${r.productLine.padEnd(18)} ${String(r.orders).padStart(8)} ${String(r.units).padStart(10)} ${r.revenue.toFixed(2).padStart(14)}`,
    );
  }
  const revenue = results.reduce((s, r) => s + r.revenue, 0);
  const expected = lines.reduce((s, l) => s + l.quantityOrdered * l.priceEach, 0);
  console.log(`\n${results.length} windows; total revenue ${revenue.toFixed(2)} (input total ${expected.toFixed(2)})`);
  console.log(`processed ${count.toLocaleString()} records in ${seconds.toFixed(2)} s (${Math.round(count / seconds).toLocaleString()} records/s)`);
  if (Math.abs(revenue - expected) > 1e-6 * Math.max(1, expected)) {
    console.error('revenue mismatch: some records were lost');
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

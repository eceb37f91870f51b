import { StreamEnvironment, WatermarkStrategy } from '@tributary/core';
import { TestClock, TestSource, type TestStep } from '@tributary/core/testing';
import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../retail/events.js';
import { salesDashboardDataflow, type QuarantinedOrder, type SalesDashboardDataflowOptions } from './dataflow.js';
import { HOUR, MINUTE, OrderFeed, T0, TEST_PRODUCT_LINES, latestByKey, order, waitUntil } from './fixtures.js';
import type { HourlySales, RegionHourlySales } from './salesMetrics.js';
import type { SpikeAlert } from './spikes.js';

const catalog = { kind: 'static', productLines: TEST_PRODUCT_LINES } as const;

interface Collected {
  hourly: HourlySales[];
  regionHourly: RegionHourlySales[];
  alerts: SpikeAlert[];
  quarantine: QuarantinedOrder[];
}

/** Wires the dataflow after `raw` and collects every output stream. */
function collect(env: StreamEnvironment, raw: Parameters<typeof salesDashboardDataflow>[0], options: Partial<SalesDashboardDataflowOptions> = {}) {
  const out: Collected = { hourly: [], regionHourly: [], alerts: [], quarantine: [] };
  const streams = salesDashboardDataflow(raw, { catalog, maxOutOfOrdernessMs: 0, ...options });
  streams.hourly.sinkTo((r) => void out.hourly.push(r));
  streams.regionHourly.sinkTo((r) => void out.regionHourly.push(r));
  streams.alerts.sinkTo((r) => void out.alerts.push(r));
  streams.quarantine.sinkTo((r) => void out.quarantine.push(r));
  return { out, stats: streams.stats };
}

async function runBatch(steps: readonly TestStep<unknown>[], options: Partial<SalesDashboardDataflowOptions> = {}) {
  const env = StreamEnvironment.create({ clock: new TestClock(T0) });
  const collected = collect(env, env.fromSource(TestSource.from(steps, { pollSize: 1 }), WatermarkStrategy.noWatermarks(), 'orders'), options);
  await env.execute('sales-dashboard-test');
  return collected;
}

const hourKey = (h: HourlySales): string => `${h.product_line}|${h.country}|${h.hour_start}`;

describe('the sales dashboard dataflow', () => {
  it('aggregates revenue, units, distinct orders and customers per product line × country × hour, dropping duplicate lines', async () => {
    const a = order({ order_number: 1, customer_number: 7, product_code: 'S10_1678', quantity_ordered: 3, price_each: 10.1, order_time: T0 + 5 * MINUTE });
    const b = order({ order_number: 1, customer_number: 7, product_code: 'S24_2000', quantity_ordered: 2, price_each: 0.35, order_time: T0 + 5 * MINUTE });
    const c = order({ order_number: 2, customer_number: 8, product_code: 'S10_1678', quantity_ordered: 1, price_each: 99.99, order_time: T0 + 50 * MINUTE });
    const { out, stats } = await runBatch([a, b, a, c, b].map((o) => TestSource.record<unknown>(o)).concat(TestSource.end()));
    const final = latestByKey(out.hourly, hourKey);
    expect([...final.values()].map(({ updated_at: _u, ...rest }) => rest)).toEqual([
      {
        product_line: 'Motorcycles',
        country: 'France',
        region: 'Europe',
        hour_start: T0,
        revenue_cents: 3 * 1010 + 2 * 35 + 9999,
        revenue: '130.99',
        units: 6,
        orders: 2,
        customers: 2,
        last_event_time: T0 + 50 * MINUTE,
        final: true,
      },
    ]);
    expect(stats.duplicates).toBe(2);
  });

  it('corrects the right hour for a late order within the allowed lateness, and quarantines one beyond it', async () => {
    const steps: TestStep<unknown>[] = [
      TestSource.record(order({ order_number: 10, quantity_ordered: 2, price_each: 5, order_time: T0 + 10 * MINUTE })),
      TestSource.record(order({ order_number: 11, quantity_ordered: 1, price_each: 5, order_time: T0 + HOUR + 10 * MINUTE })),
      TestSource.record(order({ order_number: 12, quantity_ordered: 1, price_each: 5, order_time: T0 + 2 * HOUR + 1 })),
      TestSource.watermark(0), // lets the generated watermark (T0 + 2h) through: hours 0 and 1 fire on time
      TestSource.record(order({ order_number: 13, quantity_ordered: 4, price_each: 5, order_time: T0 + 20 * MINUTE })), // late for hour 0, within lateness
      TestSource.record(order({ order_number: 14, quantity_ordered: 1, price_each: 5, order_time: T0 + 5 * HOUR })),
      TestSource.watermark(0), // watermark T0 + 5h: hour 0's lateness (3 h) is over
      TestSource.record(order({ order_number: 15, quantity_ordered: 9, price_each: 5, order_time: T0 + 30 * MINUTE })), // too late
      TestSource.end(),
    ];
    const { out, stats } = await runBatch(steps, { allowedLatenessMs: 3 * HOUR });
    const hour0 = out.hourly.filter((h) => h.hour_start === T0);
    expect(hour0.map((h) => [h.units, h.final])).toEqual([
      [2, true], // on time
      [6, true], // the late order's correction
    ]);
    expect(out.hourly.filter((h) => h.hour_start === T0 + HOUR).map((h) => h.units)).toEqual([1]);
    expect(out.quarantine.map((q) => q.reason_code)).toEqual(['too-late']);
    expect(out.quarantine[0]?.reason).toMatch(/later than the allowed lateness \(10800000 ms\)/);
    expect(JSON.parse(out.quarantine[0]?.record ?? '{}')).toMatchObject({ order_number: 15 });
    expect(stats.quarantined.get('too-late')).toBe(1);
  });

  it('quarantines bad order events with their reasons and counts them', async () => {
    const good = order({ order_number: 20 });
    const raw: unknown[] = [
      good,
      '{"order_number": 21, "customer_number": 1, "product_code"', // not JSON
      JSON.stringify(order({ order_number: 22, quantity_ordered: -3 })),
      order({ order_number: 23, product_code: 'NOPE_1' }),
      { ...order({ order_number: 24 }), country: '' },
      order({ order_number: 25, quantity_ordered: 0 }),
    ];
    const { out, stats } = await runBatch([...raw.map((r) => TestSource.record(r)), TestSource.end()]);
    expect(out.quarantine.map((q) => [q.reason_code, q.reason]).sort()).toEqual(
      [
        ['malformed-json', expect.stringContaining('order event is not JSON')],
        ['negative-quantity', 'quantity_ordered: must be > 0, got -3'],
        ['negative-quantity', 'quantity_ordered: must be > 0, got 0'],
        ['unknown-product', "product_code: unknown product 'NOPE_1'"],
        ['invalid-field', 'country: must be a non-empty string'],
      ].sort(),
    );
    expect(out.quarantine.find((q) => q.reason_code === 'unknown-product')?.operator).toContain('Known products only');
    expect(Object.fromEntries(stats.quarantined)).toEqual({ 'malformed-json': 1, 'negative-quantity': 2, 'unknown-product': 1, 'invalid-field': 1 });
    expect(latestByKey(out.hourly, hourKey).size).toBe(1);
  });

  it('fires early in processing time, once per interval and only when the hour changed', async () => {
    const clock = new TestClock(T0);
    const env = StreamEnvironment.create({ clock });
    const orders = new OrderFeed<unknown>();
    const { out } = collect(env, env.fromAsyncIterable(orders, 'orders'), { earlyFiringIntervalMs: MINUTE });
    const job = env.execute('early');
    try {
      orders.push(order({ order_number: 30, order_time: T0 + 1000 }));
      await new Promise((r) => setTimeout(r, 50));
      expect(out.hourly).toEqual([]);
      clock.advance(MINUTE);
      await waitUntil(() => out.hourly.length === 1, 5_000, 'the first early firing');
      clock.advance(5 * MINUTE); // nothing changed: no firing
      await new Promise((r) => setTimeout(r, 50));
      expect(out.hourly).toHaveLength(1);
      orders.push(order({ order_number: 31, order_time: T0 + 2000 }));
      await new Promise((r) => setTimeout(r, 50));
      clock.advance(MINUTE);
      await waitUntil(() => out.hourly.length === 2, 5_000, 'the second early firing');
      expect(out.hourly.map((h) => [h.units, h.final])).toEqual([
        [1, false],
        [2, false],
      ]);
    } finally {
      await job.cancel();
    }
  });
});

describe('demand spikes through the dataflow', () => {
  /** Orders of `units` units, one per 6 minutes, in each of `hours` hours from `start` for one group. */
  function flatHours(start: number, hours: number, perHour: number, fields: Partial<OrderEvent> = {}): OrderEvent[] {
    const out: OrderEvent[] = [];
    for (let h = 0; h < hours; h++) {
      for (let i = 0; i < perHour; i++) out.push(order({ ...fields, quantity_ordered: 1, order_time: start + h * HOUR + i * (HOUR / perHour) }));
    }
    return out;
  }

  it('raises no alert for a flat series', async () => {
    const steps = flatHours(T0, 8, 10).flatMap((o) => [TestSource.record<unknown>(o), TestSource.watermark(0)]);
    const { out } = await runBatch([...steps, TestSource.end()], { spikes: { minBaselineHours: 2 } });
    expect(out.regionHourly.length).toBeGreaterThan(0);
    expect(out.alerts).toEqual([]);
  });

  it('raises an alert with its numbers within one early-firing interval of a regional spike', { timeout: 30_000 }, async () => {
    const clock = new TestClock(T0 + 6 * HOUR);
    const env = StreamEnvironment.create({ clock });
    const orders = new OrderFeed<unknown>();
    const { out } = collect(env, env.fromAsyncIterable(orders, 'orders'), { earlyFiringIntervalMs: MINUTE, spikes: { minBaselineHours: 3 } });
    const job = env.execute('spike');
    try {
      // Six hours of 10 Motorcycles a hour in Europe (history), then the watermark moves into hour 6.
      for (const o of flatHours(T0, 6, 10)) orders.push(o);
      orders.push(order({ product_code: 'S10_1949', country: 'Japan', order_time: T0 + 6 * HOUR })); // another group moves the watermark on
      clock.advance(MINUTE);
      await waitUntil(() => out.regionHourly.some((r) => r.hour_start === T0 + 5 * HOUR && r.product_line === 'Motorcycles'), 5_000, 'the history');
      expect(out.alerts).toEqual([]);
      // The spike: 40 units in Germany and France in the first minutes of hour 6.
      for (let i = 0; i < 20; i++) {
        orders.push(order({ country: i % 2 === 0 ? 'Germany' : 'France', quantity_ordered: 2, order_time: T0 + 6 * HOUR + i * 5_000 }));
      }
      await new Promise((r) => setTimeout(r, 50));
      expect(out.alerts).toEqual([]); // not before the next early firing
      clock.advance(MINUTE);
      await waitUntil(() => out.alerts.length > 0, 5_000, 'the alert');
      expect(out.alerts).toHaveLength(1);
      expect(out.alerts[0]).toMatchObject({
        alert_id: `Motorcycles|Europe|${T0 + 6 * HOUR}`,
        product_line: 'Motorcycles',
        region: 'Europe',
        hour_start: T0 + 6 * HOUR,
        metric: 'units',
        observed: 40,
        baseline_mean: 10,
        baseline_stddev: 0,
        baseline_hours: 6,
        baseline_per_order: 1,
        detected_at: T0 + 6 * HOUR + 2 * MINUTE,
      });
      expect(out.alerts[0]?.expected).toBeCloseTo(10 / 12, 6);
      // σ = 0: the spread is the counting noise of the expected orders alone, √(k·e).
      expect(out.alerts[0]?.z_score).toBeCloseTo((40 - 10 / 12) / Math.sqrt(10 / 12), 6);
      // More spike orders later: still one alert for the hour.
      orders.push(order({ quantity_ordered: 5, order_time: T0 + 6 * HOUR + 3 * MINUTE }));
      await new Promise((r) => setTimeout(r, 50));
      clock.advance(MINUTE);
      await waitUntil(() => out.regionHourly.filter((r) => r.hour_start === T0 + 6 * HOUR && r.region === 'Europe').length >= 2, 5_000, 'the next firing');
      expect(out.alerts).toHaveLength(1);
    } finally {
      await job.cancel();
    }
  });
});

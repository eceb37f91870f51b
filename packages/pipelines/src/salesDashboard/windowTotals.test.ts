/**
 * Property: the dashboard's hourly totals (the last upsert per product line
 * × country × hour) equal an SQL GROUP BY over the same order lines — for
 * any lines, delivered out of order and with duplicates. The oracle is
 * PostgreSQL (PGlite, through the local stack), independent of the engine.
 */
import fc from 'fast-check';
import { StreamEnvironment, WatermarkStrategy } from '@tributary/core';
import { TestClock, TestSource } from '@tributary/core/testing';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { openSqlClient, type SqlClient } from '@tributary/connectors/rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../retail/events.js';
import { salesDashboardDataflow } from './dataflow.js';
import { T0, TEST_PRODUCT_LINES, latestByKey, orderLinesArbitrary, withDuplicatesAndDisorder } from './fixtures.js';
import { decimalToCents } from '../retail/orders.js';
import { regionResolver } from './regions.js';
import type { HourlySales } from './salesMetrics.js';

let stack: LocalStack;
let sql: SqlClient;

beforeAll(async () => {
  stack = await startLocalStack({ kinesis: false, s3: false, firehose: false });
  sql = openSqlClient({ dialect: 'postgres', connection: { connectionString: stack.endpoints.postgres } });
  await sql.query('CREATE TABLE prop_products (product_code VARCHAR(15) PRIMARY KEY, product_line VARCHAR(50) NOT NULL)');
  await sql.query(
    `INSERT INTO prop_products VALUES ${[...TEST_PRODUCT_LINES.keys()].map((_, i) => `($${2 * i + 1}, $${2 * i + 2})`).join(', ')}`,
    [...TEST_PRODUCT_LINES].flat(),
  );
  await sql.query(
    'CREATE TABLE prop_lines (order_number INT, product_code VARCHAR(15), customer_number INT, quantity INT, price_each DECIMAL(10,2), country VARCHAR(50), order_time BIGINT, PRIMARY KEY (order_number, product_code))',
  );
}, 120_000);

afterAll(async () => {
  await sql?.close();
  await stack?.stop();
});

/** The oracle: one GROUP BY over the distinct lines. */
async function groupBy(lines: readonly OrderEvent[]): Promise<Map<string, Omit<HourlySales, 'revenue' | 'updated_at' | 'final'>>> {
  await sql.query('DELETE FROM prop_lines');
  for (let i = 0; i < lines.length; i += 100) {
    const chunk = lines.slice(i, i + 100);
    await sql.query(
      `INSERT INTO prop_lines VALUES ${chunk.map((_, r) => `(${Array.from({ length: 7 }, (_x, c) => `$${r * 7 + c + 1}`).join(', ')})`).join(', ')}`,
      chunk.flatMap((o) => [o.order_number, o.product_code, o.customer_number, o.quantity_ordered, o.price_each.toFixed(2), o.country, o.order_time]),
    );
  }
  const rows = await sql.query(
    `SELECT p.product_line, l.country, (l.order_time / 3600000) * 3600000 AS hour_start,
            SUM(l.quantity * l.price_each) AS revenue, SUM(l.quantity) AS units,
            COUNT(DISTINCT l.order_number) AS orders, COUNT(DISTINCT l.customer_number) AS customers, MAX(l.order_time) AS last_event_time
       FROM prop_lines l JOIN prop_products p ON p.product_code = l.product_code
      GROUP BY 1, 2, 3`,
  );
  const regionOf = regionResolver();
  return new Map(
    rows.map((r) => {
      const row = {
        product_line: String(r['product_line']),
        country: String(r['country']),
        region: regionOf(String(r['country'])),
        hour_start: Number(r['hour_start']),
        revenue_cents: decimalToCents(r['revenue']),
        units: Number(r['units']),
        orders: Number(r['orders']),
        customers: Number(r['customers']),
        last_event_time: Number(r['last_event_time']),
      };
      return [`${row.product_line}|${row.country}|${row.hour_start}`, row];
    }),
  );
}

async function dashboardTotals(stream: readonly OrderEvent[]): Promise<Map<string, Omit<HourlySales, 'revenue' | 'updated_at' | 'final'>>> {
  const env = StreamEnvironment.create({ clock: new TestClock(T0), parallelism: 2 });
  const hourly: HourlySales[] = [];
  const raw = env.fromSource(TestSource.from([...stream.map((o) => TestSource.record<unknown>(o)), TestSource.end()], { pollSize: 7 }), WatermarkStrategy.noWatermarks(), 'orders');
  salesDashboardDataflow(raw, { catalog: { kind: 'static', productLines: TEST_PRODUCT_LINES }, maxOutOfOrdernessMs: 30 * 60_000 }).hourly.sinkTo((h) => void hourly.push(h));
  await env.execute('window-totals');
  const latest = latestByKey(hourly, (h) => `${h.product_line}|${h.country}|${h.hour_start}`);
  return new Map([...latest].map(([k, { revenue: _r, updated_at: _u, final: _f, ...rest }]) => [k, rest]));
}

describe('window totals', () => {
  it('equal an SQL GROUP BY over the same orders, whatever the order and duplicates', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        orderLinesArbitrary().chain((lines) => withDuplicatesAndDisorder(lines).map((stream) => ({ lines, stream }))),
        async ({ lines, stream }) => {
          expect(await dashboardTotals(stream)).toEqual(await groupBy(lines));
        },
      ),
      { seed: Number(process.env['FC_SEED'] ?? 20261123), numRuns: Number(process.env['FC_RUNS'] ?? 30), endOnFailure: true },
    );
  });
});

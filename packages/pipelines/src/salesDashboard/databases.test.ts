/**
 * The dashboard against the dev machine's PostgreSQL and MariaDB servers:
 * the replica query in each dialect, the product lookup, the tables created
 * and upserted — the dashboard table's totals per product line × country
 * equal an SQL GROUP BY over the source tables, and a late order (an hour
 * already final) corrects its hour. Skipped when a server is down, failing
 * instead with REQUIRE_SERVICES=1 (PGlite runs in salesDashboard.e2e.test.ts).
 */
import { StreamEnvironment } from '@tributary/core';
import { openSqlClient, type RdsConnectionOptions, type SqlClient } from '@tributary/connectors/rds';
import { describe, expect, it } from 'vitest';
import { createTableSql, quoteIdentifier } from '../retail/tables.js';
import { alertsTable, ensureDashboardTables } from './tables.js';
import { HOUR, createRetailFixture, shouldRunAgainst, waitUntil } from './fixtures.js';
import { decimalToCents } from '../retail/orders.js';
import { buildSalesDashboard } from './salesDashboard.js';

const SERVERS: ReadonlyArray<{ readonly name: string; readonly port: number; readonly options: RdsConnectionOptions }> = [
  { name: 'PostgreSQL', port: 5432, options: { dialect: 'postgres', connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } } },
  { name: 'MariaDB', port: 3306, options: { dialect: 'mysql', connection: { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' } } },
];

type Totals = Map<string, readonly [number, number, number]>;

async function sourceTotals(sql: SqlClient, t: { orderDetails: string; orders: string; customers: string; products: string }): Promise<Totals> {
  const q = (n: string): string => quoteIdentifier(n, sql.dialect.name);
  const rows = await sql.query(
    `SELECT p.${q('productLine')} AS line, c.${q('country')} AS country, SUM(d.${q('quantityOrdered')} * d.${q('priceEach')}) AS revenue,
            SUM(d.${q('quantityOrdered')}) AS units, COUNT(DISTINCT d.${q('orderNumber')}) AS orders
       FROM ${q(t.orderDetails)} d JOIN ${q(t.orders)} o ON o.${q('orderNumber')} = d.${q('orderNumber')}
       JOIN ${q(t.customers)} c ON c.${q('customerNumber')} = o.${q('customerNumber')}
       JOIN ${q(t.products)} p ON p.${q('productCode')} = d.${q('productCode')}
      GROUP BY p.${q('productLine')}, c.${q('country')}`,
  );
  return new Map(rows.map((r) => [`${String(r['line'])}|${String(r['country'])}`, [decimalToCents(r['revenue']), Number(r['units']), Number(r['orders'])] as const]));
}

async function dashboardTotals(sql: SqlClient, hourly: string): Promise<Totals> {
  const q = (n: string): string => quoteIdentifier(n, sql.dialect.name);
  const rows = await sql.query(`SELECT product_line, country, SUM(revenue) AS revenue, SUM(units) AS units, SUM(orders) AS orders FROM ${q(hourly)} GROUP BY product_line, country`);
  return new Map(rows.map((r) => [`${String(r['product_line'])}|${String(r['country'])}`, [decimalToCents(r['revenue']), Number(r['units']), Number(r['orders'])] as const]));
}

describe.each(SERVERS)('the sales dashboard on $name', ({ port, options }) => {
  it('upserts totals equal to an SQL GROUP BY over the replica, and corrects an hour for a late order', { timeout: 90_000 }, async (ctx) => {
    if (!(await shouldRunAgainst(port))) {
      ctx.skip(`no server on 127.0.0.1:${port} (set REQUIRE_SERVICES=1 to make this a failure)`);
      return;
    }
    const sql = openSqlClient(options);
    const fixture = await createRetailFixture(sql, 'sd');
    const now = Date.now();
    const hourOf = (t: number): number => t - (t % HOUR);
    try {
      await fixture.placeOrder(1, [['S10_1678', 3, 95.7], ['S10_1949', 1, 214.3]], now - 3 * HOUR);
      await fixture.placeOrder(3, [['S18_1749', 2, 120.05]], now - 2 * HOUR);
      await fixture.placeOrder(4, [['S700_1691', 5, 33.33]], now);
      const env = StreamEnvironment.create();
      const dashboard = buildSalesDashboard(env, {
        database: options,
        sources: { database: { pollIntervalMs: 100, tables: fixture.tables } },
        productsTable: fixture.tables.products,
        tables: fixture.tables,
        earlyFiringIntervalMs: 200,
        maxOutOfOrdernessMs: 0,
        maxBufferDelayMs: 100,
      });
      const running = await dashboard.start();
      const job = env.execute('sales-dashboard-db');
      try {
        await waitUntil(async () => JSON.stringify([...(await dashboardTotals(sql, fixture.tables.hourly))].sort()) === JSON.stringify([...(await sourceTotals(sql, fixture.tables))].sort()), 30_000, 'the table to match the GROUP BY');
        // A late order for the hour three hours ago (final already: the watermark is past it), within the day of lateness.
        await fixture.placeOrder(2, [['S10_1678', 7, 10]], now - 3 * HOUR + 1);
        const q = (n: string): string => quoteIdentifier(n, sql.dialect.name);
        await waitUntil(
          async () => {
            const rows = await sql.query(`SELECT units FROM ${q(fixture.tables.hourly)} WHERE product_line = 'Motorcycles' AND country = 'Germany' AND hour_start = ${hourOf(now - 3 * HOUR + 1)}`);
            return Number(rows[0]?.['units'] ?? 0) === 7;
          },
          30_000,
          'the late correction',
        );
        expect(await dashboardTotals(sql, fixture.tables.hourly)).toEqual(await sourceTotals(sql, fixture.tables));
      } finally {
        await job.cancel();
        await running.close();
      }
    } finally {
      await fixture.drop();
      await sql.close();
    }
  });

  it('adds the columns an alerts table created by an earlier version lacks, keeping its rows', async (ctx) => {
    if (!(await shouldRunAgainst(port))) {
      ctx.skip(`no server on 127.0.0.1:${port} (set REQUIRE_SERVICES=1 to make this a failure)`);
      return;
    }
    const sql = openSqlClient(options);
    const name = `sd_alerts_legacy_${process.pid}`;
    const q = (n: string): string => quoteIdentifier(n, sql.dialect.name);
    const current = alertsTable(name);
    const legacy = { ...current, columns: current.columns.filter((c) => c.name !== 'baseline_per_order') };
    try {
      await sql.query(`DROP TABLE IF EXISTS ${q(name)}`);
      await sql.query(createTableSql(legacy, sql.dialect.name));
      const columns = legacy.columns.map((c) => c.name);
      const values = [ 'Motorcycles', 'EMEA', 0, 'revenue', '10.00', '1.00', '1.00', '0.50', 24, '18.00', '10.00', '0.5000', 0, 0];
      await sql.query(`INSERT INTO ${q(name)} (${columns.map(q).join(', ')}) VALUES (${columns.map((_, i) => sql.dialect.placeholder(i + 1)).join(', ')})`, values);
      await ensureDashboardTables(sql, { alerts: name, hourly: `sd_hourly_legacy_${process.pid}` });
      await ensureDashboardTables(sql, { alerts: name, hourly: `sd_hourly_legacy_${process.pid}` }); // idempotent
      expect((await sql.dialect.describeTable(sql, name)).map((c) => c.name)).toEqual(current.columns.map((c) => c.name));
      const rows = await sql.query(`SELECT ${q('metric')}, ${q('baseline_per_order')} FROM ${q(name)}`);
      expect(rows).toEqual([{ metric: 'revenue', baseline_per_order: null }]);
    } finally {
      await sql.query(`DROP TABLE IF EXISTS ${q(name)}`);
      await sql.query(`DROP TABLE IF EXISTS ${q(`sd_hourly_legacy_${process.pid}`)}`);
      await sql.close();
    }
  });
});

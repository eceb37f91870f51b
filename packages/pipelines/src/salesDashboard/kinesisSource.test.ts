/**
 * The Kinesis order stream as the dashboard's source, on the local stack
 * (kinesalite): `OrderEvent` JSON as the platform simulator writes it (and
 * a malformed record) → the dashboard table, the bad record quarantined.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { StreamEnvironment, silentLogger } from '@tributary/core';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { openSqlClient, type RdsConnectionOptions, type SqlClient } from '@tributary/connectors/rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quoteIdentifier } from '../retail/tables.js';
import { createRetailFixture, order, waitUntil, type RetailFixture } from './fixtures.js';
import { buildSalesDashboard } from './salesDashboard.js';

let stack: LocalStack;
let sql: SqlClient;
let database: RdsConnectionOptions;
let fixture: RetailFixture;

beforeAll(async () => {
  stack = await startLocalStack({ s3: false, firehose: false });
  await stack.createStream('order-events', 2);
  database = { dialect: 'postgres', connection: { connectionString: stack.endpoints.postgres } };
  sql = openSqlClient(database);
  fixture = await createRetailFixture(sql, 'kin');
}, 120_000);

afterAll(async () => {
  await sql?.close();
  await stack?.stop();
});

describe('the sales dashboard on the Kinesis order stream', () => {
  it('aggregates the order events and quarantines a malformed one', { timeout: 60_000 }, async () => {
    const now = Date.now();
    const events = [
      order({ order_number: 1, customer_number: 1, product_code: 'S10_1678', quantity_ordered: 2, price_each: 10.5, country: 'France', order_time: now }),
      order({ order_number: 1, customer_number: 1, product_code: 'S10_1949', quantity_ordered: 1, price_each: 99, country: 'France', order_time: now }),
      order({ order_number: 2, customer_number: 3, product_code: 'S10_1678', quantity_ordered: 5, price_each: 1, country: 'USA', order_time: now }),
    ];
    await stack.clients.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'order-events',
        Records: [...events.map((e) => JSON.stringify(e)), '{"order_number": 3,'].map((data, i) => ({ Data: Buffer.from(data), PartitionKey: String(i) })),
      }),
    );
    const env = StreamEnvironment.create({ logger: silentLogger });
    const dashboard = buildSalesDashboard(env, {
      database,
      sources: { kinesis: { stream: 'order-events', clientConfig: stack.clientConfig('kinesis') } },
      productsTable: fixture.tables.products,
      tables: fixture.tables,
      earlyFiringIntervalMs: 200,
      maxBufferDelayMs: 100,
    });
    const running = await dashboard.start();
    const job = env.execute('sales-dashboard-kinesis');
    const q = (n: string): string => quoteIdentifier(n, 'postgres');
    try {
      const units = async (): Promise<number> => Number((await sql.query(`SELECT SUM(units) AS units FROM ${q(fixture.tables.hourly)}`))[0]?.['units'] ?? 0);
      await waitUntil(async () => (await units()) === 8, 30_000, 'the orders in the table');
      const rows = await sql.query(`SELECT product_line, country, revenue, units, orders FROM ${q(fixture.tables.hourly)} ORDER BY product_line, country`);
      expect(rows.map((r) => [r['product_line'], r['country'], String(r['revenue']), Number(r['units']), Number(r['orders'])])).toEqual([
        ['Classic Cars', 'France', '99.00', 1, 1],
        ['Motorcycles', 'France', '21.00', 2, 1],
        ['Motorcycles', 'USA', '5.00', 5, 1],
      ]);
      await waitUntil(() => dashboard.stats.quarantined.get('malformed-json') === 1, 10_000, 'the quarantine');
    } finally {
      await job.cancel();
      await running.close();
    }
  });
});

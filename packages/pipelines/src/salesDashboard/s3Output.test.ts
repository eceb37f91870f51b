/**
 * The dashboard's S3 outputs on the local stack: Parquet of the on-time
 * hours under `dt=YYYY-MM-DD/hour=HH/`, read back with the connectors'
 * Parquet reader, and quarantined events as JSON Lines with their reasons.
 * A bounded input (any `DataStream` may replace the sources) ends the job,
 * whose final checkpoint commits the files.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { jsonLinesReader, parquetReader } from '@tributary/connectors/formats';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { openSqlClient, type RdsConnectionOptions, type SqlClient } from '@tributary/connectors/rds';
import { s3Source } from '@tributary/connectors/s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE, T0, createRetailFixture, order, type RetailFixture } from './fixtures.js';
import { buildSalesDashboard } from './salesDashboard.js';

const BUCKET = 'sales-lake';
let stack: LocalStack;
let sql: SqlClient;
let database: RdsConnectionOptions;
let fixture: RetailFixture;

beforeAll(async () => {
  stack = await startLocalStack({ kinesis: false, firehose: false });
  await stack.createBucket(BUCKET);
  database = { dialect: 'postgres', connection: { connectionString: stack.endpoints.postgres } };
  sql = openSqlClient(database);
  fixture = await createRetailFixture(sql, 's3out');
}, 120_000);

afterAll(async () => {
  await sql?.close();
  await stack?.stop();
});

describe('the sales dashboard on S3', () => {
  it('writes the hours as Parquet partitioned dt=/hour= and the quarantine as JSON Lines', { timeout: 90_000 }, async () => {
    const events: unknown[] = [
      order({ order_number: 1, product_code: 'S10_1678', quantity_ordered: 2, price_each: 10.5, country: 'France', order_time: T0 + 5 * MINUTE }),
      order({ order_number: 2, product_code: 'S10_1678', quantity_ordered: 1, price_each: 3, country: 'France', order_time: T0 + 55 * MINUTE }),
      order({ order_number: 3, product_code: 'S700_1691', quantity_ordered: 4, price_each: 100, country: 'Japan', order_time: T0 + HOUR + 1 }),
      order({ order_number: 4, product_code: 'S10_1678', quantity_ordered: -1, country: 'France', order_time: T0 + 2 * MINUTE }),
    ];
    const env = StreamEnvironment.create({ logger: silentLogger });
    const clientConfig = stack.clientConfig('s3');
    const dashboard = buildSalesDashboard(env, {
      database,
      sources: { stream: (e) => e.fromCollection(events, 'orders') },
      productsTable: fixture.tables.products,
      tables: fixture.tables,
      output: { bucket: BUCKET, prefix: 'sales/hourly/', quarantinePrefix: 'sales/quarantine/', clientConfig },
    });
    const running = await dashboard.start();
    try {
      await env.execute('sales-dashboard-s3');
    } finally {
      await running.close();
    }

    const listed = await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'sales/' }));
    const keys = (listed.Contents ?? []).map((o) => o.Key ?? '');
    expect(keys.filter((k) => k.startsWith('sales/hourly/')).map((k) => k.split('/').slice(2, 4).join('/')).sort()).toEqual(['dt=2026-11-23/hour=00', 'dt=2026-11-23/hour=01']);

    const read = StreamEnvironment.create({ logger: silentLogger });
    const rows = await read
      .fromSource(s3Source({ bucket: BUCKET, prefix: 'sales/hourly/', format: parquetReader(), clientConfig }), WatermarkStrategy.noWatermarks(), 'parquet')
      .executeAndCollect();
    const byKey = new Map(rows.map((r) => [`${String(r['product_line'])}|${String(r['country'])}|${(r['hour_start'] as Date).getTime()}`, r]));
    expect(byKey.size).toBe(2);
    expect(byKey.get(`Motorcycles|France|${T0}`)).toMatchObject({ region: 'Europe', revenue: 24, revenue_cents: 2400n, units: 3n, orders: 2n, customers: 1n });
    expect(byKey.get(`Planes|Japan|${T0 + HOUR}`)).toMatchObject({ region: 'APAC', revenue: 400, units: 4n });

    const quarantine = await StreamEnvironment.create({ logger: silentLogger })
      .fromSource(s3Source({ bucket: BUCKET, prefix: 'sales/quarantine/', format: jsonLinesReader(), clientConfig }), WatermarkStrategy.noWatermarks(), 'quarantine')
      .executeAndCollect();
    expect(quarantine).toEqual([expect.objectContaining({ reason_code: 'negative-quantity', reason: 'quantity_ordered: must be > 0, got -1' })]);
    expect(dashboard.stats.quarantined.get('negative-quantity')).toBe(1);
  });
});

/**
 * Where the dashboard's alerts go, end to end on the local stack: a spike
 * in a bounded stream of orders raises one alert, which lands in the alerts
 * table (what the page lists), on the Kinesis alert stream (kinesalite), in
 * the Firehose delivery stream's S3 bucket (the local Firehose → s3rver),
 * and at a webhook (a local HTTP server that fails the first POST with a
 * 503) — the same JSON with the same numbers everywhere.
 *
 * Processing time stands still (a `TestClock`), so there are no early
 * firings: the end of the input fires every hour on time and the alert is
 * judged on the whole hour, whatever the speed of the machine.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { StreamEnvironment, silentLogger } from '@tributary/core';
import { TestClock } from '@tributary/core/testing';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { openSqlClient, type RdsConnectionOptions, type SqlClient } from '@tributary/connectors/rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderEvent } from '../retail/events.js';
import { HOUR, T0, createRetailFixture, order, type RetailFixture } from './fixtures.js';
import { buildSalesDashboard } from './salesDashboard.js';
import type { SpikeAlert } from './spikes.js';

const BUCKET = 'alerts-lake';
const ALERT_STREAM = 'sales-alerts';
const DELIVERY_STREAM = 'sales-alerts-to-s3';

let stack: LocalStack;
let sql: SqlClient;
let database: RdsConnectionOptions;
let fixture: RetailFixture;
let hook: Server;
let hookUrl: string;
const posts: Array<{ headers: IncomingHttpHeaders; body: string; status: number }> = [];

beforeAll(async () => {
  stack = await startLocalStack();
  await stack.createStream(ALERT_STREAM, 1);
  await stack.createBucket(BUCKET);
  await stack.createDeliveryStream(DELIVERY_STREAM, { bucket: BUCKET, prefix: 'alerts/', bufferingHints: { intervalInSeconds: 0 } });
  database = { dialect: 'postgres', connection: { connectionString: stack.endpoints.postgres } };
  sql = openSqlClient(database);
  fixture = await createRetailFixture(sql, 'alerts');
  hook = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const status = posts.length === 0 ? 503 : 200; // the first attempt fails: the sink retries it
      posts.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/sales`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((resolve) => (hook ? hook.close(() => resolve()) : resolve()));
  await sql?.close();
  await stack?.stop();
});

/** Six hours of 10 Motorcycles a hour in France, then 40 in the seventh: a spike of Motorcycles in Europe. */
function ordersWithSpike(): OrderEvent[] {
  const out: OrderEvent[] = [];
  for (let h = 0; h < 6; h++) for (let i = 0; i < 10; i++) out.push(order({ quantity_ordered: 1, order_time: T0 + h * HOUR + i * 6 * 60_000 }));
  for (let i = 0; i < 20; i++) out.push(order({ country: i % 2 === 0 ? 'Germany' : 'France', quantity_ordered: 2, order_time: T0 + 6 * HOUR + i * 60_000 }));
  return out;
}

async function kinesisRecords(): Promise<string[]> {
  const kinesis = stack.clients.kinesis;
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: ALERT_STREAM }));
  const texts: string[] = [];
  for (const shard of shards.Shards ?? []) {
    const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: ALERT_STREAM, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    for (const r of got.Records ?? []) texts.push(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8'));
  }
  return texts;
}

async function firehoseLines(): Promise<string[]> {
  await stack.firehose.flush(DELIVERY_STREAM);
  const listed = await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'alerts/' }));
  const lines: string[] = [];
  for (const o of listed.Contents ?? []) {
    const got = await stack.clients.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key }));
    lines.push(...(await (got.Body as { transformToString(): Promise<string> }).transformToString()).split('\n').filter((l) => l !== ''));
  }
  return lines;
}

describe('the sales dashboard alert sinks', () => {
  it('delivers an alert as JSON with its numbers to the alerts table, Kinesis, Firehose → S3 and a webhook', { timeout: 90_000 }, async () => {
    const orders = ordersWithSpike();
    const env = StreamEnvironment.create({ clock: new TestClock(T0 + 7 * HOUR), logger: silentLogger });
    const dashboard = buildSalesDashboard(env, {
      database,
      sources: { stream: (e) => e.fromCollection<unknown>(orders, 'orders') },
      productsTable: fixture.tables.products,
      tables: fixture.tables,
      maxBufferDelayMs: 100,
      alerts: {
        kinesis: { stream: ALERT_STREAM, clientConfig: stack.clientConfig('kinesis') },
        firehose: { deliveryStreamName: DELIVERY_STREAM, clientConfig: stack.clientConfig('firehose') },
        webhook: { url: hookUrl, headers: { authorization: 'Bearer hook-token' }, retry: { initialBackoffMs: 10 } },
      },
    });
    const running = await dashboard.start();
    let view: Awaited<ReturnType<typeof dashboard.view>>;
    try {
      await env.execute('sales-dashboard-alerts');
      view = await dashboard.view();
    } finally {
      await running.close();
    }

    // The numbers: 40 units in the hour against 10 a hour, σ = 0, one unit per order: e = 10, s = √10.
    const expected = {
      alert_id: `Motorcycles|Europe|${T0 + 6 * HOUR}`,
      product_line: 'Motorcycles',
      region: 'Europe',
      hour_start: T0 + 6 * HOUR,
      metric: 'units',
      observed: 40,
      expected: 10,
      baseline_mean: 10,
      baseline_stddev: 0,
      baseline_hours: 6,
      baseline_per_order: 1,
      ratio: 4,
      elapsed_fraction: 1,
      z_threshold: 3,
      min_ratio: 2,
      last_event_time: T0 + 6 * HOUR + 19 * 60_000,
      detected_at: T0 + 7 * HOUR,
    };
    const onKinesis = (await kinesisRecords()).map((t) => JSON.parse(t) as SpikeAlert);
    expect(onKinesis).toEqual([{ ...expected, z_score: expect.closeTo(30 / Math.sqrt(10), 9) }]);
    const alert = onKinesis[0] as SpikeAlert;
    expect((await firehoseLines()).map((l) => JSON.parse(l) as unknown)).toEqual([alert]);

    expect(posts.map((p) => p.status)).toEqual([503, 200]);
    for (const post of posts) {
      expect(JSON.parse(post.body)).toEqual(alert);
      expect(post.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer hook-token', 'idempotency-key': alert.alert_id });
    }

    // The alerts table, as the page shows it.
    expect(view.spikes).toEqual([
      { productLine: 'Motorcycles', region: 'Europe', hourStart: T0 + 6 * HOUR, metric: 'units', observed: 40, expected: 10, baselineMean: 10, baselineStddev: 0, zScore: 9.49, ratio: 4, detectedAt: T0 + 7 * HOUR },
    ]);
  });
});

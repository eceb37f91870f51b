import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { retailDataset } from '../data/generator.js';
import { runSimulation } from './driver.js';
import { kinesisOutput } from './kinesisOutput.js';
import { callbackOutput } from './outputs.js';
import { PlatformSimulator, type OrderRecord, type SimulatorRecord } from './simulator.js';

interface ReadRecord {
  readonly shard: string;
  readonly partitionKey: string;
  readonly data: string;
}

/** Every record of every shard, from the start, in shard order. */
async function readStream(client: KinesisClient, stream: string): Promise<ReadRecord[]> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const out: ReadRecord[] = [];
  for (const shard of shards) {
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) out.push({ shard: shard.ShardId!, partitionKey: r.PartitionKey!, data: Buffer.from(r.Data!).toString('utf8') });
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

describe('kinesisOutput on the local stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ s3: false, firehose: false, postgres: false });
    await stack.createStream('sessions', 2);
    await stack.createStream('orders', 1);
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('puts every session event (partition key = session_id) and order event; they read back exactly, in order per session', async () => {
    const dataset = retailDataset({ customers: 2_000, seed: 42 });
    const sim = new PlatformSimulator({ dataset, sessions: 100, thinkTimeMs: 300, durationMs: 20_000, malformedFraction: 0.05 });
    const sent: SimulatorRecord[] = [];
    const out = kinesisOutput({ client: stack.clients.kinesis, streamName: 'sessions', orderStreamName: 'orders' });
    const report = await runSimulation(sim, { outputs: [callbackOutput((r) => void sent.push(r)), out] });
    await out.close();

    const events = sent.filter((r) => r.kind !== 'order') as Array<Exclude<SimulatorRecord, OrderRecord>>;
    expect(events.length).toBeGreaterThan(5_000);
    expect(report.malformedEvents).toBeGreaterThan(0);
    const stats = out.stats();
    expect(stats.sessionRecords).toBe(events.length);
    expect(stats.requests).toBeGreaterThanOrEqual(Math.ceil(events.length / 500));

    const read = await readStream(stack.clients.kinesis, 'sessions');
    expect(read).toHaveLength(events.length);
    expect(new Set(read.map((r) => r.shard)).size).toBe(2);
    // Same records (as multisets), keyed by session.
    const key = (partitionKey: string, data: string): string => `${partitionKey}\u0000${data}`;
    expect(read.map((r) => key(r.partitionKey, r.data)).sort()).toEqual(events.map((e) => key(e.partitionKey, e.data)).sort());
    // Per session, the shard holds its events in the order they were emitted.
    const sentBySession = new Map<string, string[]>();
    for (const e of events) sentBySession.set(e.partitionKey, [...(sentBySession.get(e.partitionKey) ?? []), e.data]);
    const readBySession = new Map<string, string[]>();
    for (const r of read) readBySession.set(r.partitionKey, [...(readBySession.get(r.partitionKey) ?? []), r.data]);
    expect(readBySession).toEqual(sentBySession);
    // The partition key is the session id the payload carries (when it carries one).
    for (const r of read) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.data);
      } catch {
        continue; // a truncated (not-json) malformed event
      }
      const id = (parsed as { session_id?: unknown }).session_id;
      if (typeof id === 'string') expect(id).toBe(r.partitionKey);
    }

    const orderEvents = sent.filter((r): r is OrderRecord => r.kind === 'order').flatMap((r) => r.events);
    const orders = await readStream(stack.clients.kinesis, 'orders');
    expect(orderEvents.length).toBeGreaterThan(0);
    expect(orders.map((o) => JSON.parse(o.data))).toEqual(orderEvents);
    expect(orders.map((o) => o.partitionKey)).toEqual(orderEvents.map((e) => String(e.customer_number)));
  }, 120_000);
});

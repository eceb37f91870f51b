import {
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { waitUntil } from '@tributary/core/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { localAwsClientConfig } from '../local/clientConfig.js';
import { deaggregate, hashKeyOf } from './aggregation.js';
import { KinesisSink } from './sink.js';
import { createTestStream, useKinesisTestServer } from './testing.js';

interface Order {
  readonly id: number;
  readonly customer: string;
}

const kinesis = useKinesisTestServer();
let client: KinesisClient;
beforeAll(() => (client = kinesis.client));

const context = { subtaskIndex: 0, parallelism: 1, sinkName: 'orders-out', now: () => Date.now() };
const orders = (n: number, from = 0): Order[] => Array.from({ length: n }, (_, i) => ({ id: from + i, customer: `c${(from + i) % 13}` }));
const decode = (data: Uint8Array): Order => JSON.parse(new TextDecoder().decode(data)) as Order;

interface Stored {
  readonly shardId: string;
  /** Kinesis records in the shard. */
  readonly records: number;
  /** The user records, in shard order, with their partition keys. */
  readonly users: Array<{ order: Order; partitionKey: string }>;
}

/** Every shard's records, deaggregated. */
async function readShards(stream: string): Promise<Stored[]> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const stored: Stored[] = [];
  for (const shard of shards) {
    let records = 0;
    const users: Stored['users'] = [];
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator !== undefined) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      for (const r of out.Records ?? []) {
        records++;
        const unpacked = deaggregate(r.Data as Uint8Array);
        expect(unpacked, 'every record is an aggregate').toBeDefined();
        for (const u of unpacked ?? []) users.push({ order: decode(u.data), partitionKey: u.partitionKey });
      }
      if ((out.Records ?? []).length === 0) break;
      iterator = out.NextShardIterator;
    }
    stored.push({ shardId: shard.ShardId ?? '', records, users });
  }
  return stored;
}

/** The open shard whose hash key range holds `key`'s hash. */
async function shardOfKey(stream: string, key: string): Promise<string> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const hash = hashKeyOf({ partitionKey: key });
  const open = shards.filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined);
  return open.find((s) => BigInt(s.HashKeyRange?.StartingHashKey ?? '0') <= hash && hash <= BigInt(s.HashKeyRange?.EndingHashKey ?? '0'))?.ShardId ?? '';
}

describe('KinesisSink with aggregate: true', { timeout: 60_000 }, () => {
  it("packs records into a few aggregated records per shard: each on its key's shard, in order per key, once", async () => {
    const stream = await createTestStream(client, 'aggregating-sink', 2);
    const input = orders(3_000);
    const sink = new KinesisSink<Order>({ stream, client, partitionKey: (o) => o.customer, aggregate: true, maxInFlightRequests: 1 });
    const writer = sink.createWriter(context);
    for (const o of input) await writer.write(o, 0);
    await writer.flush(false);
    await writer.close();

    const stored = await readShards(stream);
    const users = stored.flatMap((s) => s.users);
    expect(users.map((u) => u.order).sort((a, b) => a.id - b.id)).toEqual(input);
    expect(stored.reduce((n, s) => n + s.records, 0)).toBeLessThanOrEqual(6); // 3,000 records in one request: an aggregate per shard
    for (const shard of stored) {
      for (const { order, partitionKey } of shard.users) {
        expect(partitionKey).toBe(order.customer);
        expect(await shardOfKey(stream, partitionKey)).toBe(shard.shardId);
      }
      const ids = (customer: string): number[] => shard.users.filter((u) => u.order.customer === customer).map((u) => u.order.id);
      for (const customer of new Set(shard.users.map((u) => u.order.customer))) expect(ids(customer)).toEqual([...ids(customer)].sort((a, b) => a - b));
    }
    expect(sink.stats()).toMatchObject({ recordsWritten: 3_000, deadLetters: 0 });
  });

  it('retries every record of an aggregate Kinesis rejected, and only those', async () => {
    const stream = await createTestStream(client, 'aggregating-sink-faults', 2);
    const faulty = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
    const mock = mockClient(faulty);
    mock.on(ListShardsCommand).callsFake((input) => client.send(new ListShardsCommand(input)));
    let requests = 0;
    mock.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput): Promise<PutRecordsCommandOutput> => {
      requests++;
      const entries = input.Records ?? [];
      const reject = entries.map((_, i) => (requests + i) % 2 === 0); // every other aggregate, alternating
      const accepted = entries.filter((_, i) => !reject[i]);
      const forwarded = accepted.length === 0 ? [] : ((await client.send(new PutRecordsCommand({ ...input, Records: accepted }))).Records ?? []);
      let next = 0;
      const results: PutRecordsResultEntry[] = entries.map((_, i) =>
        reject[i] ? { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' } : (forwarded[next++] as PutRecordsResultEntry),
      );
      return { FailedRecordCount: reject.filter(Boolean).length, Records: results, $metadata: {} };
    });
    const input = orders(2_000);
    const sink = new KinesisSink<Order>({ stream, client: faulty, partitionKey: (o) => o.customer, aggregate: true, retry: { initialBackoffMs: 1, maxBackoffMs: 10 } });
    const writer = sink.createWriter(context);
    for (const o of input) await writer.write(o, 0);
    await writer.flush(false);
    await writer.close();
    faulty.destroy();

    const users = (await readShards(stream)).flatMap((s) => s.users.map((u) => u.order));
    expect(users.sort((a, b) => a.id - b.id)).toEqual(input); // each once: rejected aggregates were not stored
    expect(sink.stats().retriedEntries).toBeGreaterThan(0);
  });

  it('lists the shards again after a split: later records go to their key’s new shard', async () => {
    const stream = await createTestStream(client, 'aggregating-sink-split', 1);
    const sink = new KinesisSink<Order>({ stream, client, partitionKey: (o) => o.customer, aggregate: true, maxInFlightRequests: 1 });
    const writer = sink.createWriter(context);
    const write = async (batch: Order[]): Promise<void> => {
      for (const o of batch) await writer.write(o, 0);
      await writer.flush(false);
    };
    await write(orders(100)); // the sink now knows one shard
    const [parent] = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
    await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: parent?.ShardId, NewStartingHashKey: String(2n ** 127n) }));
    await waitUntil(
      async () => (await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
      20_000,
      'the split',
    );
    await write(orders(100, 100)); // planned for the old shard: Kinesis puts it on a child, the sink notices
    await write(orders(100, 200)); // planned for the children
    await writer.close();

    const stored = await readShards(stream);
    const all = stored.flatMap((s) => s.users.map((u) => u.order));
    expect(all.sort((a, b) => a.id - b.id)).toEqual(orders(300));
    for (const shard of stored) {
      for (const { order } of shard.users.filter((u) => u.order.id >= 200)) expect(await shardOfKey(stream, order.customer), `order ${order.id}`).toBe(shard.shardId);
    }
  });
});

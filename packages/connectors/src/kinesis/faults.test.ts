// Faults kinesalite cannot produce (throttling, expired iterators, access
// denied, a failing service), injected with aws-sdk-client-mock in front of
// a real client: every call not faulted goes to kinesalite unchanged.
import {
  AccessDeniedException,
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  InternalFailureException,
  KinesisClient,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
  PutRecordsCommand,
  type GetRecordsCommandInput,
  type GetRecordsCommandOutput,
  type GetShardIteratorCommandInput,
  type GetShardIteratorCommandOutput,
} from '@aws-sdk/client-kinesis';
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { waitUntil } from '@tributary/core/testing';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { localAwsClientConfig } from '../local/clientConfig.js';
import { KinesisError } from './errors.js';
import { KinesisSource } from './source.js';
import { createTestStream, useKinesisTestServer } from './testing.js';

const kinesis = useKinesisTestServer();
let real: KinesisClient;
beforeAll(() => (real = kinesis.client));

async function createStream(shards: number, records: number): Promise<string> {
  const name = await createTestStream(real, 'faults', shards);
  for (let i = 0; i < records; i += 500) {
    const batch = Array.from({ length: Math.min(500, records - i) }, (_, j) => ({
      Data: new TextEncoder().encode(JSON.stringify({ key: `k${(i + j) % 10}`, seq: Math.floor((i + j) / 10) })),
      PartitionKey: `k${(i + j) % 10}`,
    }));
    await real.send(new PutRecordsCommand({ StreamName: name, Records: batch }));
  }
  return name;
}

interface Call {
  readonly shardId: string;
  readonly at: number;
  readonly outcome: 'ok' | 'throttled' | 'expired' | 'failed';
}

/**
 * A client whose calls go to kinesalite, except that `fault(shardId, n)`
 * (n = 1 for a shard's first GetRecords call) may return an error to throw
 * instead. Records every GetRecords call and every GetShardIterator input.
 */
function faultyClient(fault: (shardId: string, n: number) => Error | undefined): {
  client: KinesisClient;
  calls: Call[];
  iterators: GetShardIteratorCommandInput[];
} {
  const client = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
  const mock = mockClient(client);
  const shardOf = new Map<string, string>();
  const counts = new Map<string, number>();
  const calls: Call[] = [];
  const iterators: GetShardIteratorCommandInput[] = [];
  mock.on(ListShardsCommand).callsFake((input) => real.send(new ListShardsCommand(input)));
  mock.on(GetShardIteratorCommand).callsFake(async (input: GetShardIteratorCommandInput): Promise<GetShardIteratorCommandOutput> => {
    iterators.push(input);
    const out = await real.send(new GetShardIteratorCommand(input));
    shardOf.set(out.ShardIterator ?? '', input.ShardId ?? '');
    return out;
  });
  mock.on(GetRecordsCommand).callsFake(async (input: GetRecordsCommandInput): Promise<GetRecordsCommandOutput> => {
    const shardId = shardOf.get(input.ShardIterator ?? '') ?? '?';
    const n = (counts.get(shardId) ?? 0) + 1;
    counts.set(shardId, n);
    const error = fault(shardId, n);
    const at = Date.now();
    if (error !== undefined) {
      calls.push({ shardId, at, outcome: error instanceof ProvisionedThroughputExceededException ? 'throttled' : error instanceof ExpiredIteratorException ? 'expired' : 'failed' });
      throw error;
    }
    calls.push({ shardId, at, outcome: 'ok' });
    const out = await real.send(new GetRecordsCommand(input));
    if (out.NextShardIterator !== undefined) shardOf.set(out.NextShardIterator, shardId);
    return out;
  });
  return { client, calls, iterators };
}

const throttled = (): Error => new ProvisionedThroughputExceededException({ message: 'Rate exceeded for shard', $metadata: { httpStatusCode: 400 } });
const expired = (): Error => new ExpiredIteratorException({ message: 'Iterator expired', $metadata: { httpStatusCode: 400 } });

describe('KinesisSource under faults', { timeout: 60_000 }, () => {
  it('backs off on throttling, refreshes expired iterators after the last record read, and loses or repeats nothing', async () => {
    const stream = await createStream(2, 400);
    // Per shard: calls 1 and 2 throttled (backoff ≥ 300 ms, then ≥ 600 ms), call 4 and call 7 find the iterator expired.
    const { client, calls, iterators } = faultyClient((_shard, n) => (n <= 2 ? throttled() : n === 4 || n === 7 ? expired() : undefined));
    const env = StreamEnvironment.create({ logger: silentLogger });
    const out: Array<{ key: string; seq: number }> = [];
    env
      .fromSource(
        new KinesisSource<{ key: string; seq: number }>({ stream, client, startPosition: 'TRIM_HORIZON', maxRecordsPerCall: 40, retry: { initialBackoffMs: 600 } }),
        WatermarkStrategy.noWatermarks(),
        'kinesis',
      )
      .sinkTo((v) => {
        out.push(v);
      });
    const job = env.execute('faults');
    await waitUntil(() => out.length >= 400, 30_000, 'every record');
    await new Promise((r) => setTimeout(r, 300));
    job.done.catch(() => undefined);
    await job.cancel();
    client.destroy();

    expect(out.length).toBe(400);
    const perKey = new Map<string, number[]>();
    for (const v of out) perKey.set(v.key, [...(perKey.get(v.key) ?? []), v.seq]);
    for (const [key, seqs] of perKey) expect(seqs, key).toEqual(Array.from({ length: 40 }, (_, i) => i));

    for (const shardId of ['shardId-000000000000', 'shardId-000000000001']) {
      const shardCalls = calls.filter((c) => c.shardId === shardId);
      expect(shardCalls.slice(0, 2).map((c) => c.outcome)).toEqual(['throttled', 'throttled']);
      // Exponential backoff with jitter: ≥ half of 600 ms, then ≥ half of 1200 ms.
      expect((shardCalls[1] as Call).at - (shardCalls[0] as Call).at).toBeGreaterThanOrEqual(295);
      expect((shardCalls[2] as Call).at - (shardCalls[1] as Call).at).toBeGreaterThanOrEqual(595);
      // Never more than 5 GetRecords calls per second on a shard.
      for (let i = 1; i < shardCalls.length; i++) expect((shardCalls[i] as Call).at - (shardCalls[i - 1] as Call).at).toBeGreaterThanOrEqual(195);
      // After each expiry, a new iterator starts right after the last sequence number read.
      const refreshes = iterators.filter((i) => i.ShardId === shardId && i.ShardIteratorType === 'AFTER_SEQUENCE_NUMBER');
      expect(refreshes.length).toBe(2);
      expect(refreshes.every((r) => typeof r.StartingSequenceNumber === 'string' && r.StartingSequenceNumber.length > 0)).toBe(true);
    }
  });

  it('fails the job at once with a clear error when reading is denied', async () => {
    const stream = await createStream(1, 10);
    const { client } = faultyClient(() => new AccessDeniedException({ message: 'User is not authorized to perform kinesis:GetRecords', $metadata: { httpStatusCode: 400 } }));
    const env = StreamEnvironment.create({ logger: silentLogger });
    env.fromSource(new KinesisSource({ stream, client, startPosition: 'TRIM_HORIZON' }), WatermarkStrategy.noWatermarks(), 'kinesis').sinkTo(() => {});
    const error = await env.execute('denied').done.then(
      () => undefined,
      (e: unknown) => e,
    );
    client.destroy();
    const cause = (error as Error).cause as KinesisError;
    expect(cause).toBeInstanceOf(KinesisError);
    expect(cause).toMatchObject({ code: 'KINESIS_READ_FAILED', retryable: false });
    expect(cause.message).toBe(
      `Reading shard shardId-000000000000 of Kinesis stream ${stream} failed: AccessDeniedException: User is not authorized to perform kinesis:GetRecords`,
    );
  });

  it('gives up after maxAttempts consecutive service failures, saying it may be retried', async () => {
    const stream = await createStream(1, 10);
    const { client, calls } = faultyClient(() => new InternalFailureException({ message: 'Internal service failure', $metadata: { httpStatusCode: 500 } }));
    const env = StreamEnvironment.create({ logger: silentLogger });
    env
      .fromSource(new KinesisSource({ stream, client, startPosition: 'TRIM_HORIZON', retry: { maxAttempts: 3, initialBackoffMs: 1 } }), WatermarkStrategy.noWatermarks(), 'kinesis')
      .sinkTo(() => {});
    const error = await env.execute('failing').done.then(
      () => undefined,
      (e: unknown) => e,
    );
    client.destroy();
    expect(calls.length).toBe(3);
    expect((error as Error).cause).toMatchObject({
      code: 'KINESIS_READ_FAILED',
      retryable: true,
      message: `Reading shard shardId-000000000000 of Kinesis stream ${stream} failed after 3 attempts: InternalFailureException: Internal service failure`,
    });
  });
});

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KinesisClient,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type PutRecordsRequestEntry,
} from '@aws-sdk/client-kinesis';
import {
  RestartStrategies,
  StreamEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  silentLogger,
  type JobHandle,
} from '@tributary/core';
import { ExactlyOnceTestSink, waitUntil } from '@tributary/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { localAwsClientConfig } from '../local/clientConfig.js';
import { kinesisSourceWithDeadLetters } from './deadLetters.js';
import { KinesisError } from './errors.js';
import { KinesisSource, staggeredPhase } from './source.js';
import { createTestStream, useKinesisTestServer } from './testing.js';

interface Event {
  readonly key: string;
  readonly seq: number;
  readonly ts?: number;
}

const kinesis = useKinesisTestServer();
let client: KinesisClient;
beforeAll(() => (client = kinesis.client));

const createStream = (shards: number): Promise<string> => createTestStream(client, 'source-test', shards);

/** Puts records (in order, 500 per request); returns the shard and sequence number of each. */
async function put(stream: string, entries: PutRecordsRequestEntry[]): Promise<Array<{ shardId: string; sequenceNumber: string }>> {
  const out: Array<{ shardId: string; sequenceNumber: string }> = [];
  for (let i = 0; i < entries.length; i += 500) {
    const res = await client.send(new PutRecordsCommand({ StreamName: stream, Records: entries.slice(i, i + 500) }));
    expect(res.FailedRecordCount ?? 0).toBe(0);
    for (const r of res.Records ?? []) out.push({ shardId: r.ShardId ?? '', sequenceNumber: r.SequenceNumber ?? '' });
  }
  return out;
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const events = (keys: number, rounds: number, from = 0): Event[] =>
  Array.from({ length: keys * rounds }, (_, i) => ({ key: `k${i % keys}`, seq: from + Math.floor(i / keys) }));
const entry = (e: Event, hashKey?: string): PutRecordsRequestEntry => ({ Data: json(e), PartitionKey: e.key, ...(hashKey === undefined ? {} : { ExplicitHashKey: hashKey }) });
/** Explicit hash keys that land in the first and the second half of the hash range (shard 0 and 1 of a 2-shard stream). */
const FIRST_HALF = '1';
const SECOND_HALF = (2n ** 127n + 1n).toString();

async function stop(job: JobHandle): Promise<void> {
  job.done.catch(() => undefined);
  await job.cancel();
}

/** Counts the commands a client sends, by name. */
function countCommands(target: KinesisClient): Map<string, number> {
  const counts = new Map<string, number>();
  target.middlewareStack.add(
    (next, context) => (args) => {
      counts.set(context.commandName ?? '?', (counts.get(context.commandName ?? '?') ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countCommands' },
  );
  return counts;
}

/** Per key, the sequence of `seq` values in arrival order. */
function byKey(values: readonly Event[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const v of values) map.set(v.key, [...(map.get(v.key) ?? []), v.seq]);
  return map;
}

describe('KinesisSource against kinesalite', { timeout: 60_000 }, () => {
  it('reads from TRIM_HORIZON: every record once, in order per key, timestamped with its arrival time', async () => {
    const stream = await createStream(2);
    const input = events(10, 30);
    const before = Date.now();
    await put(stream, input.map((e) => entry(e)));
    const after = Date.now();
    const env = StreamEnvironment.create({ logger: silentLogger });
    const out: Array<{ value: Event; timestamp: number }> = [];
    env
      .fromSource(new KinesisSource<Event>({ stream, client, startPosition: 'TRIM_HORIZON' }), WatermarkStrategy.noWatermarks(), 'kinesis')
      .sinkTo((value, timestamp) => {
        out.push({ value, timestamp });
      });
    const job = env.execute('trim horizon');
    await waitUntil(() => out.length >= input.length, 20_000, 'all records');
    await new Promise((r) => setTimeout(r, 300));
    await stop(job);
    expect(out.length).toBe(input.length);
    for (const [key, seqs] of byKey(out.map((o) => o.value))) expect(seqs, key).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const { timestamp } of out) {
      expect(timestamp).toBeGreaterThanOrEqual(before - 1_000);
      expect(timestamp).toBeLessThanOrEqual(after + 1_000);
    }
  });

  it('can be run again: a source object reused by a second job reads its shards again', async () => {
    const stream = await createStream(2);
    await put(stream, events(5, 4).map((e) => entry(e)));
    const source = new KinesisSource<Event>({ stream, client, startPosition: 'TRIM_HORIZON' });
    for (let run = 0; run < 2; run++) {
      const env = StreamEnvironment.create({ logger: silentLogger });
      const out: Event[] = [];
      env.fromSource(source, WatermarkStrategy.noWatermarks(), 'kinesis').sinkTo((v) => {
        out.push(v);
      });
      const job = env.execute(`run ${run}`);
      await waitUntil(() => out.length >= 20, 10_000, `run ${run}`);
      await stop(job);
      expect(out.length).toBe(20);
    }
  });

  it('reads from LATEST: only records put after the shards were first read', async () => {
    const stream = await createStream(2);
    await put(stream, events(4, 5).map((e) => entry({ ...e, key: `old-${e.key}` })));
    const sourceClient = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
    const calls = countCommands(sourceClient);
    const env = StreamEnvironment.create({ logger: silentLogger });
    const out: Event[] = [];
    env.fromSource(new KinesisSource<Event>({ stream, client: sourceClient, startPosition: 'LATEST' }), WatermarkStrategy.noWatermarks(), 'kinesis').sinkTo((v) => {
      out.push(v);
    });
    const job = env.execute('latest');
    await waitUntil(() => (calls.get('GetRecordsCommand') ?? 0) >= 2, 10_000, 'both shards polled');
    const fresh = events(4, 5);
    await put(stream, fresh.map((e) => entry(e)));
    await waitUntil(() => out.length >= fresh.length, 10_000, 'new records');
    await new Promise((r) => setTimeout(r, 300));
    await stop(job);
    expect(out).toEqual(expect.arrayContaining(fresh));
    expect(out.length).toBe(fresh.length);
    sourceClient.destroy();
  });

  it('reads from AT_TIMESTAMP: records that arrived at or after the time', async () => {
    const stream = await createStream(2);
    const early = events(2, 3).map((e) => ({ ...e, key: `early-${e.key}` }));
    await put(stream, early.map((e, i) => entry(e, i % 2 === 0 ? FIRST_HALF : SECOND_HALF)));
    await new Promise((r) => setTimeout(r, 50));
    const at = Date.now();
    await new Promise((r) => setTimeout(r, 50));
    // Both shards get records after the time (kinesalite never answers AT_TIMESTAMP on a shard without one).
    const late = events(2, 4);
    await put(stream, late.map((e, i) => entry(e, i % 2 === 0 ? FIRST_HALF : SECOND_HALF)));
    const env = StreamEnvironment.create({ logger: silentLogger });
    const out: Event[] = [];
    env.fromSource(new KinesisSource<Event>({ stream, client, startPosition: { atTimestamp: new Date(at) } }), WatermarkStrategy.noWatermarks(), 'kinesis').sinkTo((v) => {
      out.push(v);
    });
    const job = env.execute('at timestamp');
    await waitUntil(() => out.length >= late.length, 10_000, 'late records');
    await new Promise((r) => setTimeout(r, 300));
    await stop(job);
    expect([...out].sort((a, b) => a.key.localeCompare(b.key) || a.seq - b.seq)).toEqual([...late].sort((a, b) => a.key.localeCompare(b.key) || a.seq - b.seq));
  });

  it('tracks watermarks per shard: the slowest shard holds event time back until it turns idle', async () => {
    const stream = await createStream(2);
    // Shard 0: event times 0..900; shard 1: 10_000..10_900.
    await put(stream, [
      ...Array.from({ length: 10 }, (_, i) => entry({ key: 'a', seq: i, ts: i * 100 }, FIRST_HALF)),
      ...Array.from({ length: 10 }, (_, i) => entry({ key: 'b', seq: i, ts: 10_000 + i * 100 }, SECOND_HALF)),
    ]);
    const env = StreamEnvironment.create({ logger: silentLogger });
    const fired: Array<{ window: number; count: number }> = [];
    let seen = 0;
    const strategy = WatermarkStrategy.forMonotonousTimestamps<Event>()
      .withTimestampAssigner((e) => e.ts ?? 0)
      .withIdleness(3_000);
    env
      .fromSource(new KinesisSource<Event>({ stream, client, startPosition: 'TRIM_HORIZON' }), strategy, 'kinesis')
      .map(() => {
        seen++;
        return 1;
      })
      .keyBy(() => 'all')
      .window(TumblingEventTimeWindows.of(1_000))
      .reduce((a, b) => a + b)
      .sinkTo((count, timestamp) => {
        fired.push({ window: timestamp + 1 - 1_000, count });
      });
    const job = env.execute('watermarks');
    // Both shards read: watermark = min(899, 10_899) = 899, so no window is complete yet.
    await waitUntil(() => seen >= 20, 10_000, 'both shards read');
    await new Promise((r) => setTimeout(r, 100));
    expect(fired).toEqual([]);
    // Shard 0 moves to 20_000: the watermark becomes min(19_999, 10_899) → [0, 1000) fires, [10_000, 11_000) does not.
    await put(stream, [entry({ key: 'a', seq: 10, ts: 20_000 }, FIRST_HALF)]);
    await waitUntil(() => fired.length >= 1, 5_000, 'window [0, 1000)');
    expect(fired).toEqual([{ window: 0, count: 10 }]);
    // Shard 1 gets nothing more: once idle, it no longer holds the watermark, and [10_000, 11_000) fires.
    // Shard 0 keeps getting records so that it stays active.
    const keepAlive = setInterval(() => void put(stream, [entry({ key: 'a', seq: 11, ts: 20_001 }, FIRST_HALF)]), 300);
    try {
      await waitUntil(() => fired.length >= 2, 10_000, 'window [10_000, 11_000) after idleness');
    } finally {
      clearInterval(keepAlive);
    }
    await stop(job);
    expect(fired[1]).toEqual({ window: 10_000, count: 10 });
  });

  it('sends undeserializable records to the dead letters with shard, sequence number and reason, and counts them', async () => {
    const stream = await createStream(2);
    const good = events(3, 4);
    const bad: PutRecordsRequestEntry[] = [
      { Data: new TextEncoder().encode('{not json'), PartitionKey: 'bad-1' },
      { Data: Uint8Array.from([0xff, 0xfe, 0x7b]), PartitionKey: 'bad-2' },
    ];
    const positions = await put(stream, [...good.map((e) => entry(e)), ...bad]);
    const env = StreamEnvironment.create({ logger: silentLogger });
    const { records, deadLetters } = kinesisSourceWithDeadLetters<Event>(
      env,
      { stream, client, startPosition: 'TRIM_HORIZON' },
      WatermarkStrategy.noWatermarks(),
      'orders',
    );
    const ok: Event[] = [];
    const letters: Array<{ shardId: string; sequenceNumber: string; partitionKey: string; reason: string; operator: string; data: number[] }> = [];
    records.sinkTo((v) => {
      ok.push(v);
    });
    deadLetters.sinkTo((l) => {
      letters.push({ ...l.record, data: [...l.record.data], reason: l.reason, operator: l.operator });
    });
    const job = env.execute('dead letters');
    await waitUntil(() => ok.length >= good.length && letters.length >= 2, 10_000, 'records and dead letters');
    const deadLetterCount = job
      .metrics()
      .filter((m) => m.operator === 'orders: deserialize')
      .reduce((sum, m) => sum + m.deadLetters, 0);
    await stop(job);
    expect(ok.length).toBe(good.length);
    expect(deadLetterCount).toBe(2);
    const sorted = [...letters].sort((a, b) => a.partitionKey.localeCompare(b.partitionKey));
    expect(sorted.map((l) => ({ shardId: l.shardId, sequenceNumber: l.sequenceNumber }))).toEqual(positions.slice(good.length));
    expect(sorted[0]).toMatchObject({ partitionKey: 'bad-1', operator: 'orders: deserialize', data: [...new TextEncoder().encode('{not json')] });
    expect(sorted[0]?.reason).toMatch(/JSON/);
    expect(sorted[1]).toMatchObject({ partitionKey: 'bad-2', data: [0xff, 0xfe, 0x7b] });
    expect(sorted[1]?.reason).toMatch(/encoded data was not valid|utf-8/i);
  });

  it('without a dead-letter output, an undeserializable record fails the job naming shard and sequence number', async () => {
    const stream = await createStream(1);
    const [position] = await put(stream, [{ Data: new TextEncoder().encode('nope'), PartitionKey: 'x' }]);
    const env = StreamEnvironment.create({ logger: silentLogger });
    env.fromSource(new KinesisSource<Event>({ stream, client, startPosition: 'TRIM_HORIZON' }), WatermarkStrategy.noWatermarks(), 'kinesis').sinkTo(() => {});
    const error = await env.execute('poison').done.then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(KinesisError);
    expect(cause).toMatchObject({ code: 'KINESIS_DESERIALIZATION_FAILED' });
    expect((cause as Error).message).toContain(`record ${position?.sequenceNumber} of shard ${position?.shardId} (stream ${stream})`);
  });

  it('restores from a savepoint and resumes exactly after the checkpointed sequence numbers', async () => {
    const stream = await createStream(2);
    const first = events(20, 40);
    await put(stream, first.map((e) => entry(e)));
    const dir = await mkdtemp(join(tmpdir(), 'tributary-kinesis-'));
    const committed: Event[] = [];
    const build = (sink: ExactlyOnceTestSink<Event>, restoreFrom?: string): StreamEnvironment => {
      const env = StreamEnvironment.create({
        parallelism: 2,
        checkpointDir: dir,
        checkpointInterval: 100,
        logger: silentLogger,
        ...(restoreFrom === undefined ? {} : { restoreFrom }),
      });
      env
        .fromSource(new KinesisSource<Event>({ stream, client, startPosition: 'TRIM_HORIZON', maxRecordsPerCall: 40 }), WatermarkStrategy.noWatermarks(), 'kinesis')
        .uid('kinesis')
        .sinkTo(sink)
        .uid('sink');
      return env;
    };
    const sink1 = new ExactlyOnceTestSink(committed);
    const job1 = build(sink1).execute('before');
    await waitUntil(() => sink1.written() >= 200, 20_000, 'part of the input');
    const savepoint = await job1.stopWithSavepoint();
    const afterFirst = committed.length;
    expect(afterFirst).toBeGreaterThan(0);
    expect(afterFirst).toBeLessThan(first.length);
    // More records arrive while the job is down.
    const second = events(20, 10, 40);
    await put(stream, second.map((e) => entry(e)));
    const job2 = build(new ExactlyOnceTestSink(committed), savepoint.location).execute('after');
    const total = first.length + second.length;
    await waitUntil(() => committed.length >= total, 30_000, 'every record committed');
    await new Promise((r) => setTimeout(r, 500));
    await stop(job2);
    expect(committed.length).toBe(total);
    for (const [key, seqs] of byKey(committed)) expect(seqs, key).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('restarts from the latest checkpoint after a failure: each record committed exactly once', async () => {
    const stream = await createStream(2);
    const input = events(20, 30);
    await put(stream, input.map((e) => entry(e)));
    const dir = await mkdtemp(join(tmpdir(), 'tributary-kinesis-'));
    const committed: Event[] = [];
    let failures = 1;
    let seen = 0;
    const env = StreamEnvironment.create({
      parallelism: 2,
      checkpointDir: dir,
      checkpointInterval: 50,
      restartStrategy: RestartStrategies.fixedDelay(3, 0),
      logger: silentLogger,
    });
    env
      .fromSource(new KinesisSource<Event>({ stream, client, startPosition: 'TRIM_HORIZON', maxRecordsPerCall: 30 }), WatermarkStrategy.noWatermarks(), 'kinesis')
      .uid('kinesis')
      .map((e) => {
        if (++seen === 300 && failures-- > 0) throw new Error('injected failure');
        return e;
      })
      .sinkTo(new ExactlyOnceTestSink(committed))
      .uid('sink');
    const job = env.execute('restart');
    await waitUntil(() => committed.length >= input.length, 30_000, 'every record committed');
    await new Promise((r) => setTimeout(r, 300));
    expect(job.restarts()).toBe(1);
    await stop(job);
    expect(committed.length).toBe(input.length);
    for (const [key, seqs] of byKey(committed)) expect(seqs, key).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('reads through a split and a merge while records keep arriving: nothing lost, none twice, order per key kept', async () => {
    const stream = await createStream(1);
    const sourceClient = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
    const env = StreamEnvironment.create({ logger: silentLogger });
    const out: Event[] = [];
    env
      .fromSource(new KinesisSource<Event>({ stream, client: sourceClient, startPosition: 'TRIM_HORIZON', discoveryIntervalMs: 100 }), WatermarkStrategy.noWatermarks(), 'kinesis')
      .sinkTo((v) => {
        out.push(v);
      });
    const job = env.execute('resharding');
    const KEYS = 20;
    let round = 0;
    const putRounds = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++, round++) {
        await put(stream, events(KEYS, 1, round).map((e) => entry(e)));
        await new Promise((r) => setTimeout(r, 30));
      }
    };
    await putRounds(5);
    // Split shard 0 in the middle of its hash range: shards 1 and 2.
    await client.send(new SplitShardCommand({ StreamName: stream, ShardToSplit: 'shardId-000000000000', NewStartingHashKey: (2n ** 127n).toString() }));
    await putRounds(5);
    // Merge them back: shard 3, with two parents.
    await client.send(new MergeShardsCommand({ StreamName: stream, ShardToMerge: 'shardId-000000000001', AdjacentShardToMerge: 'shardId-000000000002' }));
    await putRounds(5);
    await waitUntil(() => out.length >= KEYS * round, 20_000, 'every record');
    await new Promise((r) => setTimeout(r, 500));
    await stop(job);
    sourceClient.destroy();
    expect(out.length).toBe(KEYS * round);
    for (const [key, seqs] of byKey(out)) expect(seqs, key).toEqual(Array.from({ length: round }, (_, i) => i));
  });
});

describe('staggeredPhase', () => {
  it("spreads a reader's first GetRecords calls over the poll interval, however many shards it gets", () => {
    for (const shards of [2, 4, 8, 16]) {
      const phases = Array.from({ length: shards }, (_, n) => staggeredPhase(n, 200)).sort((a, b) => a - b);
      for (const p of phases) expect(p >= 0 && p < 200).toBe(true);
      const gaps = phases.slice(1).map((p, i) => p - (phases[i] as number));
      // the golden-ratio sequence keeps neighbours at least a third of an even spacing apart
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(Math.floor(200 / shards / 3));
    }
  });
});

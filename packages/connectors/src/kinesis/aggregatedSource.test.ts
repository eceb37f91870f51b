import { ListShardsCommand, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { createHash } from 'node:crypto';
import { StreamEnvironment, WatermarkStrategy, silentLogger, type ReaderOutput, type SourceReader } from '@tributary/core';
import { waitUntil } from '@tributary/core/testing';
import { describe, expect, it } from 'vitest';
import { aggregate, aggregateByShard, KPL_MAGIC, type UserRecord } from './aggregation.js';
import { kinesisSourceWithDeadLetters } from './deadLetters.js';
import { KinesisError } from './errors.js';
import { RECORDS_PER_POLL, type KinesisRecordInfo } from './options.js';
import { KinesisSource } from './source.js';
import type { KinesisShardSplit } from './split.js';
import { createTestStream, useKinesisTestServer } from './testing.js';

interface Event {
  readonly key: string;
  readonly seq: number;
}

const kinesis = useKinesisTestServer();

const encode = (e: Event): Uint8Array => new TextEncoder().encode(JSON.stringify(e));
const userRecordOf = (e: Event): UserRecord => ({ partitionKey: e.key, data: encode(e) });

async function put(stream: string, entries: PutRecordsRequestEntry[]): Promise<string[]> {
  const out = await kinesis.client.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
  expect(out.FailedRecordCount ?? 0).toBe(0);
  return (out.Records ?? []).map((r) => r.SequenceNumber ?? '');
}

async function openShards(stream: string): Promise<Array<{ startingHashKey: string; endingHashKey: string }>> {
  const out = await kinesis.client.send(new ListShardsCommand({ StreamName: stream }));
  return (out.Shards ?? []).map((s) => ({ startingHashKey: s.HashKeyRange?.StartingHashKey ?? '', endingHashKey: s.HashKeyRange?.EndingHashKey ?? '' }));
}

/** Polls `reader` until `done()` holds (or 10 s pass). */
async function pollUntil<T>(reader: SourceReader<T, KinesisShardSplit>, output: ReaderOutput<T>, done: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out polling the reader');
    const status = await reader.pollNext(output);
    if (status === 'waiting') await Promise.race([reader.available?.(), new Promise((r) => setTimeout(r, 50))]);
  }
}

const collecting = <T>(into: T[]): ReaderOutput<T> => ({
  collect: (_split, value) => void into.push(value),
  emitWatermark: () => undefined,
  finishSplit: () => undefined,
});

describe('KinesisSource with KPL-aggregated records', { timeout: 60_000 }, () => {
  it('emits each user record once, in order per key, with its own partition key and its index in the aggregate', async () => {
    const stream = await createTestStream(kinesis.client, 'aggregated', 2);
    const events = Array.from({ length: 600 }, (_, i): Event => ({ key: `k${i % 20}`, seq: Math.floor(i / 20) }));
    // the first half aggregated by shard (several entries of up to 4 KiB), the rest plain records
    const aggregated = aggregateByShard(events.slice(0, 300).map(userRecordOf), await openShards(stream), 4096);
    expect(aggregated.length).toBeGreaterThan(2);
    await put(stream, aggregated);
    await put(stream, events.slice(300).map((e) => ({ Data: encode(e), PartitionKey: e.key })));

    const seen: Array<{ event: Event; info: KinesisRecordInfo }> = [];
    const env = StreamEnvironment.create({ parallelism: 1, logger: silentLogger });
    const source = new KinesisSource<{ event: Event; info: KinesisRecordInfo }>({
      stream,
      client: kinesis.client,
      startPosition: 'TRIM_HORIZON',
      deserializer: (data, info) => ({ event: JSON.parse(new TextDecoder().decode(data)) as Event, info }),
    });
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'kinesis').sinkTo((r) => void seen.push(r));
    const job = env.execute('aggregated');
    const deadline = Date.now() + 20_000;
    while (seen.length < events.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    job.done.catch(() => undefined);
    await job.cancel();

    expect(seen.length).toBe(events.length);
    const byKey = new Map<string, number[]>();
    for (const { event, info } of seen) {
      expect(info.partitionKey).toBe(event.key);
      expect(info.subSequenceNumber !== undefined).toBe(event.seq < 15); // the first 300 events were aggregated
      byKey.set(event.key, [...(byKey.get(event.key) ?? []), event.seq]);
    }
    for (const [key, seqs] of byKey) expect(seqs, key).toEqual(Array.from({ length: 30 }, (_, i) => i));
    // within one aggregated record, the indexes count up from 0
    const subsOf = new Map<string, number[]>();
    for (const { info } of seen) if (info.subSequenceNumber !== undefined) subsOf.set(info.sequenceNumber, [...(subsOf.get(info.sequenceNumber) ?? []), info.subSequenceNumber]);
    expect(subsOf.size).toBe(aggregated.length);
    for (const subs of subsOf.values()) expect(subs).toEqual(subs.map((_, i) => i));
  });

  it('checkpoints a position inside an aggregated record and resumes after the last user record emitted', async () => {
    const stream = await createTestStream(kinesis.client, 'aggregated-resume', 1);
    const count = RECORDS_PER_POLL + 500; // more user records than one poll emits
    const users = Array.from({ length: count }, (_, i) => userRecordOf({ key: `k${i % 7}`, seq: i }));
    const [aggregateSequence] = await put(stream, [{ PartitionKey: 'k0', Data: aggregate(users) }]);
    await put(stream, [{ PartitionKey: 'k1', Data: encode({ key: 'k1', seq: count }) }]);

    const source = new KinesisSource<Event>({ stream, client: kinesis.client, startPosition: 'TRIM_HORIZON' });
    const context = { subtaskIndex: 0, parallelism: 1, sourceName: 'kinesis', now: () => Date.now() };
    const splits = await source.discoverSplits({ parallelism: 1, finishedSplitIds: new Set() });
    expect(splits.length).toBe(1);

    const first: Event[] = [];
    const reader1 = source.createReader(context);
    reader1.addSplits(splits);
    await pollUntil(reader1, collecting(first), () => first.length > 0);
    expect(first.length).toBe(RECORDS_PER_POLL); // one poll: a part of the aggregate
    const [position] = reader1.snapshotState(1);
    await reader1.close?.();
    expect(position).toMatchObject({ sequenceNumber: aggregateSequence, subSequenceNumber: RECORDS_PER_POLL - 1 });

    const rest: Event[] = [];
    const reader2 = source.createReader(context);
    reader2.addSplits([position as KinesisShardSplit]);
    await pollUntil(reader2, collecting(rest), () => rest.length >= count + 1 - RECORDS_PER_POLL);
    await new Promise((r) => setTimeout(r, 500));
    await reader2.pollNext(collecting(rest));
    const [after] = reader2.snapshotState(2);
    await reader2.close?.();
    expect([...first, ...rest].map((e) => e.seq)).toEqual(Array.from({ length: count + 1 }, (_, i) => i));
    // past the aggregate, the position is a plain sequence number again
    expect(after?.subSequenceNumber).toBeUndefined();
  });

  it('quarantines an undeserializable user record with its index, and a malformed aggregate whole: nothing lost', async () => {
    const stream = await createTestStream(kinesis.client, 'aggregated-bad', 1);
    const good = (seq: number): UserRecord => userRecordOf({ key: 'k', seq });
    const notJson: UserRecord = { partitionKey: 'bad', data: new TextEncoder().encode('{not json') };
    // a well-framed aggregate whose record names partition key 3 of a table of 1
    const message = Uint8Array.of(0x0a, 0x01, 0x61, 0x1a, 0x06, 0x08, 0x03, 0x1a, 0x02, 0x68, 0x69);
    const malformed = Uint8Array.from([...KPL_MAGIC, ...message, ...createHash('md5').update(message).digest()]);
    const [withBad, broken] = await put(stream, [
      { PartitionKey: 'k', Data: aggregate([good(0), notJson, good(1)]) },
      { PartitionKey: 'k', Data: malformed },
    ]);
    await put(stream, [{ PartitionKey: 'k', Data: aggregate([good(2)]) }]);

    const env = StreamEnvironment.create({ logger: silentLogger });
    const { records, deadLetters } = kinesisSourceWithDeadLetters<Event>(env, { stream, client: kinesis.client, startPosition: 'TRIM_HORIZON' }, WatermarkStrategy.noWatermarks(), 'orders');
    const ok: Event[] = [];
    const letters: Array<{ sequenceNumber: string; subSequenceNumber?: number; partitionKey: string; data: Uint8Array }> = [];
    records.sinkTo((e) => void ok.push(e));
    deadLetters.sinkTo((l) => void letters.push(l.record));
    const job = env.execute('aggregated dead letters');
    await waitUntil(() => ok.length >= 3 && letters.length >= 2, 10_000, 'records and dead letters');
    job.done.catch(() => undefined);
    await job.cancel();

    expect(ok.map((e) => e.seq)).toEqual([0, 1, 2]);
    expect(letters[0]).toMatchObject({ sequenceNumber: withBad, subSequenceNumber: 1, partitionKey: 'bad', data: notJson.data });
    expect(letters[1]).toMatchObject({ sequenceNumber: broken, partitionKey: 'k', data: malformed });
    expect(letters[1]?.subSequenceNumber).toBeUndefined();
  });

  it('without dead letters, an undeserializable user record fails the job naming it and its aggregate', async () => {
    const stream = await createTestStream(kinesis.client, 'aggregated-poison', 1);
    const [position] = await put(stream, [{ PartitionKey: 'k', Data: aggregate([userRecordOf({ key: 'k', seq: 0 }), { partitionKey: 'k', data: new TextEncoder().encode('nope') }]) }]);
    const env = StreamEnvironment.create({ logger: silentLogger });
    env.fromSource(new KinesisSource<Event>({ stream, client: kinesis.client, startPosition: 'TRIM_HORIZON' }), WatermarkStrategy.noWatermarks(), 'kinesis').sinkTo(() => {});
    const error = await env.execute('poison').done.then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(KinesisError);
    expect((cause as Error).message).toContain(`user record 1 of aggregated record ${position} of shard shardId-000000000000 (stream ${stream})`);
  });
});

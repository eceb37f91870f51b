import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
  type PutRecordsCommandInput,
  type PutRecordsCommandOutput,
  type PutRecordsResultEntry,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { StreamEnvironment, silentLogger } from '@tributary/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SinkDeadLetter } from '../batching/AsyncSinkWriter.js';
import { AsyncSinkError } from '../batching/errors.js';
import { localAwsClientConfig } from '../local/clientConfig.js';
import { PUT_RECORDS_MAX_RECORD_BYTES } from './options.js';
import { KinesisSink } from './sink.js';
import { createTestStream, useKinesisTestServer } from './testing.js';

interface Order {
  readonly id: number;
  readonly customer: string;
  readonly note?: string;
}

const kinesis = useKinesisTestServer();
let client: KinesisClient;
beforeAll(() => (client = kinesis.client));

const createStream = (shards: number): Promise<string> => createTestStream(client, 'sink-test', shards);

/** Everything in the stream, by a plain loop over GetRecords. */
async function readAll(stream: string): Promise<_Record[]> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const records: _Record[] = [];
  for (const shard of shards) {
    let iterator = (await client.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (iterator !== undefined) {
      const out = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
      records.push(...(out.Records ?? []));
      if ((out.Records ?? []).length === 0) break;
      iterator = out.NextShardIterator;
    }
  }
  return records;
}

const decode = (r: _Record): Order => JSON.parse(new TextDecoder().decode(r.Data)) as Order;
const orders = (n: number): Order[] => Array.from({ length: n }, (_, i) => ({ id: i, customer: `c${i % 7}` }));
/** The first error in the cause chain that is an AsyncSinkError (the core wraps sink errors in UserFunctionError). */
function sinkError(error: unknown): AsyncSinkError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof AsyncSinkError) return e;
  return undefined;
}

const context = { subtaskIndex: 0, parallelism: 1, sinkName: 'orders-out', now: () => Date.now() };

describe('KinesisSink against kinesalite', { timeout: 60_000 }, () => {
  it('writes every record of a job once, with the selected partition key', async () => {
    const stream = await createStream(2);
    const input = orders(1_200);
    const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
    const sink = new KinesisSink<Order>({ stream, client, partitionKey: (o) => o.customer });
    env.fromCollection(input).rebalance().sinkTo(sink);
    await env.execute('to kinesis');
    const records = await readAll(stream);
    expect(records.length).toBe(input.length);
    expect(records.map(decode).sort((a, b) => a.id - b.id)).toEqual(input);
    expect(records.every((r) => r.PartitionKey === decode(r).customer)).toBe(true);
    expect(sink.stats()).toMatchObject({ recordsWritten: 1_200, retriedEntries: 0, deadLetters: 0 });
    // 1,200 records from two subtasks: full requests of 500 and the rest at the end.
    expect(sink.stats().requests).toBeLessThanOrEqual(6);
  });

  it('flush (a checkpoint) resolves only once every record written before it is in the stream', async () => {
    const stream = await createStream(1);
    const writer = new KinesisSink<Order>({ stream, client, partitionKey: (o) => o.customer, maxTimeInBufferMs: 60_000 }).createWriter(context);
    for (const o of orders(730)) await writer.write(o, 0);
    await writer.flush(false);
    expect((await readAll(stream)).length).toBe(730);
    await writer.close();
  });

  it('splits requests at 5 MiB and sends a record of exactly 1 MiB (data plus key)', async () => {
    const stream = await createStream(1);
    const sizes: number[] = [];
    const counting = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
    counting.middlewareStack.add(
      (next) => (args) => {
        const input = (args as { input: PutRecordsCommandInput }).input;
        sizes.push((input.Records ?? []).reduce((s, r) => s + (r.Data?.byteLength ?? 0) + Buffer.byteLength(r.PartitionKey ?? ''), 0));
        return next(args);
      },
      { step: 'initialize', name: 'sizes' },
    );
    const key = 'k';
    const writer = new KinesisSink<string>({ stream, client: counting, partitionKey: () => key, serializer: (s) => s }).createWriter(context);
    const full = 'x'.repeat(PUT_RECORDS_MAX_RECORD_BYTES - key.length);
    for (let i = 0; i < 7; i++) await writer.write(full, 0);
    await writer.flush(true);
    await writer.close();
    counting.destroy();
    expect(sizes).toEqual([5 * PUT_RECORDS_MAX_RECORD_BYTES, 2 * PUT_RECORDS_MAX_RECORD_BYTES]);
    expect((await readAll(stream)).length).toBe(7);
  });

  it('rejects a record over 1 MiB with a clear error, or diverts it to onDeadLetter and counts it', async () => {
    const stream = await createStream(1);
    const tooBig = { id: 1, customer: 'c', note: 'y'.repeat(PUT_RECORDS_MAX_RECORD_BYTES) };
    const env = StreamEnvironment.create({ logger: silentLogger });
    env.fromCollection([{ id: 0, customer: 'c' }, tooBig]).sinkTo(new KinesisSink<Order>({ stream, client, partitionKey: (o) => o.customer })).name('orders-out');
    const error = await env.execute('too big').done.then(
      () => undefined,
      (e: unknown) => e,
    );
    const cause = sinkError(error);
    expect(cause).toBeInstanceOf(AsyncSinkError);
    expect(cause).toMatchObject({ code: 'SINK_RECORD_TOO_LARGE', retryable: false });
    expect((cause as Error).message).toMatch(
      new RegExp(`^Kinesis sink 'orders-out' \\(stream ${stream}\\): a record of ${JSON.stringify(tooBig).length + 1} bytes exceeds the limit of 1048576 bytes per record`),
    );

    const letters: Array<SinkDeadLetter<Order>> = [];
    const sink = new KinesisSink<Order>({ stream, client, partitionKey: (o) => o.customer, onDeadLetter: (l) => letters.push(l) });
    const env2 = StreamEnvironment.create({ logger: silentLogger });
    env2.fromCollection([{ id: 10, customer: 'c' }, tooBig, { id: 11, customer: '' }, { id: 12, customer: 'c' }]).sinkTo(sink);
    await env2.execute('diverted');
    expect(letters.map((l) => [l.record.id, l.code])).toEqual([
      [1, 'SINK_RECORD_TOO_LARGE'],
      [11, 'SINK_RECORD_INVALID'],
    ]);
    expect(letters[1]?.reason).toBe('could not build a request entry: RangeError: the partition key must be a string of 1 to 256 characters, got 0 characters');
    expect(sink.stats().deadLetters).toBe(2);
    const ids = (await readAll(stream)).map(decode).map((o) => o.id);
    expect(ids.filter((id) => id >= 10).sort((a, b) => a - b)).toEqual([10, 12]);
    expect(ids).not.toContain(1);
  });

  it('on partial failures retries only the failed entries: nothing lost, none sent twice within a batch retry', async () => {
    const stream = await createStream(2);
    const faulty = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
    const mock = mockClient(faulty);
    const sent = new Map<number, number>(); // id → times sent
    const rejected = new Set<number>(); // ids rejected and not yet sent again
    const violations: string[] = [];
    let requests = 0;
    mock.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput): Promise<PutRecordsCommandOutput> => {
      requests++;
      const entries = input.Records ?? [];
      const ids = entries.map((e) => (JSON.parse(new TextDecoder().decode(e.Data)) as Order).id);
      for (const id of ids) {
        const times = sent.get(id) ?? 0;
        if (times > 0 && !rejected.has(id)) violations.push(`${id} sent again without having been rejected`);
        rejected.delete(id);
        sent.set(id, times + 1);
      }
      // Reject about a third of the entries (a deterministic pattern), accept the rest for real.
      const reject = ids.map((id, i) => (id * 7 + requests + i) % 3 === 0);
      const accepted = entries.filter((_, i) => !reject[i]);
      const forwarded = accepted.length === 0 ? [] : ((await client.send(new PutRecordsCommand({ ...input, Records: accepted }))).Records ?? []);
      let next = 0;
      const results: PutRecordsResultEntry[] = entries.map((_, i) => {
        if (reject[i]) {
          rejected.add(ids[i] as number);
          return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard' };
        }
        return forwarded[next++] as PutRecordsResultEntry;
      });
      return { FailedRecordCount: reject.filter(Boolean).length, Records: results, $metadata: {} };
    });
    const input = orders(2_000);
    const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
    const sink = new KinesisSink<Order>({
      stream,
      client: faulty,
      partitionKey: (o) => o.customer,
      maxInFlightRequests: 3,
      retry: { initialBackoffMs: 1, maxBackoffMs: 20 },
    });
    env.fromCollection(input).rebalance().sinkTo(sink);
    const job = env.execute('partial failures');
    await job;
    faulty.destroy();
    expect(violations).toEqual([]);
    const stored = (await readAll(stream)).map(decode);
    expect(stored.length).toBe(input.length);
    expect(stored.sort((a, b) => a.id - b.id)).toEqual(input);
    const stats = sink.stats();
    expect(stats.retriedEntries).toBeGreaterThan(500);
    expect(stats.recordsWritten).toBe(2_000);
    expect([...sent.values()].reduce((a, b) => a + b, 0)).toBe(2_000 + stats.retriedEntries);
    // The retries show in the job's metrics (and so in tributary_sink_retried_records_total), per sink subtask.
    const sinkSubtasks = job.metrics().filter((m) => m.retriedRecords !== undefined);
    expect(sinkSubtasks).toHaveLength(2);
    expect(sinkSubtasks.reduce((total, m) => total + (m.retriedRecords ?? 0), 0)).toBe(stats.retriedEntries);
  });

  it('fails clearly when the stream does not exist', async () => {
    const env = StreamEnvironment.create({ logger: silentLogger });
    env.fromCollection(orders(3)).sinkTo(new KinesisSink<Order>({ stream: 'no-such-stream', client, retry: { initialBackoffMs: 1 } }));
    const error = await env.execute('missing').done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(sinkError(error)).toMatchObject({ code: 'SINK_REQUEST_FAILED', retryable: false });
    expect(sinkError(error)?.message).toMatch(/a request of 3 entries failed: ResourceNotFoundException: .*no-such-stream/);
  });

  it('keeps requests in flight within maxInFlightRequests and destroys only clients it created', async () => {
    const stream = await createStream(2);
    let inFlight = 0;
    let maxInFlight = 0;
    const watched = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
    watched.middlewareStack.add(
      (next) => async (args) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          return await next(args);
        } finally {
          inFlight--;
        }
      },
      { step: 'initialize', name: 'inFlight' },
    );
    const writer = new KinesisSink<Order>({ stream, client: watched, maxBatchSize: 50, maxInFlightRequests: 2, maxBufferedRecords: 100 }).createWriter(context);
    let pushedBack = 0;
    for (const o of orders(1_000)) {
      const pending = writer.write(o, 0);
      if (pending !== undefined) {
        pushedBack++;
        await pending;
      }
    }
    await writer.flush(true);
    await writer.close();
    expect(maxInFlight).toBe(2);
    expect(pushedBack).toBeGreaterThan(0);
    // The injected client still works after the writer closed.
    expect((await readAll(stream)).length).toBe(1_000);
    await watched.send(new ListShardsCommand({ StreamName: stream }));
    watched.destroy();

    // A writer that built its own client destroys it on close.
    const own = new KinesisSink<Order>({ stream, clientConfig: localAwsClientConfig('kinesis', kinesis.endpoint) }).createWriter(context);
    await own.write({ id: 1, customer: 'c' }, 0);
    await own.flush(true);
    await own.close();
    expect((await readAll(stream)).length).toBe(1_001);
  });
});

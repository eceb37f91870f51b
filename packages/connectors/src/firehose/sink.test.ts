import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { StreamEnvironment, silentLogger, type SinkWriterContext } from '@tributary/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncSinkError, type SinkDeadLetter } from '../batching/index.js';
import { startLocalStack, type LocalStack } from '../local/index.js';
import { FIREHOSE_MAX_BATCH_BYTES, FIREHOSE_MAX_RECORD_BYTES } from './options.js';
import { firehoseSink, type FirehoseSinkWriter } from './sink.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

interface Order {
  readonly id: number;
  readonly item: string;
}

const context = (subtaskIndex = 0): SinkWriterContext => ({ subtaskIndex, parallelism: 1, sinkName: 'test', now: () => Date.now() });
const orders = (n: number): Order[] => Array.from({ length: n }, (_, id) => ({ id, item: `item-${id % 7}` }));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const raw = (s: string): string => s;
const text = (data: Uint8Array | undefined): string => Buffer.from(data ?? new Uint8Array()).toString();

/** A mocked client (aws-sdk-client-mock on one instance) for faults the local stack cannot produce. */
function mocked(): { client: FirehoseClient; calls: () => PutRecordBatchCommandInput[]; mock: ReturnType<typeof mockClient> } {
  const client = new FirehoseClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const mock = mockClient(client);
  return { client, mock, calls: () => mock.commandCalls(PutRecordBatchCommand).map((c) => c.args[0].input) };
}

const accepted = (input: PutRecordBatchCommandInput): PutRecordBatchCommandOutput =>
  ({ FailedPutCount: 0, RequestResponses: (input.Records ?? []).map((_, i) => ({ RecordId: `r${i}` })), $metadata: {} }) as PutRecordBatchCommandOutput;

describe('firehoseSink against the local stack', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ kinesis: false, postgres: false });
    await stack.createBucket('sink-lake');
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  async function delivered(prefix: string): Promise<string[]> {
    await stack.firehose.flush();
    const listed = await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: 'sink-lake', Prefix: prefix }));
    const lines: string[] = [];
    for (const o of listed.Contents ?? []) {
      const got = await stack.clients.s3.send(new GetObjectCommand({ Bucket: 'sink-lake', Key: o.Key }));
      lines.push(...(await (got.Body as { transformToString(): Promise<string> }).transformToString()).split('\n').filter((l) => l !== ''));
    }
    return lines;
  }

  async function runJob(deliveryStreamName: string, records: readonly Order[], writers: FirehoseSinkWriter<Order>[]): Promise<void> {
    const env = StreamEnvironment.create({
      parallelism: 2,
      checkpointInterval: 20,
      checkpointDir: await mkdtemp(join(tmpdir(), 'tributary-firehose-')),
      logger: silentLogger,
    });
    const sink = firehoseSink<Order>({
      deliveryStreamName,
      client: stack.clients.firehose,
      maxTimeInBufferMs: 5,
      retry: { initialBackoffMs: 5, maxBackoffMs: 50 },
    });
    env.fromCollection(records).sinkTo({
      createWriter(ctx) {
        const writer = sink.createWriter(ctx);
        writers.push(writer);
        return writer;
      },
    });
    await env.execute(`firehose ${deliveryStreamName}`).done;
  }

  it('a Tributary job delivers every record to S3 as JSON Lines, exactly once when nothing fails', async () => {
    await stack.createDeliveryStream('orders', { bucket: 'sink-lake', prefix: 'orders/', bufferingHints: { sizeInMBs: 1, intervalInSeconds: 60 } });
    const input = orders(3_000);
    const writers: FirehoseSinkWriter<Order>[] = [];
    await runJob('orders', input, writers);
    const lines = await delivered('orders/');
    expect(lines.map((l) => (JSON.parse(l) as Order).id).sort((a, b) => a - b)).toEqual(input.map((o) => o.id));
    expect(lines.map((l) => JSON.parse(l) as Order).find((o) => o.id === 42)).toEqual({ id: 42, item: 'item-0' });
    const stats = writers.map((w) => w.stats());
    expect(stats.reduce((n, s) => n + s.recordsWritten, 0)).toBe(3_000);
    expect(stats.every((s) => s.retriedEntries === 0 && s.bufferedRecords === 0)).toBe(true);
  }, 30_000);

  it('partial failures (injected by the endpoint): only the failed entries are retried, no record lost or duplicated', async () => {
    await stack.createDeliveryStream('flaky', { bucket: 'sink-lake', prefix: 'flaky/', bufferingHints: { sizeInMBs: 1, intervalInSeconds: 60 } });
    const before = stack.firehose.stats();
    stack.firehose.setFaults({ entryFailureRate: 0.25, seed: 3 });
    const input = orders(2_000);
    const writers: FirehoseSinkWriter<Order>[] = [];
    try {
      await runJob('flaky', input, writers);
    } finally {
      stack.firehose.setFaults(undefined);
    }
    const after = stack.firehose.stats();
    const failedEntries = after.recordsFailed - before.recordsFailed;
    expect(failedEntries).toBeGreaterThan(300);
    // Every entry the endpoint rejected was sent again, and nothing else was.
    const retried = writers.reduce((n, w) => n + w.stats().retriedEntries, 0);
    expect(retried).toBe(failedEntries);
    expect(after.recordsAccepted - before.recordsAccepted).toBe(2_000);
    const ids = (await delivered('flaky/')).map((l) => (JSON.parse(l) as Order).id).sort((a, b) => a - b);
    expect(ids).toEqual(input.map((o) => o.id));
  }, 30_000);

  it('fails the job clearly when the delivery stream does not exist (not retried)', async () => {
    await expect(runJob('no-such-stream', orders(10), [])).rejects.toThrow(/ResourceNotFoundException|no-such-stream.*not found/);
  }, 30_000);
});

describe('firehoseSink with an injected (mocked) client', () => {
  it('retries exactly the entries Firehose rejected, in order, and never an accepted one', async () => {
    const { client, mock, calls } = mocked();
    let call = 0;
    mock.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => {
      call++;
      if (call === 1) {
        return {
          FailedPutCount: 2,
          RequestResponses: (input.Records ?? []).map((_, i) =>
            i === 1 || i === 3 ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' } : { RecordId: `r${i}` },
          ),
        };
      }
      return accepted(input);
    });
    const writer = firehoseSink<string>({ deliveryStreamName: 'd', client, serializer: raw, retry: { initialBackoffMs: 1 } }).createWriter(context());
    for (const v of ['a', 'b', 'c', 'd', 'e']) await writer.write(v, 0);
    await writer.flush(false);
    expect(calls().map((c) => (c.Records ?? []).map((r) => text(r.Data)))).toEqual([['a\n', 'b\n', 'c\n', 'd\n', 'e\n'], ['b\n', 'd\n']]);
    expect(writer.stats()).toMatchObject({ recordsWritten: 5, retriedEntries: 2, requests: 2 });
    await writer.close();
    // The injected client is not destroyed: it still sends.
    await client.send(new PutRecordBatchCommand({ DeliveryStreamName: 'd', Records: [{ Data: Buffer.from('x') }] }));
  });

  it('fails without retrying when an entry error cannot be fixed by retrying (KMS)', async () => {
    const { client, mock, calls } = mocked();
    mock.on(PutRecordBatchCommand).resolves({ FailedPutCount: 1, RequestResponses: [{ ErrorCode: 'KMS.DisabledException', ErrorMessage: 'key disabled' }] });
    const writer = firehoseSink<string>({ deliveryStreamName: 'd', client }).createWriter(context());
    await writer.write('a', 0);
    const error = await Promise.resolve(writer.flush(false)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AsyncSinkError);
    expect(error).toMatchObject({ code: 'SINK_ENTRY_REJECTED', retryable: false, message: expect.stringMatching(/KMS\.DisabledException/) });
    expect(calls()).toHaveLength(1);
    await writer.close();
  });

  it('splits batches at 500 records and 4 MiB of data', async () => {
    const { client, mock, calls } = mocked();
    mock.on(PutRecordBatchCommand).callsFake(accepted);
    const writer = firehoseSink<string>({ deliveryStreamName: 'd', client, serializer: raw, newlineDelimited: false }).createWriter(context());
    for (let i = 0; i < 1_200; i++) await writer.write(`r${i}`, 0);
    const big = 'x'.repeat(900 * 1024);
    for (let i = 0; i < 10; i++) await writer.write(big, 0);
    await writer.flush(false);
    const sizes = calls().map((c) => ({ records: c.Records?.length ?? 0, bytes: (c.Records ?? []).reduce((n, r) => n + (r.Data?.byteLength ?? 0), 0) }));
    expect(sizes.every((s) => s.records <= 500 && s.bytes <= FIREHOSE_MAX_BATCH_BYTES)).toBe(true);
    expect(sizes.reduce((n, s) => n + s.records, 0)).toBe(1_210);
    expect(sizes.filter((s) => s.records === 500)).toHaveLength(2);
    await writer.close();
  });

  it('rejects a record over 1000 KiB with an error naming its size and the limit, or hands it to onDeadLetter', async () => {
    const { client, mock, calls } = mocked();
    mock.on(PutRecordBatchCommand).callsFake(accepted);
    const huge = 'y'.repeat(FIREHOSE_MAX_RECORD_BYTES); // + '\n' makes it one byte too many
    const strict = firehoseSink<string>({ deliveryStreamName: 'd', client, serializer: raw }).createWriter(context());
    expect(() => strict.write(huge, 0)).toThrow(/a record of 1024001 bytes exceeds the limit of 1024000 bytes per record/);
    try {
      strict.write(huge, 0);
    } catch (error) {
      expect(error).toMatchObject({ code: 'SINK_RECORD_TOO_LARGE', retryable: false });
    }
    await strict.close();

    const letters: SinkDeadLetter<string>[] = [];
    const lenient = firehoseSink<string>({ deliveryStreamName: 'd', client, serializer: raw, onDeadLetter: (l) => letters.push(l) }).createWriter(context());
    await lenient.write('small', 1);
    await lenient.write(huge, 2);
    await lenient.write(huge.slice(1), 3); // exactly at the limit with its newline
    await lenient.flush(false);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ timestamp: 2, code: 'SINK_RECORD_TOO_LARGE', reason: expect.stringMatching(/1024001 bytes .* 1024000/) });
    expect(lenient.stats()).toMatchObject({ deadLetters: 1, recordsWritten: 2 });
    expect(calls().flatMap((c) => c.Records ?? []).map((r) => r.Data?.byteLength)).toEqual([6, FIREHOSE_MAX_RECORD_BYTES]);
    await lenient.close();
  });

  it('a record the serializer cannot encode is a dead letter with the reason, and the rest still goes out', async () => {
    const { client, mock, calls } = mocked();
    mock.on(PutRecordBatchCommand).callsFake(accepted);
    const letters: SinkDeadLetter<unknown>[] = [];
    const writer = firehoseSink<unknown>({ deliveryStreamName: 'd', client, onDeadLetter: (l) => letters.push(l) }).createWriter(context());
    await writer.write({ n: 10n }, 0);
    await writer.write({ n: 1 }, 0);
    await writer.flush(false);
    expect(letters).toEqual([expect.objectContaining({ code: 'SINK_RECORD_INVALID', reason: expect.stringMatching(/BigInt/) })]);
    expect(calls().flatMap((c) => c.Records ?? []).map((r) => text(r.Data))).toEqual(['{"n":1}\n']);
    await writer.close();
  });

  it('serializer and newline options shape the bytes of each record', async () => {
    const { client, mock, calls } = mocked();
    mock.on(PutRecordBatchCommand).callsFake(accepted);
    const csv = firehoseSink<Order>({ deliveryStreamName: 'd', client, serializer: (o) => `${o.id},${o.item}` }).createWriter(context());
    await csv.write({ id: 1, item: 'tea' }, 0);
    await csv.flush(false);
    const raw = firehoseSink<Uint8Array>({ deliveryStreamName: 'd', client, serializer: (b) => b, newlineDelimited: false }).createWriter(context());
    await raw.write(new Uint8Array([1, 2, 3]), 0);
    await raw.flush(false);
    const bytes = firehoseSink<Uint8Array>({ deliveryStreamName: 'd', client, serializer: (b) => b }).createWriter(context());
    await bytes.write(new Uint8Array([1, 2]), 0);
    await bytes.flush(false);
    expect(calls().map((c) => [...(c.Records?.[0]?.Data ?? [])])).toEqual([[...Buffer.from('1,tea\n')], [1, 2, 3], [1, 2, 10]]);
    await Promise.all([csv.close(), raw.close(), bytes.close()]);
  });

  it('backpressure: write returns a promise once the buffer is full, requests in flight stay bounded, flush waits for acknowledgement', async () => {
    const { client, mock } = mocked();
    let inFlight = 0;
    let maxInFlight = 0;
    const gates: Array<() => void> = [];
    mock.on(PutRecordBatchCommand).callsFake(async (input: PutRecordBatchCommandInput) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inFlight--;
      return accepted(input);
    });
    const writer = firehoseSink<number>({
      deliveryStreamName: 'd',
      client,
      maxBatchSize: 10,
      maxInFlightRequests: 2,
      maxBufferedRecords: 30,
      maxTimeInBufferMs: 60_000,
    }).createWriter(context());
    let pushedBack: Promise<void> | undefined;
    let written = 0;
    while (pushedBack === undefined && written < 1_000) {
      const result = writer.write(written++, 0);
      if (result !== undefined) pushedBack = result;
    }
    // 2 requests of 10 in flight + 30 buffered: the 50th write pushes back.
    expect(written).toBe(50);
    expect(pushedBack).toBeInstanceOf(Promise);
    await sleep(20);
    expect(maxInFlight).toBe(2);
    let resumed = false;
    void pushedBack?.then(() => (resumed = true));
    await sleep(20);
    expect(resumed).toBe(false);
    gates.shift()?.();
    await sleep(20);
    expect(resumed).toBe(true);

    let flushed = false;
    const flushing = Promise.resolve(writer.flush(false)).then(() => (flushed = true));
    for (let i = 0; i < 50 && writer.stats().recordsWritten < 50; i++) {
      await sleep(5);
      expect(flushed).toBe(writer.stats().recordsWritten === 50);
      gates.shift()?.();
    }
    await flushing;
    expect(writer.stats()).toMatchObject({ recordsWritten: 50, bufferedRecords: 0, inFlightRequests: 0 });
    expect(maxInFlight).toBe(2);
    await writer.close();
  });

  it('checks its options at once', () => {
    expect(() => firehoseSink({ deliveryStreamName: 'no spaces' })).toThrow(/deliveryStreamName must be 1-64 characters of \[a-zA-Z0-9_.-\], got 'no spaces'/);
    const { client } = mocked();
    expect(() => firehoseSink({ deliveryStreamName: 'd', client, maxBatchSize: 501 }).createWriter(context())).toThrow(/maxBatchSize must be <= the service limit 500/);
  });
});

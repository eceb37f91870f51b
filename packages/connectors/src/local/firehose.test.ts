import { gunzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
} from '@aws-sdk/client-firehose';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from './stack.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const KiB = 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('local Firehose endpoint', { timeout: 30_000 }, () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ kinesis: false, postgres: false });
    await stack.createBucket('lake');
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  async function objects(prefix: string): Promise<Array<{ key: string; body: Buffer }>> {
    const listed = await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: prefix }));
    const out: Array<{ key: string; body: Buffer }> = [];
    for (const o of listed.Contents ?? []) {
      const got = await stack.clients.s3.send(new GetObjectCommand({ Bucket: 'lake', Key: o.Key }));
      out.push({ key: o.Key as string, body: Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray()) });
    }
    return out;
  }

  async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (done(value) || Date.now() > deadline) return value;
      await sleep(25);
    }
  }

  const records = (texts: string[]): Array<{ Data: Uint8Array }> => texts.map((t) => ({ Data: Buffer.from(t) }));

  it('zero buffering: a batch is delivered to S3 at once, named like Firehose names objects, records concatenated', async () => {
    await stack.createDeliveryStream('zero', { bucket: 'lake', prefix: 'zero/', bufferingHints: { sizeInMBs: 1, intervalInSeconds: 0 } });
    const out = await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'zero', Records: records(['a\n', 'b\n', 'c\n']) }));
    expect(out.FailedPutCount).toBe(0);
    expect(out.RequestResponses).toHaveLength(3);
    expect(out.RequestResponses?.every((r) => typeof r.RecordId === 'string' && r.ErrorCode === undefined)).toBe(true);
    const found = await waitFor(() => objects('zero/'), (o) => o.length > 0, 2_000);
    expect(found).toHaveLength(1);
    const [object] = found;
    expect(object?.body.toString()).toBe('a\nb\nc\n');
    const now = new Date();
    const hour = `${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}/${String(now.getUTCDate()).padStart(2, '0')}`;
    expect(object?.key).toMatch(/^zero\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/zero-1-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f-]{36}$/);
    expect(object?.key.startsWith(`zero/${hour}/`)).toBe(true);
  });

  it('size hint: nothing is delivered below SizeInMBs, one object once the buffer reaches it', async () => {
    await stack.createDeliveryStream('sized', { bucket: 'lake', prefix: 'sized/', bufferingHints: { sizeInMBs: 1, intervalInSeconds: 900 } });
    const chunk = (c: string): Uint8Array => Buffer.alloc(300 * KiB, c);
    await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'sized', Records: [{ Data: chunk('a') }, { Data: chunk('b') }] }));
    await sleep(300);
    expect(await objects('sized/')).toHaveLength(0);
    await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'sized', Records: [{ Data: chunk('c') }, { Data: chunk('d') }] }));
    const found = await waitFor(() => objects('sized/'), (o) => o.length > 0);
    expect(found).toHaveLength(1);
    expect(found[0]?.body.length).toBe(1200 * KiB);
    expect(found[0]?.body.subarray(900 * KiB).every((b) => b === 'd'.charCodeAt(0))).toBe(true);
    // The endpoint's flush delivers what is buffered below the hints too.
    await stack.clients.firehose.send(new PutRecordCommand({ DeliveryStreamName: 'sized', Record: { Data: Buffer.from('tail') } }));
    await stack.firehose.flush('sized');
    const all = await objects('sized/');
    expect(all.map((o) => o.body.length).sort((a, b) => a - b)).toEqual([4, 1200 * KiB]);
  });

  it('interval hint: a small buffer is delivered IntervalInSeconds after its first record', async () => {
    await stack.createDeliveryStream('timed', { bucket: 'lake', prefix: 'timed/', bufferingHints: { sizeInMBs: 128, intervalInSeconds: 1 } });
    const started = Date.now();
    await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'timed', Records: records(['x', 'y']) }));
    await sleep(400);
    await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'timed', Records: records(['z']) }));
    expect(await objects('timed/')).toHaveLength(0);
    const found = await waitFor(() => objects('timed/'), (o) => o.length > 0, 5_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(found.map((o) => o.body.toString())).toEqual(['xyz']);
  });

  it('describes, lists and deletes delivery streams; unknown streams and duplicates are the service errors', async () => {
    const firehose = stack.clients.firehose;
    await stack.createDeliveryStream('described', { bucket: 'lake', prefix: 'd/', bufferingHints: { sizeInMBs: 2, intervalInSeconds: 60 } });
    const described = await firehose.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'described' }));
    const d = described.DeliveryStreamDescription;
    expect(d?.DeliveryStreamStatus).toBe('ACTIVE');
    expect(d?.DeliveryStreamARN).toBe('arn:aws:firehose:us-east-1:000000000000:deliverystream/described');
    expect(d?.Destinations?.[0]?.ExtendedS3DestinationDescription).toMatchObject({
      BucketARN: 'arn:aws:s3:::lake',
      Prefix: 'd/',
      BufferingHints: { SizeInMBs: 2, IntervalInSeconds: 60 },
    });
    expect((await firehose.send(new ListDeliveryStreamsCommand({}))).DeliveryStreamNames).toContain('described');
    await expect(stack.createDeliveryStream('described', { bucket: 'lake' })).rejects.toMatchObject({ name: 'ResourceInUseException' });
    await firehose.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'described' }));
    await expect(firehose.send(new PutRecordCommand({ DeliveryStreamName: 'described', Record: { Data: Buffer.from('x') } }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    await expect(
      firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'bad-hints',
          ExtendedS3DestinationConfiguration: { BucketARN: 'arn:aws:s3:::lake', RoleARN: 'r', BufferingHints: { SizeInMBs: 0 } },
        }),
      ),
    ).rejects.toThrow(/SizeInMBs must be an integer in 1\.\.128/);
  });

  it('enforces the PutRecordBatch limits: 500 records, 1000 KiB a record, 4 MiB a request', async () => {
    await stack.createDeliveryStream('limits', { bucket: 'lake', prefix: 'limits/', bufferingHints: { intervalInSeconds: 0 } });
    const firehose = stack.clients.firehose;
    await expect(
      firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'limits', Records: records(Array.from({ length: 501 }, () => 'x')) })),
    ).rejects.toMatchObject({ name: 'InvalidArgumentException', message: expect.stringMatching(/1\.\.500 records, got 501/) });
    await expect(
      firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'limits', Records: [{ Data: Buffer.alloc(1000 * KiB + 1) }] })),
    ).rejects.toThrow(/1024001 bytes; the maximum record size is 1024000 bytes/);
    await expect(
      firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'limits', Records: Array.from({ length: 5 }, () => ({ Data: Buffer.alloc(900 * KiB) })) })),
    ).rejects.toThrow(/maximum is 4194304 bytes/);
    const ok = await firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'limits', Records: [{ Data: Buffer.alloc(1000 * KiB) }] }));
    expect(ok.FailedPutCount).toBe(0);
  });

  it('fault injection: a fraction of entries fail with an ErrorCode and are not delivered; failed requests are retried by the SDK', async () => {
    await stack.createDeliveryStream('faulty', { bucket: 'lake', prefix: 'faulty/', bufferingHints: { intervalInSeconds: 0 } });
    const before = stack.firehose.stats();
    stack.firehose.setFaults({ entryFailureRate: 0.3, seed: 7 });
    try {
      const texts = Array.from({ length: 200 }, (_, i) => `${i}\n`);
      const out = await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'faulty', Records: records(texts) }));
      const failed = (out.RequestResponses ?? []).flatMap((r, i) => (r.ErrorCode === undefined ? [] : [i]));
      expect(out.FailedPutCount).toBe(failed.length);
      expect(failed.length).toBeGreaterThan(30);
      expect(failed.length).toBeLessThan(90);
      expect(out.RequestResponses?.[failed[0] as number]).toMatchObject({ ErrorCode: 'ServiceUnavailableException' });
      await stack.firehose.flush('faulty');
      const delivered = (await objects('faulty/')).map((o) => o.body.toString()).join('');
      expect(delivered.split('\n').filter(Boolean).map(Number).sort((a, b) => a - b)).toEqual(
        texts.map((_, i) => i).filter((i) => !failed.includes(i)),
      );

      stack.firehose.setFaults({ failRequests: 2 });
      const retried = await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'faulty', Records: records(['ok\n']) }));
      expect(retried.FailedPutCount).toBe(0);
      const after = stack.firehose.stats();
      expect(after.requestsFailed - before.requestsFailed).toBe(2);
      expect(after.recordsFailed - before.recordsFailed).toBe(failed.length);
    } finally {
      stack.firehose.setFaults(undefined);
    }
  });

  it('GZIP compression writes gzipped objects with a .gz suffix', async () => {
    await stack.createDeliveryStream('zipped', { bucket: 'lake', prefix: 'zipped/', compression: 'GZIP', bufferingHints: { intervalInSeconds: 0 } });
    await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'zipped', Records: records(['{"a":1}\n', '{"a":2}\n']) }));
    await stack.firehose.flush('zipped');
    const [object] = await objects('zipped/');
    expect(object?.key.endsWith('.gz')).toBe(true);
    expect(gunzipSync(object?.body ?? Buffer.alloc(0)).toString()).toBe('{"a":1}\n{"a":2}\n');
  });
});

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClientConfig, isLoopbackEndpoint, localAwsClientConfig } from './clientConfig.js';
import { startLocalStack, type LocalStack } from './stack.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const MiB = 1024 * 1024;

describe('startLocalStack (all services)', { timeout: 30_000 }, () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack();
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  it('binds every service to 127.0.0.1 ephemeral ports and reports endpoints, region and dummy credentials', () => {
    expect(stack.services).toEqual(['kinesis', 's3', 'firehose', 'postgres']);
    for (const url of [stack.endpoints.kinesis, stack.endpoints.s3, stack.endpoints.firehose]) {
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    expect(stack.endpoints.postgres).toMatch(/^postgresql:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(new Set([stack.endpoints.kinesis, stack.endpoints.s3, stack.endpoints.firehose]).size).toBe(3);
    expect(stack.region).toBe('us-east-1');
    expect(stack.credentials).toEqual({ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
    expect(stack.env()).toMatchObject({
      AWS_ENDPOINT_URL_KINESIS: stack.endpoints.kinesis,
      AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
      AWS_ENDPOINT_URL_FIREHOSE: stack.endpoints.firehose,
      DATABASE_URL: stack.endpoints.postgres,
    });
  });

  it('Kinesis: PutRecords and GetRecords through the real client', async () => {
    await stack.createStream('stack-test', 2);
    const kinesis = stack.clients.kinesis;
    const put = await kinesis.send(
      new PutRecordsCommand({
        StreamName: 'stack-test',
        Records: Array.from({ length: 20 }, (_, i) => ({ Data: Buffer.from(`r${i}`), PartitionKey: `k${i}` })),
      }),
    );
    expect(put.FailedRecordCount).toBe(0);
    const shards = (await kinesis.send(new ListShardsCommand({ StreamName: 'stack-test' }))).Shards ?? [];
    expect(shards).toHaveLength(2);
    const read: string[] = [];
    for (const shard of shards) {
      const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: 'stack-test', ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }));
      const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
      read.push(...(got.Records ?? []).map((r) => Buffer.from(r.Data ?? []).toString()));
    }
    expect(read.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`).sort());
  });

  it('S3: put and get an object, and a streamed multipart upload arrives intact', async () => {
    await stack.createBucket('stack-test');
    await stack.createBucket('stack-test'); // idempotent
    const s3 = stack.clients.s3;
    await s3.send(new PutObjectCommand({ Bucket: 'stack-test', Key: 'a/b.txt', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: 'stack-test', Key: 'a/b.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');

    const big = Buffer.alloc(11 * MiB);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i, i);
    await new Upload({ client: s3, params: { Bucket: 'stack-test', Key: 'big.bin', Body: big }, partSize: 5 * MiB }).done();
    const back = await s3.send(new GetObjectCommand({ Bucket: 'stack-test', Key: 'big.bin' }));
    const bytes = Buffer.from(await (back.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    expect(bytes.equals(big)).toBe(true);
  });

  it('S3: AbortMultipartUpload deletes the parts, ListMultipartUploads lists uploads in progress, unknown uploads are NoSuchUpload', async () => {
    await stack.createBucket('abort-test');
    const s3 = stack.clients.s3;
    const keep = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'abort-test', Key: 'out/keep.bin' }));
    const drop = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'abort-test', Key: 'out/drop.bin' }));
    await s3.send(new UploadPartCommand({ Bucket: 'abort-test', Key: 'out/drop.bin', UploadId: drop.UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 1) }));
    const listed = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'abort-test', Prefix: 'out/' }));
    expect((listed.Uploads ?? []).map((u) => [u.Key, u.UploadId]).sort()).toEqual(
      [
        ['out/drop.bin', drop.UploadId],
        ['out/keep.bin', keep.UploadId],
      ].sort(),
    );

    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'abort-test', Key: 'out/drop.bin', UploadId: drop.UploadId }));
    const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: 'abort-test' }));
    expect((after.Uploads ?? []).map((u) => u.Key)).toEqual(['out/keep.bin']);
    const uploadsDir = join(stack.s3.directory, 'abort-test', '._S3rver_uploads');
    expect(await readdir(uploadsDir)).toEqual([keep.UploadId]);
    // Nothing became visible, and the upload is gone for good.
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'abort-test' }))).KeyCount).toBe(0);
    await expect(s3.send(new AbortMultipartUploadCommand({ Bucket: 'abort-test', Key: 'out/drop.bin', UploadId: drop.UploadId }))).rejects.toMatchObject({
      name: 'NoSuchUpload',
    });
    await expect(
      s3.send(new CompleteMultipartUploadCommand({ Bucket: 'abort-test', Key: 'out/drop.bin', UploadId: drop.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: 'x' }] } })),
    ).rejects.toThrow();
    // A wrong key for a live upload id does not abort it.
    await expect(s3.send(new AbortMultipartUploadCommand({ Bucket: 'abort-test', Key: 'out/other.bin', UploadId: keep.UploadId }))).rejects.toMatchObject({
      name: 'NoSuchUpload',
    });
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'abort-test', Key: 'out/keep.bin', UploadId: keep.UploadId }));
    expect(stack.s3.stats().abortedUploads).toBe(2);
  });

  it('S3: concurrent DeleteObjects over shared directories all succeed (s3rver 500 race retried)', async () => {
    await stack.createBucket('delete-test');
    const s3 = stack.clients.s3;
    const keys = Array.from({ length: 120 }, (_, i) => `dt=2026-01-0${i % 3}/hour=0${i % 2}/part-${i}.jsonl`);
    await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: 'delete-test', Key, Body: Key }))));
    const batches = Array.from({ length: 12 }, (_, b) => keys.filter((_, i) => i % 12 === b));
    const results = await Promise.all(
      batches.map((batch) => s3.send(new DeleteObjectsCommand({ Bucket: 'delete-test', Delete: { Objects: batch.map((Key) => ({ Key })) } }))),
    );
    expect(results.flatMap((r) => r.Deleted ?? []).length).toBe(120);
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'delete-test' }))).KeyCount).toBe(0);
  });

  it('PostgreSQL: pg connects with the connection string, several clients at once', async () => {
    const pool = new pg.Pool({ connectionString: stack.endpoints.postgres, max: 4 });
    try {
      await pool.query('CREATE TABLE stack_test (id BIGINT PRIMARY KEY, name TEXT)');
      await Promise.all(Array.from({ length: 8 }, (_, i) => pool.query('INSERT INTO stack_test VALUES ($1, $2)', [i, `n${i}`])));
      const clients = await Promise.all([pool.connect(), pool.connect(), pool.connect()]);
      const counts = await Promise.all(clients.map((c) => c.query<{ n: string }>('SELECT count(*) AS n FROM stack_test')));
      for (const c of clients) c.release();
      expect(counts.map((r) => r.rows[0]?.n)).toEqual(['8', '8', '8']);
    } finally {
      await pool.end();
    }
  });

  it('clientConfig builds independent clients; awsClientConfig picks the stack from the environment alone', async () => {
    const own = new S3Client(stack.clientConfig('s3'));
    const fromEnv = new KinesisClient(awsClientConfig('kinesis', { env: stack.env() }));
    try {
      await own.send(new PutObjectCommand({ Bucket: 'stack-test', Key: 'own.txt', Body: 'x' }));
      expect((await fromEnv.send(new ListShardsCommand({ StreamName: 'stack-test' }))).Shards).toHaveLength(2);
    } finally {
      own.destroy();
      fromEnv.destroy();
    }
  });
});

describe('client configuration', () => {
  it('uses SDK defaults without an endpoint, local settings for loopback endpoints, the endpoint alone otherwise', () => {
    expect(awsClientConfig('kinesis', { env: {} })).toEqual({});
    expect(awsClientConfig('s3', { env: {}, region: 'eu-west-1' })).toEqual({ region: 'eu-west-1' });
    expect(awsClientConfig('s3', { env: { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' } })).toMatchObject({
      endpoint: 'http://127.0.0.1:9000',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    expect(awsClientConfig('firehose', { env: { AWS_ENDPOINT_URL: 'http://localhost:4573' } })).toMatchObject({ endpoint: 'http://localhost:4573' });
    const remote = awsClientConfig('kinesis', { env: { AWS_ENDPOINT_URL_KINESIS: 'https://kinesis.vpce.example' } });
    expect(remote).toEqual({ endpoint: 'https://kinesis.vpce.example' });
    expect('credentials' in remote).toBe(false);
    expect(localAwsClientConfig('kinesis', 'http://127.0.0.1:1').requestHandler).toBeDefined();
    expect(isLoopbackEndpoint('http://127.0.0.1:1')).toBe(true);
    expect(isLoopbackEndpoint('https://s3.amazonaws.com')).toBe(false);
  });
});

describe('startLocalStack (selected services)', { timeout: 30_000 }, () => {
  it('starts only what is asked, and a disabled service says so', async () => {
    const stack = await startLocalStack({ kinesis: false, firehose: false, postgres: false });
    try {
      expect(stack.services).toEqual(['s3']);
      expect(() => stack.endpoints.kinesis).toThrow(/kinesis is not running in this local stack/);
      expect(() => stack.clients.firehose).toThrow(/firehose is not running/);
      expect(() => stack.postgres).toThrow(/postgres is not running/);
      expect(stack.env()['AWS_ENDPOINT_URL_KINESIS']).toBeUndefined();
    } finally {
      await stack.stop();
      await stack.stop(); // idempotent
    }
  });

  it('refuses Firehose without S3', async () => {
    await expect(startLocalStack({ s3: false, postgres: false })).rejects.toThrow(/Firehose delivers to the local S3/);
  });
});


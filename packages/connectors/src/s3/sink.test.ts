import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCommand,
  CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import {
  csv,
  jsonLines,
  RestartStrategies,
  silentLogger,
  StreamEnvironment,
  WatermarkStrategy,
  type SinkWriterContext,
  type Source,
  type SourceSplit,
  type TwoPhaseCommitSink,
  type TwoPhaseCommitSinkWriter,
} from '@tributary/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { parquet } from '../formats/parquetFormat.js';
import { parquetjsLiteWriter } from '../formats/parquetjsWriter.js';
import type { LocalStack } from '../local/index.js';
import { S3CheckpointStorage } from './checkpointStorage.js';
import type { S3Committable } from './multipartFile.js';
import { MIN_PART_BYTES } from './options.js';
import { combinePartitioning, eventTimePartitioning, fieldPartitioning } from './partitioning.js';
import { s3FileSink, type S3SinkDeadLetter } from './sink.js';
import { createTestBucket, startLocalS3Stack } from './testing.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let stack: LocalStack;
let s3: S3Client;
let duck: DuckDBInstance;
let dir: string;

beforeAll(async () => {
  stack = await startLocalS3Stack();
  s3 = stack.clients.s3;
  duck = await DuckDBInstance.create(':memory:');
  dir = await mkdtemp(join(tmpdir(), 'tributary-s3-sink-'));
}, 60_000);
afterAll(async () => {
  duck?.closeSync();
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

const newBucket = (): Promise<string> => createTestBucket(stack, 'sink');

const context = (subtaskIndex = 0, parallelism = 1, now = (): number => 0): SinkWriterContext => ({ subtaskIndex, parallelism, sinkName: 's3 sink', now });

/** Keys a reader listing the bucket sees. */
async function visible(bucket: string, prefix = ''): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

async function uploads(bucket: string, prefix = ''): Promise<Array<{ key: string; uploadId: string }>> {
  const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
  return (page.Uploads ?? []).map((u) => ({ key: u.Key!, uploadId: u.UploadId! }));
}

async function bytesOf(bucket: string, key: string): Promise<Uint8Array> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return answer.Body!.transformToByteArray();
}

async function textOf(bucket: string, key: string): Promise<string> {
  return Buffer.from(await bytesOf(bucket, key)).toString('utf8');
}

let duckFiles = 0;
async function duckRead(bytes: Uint8Array, sql = (path: string) => `SELECT * FROM read_parquet('${path}')`): Promise<Array<Record<string, unknown>>> {
  const path = join(dir, `d${duckFiles++}.parquet`);
  await writeFile(path, bytes);
  const connection = await duck.connect();
  try {
    return (await connection.runAndReadAll(sql(path))).getRowObjectsJS();
  } finally {
    connection.closeSync();
  }
}

interface Order {
  readonly id: number;
  readonly big: bigint;
  readonly customer: string;
  readonly country: string | null;
  readonly total: number | null;
  readonly paid: boolean;
  readonly at: Date;
}

const order = (i: number): Order => ({
  id: i,
  big: 2n ** 60n + BigInt(i),
  customer: `customer ${i} "q", ü`,
  country: i % 5 === 0 ? null : ['DE', 'FR', 'US'][i % 3]!,
  total: i % 4 === 0 ? null : i * 1.5,
  paid: i % 2 === 0,
  at: new Date(Date.UTC(2024, 4, 1, Math.floor(i / 3) % 3, 0, 0) + i),
});

const orderSchema = {
  id: 'INT32',
  big: 'INT64',
  customer: 'UTF8',
  country: { type: 'UTF8', optional: true },
  total: { type: 'DOUBLE', optional: true },
  paid: 'BOOLEAN',
  at: 'TIMESTAMP_MILLIS',
} as const;

describe('s3FileSink', () => {
  it('stages Parquet in a multipart upload, shows nothing until the commit, then DuckDB reads the same rows, types and nulls', async () => {
    const bucket = await newBucket();
    const sink = s3FileSink<Order>({ client: s3, bucket, prefix: 'orders', format: parquet({ schema: orderSchema, rowGroupRows: 300 }) });
    const writer = sink.createWriter(context());
    const committer = sink.createCommitter(context());
    const input = Array.from({ length: 1000 }, (_, i) => order(i));
    for (const o of input) await writer.write(o, o.at.getTime());

    const committables = await writer.preCommit(1);
    expect(committables).toHaveLength(1);
    const [c] = committables as [S3Committable];
    expect(c).toMatchObject({ bucket, uploadId: expect.any(String), records: 1000 });
    expect(c.key).toMatch(/^orders\/part-0-[0-9a-f]{8}-0\.parquet$/);
    expect(await visible(bucket)).toEqual([]); // staged, invisible
    expect(await uploads(bucket)).toEqual([{ key: c.key, uploadId: c.uploadId }]);

    await committer.commit(committables);
    expect(await visible(bucket)).toEqual([c.key]);
    expect(await uploads(bucket)).toEqual([]);
    const rows = await duckRead(await bytesOf(bucket, c.key));
    expect(rows).toEqual(input.map((o) => ({ ...o })));
    const types = await duckRead(await bytesOf(bucket, c.key), (p) => `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${p}'))`);
    expect(types.map((t) => `${t.column_name}:${t.column_type}`)).toEqual([
      'id:INTEGER',
      'big:BIGINT',
      'customer:VARCHAR',
      'country:VARCHAR',
      'total:DOUBLE',
      'paid:BOOLEAN',
      'at:TIMESTAMP',
    ]);
    const codecs = await duckRead(await bytesOf(bucket, c.key), (p) => `SELECT DISTINCT compression FROM parquet_metadata('${p}')`);
    expect(codecs).toEqual([{ compression: 'SNAPPY' }]);
    expect(sink.stats()).toMatchObject({ filesStaged: 1, filesCommitted: 1, recordsCommitted: 1000 });
    await writer.close?.();
    await committer.close?.();
  });

  it('uploads parts of at least 5 MiB as data accumulates, the last one smaller', async () => {
    const bucket = await newBucket();
    const sink = s3FileSink<{ id: number; pad: string }>({ client: s3, bucket, format: jsonLines(), partBytes: MIN_PART_BYTES });
    const writer = sink.createWriter(context());
    const pad = 'x'.repeat(1000);
    let expected = '';
    for (let i = 0; i < 16_000; i++) {
      const record = { id: i, pad };
      expected += `${JSON.stringify(record)}\n`;
      await writer.write(record, 0);
    }
    // Full parts go out before the barrier.
    for (let i = 0; i < 100 && (await uploads(bucket)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await uploads(bucket)).toHaveLength(1);
    const committables = await writer.preCommit(1);
    const [c] = committables as [S3Committable];
    expect(c.parts.map((p) => p.partNumber)).toEqual([1, 2, 3]);
    expect(c.bytes).toBe(Buffer.byteLength(expected));
    await sink.createCommitter(context()).commit(committables);
    expect(await textOf(bucket, c.key)).toBe(expected);
  });

  it('writes JSON Lines and CSV (core formats) and rolls at every checkpoint, without empty files', async () => {
    const bucket = await newBucket();
    const lines = s3FileSink<{ id: number; name: string }>({ client: s3, bucket, prefix: 'lines/', format: jsonLines() });
    const table = s3FileSink<{ id: number; name: string }>({ client: s3, bucket, prefix: 'table/', format: csv({ columns: ['id', 'name'], header: true }) });
    for (const sink of [lines, table]) {
      const writer = sink.createWriter(context());
      const committer = sink.createCommitter(context());
      await writer.write({ id: 1, name: 'a, "b"' }, 0);
      await committer.commit(await writer.preCommit(1));
      expect(await writer.preCommit(2)).toEqual([]); // nothing written: no file
      await writer.write({ id: 2, name: 'c\nd' }, 0);
      await committer.commit(await writer.preCommit(3));
    }
    const lineKeys = await visible(bucket, 'lines/');
    expect(lineKeys).toHaveLength(2);
    expect(await Promise.all(lineKeys.map((k) => textOf(bucket, k)))).toEqual(['{"id":1,"name":"a, \\"b\\""}\n', '{"id":2,"name":"c\\nd"}\n']);
    const tableKeys = await visible(bucket, 'table/');
    expect(tableKeys.every((k) => k.endsWith('.csv'))).toBe(true);
    expect(await Promise.all(tableKeys.map((k) => textOf(bucket, k)))).toEqual(['id,name\r\n1,"a, ""b"""\r\n', 'id,name\r\n2,"c\nd"\r\n']);
  });

  it('partitions Hive-style by event time and by field', async () => {
    const bucket = await newBucket();
    const sink = s3FileSink<Order>({
      client: s3,
      bucket,
      prefix: 'orders',
      format: jsonLines({ stringify: (o) => JSON.stringify({ id: o.id }) }),
      partitioning: combinePartitioning(fieldPartitioning('country'), eventTimePartitioning()),
    });
    const writer = sink.createWriter(context());
    for (let i = 0; i < 30; i++) await writer.write(order(i), order(i).at.getTime());
    await sink.createCommitter(context()).commit(await writer.preCommit(1));
    const keys = await visible(bucket);
    const folders = [...new Set(keys.map((k) => k.slice(0, k.lastIndexOf('/'))))].sort();
    expect(folders).toHaveLength(12); // 4 countries (null included) × 3 hours
    expect(folders.every((f) => /^orders\/country=(DE|FR|US|__HIVE_DEFAULT_PARTITION__)\/dt=2024-05-01\/hour=0[012]$/.test(f))).toBe(true);
    // Every record landed in the folder its values say.
    for (const key of keys) {
      const ids = (await textOf(bucket, key)).trim().split('\n').map((l) => (JSON.parse(l) as { id: number }).id);
      for (const id of ids) {
        const o = order(id);
        expect(key).toContain(`country=${o.country ?? '__HIVE_DEFAULT_PARTITION__'}/dt=2024-05-01/hour=0${o.at.getUTCHours()}/part-0-`);
      }
    }
    expect(() => eventTimePartitioning()({}, Number.NEGATIVE_INFINITY)).toThrow(/no event time/);
    expect(() => fieldPartitioning('a/b')).toThrow(/fieldPartitioning: name must be/);
    expect(fieldPartitioning<{ k: string }>('k')({ k: 'a/b=c' }, 0)).toBe('k=a%2Fb%3Dc');
  });

  it('rolls by size and by age', async () => {
    const bucket = await newBucket();
    let now = 0;
    const bySize = s3FileSink<{ id: number }>({ client: s3, bucket, prefix: 'size', format: jsonLines(), maxFileBytes: 100 });
    const w1 = bySize.createWriter(context(0, 1, () => now));
    for (let i = 0; i < 50; i++) await w1.write({ id: i }, 0); // ~9 bytes a line: a new file every ~12 records
    const sized = await w1.preCommit(1);
    expect(sized.length).toBeGreaterThanOrEqual(4);
    expect(sized.reduce((n, c) => n + c.records, 0)).toBe(50);

    const byAge = s3FileSink<{ id: number }>({ client: s3, bucket, prefix: 'age', format: jsonLines(), maxFileAgeMs: 1_000 });
    const w2 = byAge.createWriter(context(0, 1, () => now));
    await w2.write({ id: 1 }, 0);
    now = 500;
    await w2.write({ id: 2 }, 0);
    now = 1_600;
    await w2.write({ id: 3 }, 0); // the file opened at 0 is over a second old: rolled
    const aged = await w2.preCommit(1);
    expect(aged.map((c) => c.records)).toEqual([3]);
    now = 1_700;
    await w2.write({ id: 4 }, 0);
    now = 2_800;
    await w2.write({ id: 5 }, 0);
    expect((await w2.preCommit(2)).map((c) => c.records)).toEqual([2]);
    now = 3_000;
    await w2.write({ id: 6 }, 0);
    now = 4_100;
    await w2.write({ id: 7 }, 0);
    now = 5_200;
    await w2.write({ id: 8 }, 0);
    expect((await w2.preCommit(3)).map((c) => c.records).sort()).toEqual([1, 2]);
  });

  it('commits idempotently: again, after a restart, and warns once a committed upload has vanished', async () => {
    const bucket = await newBucket();
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_: object, msg?: string) => warnings.push(msg ?? '') };
    const sink = s3FileSink<{ id: number }>({ client: s3, bucket, format: jsonLines(), logger });
    const writer = sink.createWriter(context());
    await writer.write({ id: 1 }, 0);
    const committables = await writer.preCommit(1);
    await sink.createCommitter(context()).commit(committables);
    await sink.createCommitter(context()).commit(committables);
    await s3FileSink<{ id: number }>({ client: s3, bucket, format: jsonLines() }).createCommitter(context()).commit(committables);
    expect(await visible(bucket)).toEqual([committables[0]!.key]);
    expect(warnings).toEqual([]);

    // An upload aborted behind the sink's back: nothing to commit, and the loss is reported.
    await writer.write({ id: 2 }, 0);
    const [lost] = (await writer.preCommit(2)) as [S3Committable];
    await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: lost.key, UploadId: lost.uploadId }));
    await sink.createCommitter(context()).commit([lost]);
    expect(warnings).toEqual([expect.stringContaining('its records are lost')]);
    expect(sink.stats().commitsLost).toBe(1);
    await expect(sink.createCommitter(context()).commit([{ ...lost, key: '../elsewhere/x.jsonl' }])).rejects.toMatchObject({ code: 'S3_BAD_COMMITTABLE' });
  });

  it('cleans up the stale uploads of its subtask, keeping restored and live ones and those of others', async () => {
    const bucket = await newBucket();
    const stale = async (key: string): Promise<string> => {
      const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: created.UploadId, PartNumber: 1, Body: 'stale' }));
      return created.UploadId!;
    };
    await stale('out/dt=2024-01-01/part-0-aaaaaaaa-0.jsonl'); // subtask 0, crashed attempt
    await stale('out/part-0-bbbbbbbb-3.jsonl'); // subtask 0, another crashed attempt
    await stale('out/part-2-cccccccc-0.jsonl'); // subtask 2 of a larger parallelism: maps to 0 at parallelism 2
    await stale('out/part-1-dddddddd-0.jsonl'); // subtask 1: not ours
    await stale('other/part-0-eeeeeeee-0.jsonl'); // another prefix
    await stale('out/notes-0-ffffffff-0.jsonl'); // another file prefix
    const restoredId = await stale('out/part-0-12345678-0.jsonl');
    const sink = s3FileSink<{ id: number }>({ client: s3, bucket, prefix: 'out', format: jsonLines() });
    const writer = sink.createWriter(context(0, 2));
    await writer.write({ id: 1 }, 0);
    const live = (await writer.preCommit(1))[0]!;
    const restored: S3Committable = { bucket, key: 'out/part-0-12345678-0.jsonl', uploadId: restoredId, parts: [{ partNumber: 1, etag: 'x' }], records: 1, bytes: 5 };
    await sink.createCommitter(context(0, 2)).cleanup!(context(0, 2), [restored]);
    expect((await uploads(bucket)).map((u) => u.key).sort()).toEqual(
      ['other/part-0-eeeeeeee-0.jsonl', 'out/notes-0-ffffffff-0.jsonl', 'out/part-0-12345678-0.jsonl', live.key, 'out/part-1-dddddddd-0.jsonl'].sort(),
    );
    expect(sink.stats().uploadsAborted).toBe(3);
  });

  it('sends records it cannot write to onDeadLetter, counted; without it the job fails', async () => {
    const bucket = await newBucket();
    const letters: Array<S3SinkDeadLetter<unknown>> = [];
    const sink = s3FileSink<unknown>({
      client: s3,
      bucket,
      format: parquet({ schema: { id: 'INT64' }, writer: parquetjsLiteWriter }),
      partitioning: (r) => ((r as { id?: unknown }).id === 'boom' ? ((): never => { throw new Error('no partition for boom'); })() : ''),
      onDeadLetter: (letter) => letters.push(letter),
    });
    const writer = sink.createWriter(context());
    for (const record of [{ id: 1n }, { id: 'x' }, { id: 'boom' }, { id: 2n ** 60n }, { id: 2n }]) await writer.write(record, 7);
    const [c] = (await writer.preCommit(1)) as [S3Committable];
    expect(c.records).toBe(2);
    expect(letters.map((l) => [l.reason, l.timestamp, l.code])).toEqual([
      ['partitioning failed: no partition for boom', 7, 'S3_RECORD_REJECTED'],
      [expect.stringContaining("column 'id' (INT64) expects a bigint"), 7, 'S3_RECORD_REJECTED'],
      [expect.stringContaining('parquetjs-lite cannot store INT64 1152921504606846976 exactly'), 7, 'S3_RECORD_REJECTED'],
    ]);
    expect(sink.stats().deadLetters).toBe(3);

    const strict = s3FileSink<unknown>({ client: s3, bucket, format: jsonLines() });
    const w = strict.createWriter(context());
    expect(() => w.write({ id: 1n }, 0)).toThrow(expect.objectContaining({ code: 'S3_RECORD_REJECTED', message: expect.stringContaining('set onDeadLetter') }));
  });

  it('aborts the uploads of files not pre-committed when it closes (a failed or cancelled job)', async () => {
    const bucket = await newBucket();
    const sink = s3FileSink<{ id: number; pad: string }>({ client: s3, bucket, format: jsonLines(), partBytes: MIN_PART_BYTES, maxFileBytes: 6 * 1024 * 1024 });
    const writer = sink.createWriter(context());
    const pad = 'x'.repeat(1000);
    const staged = async (): Promise<S3Committable[]> => {
      for (let i = 0; i < 7_000; i++) await writer.write({ id: i, pad }, 0);
      return writer.preCommit(1);
    };
    const kept = await staged(); // pre-committed: its checkpoint may still complete, so close keeps it
    // Two rolled files with parts in S3, and an open one: its upload is created as it opens, before any part.
    for (let i = 0; i < 13_000; i++) await writer.write({ id: i, pad }, 0);
    for (let i = 0; i < 100 && (await uploads(bucket)).length < kept.length + 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await uploads(bucket)).length).toBe(kept.length + 3);
    await writer.close?.();
    expect((await uploads(bucket)).map((u) => u.uploadId).sort()).toEqual(kept.map((c) => c.uploadId).sort());
    expect(await visible(bucket)).toEqual([]);
    expect(() => writer.write({ id: 0, pad }, 0)).toThrow(expect.objectContaining({ code: 'S3_WRITER_CLOSED' }));
  });

  it('has the types of a two-phase-commit sink of its records', () => {
    const sink = s3FileSink<Order>({ bucket: 'typed-bucket', format: jsonLines<Order>(), client: s3 });
    expectTypeOf(sink).toExtend<TwoPhaseCommitSink<Order, S3Committable>>();
    expectTypeOf(sink.stats().deadLetters).toEqualTypeOf<number>();
    // @ts-expect-error a format of other records does not fit
    s3FileSink<Order>({ bucket: 'typed-bucket', format: parquet<{ other: string }>({ schema: { other: 'UTF8' } }) });
  });

  it('checks its options with messages naming the constraint', () => {
    const format = jsonLines();
    expect(() => s3FileSink({ bucket: 'No_Such', format })).toThrow(/s3FileSink: bucket must be a valid S3 bucket name/);
    expect(() => s3FileSink({ bucket: 'ok-bucket', format, partBytes: 1024 })).toThrow(/partBytes must be an integer from 5242880 \(S3's 5 MiB minimum part\)/);
    expect(() => s3FileSink({ bucket: 'ok-bucket', format, prefix: 'a/../b' })).toThrow(/prefix must not contain/);
    expect(() => s3FileSink({ bucket: 'ok-bucket', format, maxFileBytes: 10 ** 15 })).toThrow(/maxFileBytes must be an integer from 1 to/);
  });

  it('fails with a retryable error when S3 throttles part uploads (injected), and stays failed', async () => {
    const client = new S3Client(stack.clientConfig('s3'));
    const mock = mockClient(client);
    mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
    mock.on(UploadPartCommand).rejects(Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }));
    mock.on(CompleteMultipartUploadCommand).resolves({});
    const sink = s3FileSink<{ id: number }>({ client, bucket: 'any-bucket', format: jsonLines() });
    const writer = sink.createWriter(context());
    await writer.write({ id: 1 }, 0);
    await expect(writer.preCommit(1)).rejects.toMatchObject({ code: 'S3_REQUEST_FAILED', retryable: true, message: expect.stringContaining('UploadPart 1 s3://any-bucket/part-0-') });
    // The failed barrier's records are in no file: this attempt must never complete another checkpoint.
    mock.on(UploadPartCommand).resolves({ ETag: '"e"' });
    await expect(writer.write({ id: 2 }, 0)).rejects.toMatchObject({ code: 'S3_REQUEST_FAILED' });
    await expect(writer.preCommit(2)).rejects.toMatchObject({ code: 'S3_REQUEST_FAILED' });
    mock.restore();
    client.destroy();
  });
});

interface SeqSplit extends SourceSplit {
  readonly next: number;
}

/** 0..count-1 as 2 KB records, 200 a poll with a pause between polls (checkpoints interleave); throws once `crash.now` is set. */
function sequence(count: number, crash?: { now: boolean }): Source<{ id: number; pad: string }, SeqSplit> {
  const pad = 'p'.repeat(2_000);
  return {
    boundedness: 'bounded',
    discoverSplits: () => [{ id: 'seq', next: 0 }],
    createReader: () => {
      let next = 0;
      let done = false;
      let last = 0;
      return {
        addSplits(splits) {
          for (const s of splits) next = s.next;
        },
        pollNext(output) {
          if (done) return 'end';
          if (Date.now() - last < 2) return 'waiting';
          last = Date.now();
          const end = Math.min(count, next + 200);
          if (crash?.now === true) {
            crash.now = false;
            throw new Error(`injected crash at ${next}`);
          }
          for (; next < end; next++) output.collect('seq', { id: next, pad }, next);
          if (next >= count) {
            done = true;
            output.finishSplit('seq');
            return 'end';
          }
          return 'more';
        },
        snapshotState: () => (done ? [] : [{ id: 'seq', next }]),
      };
    },
  };
}

describe('s3FileSink in a job', () => {
  it('a job killed mid-upload leaves no visible partial object; restarted from its S3 checkpoint, each record is written exactly once', async () => {
    const bucket = await newBucket();
    const COUNT = 30_000; // ~60 MB: parts are uploaded between checkpoints
    const storage = new S3CheckpointStorage({ client: s3, bucket, prefix: 'checkpoints/job' });
    const build = (crash: { now: boolean } | undefined, restore: boolean, staged = new Set<string>()): StreamEnvironment => {
      const env = StreamEnvironment.create({
        parallelism: 2,
        checkpointInterval: 400,
        checkpointStorage: storage,
        restartStrategy: RestartStrategies.none(),
        logger: silentLogger,
        ...(restore ? { restoreFrom: 'latest' } : {}),
      });
      const sink = s3FileSink<{ id: number; pad: string }>({ client: s3, bucket, prefix: 'out', format: jsonLines(), partBytes: MIN_PART_BYTES });
      // A crash, not a shutdown: the crashing attempt's writers get no chance to abort their uploads.
      const crashing = (ctx: SinkWriterContext): TwoPhaseCommitSinkWriter<{ id: number; pad: string }, S3Committable> => {
        const writer = sink.createWriter(ctx);
        return {
          write: (value, timestamp) => writer.write(value, timestamp),
          preCommit: (checkpointId) => {
            const committables = writer.preCommit(checkpointId);
            void Promise.resolve(committables).then((cs) => cs.forEach((c) => staged.add(c.key)), () => {});
            return committables;
          },
        };
      };
      const sinkUnderTest = crash === undefined ? sink : { ...sink, createWriter: crashing };
      env
        .fromSource(sequence(COUNT, crash), WatermarkStrategy.noWatermarks(), 'seq')
        .uid('seq')
        .setParallelism(1) // one split: a second, finished source subtask would decline checkpoints
        .rebalance()
        .sinkTo(sinkUnderTest)
        .uid('s3-sink');
      return env;
    };

    const crash = { now: false };
    const staged = new Set<string>();
    const first = build(crash, false, staged).execute('crashing');
    const failed = expect(first.done).rejects.toThrow(/injected crash at \d+/);
    // Crash once a checkpoint has completed and parts of a file not yet staged by any checkpoint are in S3.
    const openUploads = async (): Promise<number> => (await uploads(bucket, 'out/')).filter((u) => !staged.has(u.key)).length;
    while (!(first.checkpointStats().completed >= 1 && (await openUploads()) > 0)) await new Promise((r) => setTimeout(r, 5));
    crash.now = true;
    await failed;

    // What a reader sees now: only whole files of completed checkpoints.
    const readIds = async (): Promise<number[]> => {
      const ids: number[] = [];
      for (const key of await visible(bucket, 'out/')) {
        const text = await textOf(bucket, key);
        expect(text.endsWith('\n')).toBe(true);
        for (const line of text.slice(0, -1).split('\n')) ids.push((JSON.parse(line) as { id: number }).id);
      }
      return ids.sort((a, b) => a - b);
    };
    const afterCrash = await readIds();
    expect(afterCrash.length).toBeGreaterThan(0);
    expect(afterCrash.length).toBeLessThan(COUNT);
    expect(new Set(afterCrash).size).toBe(afterCrash.length);
    expect((await uploads(bucket, 'out/')).length).toBeGreaterThan(0); // the crashed attempt's uploads, invisible

    const second = build(undefined, true).execute('restarted');
    await expect(second.done).resolves.toMatchObject({ status: 'finished' });
    expect(await readIds()).toEqual(Array.from({ length: COUNT }, (_, i) => i));
    expect(await uploads(bucket, 'out/')).toEqual([]);
  }, 60_000);
});

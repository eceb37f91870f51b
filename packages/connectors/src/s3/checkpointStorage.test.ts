import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CHECKPOINT_FORMAT_VERSION, silentLogger, StreamEnvironment, WatermarkStrategy, type CheckpointData, type Source, type SourceSplit } from '@tributary/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/index.js';
import { S3CheckpointStorage } from './checkpointStorage.js';
import { createTestBucket, startLocalS3Stack } from './testing.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

let stack: LocalStack;
let s3: S3Client;

beforeAll(async () => {
  stack = await startLocalS3Stack();
  s3 = stack.clients.s3;
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

async function newStorage(prefix = 'checkpoints/job'): Promise<S3CheckpointStorage> {
  const bucket = await createTestBucket(stack, 'ckpt');
  return new S3CheckpointStorage({ client: s3, bucket, prefix, logger: silentLogger });
}

const data = (checkpointId: number, kind: 'checkpoint' | 'savepoint' = 'checkpoint', timestamp = 1_000 + checkpointId): CheckpointData => ({
  formatVersion: CHECKPOINT_FORMAT_VERSION,
  jobName: 'job',
  checkpointId,
  kind,
  timestamp,
  maxParallelism: 128,
  operators: {
    counter: { operatorId: 'counter', name: 'counter', parallelism: 1, subtasks: [{ subtask: 0, state: JSON.stringify({ big: `${2n ** 64n}`, id: checkpointId }) }] },
  },
});

async function keys(storage: S3CheckpointStorage): Promise<string[]> {
  const page = await s3.send(new ListObjectsV2Command({ Bucket: storage.bucket }));
  return (page.Contents ?? []).map((o) => o.Key!).sort();
}

async function put(storage: S3CheckpointStorage, key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: storage.bucket, Key: key, Body: Buffer.from(body), ContentLength: Buffer.byteLength(body) }));
}

describe('S3CheckpointStorage', () => {
  it('saves state first and _metadata last, in the local layout, and loads what it saved', async () => {
    const storage = await newStorage();
    const info = await storage.save(data(42));
    expect(info).toEqual({ location: `s3://${storage.bucket}/checkpoints/job/chk-0000000042`, checkpointId: 42, kind: 'checkpoint', timestamp: 1_042 });
    expect(await keys(storage)).toEqual(['checkpoints/job/chk-0000000042/_metadata', 'checkpoints/job/chk-0000000042/state']);
    const metadata = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: storage.bucket, Key: 'checkpoints/job/chk-0000000042/_metadata' }))).Body!.transformToString());
    expect(metadata).toEqual({ formatVersion: CHECKPOINT_FORMAT_VERSION, checkpointId: 42, kind: 'checkpoint', timestamp: 1_042, jobName: 'job', stateFile: 'state', bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await storage.load(info.location)).toEqual(data(42));
    expect(await storage.load(`${info.location}/_metadata`)).toEqual(data(42));
    expect(await storage.load('checkpoints/job/chk-0000000042')).toEqual(data(42));
    expect(await storage.loadLatest()).toEqual({ info, data: data(42) });
  });

  it('lists oldest first, finds the latest (savepoints included), prunes old checkpoints but keeps savepoints', async () => {
    const storage = await newStorage('');
    for (const id of [1, 2, 3]) await storage.save(data(id));
    const savepoint = await storage.save(data(4, 'savepoint', 1_718_000_000_000));
    await storage.save(data(5));
    expect(savepoint.location).toBe(`s3://${storage.bucket}/savepoints/sp-0000000004-1718000000000`);
    expect((await storage.list()).map((i) => `${i.kind}:${i.checkpointId}`)).toEqual(['checkpoint:1', 'checkpoint:2', 'checkpoint:3', 'savepoint:4', 'checkpoint:5']);
    expect((await storage.loadLatest())?.info.checkpointId).toBe(5);
    await storage.prune(2);
    expect((await storage.list()).map((i) => `${i.kind}:${i.checkpointId}`)).toEqual(['checkpoint:3', 'savepoint:4', 'checkpoint:5']);
    expect((await keys(storage)).filter((k) => k.startsWith('chk-0000000001') || k.startsWith('chk-0000000002'))).toEqual([]);
  });

  it('skips incomplete, truncated, corrupt and unknown-version checkpoints with the reason, restoring the newest good one', async () => {
    const storage = await newStorage();
    await storage.save(data(1));
    await storage.save(data(2));
    await storage.save(data(3));
    await storage.save(data(4));
    await storage.save(data(5));
    const p = 'checkpoints/job/';
    await put(storage, `${p}chk-0000000006/state`, 'a state whose _metadata never came'); // incomplete
    const state5 = await (await s3.send(new GetObjectCommand({ Bucket: storage.bucket, Key: `${p}chk-0000000005/state` }))).Body!.transformToString();
    await put(storage, `${p}chk-0000000005/state`, state5.slice(0, 10)); // truncated
    await put(storage, `${p}chk-0000000004/state`, state5.replace('"job"', '"jab"')); // same size, other bytes
    const meta3 = JSON.parse(await (await s3.send(new GetObjectCommand({ Bucket: storage.bucket, Key: `${p}chk-0000000003/_metadata` }))).Body!.transformToString()) as object;
    await put(storage, `${p}chk-0000000003/_metadata`, JSON.stringify({ ...meta3, formatVersion: 99 }));
    const skipped: Array<[string, string]> = [];
    const latest = await storage.loadLatest((location, reason) => skipped.push([location.slice(location.lastIndexOf('/') + 1), reason]));
    expect(latest?.info.checkpointId).toBe(2);
    expect(latest?.data).toEqual(data(2));
    expect(skipped).toEqual([
      ['chk-0000000006', 'no _metadata (incomplete)'],
      ['chk-0000000005', expect.stringMatching(/^state truncated: 10 of \d+ bytes$/)],
      ['chk-0000000004', 'state checksum mismatch (corrupt)'],
      ['chk-0000000003', `unknown format version 99 (this build reads ${CHECKPOINT_FORMAT_VERSION})`],
    ]);
    await expect(storage.load(`s3://${storage.bucket}/${p}chk-0000000004`)).rejects.toMatchObject({ code: 'CHECKPOINT_UNREADABLE', message: expect.stringContaining('checksum mismatch') });
    await expect(storage.load(`s3://${storage.bucket}/${p}chk-0000000003`)).rejects.toMatchObject({ code: 'CHECKPOINT_FORMAT_UNSUPPORTED' });
    await expect(storage.load(`s3://${storage.bucket}/${p}chk-0000000099`)).rejects.toThrow(/no _metadata/);
    // prune keeps the incomplete checkpoint newer than the newest complete one (it may be being written).
    await storage.prune(1);
    expect((await keys(storage)).filter((k) => k.includes('chk-0000000006'))).toHaveLength(1);
  });

  it('an empty storage has no latest checkpoint', async () => {
    const storage = await newStorage();
    expect(await storage.loadLatest()).toBeUndefined();
    expect(await storage.list()).toEqual([]);
    await storage.prune(0);
    expect(() => new S3CheckpointStorage({ client: s3, bucket: 'UPPER' })).toThrow(/S3CheckpointStorage: bucket must be a valid S3 bucket name/);
  });

  it('a job checkpoints to S3, stops with a savepoint there, and resumes from it', async () => {
    const storage = await newStorage('jobs/counter');
    interface Split extends SourceSplit {
      readonly next: number;
    }
    const numbers = (count: number): Source<number, Split> => ({
      boundedness: 'bounded',
      discoverSplits: () => [{ id: 'n', next: 0 }],
      createReader: () => {
        let next = 0;
        let last = 0;
        return {
          addSplits: (splits) => {
            for (const s of splits) next = s.next;
          },
          pollNext(output) {
            if (next >= count) {
              output.finishSplit('n');
              return 'end';
            }
            if (Date.now() - last < 1) return 'waiting';
            last = Date.now();
            const end = Math.min(count, next + 30);
            for (; next < end; next++) output.collect('n', next, next);
            return 'more';
          },
          snapshotState: () => [{ id: 'n', next }],
        };
      },
    });
    const build = (restoreFrom?: string): { env: StreamEnvironment; out: number[] } => {
      const env = StreamEnvironment.create({ checkpointInterval: 50, checkpointStorage: storage, logger: silentLogger, ...(restoreFrom === undefined ? {} : { restoreFrom }) });
      const out: number[] = [];
      env.fromSource(numbers(3_000), WatermarkStrategy.noWatermarks(), 'numbers').uid('numbers').sinkTo((n) => {
        out.push(n);
      });
      return { env, out };
    };
    const first = build();
    const job = first.env.execute('first');
    while (job.checkpointStats().completed < 2) await new Promise((r) => setTimeout(r, 5));
    const savepoint = await job.stopWithSavepoint();
    expect(savepoint.location).toMatch(new RegExp(`^s3://${storage.bucket}/jobs/counter/savepoints/sp-\\d{10}-\\d+$`));
    expect(first.out.length).toBeLessThan(3_000);
    const second = build(savepoint.location);
    await second.env.execute('second');
    // The source position came back from S3: nothing is lost. (The sink is a plain function — at least once — so
    // records between the savepoint's barrier and the stop are read again.)
    const all = [...first.out, ...second.out];
    expect(new Set(all)).toEqual(new Set(Array.from({ length: 3_000 }, (_, i) => i)));
    expect(second.out[0]).toBeLessThanOrEqual(first.out.at(-1)! + 1);
  }, 30_000);
});

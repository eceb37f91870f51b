import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { csv, jsonLines, StreamEnvironment, WatermarkStrategy, silentLogger, type ReaderOutput, type SourceReaderContext } from '@tributary/core';
import { runToCompletion } from '@tributary/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textFormat } from '../formats/fileFormat.js';
import { parquet, writeParquet } from '../formats/parquetFormat.js';
import { parquetReader } from '../formats/parquetReader.js';
import { csvReader, jsonLinesReader, type FileReadFormat } from '../formats/readFormat.js';
import type { LocalStack } from '../local/index.js';
import { S3CheckpointStorage } from './checkpointStorage.js';
import { s3FileSink } from './sink.js';
import { s3Source, type S3SourceDeadLetter, type S3Split } from './source.js';
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

const newBucket = (): Promise<string> => createTestBucket(stack, 'source');

async function put(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentLength: bytes.length }));
}

interface Row {
  readonly id: number;
  readonly name: string;
}

const rows = (from: number, count: number): Row[] => Array.from({ length: count }, (_, i) => ({ id: from + i, name: `n${from + i}, "x"` }));
const jsonl = (rs: readonly Row[]): string => rs.map((r) => `${JSON.stringify(r)}\n`).join('');

const readerContext: SourceReaderContext = { subtaskIndex: 0, parallelism: 1, sourceName: 's3 source', now: () => 0 };

/** Collects what a reader emits. */
function collector<T>(): ReaderOutput<T> & { values: T[]; finished: string[]; timestamps: number[] } {
  const out = {
    values: [] as T[],
    finished: [] as string[],
    timestamps: [] as number[],
    collect(_split: string, value: T, timestamp?: number) {
      out.values.push(value);
      out.timestamps.push(timestamp ?? Number.NaN);
    },
    emitWatermark() {},
    finishSplit(split: string) {
      out.finished.push(split);
    },
  };
  return out;
}

const byId = (a: Row, b: Row): number => a.id - b.id;

describe('s3Source', () => {
  it('reads JSON Lines, CSV and Parquet objects under a prefix, one split per object, skipping markers', async () => {
    const bucket = await newBucket();
    await put(bucket, 'in/jsonl/a.jsonl', jsonl(rows(0, 100)));
    await put(bucket, 'in/jsonl/b.jsonl', jsonl(rows(100, 50)));
    await put(bucket, 'in/jsonl/_SUCCESS', '');
    await put(bucket, 'in/jsonl/.hidden', 'not json');
    await put(bucket, 'in/jsonl/dir/', '');
    await put(bucket, 'in/csv/a.csv', 'id,name\r\n1,"one, ""1"""\r\n2,two\r\n');
    await put(bucket, 'in/parquet/a.parquet', (await writeParquet(rows(0, 300), { schema: { id: 'INT32', name: 'UTF8' } })).bytes);
    await put(bucket, 'other/x.jsonl', jsonl(rows(999, 1)));

    const source = s3Source<Row>({ client: s3, bucket, prefix: 'in/jsonl', format: jsonLinesReader<Row>() });
    const splits = await source.discoverSplits({ parallelism: 2, finishedSplitIds: new Set() });
    expect(splits.map((s) => s.key)).toEqual(['in/jsonl/a.jsonl', 'in/jsonl/b.jsonl']);

    const read = async <T>(format: FileReadFormat<T>, prefix: string): Promise<T[]> => {
      const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
      return runToCompletion(env.fromSource(s3Source<T>({ client: s3, bucket, prefix, format }), WatermarkStrategy.noWatermarks(), 's3'));
    };
    expect((await read(jsonLinesReader<Row>(), 'in/jsonl/')).sort(byId)).toEqual(rows(0, 150));
    expect(await read(csvReader({ parse: (r) => ({ id: Number(r.id), name: r.name }) }), 'in/csv/')).toEqual([
      { id: 1, name: 'one, "1"' },
      { id: 2, name: 'two' },
    ]);
    expect((await read(parquetReader<Row>(), 'in/parquet/')).sort(byId)).toEqual(rows(0, 300));
    expect(source.stats()).toEqual({ objectsRead: 0, recordsRead: 0, deadLetters: 0 }); // counters are per source object
  });

  it('reads back what the S3 sink wrote, in every format', async () => {
    const bucket = await newBucket();
    const input = rows(0, 2_000);
    const formats = {
      jsonl: [textFormat(jsonLines<Row>()), jsonLinesReader<Row>()],
      csv: [textFormat(csv<Row>({ columns: ['id', 'name'], header: true })), csvReader<Row>({ parse: (r) => ({ id: Number(r.id), name: r.name! }) })],
      parquet: [parquet<Row>({ schema: { id: 'INT32', name: 'UTF8' }, rowGroupRows: 500 }), parquetReader<Row>()],
    } as const;
    for (const [name, [writeFormat, readFormat]] of Object.entries(formats)) {
      const sink = s3FileSink<Row>({ client: s3, bucket, prefix: name, format: writeFormat });
      // With checkpoint storage: core commits a bounded job's last files only through its final checkpoint.
      const checkpointStorage = new S3CheckpointStorage({ client: s3, bucket, prefix: `checkpoints/${name}` });
      const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger, checkpointStorage });
      env.fromCollection(input).sinkTo(sink);
      await env.execute(`write ${name}`);
      expect(sink.stats()).toMatchObject({ recordsCommitted: 2_000 });
      const readEnv = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
      const back = await runToCompletion(readEnv.fromSource(s3Source<Row>({ client: s3, bucket, prefix: name, format: readFormat as FileReadFormat<Row> }), WatermarkStrategy.noWatermarks(), 'back'));
      expect(back.sort(byId)).toEqual(input);
    }
  });

  it('restores from a checkpointed position: object and record offset, in every format', async () => {
    const bucket = await newBucket();
    const first = rows(0, 2_500);
    const second = rows(2_500, 1_500);
    await put(bucket, 'r/jsonl/1.jsonl', jsonl(first));
    await put(bucket, 'r/jsonl/2.jsonl', jsonl(second));
    const toCsv = (rs: readonly Row[]): string => `id,name\n${rs.map((r) => `${r.id},"${r.name.replaceAll('"', '""')}"\n`).join('')}`;
    await put(bucket, 'r/csv/1.csv', toCsv(first));
    await put(bucket, 'r/csv/2.csv', toCsv(second));
    const schema = { id: 'INT32', name: 'UTF8' } as const;
    await put(bucket, 'r/parquet/1.parquet', (await writeParquet(first, { schema, rowGroupRows: 1_000 })).bytes);
    await put(bucket, 'r/parquet/2.parquet', (await writeParquet(second, { schema, rowGroupRows: 1_000 })).bytes);
    const formats: Array<[string, FileReadFormat<Row>]> = [
      ['jsonl', jsonLinesReader<Row>()],
      ['csv', csvReader<Row>({ parse: (r) => ({ id: Number(r.id), name: r.name! }) })],
      ['parquet', parquetReader<Row>()],
    ];
    for (const [name, format] of formats) {
      const source = s3Source<Row>({ client: s3, bucket, prefix: `r/${name}/`, format });
      const splits = await source.discoverSplits({ parallelism: 1, finishedSplitIds: new Set() });
      const reader = source.createReader(readerContext);
      reader.addSplits(splits);
      const out = collector<Row>();
      expect(await reader.pollNext(out)).toBe('more');
      expect(await reader.pollNext(out)).toBe('more');
      const snapshot = reader.snapshotState(1);
      expect(snapshot).toEqual([
        expect.objectContaining({ id: `r/${name}/1.${name}`, offset: out.values.length }),
        expect.objectContaining({ id: `r/${name}/2.${name}`, offset: 0 }),
      ]);
      expect(out.values.length).toBeGreaterThan(0);
      expect(out.values.length).toBeLessThan(2_500);
      await reader.close?.();

      // A new attempt, restored from the snapshot, reads exactly the rest.
      const restored = source.createReader(readerContext);
      restored.addSplits(JSON.parse(JSON.stringify(snapshot)) as S3Split[]);
      const rest = collector<Row>();
      let status;
      do status = await restored.pollNext(rest);
      while (status !== 'end');
      expect([...out.values, ...rest.values]).toEqual([...first, ...second]);
      expect(rest.finished).toEqual([`r/${name}/1.${name}`, `r/${name}/2.${name}`]);
      expect(restored.snapshotState(2)).toEqual([]);
      await restored.close?.();
    }
  });

  it('sends undecodable records to onDeadLetter with the object and offset, counted; without it the job fails', async () => {
    const bucket = await newBucket();
    await put(bucket, 'bad/a.jsonl', '{"id":1,"name":"a"}\n{"id":2,\n{"id":3,"name":"c"}\n');
    const letters: S3SourceDeadLetter[] = [];
    const source = s3Source<Row>({ client: s3, bucket, prefix: 'bad/', format: jsonLinesReader<Row>(), onDeadLetter: (l) => letters.push(l) });
    const env = StreamEnvironment.create({ logger: silentLogger });
    const good = await runToCompletion(env.fromSource(source, WatermarkStrategy.noWatermarks(), 'bad'));
    expect(good).toEqual([{ id: 1, name: 'a' }, { id: 3, name: 'c' }]);
    expect(letters).toEqual([{ bucket, key: 'bad/a.jsonl', offset: 1, reason: expect.stringMatching(/^not JSON: /), raw: '{"id":2,', code: 'S3_RECORD_UNDECODABLE' }]);
    expect(source.stats()).toEqual({ objectsRead: 1, recordsRead: 2, deadLetters: 1 });

    const strict = StreamEnvironment.create({ logger: silentLogger });
    strict.fromSource(s3Source<Row>({ client: s3, bucket, prefix: 'bad/', format: jsonLinesReader<Row>() }), WatermarkStrategy.noWatermarks(), 'strict').sinkTo(() => {});
    await expect(strict.execute('strict').done).rejects.toThrow(/record 1 of s3:\/\/source-\d+-\d+\/bad\/a\.jsonl cannot be decoded: not JSON/);
  });

  it('gives records the object time as their timestamp, and fails clearly on a missing bucket', async () => {
    const bucket = await newBucket();
    await put(bucket, 't.jsonl', jsonl(rows(0, 1)));
    const source = s3Source<Row>({ client: s3, bucket, format: jsonLinesReader<Row>() });
    const reader = source.createReader(readerContext);
    reader.addSplits(await source.discoverSplits({ parallelism: 1, finishedSplitIds: new Set() }));
    const out = collector<Row>();
    await reader.pollNext(out);
    expect(Math.abs(out.timestamps[0]! - Date.now())).toBeLessThan(60_000);
    await reader.close?.();
    await expect(s3Source({ client: s3, bucket: 'no-such-bucket', format: jsonLinesReader() }).discoverSplits({ parallelism: 1, finishedSplitIds: new Set() })).rejects.toMatchObject({
      code: 'S3_REQUEST_FAILED',
      message: expect.stringContaining('ListObjectsV2 s3://no-such-bucket'),
    });
  });
});

// S3 Parquet sink (issue 4): records/s of the exactly-once S3 file sink
// writing Parquet (Snappy, default writer) to the local stack's S3, against
// the bare Parquet writer plus one PutObject of the whole file — the least
// work that produces the same object (ratio, same run, medians). The sink is
// measured driven directly (write every record, pre-commit at one barrier,
// commit) and inside a job (source → sink, committed by the final
// checkpoint), so the engine's share is visible too.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { silentLogger, StreamEnvironment, WatermarkStrategy, type SinkWriterContext } from '@tributary/core';
import { parquet, writeParquet } from '../../packages/connectors/src/formats/index.js';
import { startLocalStack } from '../../packages/connectors/src/local/index.js';
import { S3CheckpointStorage, s3FileSink } from '../../packages/connectors/src/s3/index.js';
import { median, rangeSource, writeResult } from './common.js';
import { benchRows, PARQUET_BENCH_SCHEMA, type BenchRow } from './parquetWriters.js';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 200_000 : 1_000_000;
const RUNS = quick ? 3 : 5;

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** PutObjectCommand, from the connectors package (the SDK is its dependency, not the benchmarks'). */
export async function putObjectCommand(): Promise<new (input: { Bucket: string; Key: string; Body: Uint8Array; ContentLength: number }) => object> {
  const require = createRequire(new URL('../../packages/connectors/package.json', import.meta.url));
  const sdk = (await import(pathToFileURL(require.resolve('@aws-sdk/client-s3')).href)) as { PutObjectCommand: new (input: object) => object };
  return sdk.PutObjectCommand;
}

export async function runS3ParquetBenchmark(): Promise<Record<string, unknown>> {
  const stack = await startLocalStack({ kinesis: false, firehose: false, postgres: false });
  try {
    const client = stack.clients.s3;
    const PutObjectCommand = await putObjectCommand();
    type Command = Parameters<typeof client.send>[0];
    await stack.createBucket('bench');
    const rows = benchRows(ROWS);
    const format = parquet<BenchRow>({ schema: PARQUET_BENCH_SCHEMA });
    const context: SinkWriterContext = { subtaskIndex: 0, parallelism: 1, sinkName: 'bench', now: () => Date.now() };

    const bare: number[] = [];
    const sink: number[] = [];
    const job: number[] = [];
    let objectBytes = 0;
    let parts = 0;
    for (let run = 0; run < RUNS; run++) {
      // Baseline: the bare writer, then one PutObject of the whole file.
      let started = performance.now();
      const file = await writeParquet(rows, { schema: PARQUET_BENCH_SCHEMA });
      await client.send(new PutObjectCommand({ Bucket: 'bench', Key: `bare/run-${run}.parquet`, Body: file.bytes, ContentLength: file.bytes.length }) as Command);
      bare.push(ROWS / ((performance.now() - started) / 1000));
      objectBytes = file.bytes.length;

      // The sink, driven directly: parts upload while records arrive; one barrier; the commit makes the file visible.
      started = performance.now();
      const direct = s3FileSink<BenchRow>({ client, bucket: 'bench', prefix: `sink/run-${run}`, format });
      const writer = direct.createWriter(context);
      for (const row of rows) {
        const pending = writer.write(row, 0);
        if (pending !== undefined) await pending;
      }
      const committables = await writer.preCommit(1);
      await direct.createCommitter(context).commit(committables);
      sink.push(ROWS / ((performance.now() - started) / 1000));
      parts = committables.reduce((n, c) => n + c.parts.length, 0);
      if (direct.stats().recordsCommitted !== ROWS) throw new Error(`the sink committed ${direct.stats().recordsCommitted} of ${ROWS} records`);
      await writer.close?.();

      // The sink in a job: source → sink, committed through the final checkpoint (checkpoints in S3 too).
      started = performance.now();
      const inJob = s3FileSink<BenchRow>({ client, bucket: 'bench', prefix: `job/run-${run}`, format });
      const env = StreamEnvironment.create({
        logger: silentLogger,
        checkpointStorage: new S3CheckpointStorage({ client, bucket: 'bench', prefix: `checkpoints/run-${run}` }),
      });
      env
        .fromSource(rangeSource(ROWS), WatermarkStrategy.noWatermarks(), 'rows')
        .map((i) => rows[i]!)
        .sinkTo(inJob);
      await env.execute('s3-parquet-bench');
      job.push(ROWS / ((performance.now() - started) / 1000));
      if (inJob.stats().recordsCommitted !== ROWS) throw new Error(`the job committed ${inJob.stats().recordsCommitted} of ${ROWS} records`);
    }
    const result = {
      parameters: { rows: ROWS, runs: RUNS, columns: Object.keys(PARQUET_BENCH_SCHEMA).length, compression: 'SNAPPY', objectBytes, partsPerFile: parts, quick },
      barePutObject: { medianRecordsPerSecond: Math.round(median(bare)), runs: bare.map(Math.round) },
      sink: { medianRecordsPerSecond: Math.round(median(sink)), runs: sink.map(Math.round) },
      sinkInJob: { medianRecordsPerSecond: Math.round(median(job)), runs: job.map(Math.round) },
      ratio: median(sink) / median(bare),
      ratioInJob: median(job) / median(bare),
    };
    const out = await writeResult('s3-parquet', result);
    console.log(
      `s3 parquet sink (${ROWS} rows): sink ${result.sink.medianRecordsPerSecond}/s, in a job ${result.sinkInJob.medianRecordsPerSecond}/s, ` +
        `bare writer + PutObject ${result.barePutObject.medianRecordsPerSecond}/s → ratio ${result.ratio.toFixed(2)} (job ${result.ratioInJob.toFixed(2)}) → ${out}`,
    );
    return result;
  } finally {
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runS3ParquetBenchmark();
}

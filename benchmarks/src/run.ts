// `npm run bench` (full) and `npm run bench:quick` (reduced, same code paths):
// runs every benchmark in one process, one after another, writes
// benchmarks/results/<name>.json and regenerates the table in
// benchmarks/README.md.
import { runCheckpointBenchmark } from './checkpointOverhead.js';
import { runKinesisBenchmark } from './kinesisConnector.js';
import { runNexmarkBenchmark } from './nexmark/index.js';
import { runParquetWriterBenchmark } from './parquetWriters.js';
import { runS3ParquetBenchmark } from './s3ParquetSink.js';
import { runThroughputBenchmark } from './throughput/index.js';
import { runTrainingSetBenchmark } from './trainingSetBuilder.js';
import { writeReport } from './report.js';

const benchmarks: Array<[string, () => Promise<unknown>]> = [
  ['checkpoint', runCheckpointBenchmark],
  ['parquet-writers', runParquetWriterBenchmark],
  ['s3-parquet', runS3ParquetBenchmark],
  ['kinesis', runKinesisBenchmark],
  ['throughput', runThroughputBenchmark],
  ['nexmark', runNexmarkBenchmark],
  ['training-set', runTrainingSetBenchmark],
  ['latency', async () => (await import('./latency/index.js')).runLatencyBenchmark()],
];

const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
for (const [name, run] of benchmarks) {
  if (only !== undefined && !only.includes(name)) continue;
  console.log(`\n== ${name} ==`);
  await run();
}
await writeReport();

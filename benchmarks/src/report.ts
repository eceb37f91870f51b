// Regenerates the "Latest figures" section of benchmarks/README.md from the
// JSON files in benchmarks/results/, so the README always shows what the
// last run measured and how to reproduce it.
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESULTS_DIR } from './common.js';
import { renderNexmark } from './nexmark/report.js';
import { renderThroughput } from './throughput/report.js';
import { renderTrainingSet } from './trainingSetReport.js';
import { renderLatency } from './latency/report.js';

const README = join(RESULTS_DIR, '..', 'README.md');
const BEGIN = '<!-- figures:begin -->';
const END = '<!-- figures:end -->';

type Result = Record<string, any>;

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

const renderers: Record<string, (r: Result) => string[]> = {
  throughput: renderThroughput,
  nexmark: renderNexmark,
  'training-set': renderTrainingSet,
  latency: renderLatency,
  'parquet-writers': (r) => [
    `| Parquet writers (${fmt(r.parameters.rows)} rows, ${r.parameters.compression}) | hyparquet-writer | ${fmt(r.writers['hyparquet-writer'].medianRowsPerSecond)} rows/s | default; DuckDB reads back exactly; int64 > 2^53 ${r.writers['hyparquet-writer'].int64Beyond2pow53} |`,
    `| | parquetjs-lite | ${fmt(r.writers['parquetjs-lite'].medianRowsPerSecond)} rows/s | ${r.speedup.toFixed(1)}× slower; int64 > 2^53 ${r.writers['parquetjs-lite'].int64Beyond2pow53} |`,
  ],
  's3-parquet': (r) => [
    `| S3 Parquet sink (${fmt(r.parameters.rows)} rows, local S3) | bare writer + one PutObject | ${fmt(r.barePutObject.medianRecordsPerSecond)} rec/s | |`,
    `| | exactly-once sink (multipart) | ${fmt(r.sink.medianRecordsPerSecond)} rec/s | ratio ${r.ratio.toFixed(2)} |`,
    `| | sink inside a job | ${fmt(r.sinkInJob.medianRecordsPerSecond)} rec/s | ratio ${r.ratioInJob.toFixed(2)} |`,
  ],
  kinesis: (r) => [
    `| Kinesis sink (${fmt(r.parameters.sinkRecords)} records, ${r.parameters.shards} shards, kinesalite) | hand-written PutRecords loop | ${fmt(r.sink.handLoopMedianRecordsPerSecond)} rec/s | |`,
    `| | connector sink | ${fmt(r.sink.connectorMedianRecordsPerSecond)} rec/s | ratio ${r.sink.ratio.toFixed(2)} |`,
    `| Kinesis source (${fmt(r.parameters.sourceRecords)} records) | hand-written GetRecords loop | ${fmt(r.source.handLoopMedianRecordsPerSecond)} rec/s | |`,
    `| | connector source | ${fmt(r.source.connectorMedianRecordsPerSecond)} rec/s | ratio ${r.source.ratio.toFixed(2)} |`,
  ],
  checkpoint: (r) => [
    `| checkpoint overhead (keyed reduce, ${fmt(r.parameters.keys)} keys, ${fmt(r.parameters.records)} records) | without checkpoints | ${fmt(r.withoutCheckpoints.medianRecordsPerSecond)} rec/s | |`,
    `| | checkpoint every 1 s | ${fmt(r.withCheckpointsEverySecond.medianRecordsPerSecond)} rec/s | ratio ${r.ratio.toFixed(2)} (target ≥ 0.90) |`,
    `| checkpoint duration, ${fmt(r.parameters.stateKeys)} keys of state | p50 / p99 | ${fmt(r.checkpointDurationMs.p50)} / ${fmt(r.checkpointDurationMs.p99)} ms | ${r.longestEventLoopPauseDuringCheckpointsMs === undefined ? '' : `longest event-loop pause meanwhile ${fmt(r.longestEventLoopPauseDuringCheckpointsMs)} ms (keyed state encoded in slices between records)`} |`,
  ],
};

export async function writeReport(): Promise<void> {
  const files = (await readdir(RESULTS_DIR)).filter((f) => f.endsWith('.json')).sort();
  const rows: string[] = ['| benchmark | case | figure | note |', '|---|---|---|---|'];
  const runs: string[] = [];
  for (const file of files) {
    const result = JSON.parse(await readFile(join(RESULTS_DIR, file), 'utf8')) as Result;
    const render = renderers[result.name as string];
    if (render === undefined) continue;
    rows.push(...render(result));
    runs.push(`- \`${file}\`: ${result.date}, Node ${result.machine.node}, ${result.machine.cpus} × ${result.machine.cpuModel}${result.parameters?.quick ? ' (quick run)' : ''}`);
  }
  const section = [BEGIN, '', ...rows, '', 'Measured:', ...runs, '', END].join('\n');
  const readme = await readFile(README, 'utf8');
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  const updated = start >= 0 && end > start ? readme.slice(0, start) + section + readme.slice(end + END.length) : `${readme}\n${section}\n`;
  await writeFile(README, updated);
}

if (import.meta.url === `file://${process.argv[1]}`) await writeReport();

// Checkpoint cost (issue 3): throughput of a keyed stateful job with a
// checkpoint every second against the same job without checkpoints (ratio,
// same run, medians), and checkpoint duration (p50/p99) with 1,000,000 keys
// of state, with the longest the job's event loop was blocked meanwhile
// (keyed state is encoded asynchronously, in slices between records).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { median, percentile, rangeSource, writeResult } from './common.js';

const quick = process.argv.includes('--quick');
const RECORDS = quick ? 2_000_000 : 10_000_000;
const KEYS = 100_000;
const RUNS = quick ? 3 : 5;
const STATE_KEYS = quick ? 200_000 : 1_000_000;

async function throughput(checkpoints: boolean): Promise<{ recordsPerSecond: number; checkpoints: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-'));
  try {
    const env = StreamEnvironment.create({
      logger: silentLogger,
      ...(checkpoints ? { checkpointInterval: 1_000, checkpointDir: dir } : {}),
    });
    env
      .fromSource(rangeSource(RECORDS), WatermarkStrategy.noWatermarks(), 'range')
      .keyBy((n) => n % KEYS)
      .reduce((a, b) => a + b)
      .sinkTo(() => {});
    const started = performance.now();
    const job = env.execute('checkpoint-overhead');
    await job;
    const seconds = (performance.now() - started) / 1000;
    return { recordsPerSecond: RECORDS / seconds, checkpoints: job.checkpointStats().completed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Builds STATE_KEYS keys of state, then takes checkpoints back to back and reports their durations. */
async function checkpointDurations(): Promise<{ durationsMs: number[]; stateKeys: number; longestPauseMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-'));
  try {
    const env = StreamEnvironment.create({ logger: silentLogger, checkpointDir: dir, checkpointing: { retain: 1 } });
    // Unbounded after the key-building pass: the source keeps re-touching keys slowly.
    let emitted = 0;
    env
      .fromSource(
        {
          boundedness: 'unbounded',
          discoverSplits: () => [{ id: 'keys' }],
          createReader: () => ({
            addSplits() {},
            pollNext(output) {
              const end = emitted < STATE_KEYS ? Math.min(STATE_KEYS, emitted + 8192) : emitted + 64;
              for (; emitted < end; emitted++) output.collect('keys', emitted % STATE_KEYS);
              return emitted < STATE_KEYS ? 'more' : 'waiting';
            },
            snapshotState: () => [{ id: 'keys' }],
          }),
        },
        WatermarkStrategy.noWatermarks<number>(),
        'keys',
      )
      .keyBy((n) => n)
      .reduce((a, b) => a + b)
      .sinkTo(() => {});
    const job = env.execute('checkpoint-duration');
    while (emitted < STATE_KEYS) await new Promise((r) => setTimeout(r, 20));
    const durations: number[] = [];
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    for (let i = 0; i < (quick ? 5 : 10); i++) {
      const started = performance.now();
      await job.triggerSavepoint();
      durations.push(performance.now() - started);
    }
    loop.disable();
    await job.cancel();
    return { durationsMs: durations, stateKeys: STATE_KEYS, longestPauseMs: loop.max / 1e6 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runCheckpointBenchmark(): Promise<Record<string, unknown>> {
  const without: number[] = [];
  const withCheckpoints: number[] = [];
  let checkpointsTaken = 0;
  for (let i = 0; i < RUNS; i++) {
    without.push((await throughput(false)).recordsPerSecond);
    const w = await throughput(true);
    withCheckpoints.push(w.recordsPerSecond);
    checkpointsTaken += w.checkpoints;
  }
  const durations = await checkpointDurations();
  const result = {
    parameters: { records: RECORDS, keys: KEYS, runs: RUNS, checkpointIntervalMs: 1_000, stateKeys: durations.stateKeys, quick },
    withoutCheckpoints: { medianRecordsPerSecond: Math.round(median(without)), runs: without.map(Math.round) },
    withCheckpointsEverySecond: { medianRecordsPerSecond: Math.round(median(withCheckpoints)), runs: withCheckpoints.map(Math.round), checkpointsTaken },
    ratio: median(withCheckpoints) / median(without),
    checkpointDurationMs: {
      p50: Math.round(percentile(durations.durationsMs, 50)),
      p99: Math.round(percentile(durations.durationsMs, 99)),
      all: durations.durationsMs.map(Math.round),
    },
    longestEventLoopPauseDuringCheckpointsMs: Math.round(durations.longestPauseMs),
  };
  const file = await writeResult('checkpoint', result);
  console.log(`checkpoint overhead: ratio ${(result.ratio).toFixed(3)} (with ${result.withCheckpointsEverySecond.medianRecordsPerSecond}/s, without ${result.withoutCheckpoints.medianRecordsPerSecond}/s)`);
  console.log(
    `checkpoint duration with ${durations.stateKeys} keys: p50 ${result.checkpointDurationMs.p50} ms, p99 ${result.checkpointDurationMs.p99} ms, longest event-loop pause ${result.longestEventLoopPauseDuringCheckpointsMs} ms → ${file}`,
  );
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runCheckpointBenchmark();
}

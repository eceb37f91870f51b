/**
 * Engine throughput, side by side in one process (issue 6): each workload
 * run by Tributary, by the idiomatic RxJS 7 pipeline and by a hand-written
 * single loop over Maps, on the same generated input. Outputs are compared
 * by checksum before anything is reported — a mismatch fails the benchmark.
 * Events/s are medians of several runs after a warm-up, contenders
 * interleaved run by run so background load hits them alike. Each workload
 * runs in a child process of its own, so none inherits the heap or the JIT
 * feedback another workload left (its contenders share that process).
 */
import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { median, writeResult } from '../common.js';
import { intervalJoinWorkload } from './intervalJoin.js';
import { mapFilterWorkload } from './mapFilter.js';
import { sessionWorkload } from './session.js';
import { slidingWorkload } from './sliding.js';
import { tumblingWorkload } from './tumbling.js';
import type { ContenderRun, Workload } from './workload.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
/**
 * Unmeasured runs of the full input per contender before the measured ones:
 * a short warm-up left the engine's quick-mode runs mostly in the JIT's
 * lower tiers (1.7M, 2.2M, 5.7M events/s in three consecutive runs).
 */
const WARM_UP_RUNS = 2;

export const THROUGHPUT_WORKLOADS: readonly Workload[] = [tumblingWorkload, slidingWorkload, sessionWorkload, intervalJoinWorkload, mapFilterWorkload];

const CONTENDERS = ['tributary', 'rxjs', 'handWritten'] as const;
type Contender = (typeof CONTENDERS)[number];

/** Thrown when contenders disagree on a workload's output. */
export class OutputMismatchError extends Error {
  override readonly name = 'OutputMismatchError';
}

async function timed(run: ContenderRun, events: number): Promise<{ seconds: number; checksum: string }> {
  const started = performance.now();
  const checksum = await run(events);
  return { seconds: (performance.now() - started) / 1000, checksum };
}

/** Runs one workload: warm-up, then RUNS interleaved rounds; throws if any two runs disagree. */
export async function measureWorkload(workload: Workload, events: number, runs: number): Promise<Record<string, unknown>> {
  const checksums = new Map<string, string>(); // contender/run → checksum
  for (let w = 0; w < WARM_UP_RUNS; w++) for (const c of CONTENDERS) await timed(workload[c], events);
  const rates: Record<Contender, number[]> = { tributary: [], rxjs: [], handWritten: [] };
  let expected: string | undefined;
  for (let r = 0; r < runs; r++) {
    for (const c of CONTENDERS) {
      const { seconds, checksum } = await timed(workload[c], events);
      expected ??= checksum;
      checksums.set(`${c}#${r}`, checksum);
      if (checksum !== expected) {
        throw new OutputMismatchError(`${workload.id}: ${c} (run ${r + 1}) produced ${checksum}, expected ${expected} (records:hash) — contenders disagree`);
      }
      rates[c].push(events / seconds);
    }
  }
  const med = (c: Contender): number => median(rates[c]);
  const result = {
    description: workload.description,
    events,
    outputChecksum: expected,
    outputRecords: Number((expected as string).split(':')[0]),
    tributary: { medianEventsPerSecond: Math.round(med('tributary')), runs: rates.tributary.map(Math.round) },
    rxjs: { medianEventsPerSecond: Math.round(med('rxjs')), runs: rates.rxjs.map(Math.round) },
    handWritten: { medianEventsPerSecond: Math.round(med('handWritten')), runs: rates.handWritten.map(Math.round) },
    tributaryVsRxjs: med('tributary') / med('rxjs'),
    tributaryVsHandWritten: med('tributary') / med('handWritten'),
    targeted: workload.targeted,
  };
  return workload.targeted ? { ...result, targetMet: result.tributaryVsHandWritten >= 0.5 && result.tributaryVsRxjs >= 5 } : result;
}

/** The flag a workload's child process is started with: `--measure-workload <id> <events> <runs>`. */
const MEASURE_FLAG = '--measure-workload';

/** Runs `measureWorkload` in a child process (same Node flags, e.g. the TypeScript loader) and resolves to its result. */
function measureInChild(workload: Workload, events: number, runs: number): Promise<Record<string, unknown>> {
  const child = fork(fileURLToPath(import.meta.url), [MEASURE_FLAG, workload.id, String(events), String(runs)], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let result: Record<string, unknown> | undefined;
    child.on('message', (message) => {
      result = message as Record<string, unknown>;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 && result !== undefined) resolve(result);
      else reject(new Error(`throughput workload '${workload.id}': its process exited with ${signal ?? `code ${code}`} before reporting (see its error above)`));
    });
  });
}

export async function runThroughputBenchmark(): Promise<Record<string, unknown>> {
  const only = process.argv.find((a) => a.startsWith('--workloads='))?.slice('--workloads='.length).split(',');
  const loadBefore = loadavg();
  const workloads: Record<string, unknown> = {};
  for (const w of THROUGHPUT_WORKLOADS) {
    if (only !== undefined && !only.includes(w.id)) continue;
    const events = quick ? w.events.quick : w.events.full;
    const r = await measureInChild(w, events, RUNS);
    workloads[w.id] = r;
    const f = (n: unknown): string => Number(n).toLocaleString('en-US');
    console.log(
      `${w.id}: tributary ${f((r.tributary as { medianEventsPerSecond: number }).medianEventsPerSecond)}/s, ` +
        `rxjs ${f((r.rxjs as { medianEventsPerSecond: number }).medianEventsPerSecond)}/s, hand ${f((r.handWritten as { medianEventsPerSecond: number }).medianEventsPerSecond)}/s ` +
        `(×${(r.tributaryVsRxjs as number).toFixed(2)} RxJS, ×${(r.tributaryVsHandWritten as number).toFixed(2)} hand), output ${String(r.outputChecksum)}`,
    );
  }
  const result = {
    parameters: { runs: RUNS, warmUpRuns: WARM_UP_RUNS, quick, parallelism: 1, checkpoints: false },
    loadAverage: { before: loadBefore.map((l) => Number(l.toFixed(2))), after: loadavg().map((l) => Number(l.toFixed(2))) },
    targets: { handWrittenRatio: 0.5, rxjsRatio: 5, appliesTo: THROUGHPUT_WORKLOADS.filter((w) => w.targeted).map((w) => w.id) },
    workloads,
  };
  const file = await writeResult('throughput', result);
  console.log(`→ ${file}`);
  return result;
}

const measureAt = process.argv.indexOf(MEASURE_FLAG);
if (measureAt >= 0) {
  const [id, events, runs] = process.argv.slice(measureAt + 1);
  const workload = THROUGHPUT_WORKLOADS.find((w) => w.id === id);
  if (workload === undefined) throw new Error(`unknown throughput workload '${id}'`);
  process.send!(await measureWorkload(workload, Number(events), Number(runs)));
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await runThroughputBenchmark();
}

// The recommender latency benchmark (issue 6's requirement check):
// "personalized recommendations within one second at p99 with 10,000
// concurrent sessions". Three kinds of process, so that no two share an
// event loop: the local stack (kinesalite, s3rver, Firehose), the pipeline
// (buildStreamingRecommender, pipeline.ts) and the open-loop load generator
// (generator.ts); this process only orchestrates.
//
// Per path (in-memory: events over loopback TCP into an in-process source;
// kinesis: events through the local Kinesis, 4 shards) and per number of
// concurrent sessions: a fresh pipeline process loads a trained model from
// the local S3, a fresh generator runs a warm-up, then a measurement window;
// latency per event = recommendation emitted at the sink − the event's
// creation time in the generator (same machine clock), into an HDR
// histogram; plus when it was in the serving store and, for a sample, when
// GET /recommendations/:id returned it. Dropped = sent − answered.
//
// Scale-out (memory path): the full run also serves 50,000 sessions with
// one pipeline process per core, each owning half of the sessions — as two
// consumer processes of a sharded stream would (Node runs one thread per
// process; the engine's subtasks share it). Their histograms are merged.
//
// The gate: p99 < 1 s at 10,000 sessions and nothing dropped, on the
// in-memory path and — when a bare SDK loop shows the local Kinesis can
// carry the rate — on the Kinesis path. A failed gate sets a non-zero exit
// code (the suite still finishes).
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { S3Client } from '@aws-sdk/client-s3';
import { localAwsClientConfig } from '@tributary/connectors/local';
import { saveModel } from '@tributary/pipelines';
import { writeResult } from '../common.js';
import { MODEL_CUSTOMERS, trainBenchmarkModel } from './model.js';
import * as hdr from 'hdr-histogram-js';
import { forkChild, nextMessage, stopChild, summarise, type Endpoints, type EventPath, type GeneratorConfig, type LatencySummary, type PipelineConfig } from './protocol.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
/**
 * LATENCY_SMOKE=1: the whole benchmark (three processes, both paths, probe,
 * gate) at 200 sessions for a few seconds — what `latency.test.ts` runs in
 * `npm test` so these code paths cannot rot between benchmark runs; its
 * figures mean nothing.
 */
const SMOKE = process.env['LATENCY_SMOKE'] === '1';
const quick = SMOKE || process.argv.includes('--quick');
const SESSIONS = SMOKE ? [200] : quick ? [1_000, 10_000] : [1_000, 10_000, 20_000, 50_000];
const KINESIS_SESSIONS = SMOKE ? [200] : quick ? [1_000, 10_000] : [1_000, 10_000, 20_000];
const WARMUP_MS = SMOKE ? 1_000 : quick ? 5_000 : 10_000;
const MEASURE_MS = SMOKE ? 3_000 : quick ? 15_000 : 30_000;
const THINK_TIME_MS = 1_000;
const SHARDS = 4;
const GATE_SESSIONS = SMOKE ? 200 : 10_000;
const GATE_P99_MS = 1_000;
const CHECKPOINT_INTERVAL_MS = 10_000;
const BUCKET = 'latency-bench';
const MODEL_PREFIX = 'recommender/';
const PROBE_SECONDS = SMOKE ? 2 : quick ? 8 : 15;
/**
 * Kinesis path: the generator KPL-aggregates each PutRecords' events into one
 * record per shard, as a producer must beyond 1,000 records/s per shard on
 * AWS (LATENCY_KINESIS_AGGREGATION=0: one record per event).
 */
const KINESIS_AGGREGATION = process.env['LATENCY_KINESIS_AGGREGATION'] !== '0';
/** Kinesis path: also write recommendations to an output stream and Firehose, as deployed (LATENCY_FULL_OUTPUTS=1). */
const FULL_OUTPUTS = process.env['LATENCY_FULL_OUTPUTS'] === '1';
/** Profile the pipeline process (node --cpu-prof) into this directory. */
const CPU_PROF_DIR = process.env['LATENCY_CPU_PROF'];
/** Restrict the runs: LATENCY_PATHS=memory, LATENCY_SESSIONS=10000. */
const PATHS = (process.env['LATENCY_PATHS']?.split(',') ?? ['memory', 'kinesis']) as EventPath[];
const ONLY_SESSIONS = process.env['LATENCY_SESSIONS']?.split(',').map(Number);
/** Pipeline processes per memory-path run (LATENCY_PIPELINES=2); by default 1, plus the full run's scale-out case. */
const PIPELINES = Number(process.env['LATENCY_PIPELINES'] ?? 1);
/** The full run's scale-out case: 50,000 sessions over one pipeline process per core. */
const SCALE_OUT = { sessions: 50_000, pipelines: 2 } as const;

interface Stack {
  readonly child: ChildProcess;
  readonly endpoints: Endpoints;
  call(message: Record<string, unknown>): Promise<any>;
}

async function startStack(): Promise<Stack> {
  const child = forkChild('localStack.ts', {});
  const ready = await nextMessage<{ endpoints: Endpoints }>(child, (m) => m.type === 'ready', 120_000, 'the local stack');
  let id = 0;
  const call = async (message: Record<string, unknown>): Promise<any> => {
    const myId = ++id;
    const reply = nextMessage<any>(child, (m) => m.type === 'done' && m.id === myId, 60_000, `local stack: ${String(message['type'])}`);
    child.send({ ...message, id: myId });
    const r = await reply;
    if (r.error !== undefined) throw new Error(`local stack ${String(message['type'])}: ${r.error}`);
    return r;
  };
  return { child, endpoints: ready.endpoints, call };
}

const cpuSeconds = (c: { user: number; system: number }): number => (c.user + c.system) / 1e6;

interface RunResult {
  readonly path: EventPath;
  readonly sessions: number;
  /** Pipeline processes, each serving its share of the sessions. */
  readonly pipelines: number;
  readonly sent: number;
  readonly sentInWindow: number;
  readonly answered: number;
  readonly answeredInWindow: number;
  readonly dropped: number;
  readonly droppedInWindow: number;
  readonly sustainedEventsPerSecond: number;
  readonly emitted: LatencySummary;
  readonly visibleInStore: LatencySummary;
  readonly httpVisibleSample: LatencySummary;
  readonly fallbacksInWindow: number;
  readonly fallbackReasons: Record<string, number>;
  readonly errors: Record<string, unknown>;
  readonly generator: Record<string, unknown>;
  readonly pipeline: Record<string, unknown>;
  readonly stackCpuShare?: number;
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
}

/** Merges the pipeline processes' compressed HDR histograms (µs) and summarises them in ms. */
function mergedSummary(encoded: readonly string[]): LatencySummary {
  const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
  for (const text of encoded) merged.add(hdr.decodeFromCompressedBase64(text));
  return summarise(merged);
}

/** Sums the fallback reasons of several processes. */
function sumCounts(counts: ReadonlyArray<Record<string, number>>): Record<string, number> {
  const total: Record<string, number> = {};
  for (const c of counts) for (const [k, v] of Object.entries(c)) total[k] = (total[k] ?? 0) + v;
  return total;
}

async function runOnce(stack: Stack, path: EventPath, sessions: number, run: number, processes: number): Promise<RunResult> {
  const loadBefore = loadavg().map((x) => Math.round(x * 100) / 100);
  const eventStream = `sessions-${run}`;
  const outputStream = FULL_OUTPUTS && path === 'kinesis' ? `recommendations-${run}` : undefined;
  const deliveryStream = FULL_OUTPUTS && path === 'kinesis' ? `recommendations-to-s3-${run}` : undefined;
  if (path === 'kinesis') await stack.call({ type: 'createStream', name: eventStream, shards: SHARDS });
  if (outputStream !== undefined) await stack.call({ type: 'createStream', name: outputStream, shards: SHARDS });
  if (deliveryStream !== undefined) await stack.call({ type: 'createDeliveryStream', name: deliveryStream, bucket: BUCKET, prefix: `recommendations-${run}/` });
  const checkpointDirs = await Promise.all(Array.from({ length: processes }, () => mkdtemp(join(tmpdir(), 'latency-chk-'))));
  const pipelines = checkpointDirs.map((checkpointDir, i) => {
    const pipelineConfig: PipelineConfig = {
      path,
      endpoints: stack.endpoints,
      modelBucket: BUCKET,
      modelPrefix: MODEL_PREFIX,
      eventStream,
      ...(outputStream === undefined ? {} : { outputStream }),
      ...(deliveryStream === undefined ? {} : { deliveryStream }),
      checkpointDir,
      checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
    };
    // One file per thread (tsx's loader runs in a worker thread too): the largest is the pipeline's main thread.
    const profile = CPU_PROF_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${join(CPU_PROF_DIR, `pipeline-${path}-${sessions}-${i}`)}`];
    return forkChild('pipeline.ts', pipelineConfig, profile);
  });
  let generator: ChildProcess | undefined;
  try {
    const readies = await Promise.all(
      pipelines.map((pipeline) =>
        nextMessage<{ port?: number; servingUrl: string; modelsLoaded: number; error?: string }>(pipeline, (m) => m.type === 'ready', 120_000, 'the pipeline'),
      ),
    );
    for (const ready of readies) {
      if (ready.error !== undefined || ready.modelsLoaded === 0) throw new Error(`pipeline not ready: ${ready.error ?? 'no model loaded'}`);
    }
    const ports = readies.flatMap((ready) => (ready.port === undefined ? [] : [ready.port]));
    const generatorConfig: GeneratorConfig = {
      path,
      sessions,
      thinkTimeMs: THINK_TIME_MS,
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      ...(ports.length === 0 ? {} : { ports }),
      kinesisEndpoint: stack.endpoints.kinesis,
      eventStream,
      putEveryMs: 5,
      maxPutsInFlight: 16,
      aggregate: KINESIS_AGGREGATION,
      servingUrls: readies.map((ready) => ready.servingUrl),
      samplesPerSecond: 20,
      samplePollMs: path === 'memory' ? 2 : 10,
      seed: run,
    };
    generator = forkChild('generator.ts', generatorConfig);
    await nextMessage(generator, (m) => m.type === 'ready', 120_000, 'the generator');
    const startAt = Date.now() + 300;
    const windowFrom = startAt + WARMUP_MS;
    const windowTo = windowFrom + MEASURE_MS;
    for (const pipeline of pipelines) pipeline.send({ type: 'window', from: windowFrom, to: windowTo });
    const generatorSent = nextMessage<{ sent: number; sentInWindow: number; sentByShard: number[] }>(
      generator,
      (m) => m.type === 'sent',
      WARMUP_MS + MEASURE_MS + 120_000,
      'the generator to finish',
    );
    const generatorResult = nextMessage<any>(generator, (m) => m.type === 'result', WARMUP_MS + MEASURE_MS + 180_000, 'the generator result');
    generator.send({ startAt, windowFrom, windowTo });
    // The stack's CPU share over the window.
    await new Promise((r) => setTimeout(r, Math.max(0, windowFrom - Date.now())));
    const stackCpuAtWindow = (await stack.call({ type: 'cpu' })).cpu;
    await new Promise((r) => setTimeout(r, Math.max(0, windowTo - Date.now())));
    const stackCpuAfter = (await stack.call({ type: 'cpu' })).cpu;
    const { sent, sentByShard } = await generatorSent;
    // Wait for every answer; give up 10 s after the last one came (or 60 s in all).
    const results = await Promise.all(
      pipelines.map((pipeline, i) => {
        const drained = nextMessage<any>(pipeline, (m) => m.type === 'result', 90_000, 'the pipeline result');
        const expected = pipelines.length === 1 ? sent : (sentByShard[i] ?? 0);
        pipeline.send({ type: 'drain', expected, timeoutMs: 60_000, quietMs: 10_000, notBefore: Date.now() + 1_000 });
        return drained;
      }),
    );
    const g = await generatorResult;
    const loadAfter = loadavg().map((x) => Math.round(x * 100) / 100);
    const sum = (pick: (p: any) => number): number => results.reduce((total, p) => total + pick(p), 0);
    const answered = sum((p) => p.answered);
    const answeredInWindow = sum((p) => p.answeredInWindow);
    const cpuKnown = results.every((p) => p.cpuSecondsInWindow !== undefined);
    const cpuSecondsInWindow = sum((p) => p.cpuSecondsInWindow ?? 0);
    const result: RunResult = {
      path,
      sessions,
      pipelines: processes,
      sent: g.sent,
      sentInWindow: g.sentInWindow,
      answered,
      answeredInWindow,
      dropped: g.sent - answered,
      droppedInWindow: g.sentInWindow - answeredInWindow,
      sustainedEventsPerSecond: Math.round(answeredInWindow / (MEASURE_MS / 1000)),
      emitted: mergedSummary(results.map((p) => p.emitted)),
      visibleInStore: mergedSummary(results.map((p) => p.visibleInStore)),
      httpVisibleSample: g.httpVisible,
      fallbacksInWindow: sum((p) => p.fallbacksInWindow),
      fallbackReasons: sumCounts(results.map((p) => p.stats.fallbackReasons)),
      errors: {
        jobError: results.find((p) => p.jobError !== undefined)?.jobError ?? null,
        deadLetters: sum((p) => p.deadLetters),
        putErrors: g.putErrors,
        putRetriedRecords: g.putRetriedRecords,
        samplesTimedOut: g.samplesTimedOut,
        sampleErrors: g.sampleErrors,
      },
      generator: {
        meanEventBytes: g.meanEventBytes,
        scheduleLagMs: g.scheduleLag,
        putRequests: g.putRequests,
        maxPutBacklog: g.maxBacklog,
        sessionsStarted: g.simulator.sessionsStarted,
        steps: g.simulator.steps,
      },
      pipeline: {
        cpuShareInWindow: cpuKnown ? Math.round((cpuSecondsInWindow / (MEASURE_MS / 1000)) * 100) / 100 : null,
        // CPU time per answered event: what the recommender costs whatever else runs on the machine (1e6 / this ≈ events/s one free core could carry).
        cpuMicrosPerEvent: !cpuKnown || answeredInWindow === 0 ? null : Math.round((cpuSecondsInWindow * 1e6) / answeredInWindow),
        eventLoopDelayMs: results.map((p) => p.eventLoopDelayMs),
        rssMiB: sum((p) => p.rssMiB),
        storeSessions: sum((p) => p.storeSize ?? 0),
        stats: results.map((p) => p.stats),
      },
      stackCpuShare: Math.round(((cpuSeconds(stackCpuAfter) - cpuSeconds(stackCpuAtWindow)) / (MEASURE_MS / 1000)) * 100) / 100,
      loadAverage: { before: loadBefore, after: loadAfter },
    };
    const e = result.emitted;
    console.log(
      `latency ${path.padEnd(7)} ${String(sessions).padStart(6)} sessions${processes > 1 ? ` (${processes} pipeline processes)` : ''}: ${result.sustainedEventsPerSecond}/s, p50 ${e.p50} p90 ${e.p90} p99 ${e.p99} p99.9 ${e.p999} max ${e.max} ms; ` +
        `dropped ${result.dropped}, fallbacks ${result.fallbacksInWindow}, pipeline CPU ${String(result.pipeline['cpuShareInWindow'])} (${String(result.pipeline['cpuMicrosPerEvent'])} µs/event), stack CPU ${result.stackCpuShare}, load ${loadAfter[0]}`,
    );
    return result;
  } finally {
    for (const pipeline of pipelines) pipeline.send({ type: 'stop' });
    generator?.send({ type: 'stop' });
    await Promise.all([...pipelines.map((pipeline) => stopChild(pipeline, 15_000)), generator === undefined ? undefined : stopChild(generator)]);
    if (path === 'kinesis') await stack.call({ type: 'deleteStream', name: eventStream }).catch(() => undefined);
    if (outputStream !== undefined) await stack.call({ type: 'deleteStream', name: outputStream }).catch(() => undefined);
    await Promise.all(checkpointDirs.map((dir) => rm(dir, { recursive: true, force: true })));
  }
}

/** Sessions at which p99 crosses `limitMs`, interpolated between measured points (log scale), or a bound. */
function crossing(runs: readonly RunResult[], limitMs: number): string {
  const sorted = [...runs].sort((a, b) => a.sessions - b.sessions);
  const first = sorted[0];
  if (first === undefined) return 'not measured';
  if (first.emitted.p99 >= limitMs) return `already at ${first.sessions.toLocaleString('en-US')} sessions`;
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as RunResult;
    const b = sorted[i] as RunResult;
    if (b.emitted.p99 >= limitMs) {
      const f = (Math.log(limitMs) - Math.log(a.emitted.p99)) / (Math.log(b.emitted.p99) - Math.log(a.emitted.p99));
      const at = Math.exp(Math.log(a.sessions) + f * (Math.log(b.sessions) - Math.log(a.sessions)));
      return `between ${a.sessions.toLocaleString('en-US')} and ${b.sessions.toLocaleString('en-US')} sessions (≈ ${(Math.round(at / 1000) * 1000).toLocaleString('en-US')} interpolated)`;
    }
  }
  return `not reached up to ${(sorted.at(-1) as RunResult).sessions.toLocaleString('en-US')} sessions`;
}

export async function runLatencyBenchmark(): Promise<Record<string, unknown>> {
  const began = Date.now();
  const loadAtStart = loadavg();
  const stack = await startStack();
  const s3 = new S3Client(localAwsClientConfig('s3', stack.endpoints.s3));
  try {
    await stack.call({ type: 'createBucket', name: BUCKET });
    const model = trainBenchmarkModel();
    await saveModel({ client: s3, bucket: BUCKET, prefix: MODEL_PREFIX }, model.artifact);
    console.log(`latency: model ${model.artifact.version} trained on ${model.rows} ratings of ${MODEL_CUSTOMERS} customers in ${model.trainingSeconds.toFixed(1)} s`);

    // Can the local Kinesis carry the gate's rate at all? (a bare SDK loop)
    let probe: any;
    if (PATHS.includes('kinesis')) {
      await stack.call({ type: 'createStream', name: 'probe', shards: SHARDS });
      const child = forkChild('kinesisProbe.ts', { endpoint: stack.endpoints.kinesis, stream: 'probe', rate: GATE_SESSIONS, seconds: PROBE_SECONDS, bytes: 700, maxInFlight: 16, aggregate: KINESIS_AGGREGATION });
      probe = await nextMessage<any>(child, (m) => m.type === 'result', PROBE_SECONDS * 1000 + 120_000, 'the Kinesis probe');
      await stopChild(child);
      await stack.call({ type: 'deleteStream', name: 'probe' });
      console.log(
        `latency: bare SDK loop on the local Kinesis at ${GATE_SESSIONS}/s: ${probe.ackedPerSecondDuringRun} puts/s acked, ${probe.read} of ${probe.created} read, put→get p50 ${probe.putToGet.p50} p99 ${probe.putToGet.p99} ms`,
      );
    }
    const kinesisCarries =
      probe !== undefined && probe.ackedPerSecondDuringRun >= 0.95 * GATE_SESSIONS && probe.read >= 0.99 * probe.created && probe.putToGet.p99 < GATE_P99_MS;

    const runs: RunResult[] = [];
    const skipped: string[] = [];
    let run = 0;
    for (const path of ['memory', 'kinesis'] as const) {
      if (!PATHS.includes(path)) continue;
      for (const sessions of path === 'memory' ? SESSIONS : KINESIS_SESSIONS) {
        if (ONLY_SESSIONS !== undefined && !ONLY_SESSIONS.includes(sessions)) continue;
        // Quick mode: a rate the bare SDK loop already showed the local Kinesis cannot carry only builds a backlog (and a minute of draining).
        if (quick && path === 'kinesis' && !kinesisCarries && sessions >= GATE_SESSIONS) {
          skipped.push(`kinesis at ${sessions} sessions (quick run): the bare SDK loop showed the local Kinesis cannot carry ${GATE_SESSIONS} records/s`);
          continue;
        }
        runs.push(await runOnce(stack, path, sessions, ++run, path === 'memory' ? PIPELINES : 1));
      }
    }
    // Scale-out: the full run's 50,000 sessions again, one pipeline process per core.
    const scaleOutWanted = !quick && PIPELINES === 1 && PATHS.includes('memory') && (ONLY_SESSIONS === undefined || ONLY_SESSIONS.includes(SCALE_OUT.sessions));
    const scaleOut = scaleOutWanted ? await runOnce(stack, 'memory', SCALE_OUT.sessions, ++run, SCALE_OUT.pipelines) : undefined;

    /** The capacity curve of a path: its runs with the same number of pipeline processes (the scale-out run is reported apart). */
    const byPath = (path: EventPath): RunResult[] => runs.filter((r) => r.path === path);
    const gateRun = (path: EventPath): RunResult | undefined => byPath(path).find((r) => r.sessions === GATE_SESSIONS);
    const gatePaths: EventPath[] = kinesisCarries ? ['memory', 'kinesis'] : ['memory'];
    const gateFailures: string[] = [];
    for (const path of gatePaths) {
      const r = gateRun(path);
      if (r === undefined) {
        if (PATHS.includes(path) && (ONLY_SESSIONS === undefined || ONLY_SESSIONS.includes(GATE_SESSIONS))) gateFailures.push(`${path}: no run at ${GATE_SESSIONS} sessions`);
        continue;
      }
      if (!(r.emitted.p99 < GATE_P99_MS)) gateFailures.push(`${path}: p99 ${r.emitted.p99} ms ≥ ${GATE_P99_MS} ms at ${GATE_SESSIONS} sessions`);
      if (r.dropped !== 0) gateFailures.push(`${path}: ${r.dropped} events dropped (sent − answered) at ${GATE_SESSIONS} sessions`);
      if (r.errors['jobError'] !== null) gateFailures.push(`${path}: the job failed: ${String(r.errors['jobError'])}`);
    }
    // A dropped event on a gated path fails the gate at any load (on a path that is not gated, events still unanswered after the drain are reported, not gated).
    for (const r of runs) {
      if (gatePaths.includes(r.path) && r.dropped !== 0 && r.sessions !== GATE_SESSIONS) gateFailures.push(`${r.path}: ${r.dropped} events dropped at ${r.sessions} sessions`);
    }

    const result = {
      parameters: {
        quick,
        smoke: SMOKE,
        sessions: SESSIONS,
        kinesisSessions: KINESIS_SESSIONS,
        thinkTimeMeanMs: THINK_TIME_MS,
        warmupMs: WARMUP_MS,
        measureMs: MEASURE_MS,
        shards: SHARDS,
        checkpointIntervalMs: CHECKPOINT_INTERVAL_MS,
        kinesisOutputsAlsoToKinesisAndFirehose: FULL_OUTPUTS,
        kinesisAggregation: KINESIS_AGGREGATION,
        pipelineParallelism: 1,
        pipelineProcesses: PIPELINES,
        scaleOut: `${SCALE_OUT.sessions} sessions over ${SCALE_OUT.pipelines} pipeline processes (full run only; the generator routes each session to one process by a hash of its id, as a sharded stream would)`,
        recommender: 'defaults (k 5, similar 5, deadline 100 ms)',
        model: {
          version: model.artifact.version,
          products: model.artifact.products.length,
          customersWithEmbeddings: Object.keys(model.artifact.userEmbeddings).length,
          dimensions: model.artifact.dimensions,
          trainedOn: `${model.rows} ratings of a generated dataset (${MODEL_CUSTOMERS} customers, seed 42), ${model.epochs} epochs, ${model.trainingSeconds.toFixed(1)} s; rmse ${model.rmse.toFixed(3)}`,
        },
        load: 'platform simulator (packages/examples): 20% new visitors, ~8 steps per session, carts; malformed events off; order events not sent',
        memoryPath: 'generator process → NDJSON over loopback TCP → in-process queue source in the pipeline process',
        kinesisPath: `generator process → PutRecords (batch ≤ 5 ms, ≤ 16 in flight${KINESIS_AGGREGATION ? ', events KPL-aggregated into one record per shard' : ', one record per event'}) → kinesalite (local stack process) → KinesisSource (GetRecords every 200 ms per shard) in the pipeline process (user records emitted one by one)`,
        latency: 'recommendation at the sink (Date.now, sub-ms) − event_time (Date.now in the generator when the event was created); same machine clock',
        processes: 'local stack, pipeline, generator: three processes on 2 shared cores',
      },
      loadAverageAtStart: loadAtStart.map((x) => Math.round(x * 100) / 100),
      kinesisProbe: probe ?? null,
      kinesisCarriesGateRate: kinesisCarries,
      gate: {
        requirement: `p99 < ${GATE_P99_MS} ms at ${GATE_SESSIONS} sessions, nothing dropped`,
        paths: gatePaths,
        passed: gateFailures.length === 0,
        failures: gateFailures,
      },
      targets: { memoryP99Ms: 50, kinesisP99Ms: 300, at50kSessionsP99Ms: 1000 },
      capacity: {
        memory: { p99Crosses100ms: crossing(byPath('memory'), 100), p99Crosses1s: crossing(byPath('memory'), 1000) },
        kinesis: { p99Crosses100ms: crossing(byPath('kinesis'), 100), p99Crosses1s: crossing(byPath('kinesis'), 1000) },
      },
      runs,
      scaleOut: scaleOut ?? null,
      skipped,
      durationSeconds: Math.round((Date.now() - began) / 1000),
    };
    const file = await writeResult('latency', result);
    console.log(`latency: gate (${result.gate.requirement}; paths ${gatePaths.join(', ')}): ${result.gate.passed ? 'PASSED' : `FAILED — ${gateFailures.join('; ')}`} → ${file}`);
    if (!result.gate.passed) process.exitCode = 1;
    return result;
  } finally {
    s3.destroy();
    stack.child.send({ type: 'stop' });
    await stopChild(stack.child);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runLatencyBenchmark();
}

/**
 * The demo's streaming half: the streaming recommender reads the session
 * and order events the platform simulator writes to Kinesis, answers each
 * session event with recommendations (model, or the most popular products)
 * to a Kinesis stream, through Firehose to S3 and at the serving endpoint,
 * and quarantines the malformed ones; the demo measures the latency from
 * each event's creation to its recommendation.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StreamEnvironment, type JobHandle } from '@tributary/core';
import { buildStreamingRecommender, startServingEndpoint, type Recommendation, type RecommenderStats, type ServingEndpoint } from '@tributary/pipelines';
import * as hdr from 'hdr-histogram-js';
import type { RetailDataset } from '../data/index.js';
import { kinesisOutput, PlatformSimulator, runSimulation, type SimulationReport } from '../simulator/index.js';
import { MODELS_PREFIX } from './batch.js';
import { startDashboard, type DemoDashboard } from './dashboard.js';
import type { DemoInfrastructure } from './infrastructure.js';
import type { DemoOptions } from './options.js';
import type { Reporter } from './reporter.js';

/** Latency percentiles in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** What the streaming half did. */
export interface StreamingOutcome {
  readonly simulation: SimulationReport;
  readonly stats: ReturnType<RecommenderStats['snapshot']>;
  readonly deadLetters: number;
  readonly latency: LatencySummary;
  readonly samples: readonly Recommendation[];
  readonly endpoint: ServingEndpoint;
  /** The sales dashboard, fed by the same platform's order events. */
  readonly dashboard: DemoDashboard;
  readonly checkpointDir: string;
  /** Stops the job with a savepoint (its sinks flushed: everything answered is in Kinesis and on its way to S3); resolves with the savepoint's location. */
  stopJob(): Promise<string>;
  /** Stops the job (if still running) and the endpoint. */
  stop(): Promise<void>;
}

/** How long to wait for the recommender to answer what was sent after the simulation ends. */
export const DRAIN_TIMEOUT_MS = 30_000;
/** How long to wait for the recommender's first model before starting the simulator anyway. */
export const WARM_UP_TIMEOUT_MS = 15_000;

/** Runs the recommender against the simulator for the configured duration. */
export async function runStreaming(options: DemoOptions, infra: DemoInfrastructure, dataset: RetailDataset, report: Reporter): Promise<StreamingOutcome> {
  const checkpointDir = await mkdtemp(join(tmpdir(), 'tributary-demo-checkpoints-'));
  const env = StreamEnvironment.create({ parallelism: 2, checkpointInterval: 5_000, checkpointDir, logger: report.logger() });
  const startPosition = infra.local === undefined ? 'LATEST' : 'TRIM_HORIZON';
  const job = buildStreamingRecommender(env, {
    events: { kinesis: { stream: options.sessionStream, client: infra.kinesis, startPosition, pollIntervalMs: 200 } },
    orders: { kinesis: { stream: options.orderStream, client: infra.kinesis, startPosition, pollIntervalMs: 200 } },
    models: { store: { client: infra.s3, bucket: options.bucket, prefix: MODELS_PREFIX }, pollIntervalMs: 10_000 },
    outputs: {
      kinesis: { stream: options.recommendationStream, client: infra.kinesis },
      firehose: { deliveryStreamName: options.recommendationDeliveryStream, client: infra.firehose },
      deadLetters: { deliveryStreamName: options.quarantineDeliveryStream, client: infra.firehose },
    },
    logger: report.logger(),
  });
  const latency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  const samples: Recommendation[] = [];
  let deadLetters = 0;
  job.recommendations
    .sinkTo((rec: Recommendation) => {
      latency.recordValue(Math.max(1, Date.now() - rec.event_time));
      if (samples.length < 200 && rec.customer_number !== null && rec.similar_items.length > 0) samples.push(rec);
    })
    .name('latency');
  job.deadLetters.sinkTo(() => void deadLetters++).name('count dead letters');
  const endpoint = await startServingEndpoint(job.store!, { port: options.servingPort });
  const dashboard = await startDashboard(options, infra, checkpointDir, report);
  const handle: JobHandle = env.execute('streaming-recommender');
  const failed = handle.done.then(
    () => undefined,
    (error: unknown) => error,
  );

  // Start the shoppers once the recommender runs with its model, as a platform would after a deploy.
  const warmUpDeadline = Date.now() + WARM_UP_TIMEOUT_MS;
  while (job.stats.modelsLoaded === 0 && job.stats.modelLoadFailures === 0 && Date.now() < warmUpDeadline) {
    const error = await Promise.race([failed, new Promise((r) => setTimeout(r, 50, undefined))]);
    if (error !== undefined) throw error;
  }

  const simulator = new PlatformSimulator({ dataset, sessions: options.sessions, durationMs: options.durationSeconds * 1_000, startTime: Date.now(), seed: options.seed });
  const output = kinesisOutput({ client: infra.kinesis, streamName: options.sessionStream, orderStreamName: options.orderStream, tuning: { maxTimeInBufferMs: 20, maxInFlightRequests: 4 } });
  const line = (sent: number, malformed: number): string => {
    const s = job.stats;
    return (
      `${sent.toLocaleString()} session events sent (${malformed} malformed), ${s.events.toLocaleString()} answered ` +
      `(${s.fallback} fallback), ${deadLetters} quarantined, p99 ${latency.totalCount > 0 ? latency.getValueAtPercentile(99) : 0} ms`
    );
  };
  const simulation = await runSimulation(simulator, {
    outputs: [output],
    pace: 'real-time',
    progressIntervalMs: 1_000,
    onProgress: (stats) => report.progress(line(stats.sessionEvents + stats.malformedEvents, stats.malformedEvents)),
  });
  await output.close();

  // Drain: everything sent is answered or quarantined.
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  while ((job.stats.events < simulation.sessionEvents || deadLetters < simulation.malformedEvents) && Date.now() < deadline) {
    const error = await Promise.race([failed, new Promise((r) => setTimeout(r, 100, undefined))]);
    if (error !== undefined) throw error;
    report.progress(`draining: ${line(simulation.sessionEvents + simulation.malformedEvents, simulation.malformedEvents)}`);
  }
  report.done(line(simulation.sessionEvents + simulation.malformedEvents, simulation.malformedEvents));
  return {
    simulation,
    stats: job.stats.snapshot(),
    deadLetters,
    latency: {
      count: latency.totalCount,
      p50: latency.getValueAtPercentile(50),
      p90: latency.getValueAtPercentile(90),
      p99: latency.getValueAtPercentile(99),
      max: latency.maxValue,
    },
    samples: samples.slice(-3),
    endpoint,
    dashboard,
    checkpointDir,
    async stopJob() {
      const savepoint = await handle.stopWithSavepoint();
      await failed;
      return savepoint.location;
    },
    async stop() {
      await endpoint.close();
      await handle.cancel();
      await failed;
      await dashboard.stop();
    },
  };
}

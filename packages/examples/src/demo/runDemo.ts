/**
 * One run of the demo, step by step (see demo.ts for what it shows): the
 * infrastructure, the batch half, the streaming half and the report.
 */
import { buildTrainingSetStep, loadDatabase, trainStep, MODELS_PREFIX, TRAINING_SET_PREFIX } from './batch.js';
import { openInfrastructure, type DemoInfrastructure } from './infrastructure.js';
import type { DemoOptions } from './options.js';
import { awaitDelivery, formatBytes, summarisePrefix } from './outputs.js';
import { Reporter, type ReporterOutput } from './reporter.js';
import { runStreaming, type StreamingOutcome } from './streaming.js';

/** A recommendation as JSON is at least this long: the report waits until that much was delivered. */
const MIN_RECOMMENDATION_BYTES = 200;
/** How long the report waits for Firehose to deliver the buffered recommendations. */
const DELIVERY_WAIT_MS = 10_000;

/** What a demo run ended with (for tests; the report is what users read). */
export interface DemoOutcome {
  readonly exitCode: number;
  readonly streaming: StreamingOutcome;
  readonly servingUrl: string;
}

/**
 * Runs the demo (see demo.ts) and resolves with its outcome once everything
 * is stopped. `inspect` runs after the report, while the local stack, the
 * recommender and its endpoint are still up (tests look at the outputs there).
 */
export async function runDemo(options: DemoOptions, out: ReporterOutput, inspect?: (context: { infra: DemoInfrastructure; streaming: StreamingOutcome }) => Promise<void>): Promise<DemoOutcome> {
  const report = new Reporter(out, 6);
  const started = Date.now();

  report.begin(options.aws ? 'Connecting to AWS (SDK credential chain)' : 'Starting the embedded local stack: Kinesis, S3, Firehose, PostgreSQL');
  const infra = await openInfrastructure(options);
  report.done(infra.local === undefined ? `AWS region ${infra.region ?? '(SDK default)'}` : `on 127.0.0.1: ${Object.entries(infra.endpoints).map(([s, e]) => `${s} ${e}`).join(', ')}`);
  let stopStreaming: (() => Promise<void>) | undefined;
  try {
    report.begin(`Generating the sales database (${options.customers.toLocaleString()} customers, seed ${options.seed})`);
    const { dataset } = await loadDatabase(options, infra, report);

    report.begin('Building the training set (batch pipeline)');
    const manifest = await buildTrainingSetStep(options, infra, report);

    report.begin('Training the recommender');
    const model = await trainStep(options, infra, report);

    report.begin(`Serving recommendations to ${options.sessions.toLocaleString()} simulated shopper sessions for ${options.durationSeconds} s (streaming pipeline)`);
    const streaming = await runStreaming(options, infra, dataset, report);
    stopStreaming = () => streaming.stop();

    report.begin('Results');
    const { simulation, stats, latency } = streaming;
    // Stop with a savepoint: the sinks flush, so Kinesis and Firehose hold every answer (the endpoint keeps serving).
    const savepoint = options.keepServing ? undefined : await streaming.stopJob();
    report.line('  Sample recommendations:');
    for (const rec of streaming.samples) {
      report.line(`    session ${rec.session_id} (customer ${rec.customer_number}): recommended ${rec.recommended_items.join(', ')}; similar ${rec.similar_items.join(', ')} [${rec.source}, model ${rec.model_version}]`);
    }
    const probe = streaming.samples.at(-1);
    if (probe !== undefined) {
      const url = `${streaming.endpoint.url}/recommendations/${encodeURIComponent(probe.session_id)}`;
      const response = await fetch(url);
      report.line(`  GET ${url} → ${response.status} ${(await response.text()).slice(0, 160)}…`);
    }
    report.line();
    report.line(`  Latency, event created → recommendation emitted: p50 ${latency.p50} ms, p90 ${latency.p90} ms, p99 ${latency.p99} ms, max ${latency.max} ms (${latency.count.toLocaleString()} events; requirement p99 < 1000 ms)`);
    report.line(
      `  Counts: ${simulation.sessionEvents.toLocaleString()} valid + ${simulation.malformedEvents} malformed session events sent, ${simulation.orderLines} order lines; ` +
        `${stats.events.toLocaleString()} recommendations (${stats.model.toLocaleString()} from the model, ${stats.fallback} fallback), ${streaming.deadLetters} dead letters`,
    );
    const [recommendations, quarantine, trainingSet, models] = await Promise.all([
      awaitDelivery(infra.s3, options.bucket, 'recommendations/', DELIVERY_WAIT_MS, (bytes) => bytes >= stats.events * MIN_RECOMMENDATION_BYTES),
      awaitDelivery(infra.s3, options.bucket, 'quarantine/recommender/', simulation.malformedEvents > 0 ? DELIVERY_WAIT_MS : 0),
      summarisePrefix(infra.s3, options.bucket, TRAINING_SET_PREFIX),
      summarisePrefix(infra.s3, options.bucket, MODELS_PREFIX),
    ]);
    const sales = await streaming.dashboard.view();
    const lines = [...sales.byProductLine].sort((a, b) => b.revenueCents - a.revenueCents).slice(0, 3);
    report.line(
      `  Sales dashboard: ${sales.total.orders} orders, ${(sales.total.revenueCents / 100).toLocaleString('en-US', { style: 'currency', currency: 'USD' })}; ` +
        `top lines ${lines.map((l) => `${l.productLine} ${(l.revenueCents / 100).toFixed(0)}`).join(', ')}; data age ${sales.dataAgeMs === null ? 'n/a' : `${(sales.dataAgeMs / 1000).toFixed(1)} s`} (objective ≤ 1 hour); ${sales.spikes.length} demand spike(s)`,
    );
    report.line();
    report.line('  Where everything is:');
    report.line(`    sales database           ${infra.database.description}`);
    report.line(`    training set             s3://${options.bucket}/${TRAINING_SET_PREFIX} (${trainingSet.objects} objects, ${formatBytes(trainingSet.bytes)}; manifest run ${manifest.runId})`);
    report.line(`    model                    s3://${options.bucket}/${MODELS_PREFIX}models/${model.version}/ (model.json, evaluation.json; LATEST ${model.published ? 'points at it' : 'unchanged'})`);
    report.line(`    recommendations          Kinesis stream ${options.recommendationStream}; Firehose → s3://${options.bucket}/recommendations/ (${recommendations.objects} objects, ${formatBytes(recommendations.bytes)})`);
    report.line(`    serving endpoint         ${streaming.endpoint.url}/recommendations/:sessionId`);
    report.line(`    sales dashboard          ${streaming.dashboard.url ?? '(not served)'} (hourly sales in the sales database; Parquet under s3://${options.bucket}/sales/)`);
    report.line(`    quarantined events       s3://${options.bucket}/quarantine/recommender/ (${quarantine.objects} objects, ${formatBytes(quarantine.bytes)})`);
    report.line(`    checkpoints              ${streaming.checkpointDir}${savepoint === undefined ? '' : ` (final savepoint ${savepoint})`}`);

    const unanswered = simulation.sessionEvents - stats.events;
    const unquarantined = simulation.malformedEvents - streaming.deadLetters;
    report.line();
    if (unanswered !== 0 || unquarantined !== 0) {
      report.line(`  ✗ ${unanswered} valid events unanswered, ${unquarantined} malformed events not quarantined`);
    } else {
      report.line(`  ✓ every event answered or quarantined; done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    }
    await inspect?.({ infra, streaming });
    const exitCode = unanswered === 0 && unquarantined === 0 ? 0 : 1;
    if (exitCode === 0 && options.keepServing) {
      report.line(`  Serving at ${streaming.endpoint.url}/recommendations/:sessionId — Ctrl-C to stop`);
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    return { exitCode, streaming, servingUrl: streaming.endpoint.url };
  } finally {
    await stopStreaming?.();
    await infra.stop();
  }
}


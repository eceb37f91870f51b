/**
 * The streaming recommender as a dataflow: session events (Kinesis, or any
 * stream) → validate (malformed → dead letters with the reason) → key by
 * session → {@link RecommenderFunction} (session state, model or popular
 * fallback) with model updates and order events broadcast to it →
 * recommendations to a Kinesis stream, a Firehose delivery stream (→ S3)
 * and the serving store behind `GET /recommendations/:sessionId`.
 *
 * ```ts
 * const env = StreamEnvironment.create({ checkpointInterval: 10_000, checkpointDir: 'chk' });
 * const job = buildStreamingRecommender(env, {
 *   events: { kinesis: { stream: 'session-events', startPosition: 'LATEST' } },
 *   models: { store: { client: s3, bucket: 'lake', prefix: 'recommender/' } },
 *   outputs: { kinesis: { stream: 'recommendations' }, firehose: { deliveryStreamName: 'recommendations-to-s3' } },
 * });
 * const endpoint = await startServingEndpoint(job.store, { port: 8080 });
 * await env.execute('streaming-recommender');
 * ```
 */
import { WatermarkStrategy, type DataStream, type DeadLetter, type Logger, type StreamEnvironment } from '@tributary/core';
import { firehoseSink, type FirehoseSinkOptions } from '@tributary/connectors/firehose';
import { KinesisSink, kinesisSourceWithDeadLetters, type KinesisRecordInfo, type KinesisSinkOptions, type KinesisSourceOptions } from '@tributary/connectors/kinesis';
import { validateSessionEvent, type OrderEvent, type Recommendation, type SessionEvent } from '../retail/events.js';
import { validateOrderEvent } from '../retail/orders.js';
import { modelUpdateSource, type ModelUpdateSourceOptions } from './modelUpdates.js';
import { RecommenderStats } from './recommender.js';
import { MODEL_VERSION_STATE, RecommenderFunction, type RecommenderControl, type RecommenderFunctionOptions } from './recommenderFunction.js';
import { RecommendationStore, servingSink, type RecommendationStoreOptions } from './serving.js';

/** Where a stream of JSON events comes from: a Kinesis stream, or a stream the caller built (tests, benchmarks). */
export type EventInput = { readonly kinesis: Omit<KinesisSourceOptions<unknown>, 'deserializer'> } | { readonly stream: DataStream<unknown> };

/** Options of {@link buildStreamingRecommender}. */
export interface StreamingRecommenderOptions {
  /** Session events (JSON, validated here). */
  readonly events: EventInput;
  /** Order events that count towards the popular products (optional). */
  readonly orders?: EventInput;
  /** Where models come from. */
  readonly models: ModelUpdateSourceOptions;
  /** k, deadlines, fallback, session expiry… */
  readonly recommender?: Omit<RecommenderFunctionOptions, 'stats' | 'logger'>;
  readonly outputs?: {
    /** Recommendations to a Kinesis stream (partition key: session id). */
    readonly kinesis?: Omit<KinesisSinkOptions<Recommendation>, 'partitionKey'>;
    /** Recommendations to a Firehose delivery stream (JSON Lines, e.g. to S3). */
    readonly firehose?: FirehoseSinkOptions<Recommendation>;
    /** The serving store (default: on, with these options); false to leave it out. */
    readonly serving?: RecommendationStoreOptions | false;
    /** Dead letters (JSON Lines with the reason) to a Firehose delivery stream. */
    readonly deadLetters?: FirehoseSinkOptions<QuarantinedEvent>;
  };
  /** Parallelism of the recommender (default: the environment's). */
  readonly parallelism?: number;
  readonly logger?: Logger;
}

/** A dead letter as written to the quarantine: JSON-friendly, with the reason. */
export interface QuarantinedEvent {
  readonly reason: string;
  readonly operator: string;
  /** The input as received: parsed JSON, or the raw text when it was not JSON. */
  readonly input: unknown;
  /** Where a Kinesis record came from, when it did (`subSequenceNumber`: its index in a KPL-aggregated record). */
  readonly kinesis?: { readonly stream: string; readonly shardId: string; readonly sequenceNumber: string; readonly subSequenceNumber?: number };
  readonly quarantinedAt: number;
}

/** What {@link buildStreamingRecommender} added. */
export interface StreamingRecommender {
  readonly recommendations: DataStream<Recommendation>;
  /** Malformed session and order events, with the reason. */
  readonly deadLetters: DataStream<QuarantinedEvent>;
  /** Counts shared by every parallel instance (events, model/fallback answers by reason, model loads). */
  readonly stats: RecommenderStats;
  /** The serving store, when serving is on. */
  readonly store: RecommendationStore | undefined;
}

/** Builds the streaming recommender into `env` (see the module comment). */
export function buildStreamingRecommender(env: StreamEnvironment, options: StreamingRecommenderOptions): StreamingRecommender {
  const events = readJson(env, options.events, 'session events');
  const valid = events.records.map(checked(validateSessionEvent)).name('validate session events').uid('validate-session-events');
  const deadLetters: Array<DataStream<QuarantinedEvent>> = [...events.deadLetters, valid.deadLetters().map(quarantined).name('quarantine session events')];

  let controls = env
    .fromSource<RecommenderControl>(modelUpdateSource(options.models), WatermarkStrategy.noWatermarks(), 'model updates')
    .uid('model-updates')
    .setParallelism(1);
  if (options.orders !== undefined) {
    const orders = readJson(env, options.orders, 'order events');
    const validOrders = orders.records.map(validateOrderEvent).name('validate order events').uid('validate-order-events');
    deadLetters.push(...orders.deadLetters, validOrders.deadLetters().map(quarantined).name('quarantine order events'));
    controls = controls.union(validOrders.map((order: OrderEvent): RecommenderControl => ({ kind: 'order', order })).name('orders as popularity'));
  }

  const stats = new RecommenderStats();
  const fn = new RecommenderFunction({ ...options.recommender, stats, ...(options.logger === undefined ? {} : { logger: options.logger }) });
  let recommendations = valid
    .keyBy((event: SessionEvent) => event.session_id)
    .connect(controls.broadcast(MODEL_VERSION_STATE))
    .process(fn)
    .name('recommend')
    .uid('recommender');
  if (options.parallelism !== undefined) recommendations = recommendations.setParallelism(options.parallelism);

  const outputs = options.outputs ?? {};
  if (outputs.kinesis !== undefined) {
    recommendations.sinkTo(new KinesisSink<Recommendation>({ ...outputs.kinesis, partitionKey: (r) => r.session_id })).name('recommendations to Kinesis');
  }
  if (outputs.firehose !== undefined) recommendations.sinkTo(firehoseSink(outputs.firehose)).name('recommendations to Firehose');
  const store = outputs.serving === false ? undefined : new RecommendationStore(outputs.serving ?? {});
  if (store !== undefined) recommendations.sinkTo(servingSink(store)).name('serving store');

  const [first, ...rest] = deadLetters as [DataStream<QuarantinedEvent>, ...DataStream<QuarantinedEvent>[]];
  const allDeadLetters = rest.length === 0 ? first : first.union(...rest);
  if (outputs.deadLetters !== undefined) allDeadLetters.sinkTo(firehoseSink(outputs.deadLetters)).name('dead letters to Firehose');
  return { recommendations, deadLetters: allDeadLetters, stats, store };
}

/** A map function that returns the valid value or throws the reason (→ the operator's dead letters). */
function checked<T>(validate: (raw: unknown) => { ok: true; value: T } | { ok: false; reason: string }): (raw: unknown) => T {
  return (raw) => {
    const result = validate(raw);
    if (result.ok) return result.value;
    throw new TypeError(result.reason);
  };
}

function quarantined(letter: DeadLetter): QuarantinedEvent {
  return { reason: letter.reason, operator: letter.operator, input: letter.record, quarantinedAt: Date.now() };
}

/** JSON records of an input, and the dead letters of records that were not JSON. */
function readJson(env: StreamEnvironment, input: EventInput, name: string): { records: DataStream<unknown>; deadLetters: Array<DataStream<QuarantinedEvent>> } {
  if ('stream' in input) return { records: input.stream, deadLetters: [] };
  const { records, deadLetters } = kinesisSourceWithDeadLetters<unknown>(env, input.kinesis, WatermarkStrategy.noWatermarks(), name);
  const notJson = deadLetters
    .map(
      (letter): QuarantinedEvent => ({
        reason: letter.reason,
        operator: letter.operator,
        input: Buffer.from(letter.record.data).toString('utf8'),
        kinesis: kinesisOrigin(letter.record),
        quarantinedAt: Date.now(),
      }),
    )
    .name(`${name}: not JSON`);
  return { records, deadLetters: [notJson] };
}

/** A quarantined event's Kinesis origin from its record info. */
function kinesisOrigin(info: KinesisRecordInfo): NonNullable<QuarantinedEvent['kinesis']> {
  const { stream, shardId, sequenceNumber, subSequenceNumber } = info;
  return subSequenceNumber === undefined ? { stream, shardId, sequenceNumber } : { stream, shardId, sequenceNumber, subSequenceNumber };
}

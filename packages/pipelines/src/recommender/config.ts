/**
 * The streaming recommender's configuration (validated by the runner before
 * anything starts) and its translation into {@link StreamingRecommenderOptions}.
 * Endpoints come from configuration or the SDK's variables
 * (`AWS_ENDPOINT_URL_KINESIS`, …): leave them out for AWS, point them at the
 * local stack for development. Credentials come only from the SDK's provider
 * chain.
 *
 * ```json
 * {
 *   "events": { "stream": "session-events", "startPosition": "LATEST" },
 *   "orders": { "stream": "order-events" },
 *   "models": { "bucket": "lake", "prefix": "recommender/", "pollIntervalMs": 30000 },
 *   "recommender": { "k": 5, "deadlineMs": 100 },
 *   "outputs": { "kinesisStream": "recommendations", "firehoseDeliveryStream": "recommendations-to-s3", "deadLetterDeliveryStream": "recommender-quarantine" },
 *   "serving": { "port": 8080 },
 *   "aws": { "region": "eu-west-1" }
 * }
 * ```
 */
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig, type LocalService } from '@tributary/connectors/local';
import * as z from 'zod';
import type { EventInput, StreamingRecommenderOptions } from './pipeline.js';

const streamName = z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'a Kinesis stream name (1–128 of a-z, A-Z, 0-9, _ . -)');
const deliveryStreamName = z.string().regex(/^[a-zA-Z0-9_.-]{1,64}$/, 'a Firehose delivery stream name (1–64 of a-z, A-Z, 0-9, _ . -)');
const positiveMs = z.number().int().positive();

const kinesisInput = z.strictObject({
  stream: streamName,
  /** Where a job without a checkpoint starts (default LATEST: live traffic only). */
  startPosition: z.enum(['LATEST', 'TRIM_HORIZON']).default('LATEST'),
  pollIntervalMs: z.number().int().min(200).optional(),
});

/** The recommender's config schema. */
export const streamingRecommenderConfigSchema = z.strictObject({
  events: kinesisInput,
  orders: kinesisInput.optional(),
  models: z.strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3–63 lowercase letters, digits, . and -)'),
    prefix: z.string().default('recommender/'),
    pollIntervalMs: positiveMs.default(30_000),
  }),
  recommender: z
    .strictObject({
      k: z.number().int().min(1).max(100).default(5),
      similarK: z.number().int().min(0).max(100).default(5),
      deadlineMs: positiveMs.default(100),
      failureThreshold: z.number().int().min(1).optional(),
      cooldownMs: positiveMs.optional(),
      sessionTtlMs: positiveMs.optional(),
      modelWaitMs: z.number().int().min(0).optional(),
      popularityHalfLifeMs: positiveMs.optional(),
      fallbackProducts: z.array(z.string().min(1)).optional(),
    })
    .default({ k: 5, similarK: 5, deadlineMs: 100 }),
  outputs: z
    .strictObject({
      kinesisStream: streamName.optional(),
      /** Pack the recommendations into KPL-aggregated records per shard (its consumers must deaggregate). */
      kinesisAggregate: z.boolean().default(false),
      firehoseDeliveryStream: deliveryStreamName.optional(),
      deadLetterDeliveryStream: deliveryStreamName.optional(),
    })
    .default({ kinesisAggregate: false }),
  serving: z
    .strictObject({
      enabled: z.boolean().default(true),
      port: z.coerce.number().int().min(0).max(65_535).default(8080),
      /** 127.0.0.1 unless you mean to serve other hosts. */
      host: z.string().min(1).default('127.0.0.1'),
      maxSessions: z.number().int().min(1).optional(),
      ttlMs: positiveMs.optional(),
    })
    .default({ enabled: true, port: 8080, host: '127.0.0.1' }),
  aws: z
    .strictObject({
      region: z.string().min(1).optional(),
      endpoints: z.strictObject({ kinesis: z.url().optional(), s3: z.url().optional(), firehose: z.url().optional() }).optional(),
    })
    .default({}),
  parallelism: z.number().int().min(1).optional(),
});

export type StreamingRecommenderConfigInput = z.input<typeof streamingRecommenderConfigSchema>;
export type StreamingRecommenderConfig = z.output<typeof streamingRecommenderConfigSchema>;

/**
 * Turns a parsed config into builder options (the serving endpoint's port
 * and host stay in the config: the pipeline definition starts it).
 */
export function toStreamingRecommenderOptions(config: StreamingRecommenderConfig): StreamingRecommenderOptions {
  const client = <S extends LocalService>(service: S) => {
    const endpoint = config.aws.endpoints?.[service];
    return awsClientConfig(service, { ...(endpoint === undefined ? {} : { endpoint }), ...(config.aws.region === undefined ? {} : { region: config.aws.region }) });
  };
  const input = (i: z.output<typeof kinesisInput>): EventInput => ({
    kinesis: { stream: i.stream, startPosition: i.startPosition, clientConfig: client('kinesis'), ...(i.pollIntervalMs === undefined ? {} : { pollIntervalMs: i.pollIntervalMs }) },
  });
  const r = config.recommender;
  const { outputs } = config;
  return {
    events: input(config.events),
    ...(config.orders === undefined ? {} : { orders: input(config.orders) }),
    models: { store: { client: new S3Client(client('s3')), bucket: config.models.bucket, prefix: config.models.prefix }, pollIntervalMs: config.models.pollIntervalMs },
    recommender: {
      k: r.k,
      similarK: r.similarK,
      deadlineMs: r.deadlineMs,
      ...(r.failureThreshold === undefined ? {} : { failureThreshold: r.failureThreshold }),
      ...(r.cooldownMs === undefined ? {} : { cooldownMs: r.cooldownMs }),
      ...(r.sessionTtlMs === undefined ? {} : { sessionTtlMs: r.sessionTtlMs }),
      ...(r.modelWaitMs === undefined ? {} : { modelWaitMs: r.modelWaitMs }),
      ...(r.popularityHalfLifeMs === undefined ? {} : { popularity: { halfLifeMs: r.popularityHalfLifeMs } }),
      ...(r.fallbackProducts === undefined ? {} : { fallbackProducts: r.fallbackProducts }),
    },
    outputs: {
      ...(outputs.kinesisStream === undefined
        ? {}
        : { kinesis: { stream: outputs.kinesisStream, clientConfig: client('kinesis'), ...(outputs.kinesisAggregate ? { aggregate: true } : {}) } }),
      ...(outputs.firehoseDeliveryStream === undefined ? {} : { firehose: { deliveryStreamName: outputs.firehoseDeliveryStream, clientConfig: client('firehose') } }),
      ...(outputs.deadLetterDeliveryStream === undefined ? {} : { deadLetters: { deliveryStreamName: outputs.deadLetterDeliveryStream, clientConfig: client('firehose') } }),
      serving: config.serving.enabled
        ? { ...(config.serving.maxSessions === undefined ? {} : { maxSessions: config.serving.maxSessions }), ...(config.serving.ttlMs === undefined ? {} : { ttlMs: config.serving.ttlMs }) }
        : false,
    },
    ...(config.parallelism === undefined ? {} : { parallelism: config.parallelism }),
  };
}

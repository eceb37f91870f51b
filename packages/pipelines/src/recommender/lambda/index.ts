/**
 * @tributary/pipelines/recommender-lambda — the streaming recommender as
 * AWS Lambda handlers, so AWS scales it out per Kinesis shard with the
 * streaming operator's per-event code: a Kinesis event-source handler
 * (recommendations to a Kinesis stream and/or Firehose, partial-batch
 * failures) and a Firehose data-transformation handler.
 *
 * ```ts
 * // Lambda handler settings: index.kinesisHandler or index.firehoseTransformationHandler
 * export { kinesisHandler, firehoseTransformationHandler } from '@tributary/pipelines/recommender-lambda';
 * ```
 */
export { kinesisHandler, createKinesisHandler, type KinesisHandler } from './kinesisHandler.js';
export { firehoseTransformationHandler, createFirehoseTransformationHandler, type FirehoseTransformationHandler } from './firehoseHandler.js';
export {
  RecommenderLambdaRuntime,
  LAMBDA_ENV,
  DEFAULT_MODEL_REFRESH_MS,
  LAMBDA_VALIDATE_OPERATOR,
  MAX_QUARANTINED_INPUT_CHARS,
  jsonLinesLogger,
  type RecommenderLambdaOptions,
  type RecommenderLambdaConfig,
  type LambdaModelSource,
  type DecodedRecord,
  type StaleEvents,
} from './runtime.js';
export { SessionCache, DEFAULT_MAX_SESSIONS, type SessionCacheOptions, type SessionCacheStats } from './sessionCache.js';
export {
  kinesisOutput,
  firehoseOutput,
  DEFAULT_OUTPUT_MAX_ATTEMPTS,
  DEFAULT_OUTPUT_INITIAL_BACKOFF_MS,
  DEFAULT_OUTPUT_MAX_BACKOFF_MS,
  type BatchOutput,
  type OutputEntry,
  type OutputRetryOptions,
  type WriteOutcome,
} from './outputs.js';
export type * from './events.js';

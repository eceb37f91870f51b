/**
 * @tributary/connectors/kinesis — Kinesis Data Streams: a polling source
 * (one split per shard, resharding-aware, sequence numbers checkpointed,
 * dead letters for undeserializable records, KPL-aggregated records
 * emitted user record by user record) and an at-least-once
 * PutRecords sink on the batching base.
 *
 * ```ts
 * const env = StreamEnvironment.create({ checkpointInterval: 10_000, checkpointDir: 'checkpoints' });
 * env
 *   .fromSource(new KinesisSource<Click>({ stream: 'clicks' }), WatermarkStrategy.forMonotonousTimestamps<Click>(), 'clicks')
 *   .uid('clicks')
 *   .filter((c) => c.page !== '/health')
 *   .sinkTo(new KinesisSink<Click>({ stream: 'clean-clicks', partitionKey: (c) => c.userId }));
 * await env.execute('clean clicks');
 * ```
 */
export { KinesisSource } from './source.js';
export { KinesisSink } from './sink.js';
export {
  kinesisSourceWithDeadLetters,
  type KinesisStreams,
  type KinesisUndeserializableRecord,
  type KinesisDecoded,
} from './deadLetters.js';
export { jsonDeserializer, utf8Deserializer, jsonSerializer } from './serde.js';
export {
  aggregate,
  deaggregate,
  aggregateByShard,
  planAggregates,
  hashKeyOf,
  KPL_MAGIC,
  KINESIS_RECORD_MAX_BYTES,
  type UserRecord,
  type ShardHashKeyRange,
  type AggregatedEntry,
  type PlannedAggregate,
} from './aggregation.js';
export type { KinesisShardSplit, ShardStart } from './split.js';
export { listShards, readySplits, type ShardInfo, type ReadySplitsInput } from './discovery.js';
export { KinesisClientHandle } from './client.js';
export { KinesisError, isExpiredIteratorError, RETRYABLE_PUT_RECORDS_ERROR_CODES, type KinesisErrorCode } from './errors.js';
export {
  resolveKinesisSourceOptions,
  PUT_RECORDS_MAX_RECORDS,
  PUT_RECORDS_MAX_BYTES,
  PUT_RECORDS_MAX_RECORD_BYTES,
  KINESIS_PUT_RECORDS_LIMITS,
  KINESIS_AGGREGATED_PUT_RECORDS_LIMITS,
  PARTITION_KEY_MAX_LENGTH,
  GET_RECORDS_MAX_CALLS_PER_SECOND,
  MIN_POLL_INTERVAL_MS,
  GET_RECORDS_MAX_LIMIT,
  SHARD_ITERATOR_TTL_MS,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_GET_RECORDS_LIMIT,
  DEFAULT_DISCOVERY_INTERVAL_MS,
  DEFAULT_PREFETCH_BATCHES,
  RECORDS_PER_POLL,
  DEFAULT_SOURCE_MAX_ATTEMPTS,
  DEFAULT_SOURCE_INITIAL_BACKOFF_MS,
  DEFAULT_SOURCE_MAX_BACKOFF_MS,
  type KinesisStartPosition,
  type KinesisRecordInfo,
  type KinesisDeserializer,
  type KinesisClientOptions,
  type KinesisSourceOptions,
  type KinesisSinkOptions,
  type ResolvedKinesisSourceOptions,
} from './options.js';

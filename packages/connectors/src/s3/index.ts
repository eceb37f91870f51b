/**
 * @tributary/connectors/s3 — S3 connectors: an exactly-once file sink over
 * multipart uploads (partitioned, rolled by checkpoint, size and time;
 * JSON Lines, CSV, Parquet), a bounded source over a prefix (one split per
 * object, resumable mid-object), and checkpoint storage for core's
 * CheckpointStorage interface.
 *
 * ```ts
 * import { s3FileSink, s3Source, S3CheckpointStorage, eventTimePartitioning } from '@tributary/connectors/s3';
 * import { parquet, parquetReader } from '@tributary/connectors/formats';
 * orders.sinkTo(s3FileSink({ bucket: 'lake', prefix: 'orders', format: parquet({ schema }), partitioning: eventTimePartitioning() }));
 * ```
 */
export {
  s3FileSink,
  DEFAULT_S3_FILE_PREFIX,
  FILE_AGE_CHECK_INTERVAL_MS,
  type S3FileSink,
  type S3FileSinkOptions,
  type S3FileSinkStats,
  type S3SinkDeadLetter,
} from './sink.js';
export type { S3Committable, PartRef, ChecksumField } from './multipartFile.js';
export { S3Committer, type CommitterCounters, type CommitterSettings } from './committer.js';
export {
  eventTimePartitioning,
  fieldPartitioning,
  combinePartitioning,
  HIVE_NULL_PARTITION,
  type Partitioner,
  type EventTimePartitioningOptions,
} from './partitioning.js';
export { s3Source, objectFile, type S3Source, type S3SourceOptions, type S3SourceStats, type S3Split, type S3SourceDeadLetter } from './source.js';
export {
  S3CheckpointStorage,
  METADATA_OBJECT,
  STATE_OBJECT,
  SAVEPOINTS_FOLDER,
  type S3CheckpointStorageOptions,
  type S3CheckpointMetadata,
} from './checkpointStorage.js';
export {
  resolveClient,
  MIN_PART_BYTES,
  MAX_PART_BYTES,
  MAX_PARTS,
  MAX_OBJECT_BYTES,
  MAX_KEY_BYTES,
  MAX_LIST_PAGE,
  DEFAULT_PART_BYTES,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_IN_FLIGHT_PARTS,
  DEFAULT_COMMIT_CONCURRENCY,
  RECORDS_PER_ENCODE,
  type S3ClientOptions,
  type ResolvedClient,
} from './options.js';
export { S3ConnectorError, s3RequestFailed, type S3ErrorCode } from './errors.js';

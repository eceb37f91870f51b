/**
 * @tributary/connectors/rds — MySQL/MariaDB (mysql2) and PostgreSQL (pg,
 * also PGlite over its socket server): a bounded partitioned table/query
 * source, an incremental polling source (the read-replica feed), a declared
 * schema check with change notifications, an upsert sink, and a cached
 * lookup for async enrichment. All SQL is parameterised and every
 * identifier quoted; pools the connectors build are ended when their
 * readers, writers or lookups close, injected pools never.
 *
 * ```ts
 * import { rdsSource, rdsUpsertSink } from '@tributary/connectors/rds';
 * const conn = { dialect: 'postgres', connection: { host: '127.0.0.1', database: 'shop' } } as const;
 * env.fromSource(rdsSource({ ...conn, table: 'orders', partition: { column: 'id', numPartitions: 4 } }), WatermarkStrategy.noWatermarks(), 'orders')
 *   .map(toTotals)
 *   .sinkTo(rdsUpsertSink({ ...conn, table: 'totals', key: ['day'], columns: ['day', 'total'] }));
 * ```
 */
export {
  DEFAULT_FETCH_SIZE,
  DEFAULT_INT64_MODE,
  DEFAULT_POOL_SIZE,
  MAX_BIND_PARAMETERS,
  type Int64Mode,
  type RdsConnectionOptions,
  type RdsDialectName,
  type RdsRow,
  type TableRef,
} from './options.js';
export { RdsError, type RdsErrorCode } from './errors.js';
export { rdsSource, RdsSource, type RdsSourceOptions, type RdsSourceSettings, type RdsPartitionOptions, type RdsScanMode, type RdsSplit } from './source.js';
export {
  rdsIncrementalSource,
  RdsIncrementalSource,
  DEFAULT_POLL_INTERVAL_MS,
  HIGH_WATER_MARK_ALIAS,
  type RdsIncrementalSourceOptions,
  type RdsIncrementalSettings,
  type RdsIncrementalSplit,
} from './incrementalSource.js';
export { rdsUpsertSink, RdsUpsertSink, DEFAULT_UPSERT_BATCH_SIZE, type RdsUpsertSinkOptions, type RdsUpsertSettings } from './upsertSink.js';
export {
  rdsLookup,
  DEFAULT_LOOKUP_MAX_ROWS,
  DEFAULT_LOOKUP_EXPIRE_AFTER_MS,
  DEFAULT_LOOKUP_BATCH_KEYS,
  DEFAULT_LOOKUP_POOL_SIZE,
  type RdsLookup,
  type RdsLookupOptions,
  type RdsLookupSettings,
  type RdsLookupStats,
  type LookupKey,
} from './lookup.js';
export {
  checkSchema,
  diffSchema,
  formatSchemaDiff,
  isSchemaDiffEmpty,
  SchemaMismatchError,
  type DeclaredSchema,
  type SchemaDiff,
  type SchemaChangeEvent,
  type SchemaChangeNotifier,
  type SchemaCheckOptions,
} from './schema.js';
export {
  loggerNotifier,
  webhookNotifier,
  snsNotifier,
  combineNotifiers,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  SNS_SUBJECT_MAX_LENGTH,
  type WebhookNotifierOptions,
  type SnsPublish,
  type SnsPublishInput,
} from './notifiers.js';
export type { RdsDeadLetterHandler, RdsConnectorMetrics } from './deadLetters.js';
export { DEFAULT_RETRY_MAX_ATTEMPTS, DEFAULT_RETRY_INITIAL_BACKOFF_MS, DEFAULT_RETRY_MAX_BACKOFF_MS, type RdsRetryOptions } from './retry.js';
export { openSqlClient, dialectOf } from './connect.js';
export { mysqlDialect, createMysqlClient } from './dialects/mysql.js';
export { postgresDialect, createPostgresClient } from './dialects/postgres.js';
export type { Dialect, SqlClient, RowCursor, ColumnInfo } from './dialects/dialect.js';
export { normalizeTypeName, TYPE_ALIASES, type RdsColumnType } from './dialects/typeNames.js';
export { partitionRanges, type PartitionRange } from './partitions.js';

/**
 * The training-set builder's dataflow: ratings ⋈ customers ⋈ products read
 * from the sales database (each table's declared columns checked before a
 * row is read), quality-checked, valid rows to Snappy Parquet on S3, rejected
 * rows to a JSON Lines quarantine with their reasons, and a manifest written
 * last.
 *
 * ```
 * ratings ──┐ keyBy customerNumber           keyBy productCode
 *           ├─ DimensionJoin(customer) ──┐
 * customers ┘                            ├─ DimensionJoin(product) ─ quality ─┬─ Parquet  s3://b/p/data/snapshot=YYYY-MM-DD/
 * products ──────────────────────────────┘                                    ├─ JSONL    s3://b/p/quarantine/snapshot=YYYY-MM-DD/
 *                                                                             └─ counts ─ s3://b/p/manifest.json (last)
 * ```
 * The joins are bounded left outer joins on keyed state (see join.ts): a
 * rating without customer or product comes out with null and is
 * quarantined as a dangling key.
 */
import { randomBytes } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { defaultLogger, WatermarkStrategy, jsonLines, type Logger, type SinkWriterContext, type Source, type StreamEnvironment } from '@tributary/core';
import { parquet, type ParquetSchemaDefinition } from '@tributary/connectors/formats';
import {
  checkSchema,
  openSqlClient,
  rdsSource,
  type DeclaredSchema,
  type RdsConnectionOptions,
  type RdsRow,
  type RdsSplit,
  type SchemaChangeNotifier,
} from '@tributary/connectors/rds';
import { fieldPartitioning, s3FileSink, type Partitioner } from '@tributary/connectors/s3';
import { awsClientConfig } from '@tributary/connectors/local';
import { TRAINING_COLUMNS, TRAINING_SCHEMA_VERSION, type TrainingRow } from '../retail/rows.js';
import { CUSTOMERS_TABLE, PRODUCTS_TABLE, RATINGS_TABLE, declaredSchema, quoteIdentifier, type Table } from '../retail/tables.js';
import { DimensionJoin } from './join.js';
import { CommitTracker, manifestSink, readManifest, type ManifestTemplate, type TrainingSetManifest, type TrainingSetPartitioning } from './manifest.js';
import {
  COUNTS_TAG,
  QUARANTINE_TAG,
  QualityCheckOperator,
  type JoinedRating,
  type QuarantinedRow,
  type SourceCustomer,
  type SourceProduct,
  type SourceRating,
} from './quality.js';

/** The default output prefix. */
export const DEFAULT_TRAINING_SET_PREFIX = 'training-set/';
/** Buckets suggested for `customerBuckets` when partitioning by customer: 100k customers → ~1,600 per bucket. */
export const SUGGESTED_CUSTOMER_BUCKETS = 64;
/** The Parquet schema of a TrainingRow (file column order = TRAINING_COLUMNS). */
export const TRAINING_PARQUET_SCHEMA: ParquetSchemaDefinition = {
  customerNumber: 'INT32',
  city: 'UTF8',
  state: { type: 'UTF8', optional: true },
  postalCode: { type: 'UTF8', optional: true },
  country: 'UTF8',
  creditLimit: 'DOUBLE',
  productCode: 'UTF8',
  productLine: 'UTF8',
  productScale: 'UTF8',
  quantityInStock: 'INT32',
  buyPrice: 'DOUBLE',
  MSRP: 'DOUBLE',
  productRating: 'INT32',
};

/** The columns read from each table (and declared for its schema check). */
export const RATING_COLUMNS = ['customerNumber', 'productCode', 'productRating'] as const;
export const CUSTOMER_COLUMNS = ['customerNumber', 'city', 'state', 'postalCode', 'country', 'creditLimit'] as const;
export const PRODUCT_COLUMNS = ['productCode', 'productLine', 'productScale', 'quantityInStock', 'buyPrice', 'MSRP'] as const;

/** Where the builder reads: a connection (pool or options) and, optionally, other table names. */
export type TrainingSetSourceOptions = RdsConnectionOptions & {
  /** Table names (default `ratings`, `customers`, `products`). */
  readonly tables?: { readonly ratings?: string | undefined; readonly customers?: string | undefined; readonly products?: string | undefined };
  /** Key ranges of `customerNumber` the ratings scan is cut into, read in parallel (default 1). */
  readonly ratingsPartitions?: number;
  /** Rows per round trip (default: the RDS source's). */
  readonly fetchSize?: number;
  /** Receives schema-change events (a mismatch is logged and fails the job in any case). */
  readonly notifier?: SchemaChangeNotifier;
};

/** Where and how the builder writes. */
export interface TrainingSetOutputOptions {
  readonly bucket: string;
  /** Key prefix (default {@link DEFAULT_TRAINING_SET_PREFIX}). */
  readonly prefix?: string;
  /**
   * `snapshotDate` (default): `data/snapshot=YYYY-MM-DD/`, a few big files per run.
   * `customerNumber`: `data/customerNumber=N/` — one partition per customer: at
   * 100k customers that is 100k tiny files per run; set `customerBuckets`
   * (e.g. 64) to get `data/customerBucket=NN/` (customerNumber mod buckets) instead.
   */
  readonly partitionBy?: 'snapshotDate' | 'customerNumber';
  /** With `partitionBy: 'customerNumber'`: hash customers into this many buckets. */
  readonly customerBuckets?: number;
  /** An S3 client (never destroyed by the builder), or … */
  readonly client?: S3Client;
  /** … a configuration for one (default `awsClientConfig('s3')`: AWS, or the local stack by AWS_ENDPOINT_URL_S3). */
  readonly clientConfig?: S3ClientConfig;
}

/** Options of {@link buildTrainingSet}. */
export interface TrainingSetOptions {
  readonly source: TrainingSetSourceOptions;
  readonly output: TrainingSetOutputOptions;
  /**
   * `full` (default): every rating. `incremental`: only ratings whose
   * `trackingColumn` is above the last manifest's high-water mark (all of
   * them when there is no manifest yet).
   */
  readonly mode?: 'full' | 'incremental';
  /**
   * An increasing integer column of the ratings table (an auto-increment id)
   * that incremental runs track. The retail `ratings` table has no timestamp
   * column and a composite key, so incremental runs need one added (e.g.
   * `ALTER TABLE ratings ADD COLUMN ratingId BIGINT AUTO_INCREMENT UNIQUE`).
   * Required for `incremental`; when given in `full` mode the run records the
   * mark so that incremental runs can follow.
   */
  readonly trackingColumn?: string;
  /** The snapshot time (default: now). */
  readonly snapshotTime?: number | Date;
  /** Names this run's files and manifest (default: random hex). */
  readonly runId?: string;
  readonly logger?: Logger;
}

/** What {@link buildTrainingSet} returns: where the run writes, and its manifest once written. */
export interface TrainingSetBuild {
  readonly runId: string;
  readonly snapshotTime: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly dataPrefix: string;
  readonly quarantinePrefix: string;
  readonly manifestKey: string;
  /** Resolves with the manifest once written (the job's last act); never settles if the job fails. */
  readonly manifest: Promise<TrainingSetManifest>;
}

/**
 * Adds the training-set dataflow to `env` (call `env.execute()` after).
 *
 * ```ts
 * const env = StreamEnvironment.create({ parallelism: 2 });
 * const run = await buildTrainingSet(env, {
 *   source: { dialect: 'mysql', connection: { host: 'db', user: 'reader', database: 'classicmodels' } },
 *   output: { bucket: 'lake', prefix: 'training-set/' },
 * });
 * await env.execute('training-set').done;
 * console.log(await run.manifest); // counts, files, schema version …
 * ```
 * Gotchas: a source table that lacks a used column (renamed, dropped) or
 * changed its type fails the job before any row is read — nothing is
 * written; columns the builder does not use may be added freely. In
 * incremental mode the last manifest is read while building. Rows rejected
 * as dangling (rating before its customer) are not retried by later
 * incremental runs: the mark moves past them.
 */
export async function buildTrainingSet(env: StreamEnvironment, options: TrainingSetOptions): Promise<TrainingSetBuild> {
  const logger = options.logger ?? defaultLogger;
  const mode = options.mode ?? 'full';
  const tracking = options.trackingColumn;
  if (mode === 'incremental' && tracking === undefined) {
    throw new RangeError("buildTrainingSet: mode 'incremental' needs trackingColumn (an increasing integer column of the ratings table)");
  }
  const { bucket } = options.output;
  const prefix = normalisePrefix(options.output.prefix ?? DEFAULT_TRAINING_SET_PREFIX);
  const partitioning = resolvePartitioning(options.output, logger);
  const snapshotMs = options.snapshotTime === undefined ? Date.now() : new Date(options.snapshotTime).getTime();
  if (!Number.isFinite(snapshotMs)) throw new RangeError(`buildTrainingSet: snapshotTime is not a valid time: ${String(options.snapshotTime)}`);
  const snapshotTime = new Date(snapshotMs).toISOString();
  const snapshotDate = snapshotTime.slice(0, 10);
  const runId = options.runId ?? randomBytes(4).toString('hex');
  if (!/^[A-Za-z0-9_]+$/.test(runId)) throw new RangeError(`buildTrainingSet: runId must be letters, digits and '_', got ${JSON.stringify(runId)}`);
  const partitions = options.source.ratingsPartitions ?? 1;
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`buildTrainingSet: source.ratingsPartitions must be an integer >= 1, got ${partitions}`);

  const ownClient = options.output.client === undefined;
  const client = options.output.client ?? new S3Client(options.output.clientConfig ?? awsClientConfig('s3'));
  const tables = {
    ratings: options.source.tables?.ratings ?? RATINGS_TABLE.name,
    customers: options.source.tables?.customers ?? CUSTOMERS_TABLE.name,
    products: options.source.tables?.products ?? PRODUCTS_TABLE.name,
  };

  let previousHighWaterMark: number | null = null;
  if (tracking !== undefined) {
    let last: TrainingSetManifest | undefined;
    try {
      last = mode === 'incremental' ? await readManifest(client, bucket, prefix) : undefined;
    } catch (error) {
      if (ownClient) client.destroy();
      throw error;
    }
    previousHighWaterMark = last?.incremental?.highWaterMark ?? null;
    if (mode === 'incremental') {
      logger.info(
        { previousHighWaterMark, trackingColumn: tracking },
        previousHighWaterMark === null ? 'no previous manifest with a high-water mark: reading every rating' : `reading ratings with ${tracking} > ${previousHighWaterMark}`,
      );
    }
  }

  const source = options.source;
  const conn = connectionOf(source);
  const common = {
    tolerateAdditiveChanges: true,
    logger,
    ...(source.fetchSize === undefined ? {} : { fetchSize: source.fetchSize }),
    ...(source.notifier === undefined ? {} : { notifier: source.notifier }),
  };
  const schemaOf = (table: Table, columns: readonly string[]): DeclaredSchema => declaredSchema(table, columns);
  const ratingColumns = tracking === undefined ? [...RATING_COLUMNS] : [...RATING_COLUMNS, tracking];
  const toRating = (row: RdsRow): SourceRating => {
    const rating = { customerNumber: Number(row['customerNumber']), productCode: String(row['productCode']), productRating: num(row['productRating']) };
    if (tracking === undefined) return rating;
    const mark = num(row[tracking]);
    if (mark === null || !Number.isSafeInteger(mark)) throw new TypeError(`tracking column ${tracking} must be a non-null integer, got ${String(row[tracking])}`);
    return { ...rating, mark };
  };
  const ratingsScan = {
    ...conn,
    ...common,
    columns: ratingColumns,
    key: ['customerNumber', 'productCode'],
    partition: { column: 'customerNumber', numPartitions: partitions },
    map: toRating,
    name: tables.ratings,
  };
  const ratingsSchema = schemaOf(RATINGS_TABLE, RATING_COLUMNS);
  const ratingsSource: Source<SourceRating, RdsSplit> =
    mode === 'incremental' && previousHighWaterMark !== null
      ? checkedFirst(
          rdsSource<SourceRating>({
            ...ratingsScan,
            query: `SELECT * FROM ${quoteIdentifier(tables.ratings, source.dialect)} WHERE ${quoteIdentifier(tracking as string, source.dialect)} > ${integerLiteral(previousHighWaterMark)}`,
          }),
          () => checkTable(conn, tables.ratings, { ...ratingsSchema, [tracking as string]: 'BIGINT' }, common),
        )
      : rdsSource<SourceRating>({ ...ratingsScan, table: tables.ratings, schema: ratingsSchema });

  const customersSource = rdsSource<SourceCustomer>({
    ...conn,
    ...common,
    table: tables.customers,
    schema: schemaOf(CUSTOMERS_TABLE, CUSTOMER_COLUMNS),
    key: ['customerNumber'],
    map: (row) => ({
      customerNumber: Number(row['customerNumber']),
      city: str(row['city']),
      state: str(row['state']),
      postalCode: str(row['postalCode']),
      country: str(row['country']),
      creditLimit: num(row['creditLimit']),
    }),
  });
  const productsSource = rdsSource<SourceProduct>({
    ...conn,
    ...common,
    table: tables.products,
    schema: schemaOf(PRODUCTS_TABLE, PRODUCT_COLUMNS),
    key: ['productCode'],
    map: (row) => ({
      productCode: String(row['productCode']),
      productLine: str(row['productLine']),
      productScale: str(row['productScale']),
      quantityInStock: num(row['quantityInStock']),
      buyPrice: num(row['buyPrice']),
      MSRP: num(row['MSRP']),
    }),
  });

  const ratings = env.fromSource(ratingsSource, WatermarkStrategy.noWatermarks<SourceRating>(), 'ratings').uid('training-set/ratings');
  const customers = env.fromSource(customersSource, WatermarkStrategy.noWatermarks<SourceCustomer>(), 'customers').uid('training-set/customers');
  const products = env.fromSource(productsSource, WatermarkStrategy.noWatermarks<SourceProduct>(), 'products').uid('training-set/products');

  type WithCustomer = Omit<JoinedRating, 'product'>;
  const withCustomer = ratings
    .connect(customers)
    .keyBy(
      (r) => r.customerNumber,
      (c) => c.customerNumber,
    )
    .process(new DimensionJoin<number, SourceRating, SourceCustomer, WithCustomer>((rating, customer) => ({ rating, customer }), 'customer'))
    .name('join customers')
    .uid('training-set/join-customers');
  const joined = withCustomer
    .connect(products)
    .keyBy(
      (r) => r.rating.productCode,
      (p) => p.productCode,
    )
    .process(new DimensionJoin<string, WithCustomer, SourceProduct, JoinedRating>((r, product) => ({ rating: r.rating, customer: r.customer, product }), 'product'))
    .name('join products')
    .uid('training-set/join-products');
  const checked = joined.transform<TrainingRow>('quality checks', () => new QualityCheckOperator()).uid('training-set/quality');

  const dataPrefix = `${prefix}data/`;
  const quarantinePrefix = `${prefix}quarantine/`;
  const filePrefix = `part_${runId}`;
  const clientOption = { client };
  const tracker = new CommitTracker();
  const snapshotPartition = `snapshot=${snapshotDate}`;
  checked
    .sinkTo(
      tracker.wrap(
        s3FileSink<TrainingRow>({
          ...clientOption,
          bucket,
          prefix: dataPrefix,
          filePrefix,
          format: parquet<TrainingRow>({ schema: TRAINING_PARQUET_SCHEMA, compression: 'SNAPPY' }),
          partitioning: partitionerOf(partitioning, snapshotPartition),
          logger,
        }),
        'data',
      ),
    )
    .name('training set (Parquet)')
    .uid('training-set/parquet');
  checked
    .getSideOutput(QUARANTINE_TAG)
    .sinkTo(
      tracker.wrap(
        s3FileSink<QuarantinedRow>({ ...clientOption, bucket, prefix: quarantinePrefix, filePrefix, format: jsonLines<QuarantinedRow>(), partitioning: () => snapshotPartition, logger }),
        'quarantine',
      ),
    )
    .name('quarantine (JSON Lines)')
    .uid('training-set/quarantine');

  const template: ManifestTemplate = {
    manifestVersion: 1,
    schemaVersion: TRAINING_SCHEMA_VERSION,
    columns: TRAINING_COLUMNS.map((name) => {
      const spec = TRAINING_PARQUET_SCHEMA[name] as string | { type: string; optional?: boolean };
      return typeof spec === 'string' ? { name, type: spec, optional: false } : { name, type: spec.type, optional: spec.optional === true };
    }),
    runId,
    mode,
    snapshotTime,
    snapshotDate,
    source: { dialect: source.dialect, ...databaseOf(source), tables },
    output: {
      bucket,
      prefix,
      data: `s3://${bucket}/${dataPrefix}`,
      quarantine: `s3://${bucket}/${quarantinePrefix}`,
      format: 'parquet',
      compression: 'SNAPPY',
      partitioning,
    },
    ...(tracking === undefined ? {} : { incremental: { trackingColumn: tracking, previousHighWaterMark } }),
  };
  let resolveManifest!: (manifest: TrainingSetManifest) => void;
  const manifest = new Promise<TrainingSetManifest>((resolve) => (resolveManifest = resolve));
  const manifestCommits = manifestSink({ client, bucket, prefix, template, tracker, onWritten: (m) => resolveManifest(m) });
  checked
    .getSideOutput(COUNTS_TAG)
    .sinkTo(
      ownClient
        ? {
            ...manifestCommits,
            createCommitter: (context: SinkWriterContext) => {
              const committer = manifestCommits.createCommitter(context);
              return { ...committer, commit: committer.commit.bind(committer), close: async () => client.destroy() };
            },
          }
        : manifestCommits,
    )
    .name('manifest')
    .uid('training-set/manifest')
    .setParallelism(1);

  return { runId, snapshotTime, bucket, prefix, dataPrefix, quarantinePrefix, manifestKey: `${prefix}manifest.json`, manifest };
}

function resolvePartitioning(output: TrainingSetOutputOptions, logger: Logger): TrainingSetPartitioning {
  const by = output.partitionBy ?? 'snapshotDate';
  if (by !== 'snapshotDate' && by !== 'customerNumber') throw new RangeError(`buildTrainingSet: output.partitionBy must be 'snapshotDate' or 'customerNumber', got ${JSON.stringify(by)}`);
  const buckets = output.customerBuckets;
  if (buckets !== undefined) {
    if (by !== 'customerNumber') throw new RangeError("buildTrainingSet: output.customerBuckets applies only with partitionBy: 'customerNumber'");
    if (!Number.isInteger(buckets) || buckets < 1) throw new RangeError(`buildTrainingSet: output.customerBuckets must be an integer >= 1, got ${buckets}`);
    return { by: 'customerBucket', buckets };
  }
  if (by === 'customerNumber') {
    logger.warn(
      { partitionBy: by },
      `partitioning the training set by customerNumber writes one partition per customer (at 100k customers, 100k tiny files per run and per writing subtask); set output.customerBuckets (e.g. ${SUGGESTED_CUSTOMER_BUCKETS}) to bucket customers instead`,
    );
  }
  return { by };
}

function partitionerOf(partitioning: TrainingSetPartitioning, snapshotPartition: string): Partitioner<TrainingRow> {
  switch (partitioning.by) {
    case 'snapshotDate':
      return () => snapshotPartition;
    case 'customerNumber':
      return fieldPartitioning<TrainingRow>('customerNumber');
    case 'customerBucket': {
      const width = String(partitioning.buckets - 1).length;
      return fieldPartitioning<TrainingRow>('customerBucket', (r) => String(((r.customerNumber % partitioning.buckets) + partitioning.buckets) % partitioning.buckets).padStart(width, '0'));
    }
  }
}

/** Runs a schema check before the wrapped source plans its splits (for a query source, which cannot check itself). */
function checkedFirst<T, S extends RdsSplit>(inner: Source<T, S>, check: () => Promise<void>): Source<T, S> {
  return {
    boundedness: inner.boundedness,
    async discoverSplits(context) {
      await check();
      return inner.discoverSplits(context);
    },
    createReader: (context) => inner.createReader(context),
  };
}

async function checkTable(conn: RdsConnectionOptions, table: string, declared: DeclaredSchema, common: { logger: Logger; notifier?: SchemaChangeNotifier }): Promise<void> {
  const client = openSqlClient(conn, { poolSize: 1 });
  try {
    await checkSchema(client, { table, declared, tolerateAdditiveChanges: true, source: table, logger: common.logger, ...(common.notifier === undefined ? {} : { notifier: common.notifier }) });
  } finally {
    await client.close();
  }
}

/** The connection part of the source options (without the builder's own fields). */
function connectionOf(source: TrainingSetSourceOptions): RdsConnectionOptions {
  const { tables: _t, ratingsPartitions: _p, fetchSize: _f, notifier: _n, ...conn } = source;
  return conn as RdsConnectionOptions;
}

function databaseOf(source: TrainingSetSourceOptions): { database?: string } {
  if (!('connection' in source)) return {};
  const c = source.connection as { database?: unknown; connectionString?: unknown; uri?: unknown };
  if (typeof c.database === 'string') return { database: c.database };
  const url = typeof c.connectionString === 'string' ? c.connectionString : typeof c.uri === 'string' ? c.uri : undefined;
  if (url === undefined) return {};
  try {
    const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
    return name === '' ? {} : { database: name };
  } catch {
    return {};
  }
}

function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`high-water mark must be a safe integer, got ${value}`);
  return String(value);
}

function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return value;
  const n = Number(value);
  return Number.isNaN(n) ? null : n;
}

function str(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

function normalisePrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

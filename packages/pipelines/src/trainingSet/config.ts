/**
 * The training-set builder's configuration (validated by the runner before
 * anything starts) and its translation into {@link TrainingSetOptions}. The
 * endpoints come from configuration alone: leave `output.endpoint` out for
 * AWS, point it at the local stack (`http://127.0.0.1:…`) for development.
 *
 * ```json
 * {
 *   "source": { "dialect": "mysql", "connection": { "host": "db.example", "port": 3306, "user": "reader", "database": "classicmodels" } },
 *   "output": { "bucket": "lake", "prefix": "training-set/", "partitionBy": "snapshotDate", "region": "eu-west-1" },
 *   "mode": "full"
 * }
 * ```
 */
import * as z from 'zod';
import { awsClientConfig } from '@tributary/connectors/local';
import type { RdsConnectionOptions } from '@tributary/connectors/rds';
import { DEFAULT_TRAINING_SET_PREFIX, type TrainingSetOptions } from './builder.js';

const tableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'a plain table name (letters, digits, _ and $)');

/** A connection: host, port, user, password, database — or one URL (`mysql://…`, `postgres://…`). */
export const connectionConfigSchema = z.union([
  z.strictObject({ url: z.string().min(1) }),
  z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).optional(),
    user: z.string().min(1),
    /** Prefer the driver's environment (PGPASSWORD, an option file) or a secrets manager to a password in a file. */
    password: z.string().optional(),
    database: z.string().min(1),
  }),
]);

/** The builder's config schema. */
export const trainingSetConfigSchema = z
  .strictObject({
    source: z.strictObject({
      dialect: z.enum(['mysql', 'postgres']),
      connection: connectionConfigSchema,
      tables: z.strictObject({ ratings: tableName.optional(), customers: tableName.optional(), products: tableName.optional() }).optional(),
      ratingsPartitions: z.number().int().min(1).optional(),
      fetchSize: z.number().int().min(1).optional(),
    }),
    output: z.strictObject({
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3–63 lowercase letters, digits, . and -)'),
      prefix: z.string().default(DEFAULT_TRAINING_SET_PREFIX),
      partitionBy: z.enum(['snapshotDate', 'customerNumber']).default('snapshotDate'),
      customerBuckets: z.number().int().min(1).optional(),
      region: z.string().min(1).optional(),
      endpoint: z.url().optional(),
      forcePathStyle: z.boolean().optional(),
    }),
    mode: z.enum(['full', 'incremental']).default('full'),
    trackingColumn: z.string().min(1).optional(),
    /** The snapshot time (ISO 8601); default: when the job is built. */
    snapshotTime: z.iso.datetime({ offset: true }).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.mode === 'incremental' && config.trackingColumn === undefined) {
      ctx.addIssue({ code: 'custom', path: ['trackingColumn'], message: "mode 'incremental' needs trackingColumn (an increasing integer column of the ratings table)" });
    }
    if (config.output.customerBuckets !== undefined && config.output.partitionBy !== 'customerNumber') {
      ctx.addIssue({ code: 'custom', path: ['output', 'customerBuckets'], message: "customerBuckets applies only with partitionBy: 'customerNumber'" });
    }
  });

/** The config as written (input) and as parsed (defaults applied). */
export type TrainingSetConfigInput = z.input<typeof trainingSetConfigSchema>;
export type TrainingSetConfig = z.output<typeof trainingSetConfigSchema>;

/**
 * Turns a parsed config into builder options.
 *
 * ```ts
 * const options = toTrainingSetOptions(trainingSetConfigSchema.parse(json));
 * ```
 */
export function toTrainingSetOptions(config: TrainingSetConfig): TrainingSetOptions {
  const { source, output } = config;
  const c = source.connection;
  let conn: RdsConnectionOptions;
  if ('url' in c) {
    conn = source.dialect === 'mysql' ? { dialect: 'mysql', connection: { uri: c.url } } : { dialect: 'postgres', connection: { connectionString: c.url } };
  } else {
    const fields = { host: c.host, user: c.user, database: c.database, ...(c.port === undefined ? {} : { port: c.port }), ...(c.password === undefined ? {} : { password: c.password }) };
    conn = source.dialect === 'mysql' ? { dialect: 'mysql', connection: fields } : { dialect: 'postgres', connection: fields };
  }
  const clientConfig = {
    ...awsClientConfig('s3', { ...(output.endpoint === undefined ? {} : { endpoint: output.endpoint }), ...(output.region === undefined ? {} : { region: output.region }) }),
    ...(output.forcePathStyle === undefined ? {} : { forcePathStyle: output.forcePathStyle }),
  };
  return {
    source: {
      ...conn,
      ...(source.tables === undefined ? {} : { tables: source.tables }),
      ...(source.ratingsPartitions === undefined ? {} : { ratingsPartitions: source.ratingsPartitions }),
      ...(source.fetchSize === undefined ? {} : { fetchSize: source.fetchSize }),
    },
    output: {
      bucket: output.bucket,
      prefix: output.prefix,
      partitionBy: output.partitionBy,
      ...(output.customerBuckets === undefined ? {} : { customerBuckets: output.customerBuckets }),
      clientConfig,
    },
    mode: config.mode,
    ...(config.trackingColumn === undefined ? {} : { trackingColumn: config.trackingColumn }),
    ...(config.snapshotTime === undefined ? {} : { snapshotTime: new Date(config.snapshotTime) }),
  };
}

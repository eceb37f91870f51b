/**
 * The sales dashboard's configuration (validated by the runner before
 * anything starts) and its translation into {@link SalesDashboardOptions}.
 * Endpoints come from configuration alone: leave `endpoint` out for AWS,
 * point it at the local stack (`http://127.0.0.1:…`) for development.
 *
 * ```json
 * {
 *   "database": { "dialect": "postgres", "connection": { "url": "postgres://dash@db/sales" } },
 *   "sources": { "database": { "pollIntervalMs": 1000 }, "kinesis": { "stream": "orders", "region": "eu-west-1" } },
 *   "output": { "bucket": "lake", "region": "eu-west-1" },
 *   "dashboard": { "port": 8080 }
 * }
 * ```
 */
import * as z from 'zod';
import { awsClientConfig } from '@tributary/connectors/local';
import type { RdsConnectionOptions } from '@tributary/connectors/rds';
import { connectionConfigSchema } from '../trainingSet/config.js';
import {
  DEFAULT_ALLOWED_LATENESS_MS,
  DEFAULT_DEDUPE_TTL_MS,
  DEFAULT_EARLY_FIRING_INTERVAL_MS,
  DEFAULT_IDLENESS_MS,
  DEFAULT_MAX_OUT_OF_ORDERNESS_MS,
} from './dataflow.js';
import { DEFAULT_MAX_BUFFER_DELAY_MS } from './flushingSink.js';
import { DEFAULT_FRESHNESS_POLL_MS } from './freshness.js';
import type { SalesDashboardOptions } from './salesDashboard.js';
import { DEFAULT_DASHBOARD_HOST, DEFAULT_REFRESH_MS } from './server.js';
import {
  DEFAULT_BASELINE_HOURS,
  DEFAULT_MIN_BASELINE_HOURS,
  DEFAULT_MIN_ELAPSED_FRACTION,
  DEFAULT_MIN_OBSERVED,
  DEFAULT_MIN_RATIO,
  DEFAULT_Z_THRESHOLD,
} from './spikes.js';
import { DEFAULT_ALERTS_TABLE, DEFAULT_HOURLY_TABLE } from './tables.js';
import { DEFAULT_WEBHOOK_TIMEOUT_MS } from './webhookSink.js';
import { DEFAULT_VIEW_HOURS } from './dashboardQueries.js';

const tableName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'a plain table name (letters, digits, _ and $)');
const ms = z.number().int().min(1);
const aws = { region: z.string().min(1).optional(), endpoint: z.url().optional() };

/** The dashboard's config schema. */
export const salesDashboardConfigSchema = z
  .strictObject({
    /** The dashboard tables, the products table and (by default) the replica's orders. */
    database: z.strictObject({ dialect: z.enum(['mysql', 'postgres']), connection: connectionConfigSchema }),
    sources: z
      .strictObject({
        database: z
          .strictObject({
            connection: connectionConfigSchema.optional(),
            tables: z.strictObject({ orders: tableName.optional(), orderDetails: tableName.optional(), customers: tableName.optional() }).optional(),
            pollIntervalMs: z.number().int().min(0).optional(),
            startAfterOrderNumber: z.number().int().min(0).optional(),
          })
          .optional(),
        kinesis: z.strictObject({ stream: z.string().min(1), startPosition: z.enum(['TRIM_HORIZON', 'LATEST']).default('TRIM_HORIZON'), ...aws }).optional(),
      })
      .refine((s) => s.database !== undefined || s.kinesis !== undefined, { message: 'give at least one source: database (the read replica) or kinesis (the order stream)' }),
    productsTable: tableName.default('products'),
    tables: z
      .strictObject({
        hourly: tableName.default(DEFAULT_HOURLY_TABLE),
        alerts: tableName.default(DEFAULT_ALERTS_TABLE),
        /** Longest wait of an upsert in the table sinks' buffers, ms. */
        maxBufferDelayMs: ms.default(DEFAULT_MAX_BUFFER_DELAY_MS),
      })
      .prefault({}),
    /** Country → region; `extend: true` adds to the default map instead of replacing it. */
    regions: z.strictObject({ map: z.record(z.string().min(1), z.string().min(1)), extend: z.boolean().default(true) }).optional(),
    windows: z
      .strictObject({
        earlyFiringIntervalMs: ms.default(DEFAULT_EARLY_FIRING_INTERVAL_MS),
        allowedLatenessMs: z.number().int().min(0).default(DEFAULT_ALLOWED_LATENESS_MS),
        maxOutOfOrdernessMs: z.number().int().min(0).default(DEFAULT_MAX_OUT_OF_ORDERNESS_MS),
        idlenessMs: ms.default(DEFAULT_IDLENESS_MS),
        dedupeTtlMs: ms.default(DEFAULT_DEDUPE_TTL_MS),
      })
      .prefault({}),
    spikes: z
      .strictObject({
        metric: z.enum(['units', 'orders', 'revenue']).default('units'),
        baselineHours: z.number().int().min(1).default(DEFAULT_BASELINE_HOURS),
        minBaselineHours: z.number().int().min(1).default(DEFAULT_MIN_BASELINE_HOURS),
        zThreshold: z.number().min(0).default(DEFAULT_Z_THRESHOLD),
        minRatio: z.number().min(1).default(DEFAULT_MIN_RATIO),
        minObserved: z.number().min(0).default(DEFAULT_MIN_OBSERVED),
        minElapsedFraction: z.number().gt(0).max(1).default(DEFAULT_MIN_ELAPSED_FRACTION),
      })
      .prefault({}),
    alerts: z
      .strictObject({
        kinesis: z.strictObject({ stream: z.string().min(1), ...aws }).optional(),
        firehose: z.strictObject({ deliveryStream: z.string().min(1), ...aws }).optional(),
        /** One JSON POST per alert; header values (tokens) are never logged. */
        webhook: z
          .strictObject({
            url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }),
            headers: z.record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/), z.string()).optional(),
            timeoutMs: ms.default(DEFAULT_WEBHOOK_TIMEOUT_MS),
          })
          .optional(),
      })
      .optional(),
    output: z
      .strictObject({
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3–63 lowercase letters, digits, . and -)'),
        prefix: z.string().optional(),
        quarantinePrefix: z.string().optional(),
        forcePathStyle: z.boolean().optional(),
        ...aws,
      })
      .optional(),
    dashboard: z
      .strictObject({
        /** Serve the page on this port (set by `--dashboard-port`); without it no page is served. */
        port: z.number().int().min(0).max(65_535).optional(),
        host: z.string().min(1).default(DEFAULT_DASHBOARD_HOST),
        refreshMs: ms.default(DEFAULT_REFRESH_MS),
        hours: z.number().int().min(1).max(24 * 31).default(DEFAULT_VIEW_HOURS),
      })
      .prefault({}),
    freshness: z.strictObject({ pollMs: ms.default(DEFAULT_FRESHNESS_POLL_MS) }).prefault({}),
  })
  .superRefine((config, ctx) => {
    if (config.spikes.minBaselineHours > config.spikes.baselineHours) {
      ctx.addIssue({ code: 'custom', path: ['spikes', 'minBaselineHours'], message: 'must be <= spikes.baselineHours' });
    }
  });

/** The config as written (input) and as parsed (defaults applied). */
export type SalesDashboardConfigInput = z.input<typeof salesDashboardConfigSchema>;
export type SalesDashboardConfig = z.output<typeof salesDashboardConfigSchema>;

/** A connection config → the RDS connectors' connection options. */
export function rdsConnectionOf(dialect: 'mysql' | 'postgres', c: z.output<typeof connectionConfigSchema>): RdsConnectionOptions {
  if ('url' in c) return dialect === 'mysql' ? { dialect: 'mysql', connection: { uri: c.url } } : { dialect: 'postgres', connection: { connectionString: c.url } };
  const fields = { host: c.host, user: c.user, database: c.database, ...(c.port === undefined ? {} : { port: c.port }), ...(c.password === undefined ? {} : { password: c.password }) };
  return dialect === 'mysql' ? { dialect: 'mysql', connection: fields } : { dialect: 'postgres', connection: fields };
}

function awsOf(o: { readonly region?: string | undefined; readonly endpoint?: string | undefined }): { endpoint?: string; region?: string } {
  return { ...(o.endpoint === undefined ? {} : { endpoint: o.endpoint }), ...(o.region === undefined ? {} : { region: o.region }) };
}

/**
 * Turns a parsed config into dashboard options.
 *
 * ```ts
 * const options = toSalesDashboardOptions(salesDashboardConfigSchema.parse(json));
 * ```
 */
export function toSalesDashboardOptions(config: SalesDashboardConfig): SalesDashboardOptions {
  const database = rdsConnectionOf(config.database.dialect, config.database.connection);
  const db = config.sources.database;
  const kinesis = config.sources.kinesis;
  const output = config.output;
  return {
    database,
    sources: {
      ...(db === undefined
        ? {}
        : {
            database: {
              ...(db.connection === undefined ? {} : { connection: rdsConnectionOf(config.database.dialect, db.connection) }),
              ...(db.tables === undefined ? {} : { tables: db.tables }),
              ...(db.pollIntervalMs === undefined ? {} : { pollIntervalMs: db.pollIntervalMs }),
              ...(db.startAfterOrderNumber === undefined ? {} : { startAfterOrderNumber: db.startAfterOrderNumber }),
            },
          }),
      ...(kinesis === undefined ? {} : { kinesis: { stream: kinesis.stream, startPosition: kinesis.startPosition, clientConfig: awsClientConfig('kinesis', awsOf(kinesis)) } }),
    },
    productsTable: config.productsTable,
    tables: { hourly: config.tables.hourly, alerts: config.tables.alerts },
    maxBufferDelayMs: config.tables.maxBufferDelayMs,
    ...(config.regions === undefined ? {} : { regions: config.regions.map, extendRegions: config.regions.extend }),
    ...config.windows,
    spikes: config.spikes,
    ...(config.alerts === undefined
      ? {}
      : {
          alerts: {
            ...(config.alerts.kinesis === undefined ? {} : { kinesis: { stream: config.alerts.kinesis.stream, clientConfig: awsClientConfig('kinesis', awsOf(config.alerts.kinesis)) } }),
            ...(config.alerts.firehose === undefined
              ? {}
              : { firehose: { deliveryStreamName: config.alerts.firehose.deliveryStream, clientConfig: awsClientConfig('firehose', awsOf(config.alerts.firehose)) } }),
            ...(config.alerts.webhook === undefined
              ? {}
              : {
                  webhook: {
                    url: config.alerts.webhook.url,
                    timeoutMs: config.alerts.webhook.timeoutMs,
                    ...(config.alerts.webhook.headers === undefined ? {} : { headers: config.alerts.webhook.headers }),
                  },
                }),
          },
        }),
    ...(output === undefined
      ? {}
      : {
          output: {
            bucket: output.bucket,
            ...(output.prefix === undefined ? {} : { prefix: output.prefix }),
            ...(output.quarantinePrefix === undefined ? {} : { quarantinePrefix: output.quarantinePrefix }),
            clientConfig: { ...awsClientConfig('s3', awsOf(output)), ...(output.forcePathStyle === undefined ? {} : { forcePathStyle: output.forcePathStyle }) },
          },
        }),
    freshnessPollMs: config.freshness.pollMs,
    page: { refreshMs: config.dashboard.refreshMs, hours: config.dashboard.hours },
  };
}

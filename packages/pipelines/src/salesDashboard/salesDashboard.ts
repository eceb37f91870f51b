/**
 * The sales dashboard, assembled: sources (the read replica's orders ⋈
 * orderdetails ⋈ customers polled incrementally, and/or the Kinesis order
 * stream), the dataflow (dataflow.ts), and the sinks — the hourly table and
 * the alerts table upserted in PostgreSQL/MySQL, Parquet on S3 partitioned
 * `dt=/hour=` (the on-time and late-corrected results), alerts to Kinesis
 * and/or Firehose and/or a webhook, quarantined events as JSON Lines on S3 — plus what runs
 * beside the job: the freshness monitor and the web page.
 *
 * ```ts
 * const env = StreamEnvironment.create({ checkpointInterval: 60_000, checkpointDir: 'chk' });
 * const dashboard = buildSalesDashboard(env, { database: { dialect: 'postgres', connection: { connectionString: url } }, sources: { database: {} } });
 * const running = await dashboard.start({ port: 8080 });   // tables, freshness monitor, http://127.0.0.1:8080/
 * const job = env.execute('sales-dashboard');
 * // … await job.cancel(); await running.close();
 * ```
 */
import type { FirehoseClientConfig } from '@aws-sdk/client-firehose';
import type { KinesisClientConfig } from '@aws-sdk/client-kinesis';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { WatermarkStrategy, jsonLines, type DataStream, type StreamEnvironment } from '@tributary/core';
import { firehoseSink } from '@tributary/connectors/firehose';
import { parquet } from '@tributary/connectors/formats';
import { KinesisSink, KinesisSource, utf8Deserializer } from '@tributary/connectors/kinesis';
import { openSqlClient, rdsIncrementalSource, rdsLookup, rdsUpsertSink, type RdsConnectionOptions, type RdsLookup, type SqlClient } from '@tributary/connectors/rds';
import { eventTimePartitioning, s3FileSink } from '@tributary/connectors/s3';
import { quoteIdentifier } from '../retail/tables.js';
import type { OrderEvent } from '../retail/events.js';
import { loadDashboardView, newestEventTime, DEFAULT_VIEW_HOURS, type DashboardView } from './dashboardQueries.js';
import { salesDashboardDataflow, type CatalogMatch, type ProductCatalog, type SalesDashboardDataflowOptions, type SalesDashboardStats, type SalesDashboardStreams } from './dataflow.js';
import { DEFAULT_MAX_BUFFER_DELAY_MS, flushingSink } from './flushingSink.js';
import { DEFAULT_FRESHNESS_POLL_MS, FRESHNESS_OBJECTIVE_MS, FRESHNESS_TARGET_MS, FreshnessMonitor } from './freshness.js';
import { orderEventFromRow } from '../retail/orders.js';
import { regionResolver } from './regions.js';
import type { HourlySales } from './salesMetrics.js';
import { DEFAULT_DASHBOARD_HOST, DEFAULT_REFRESH_MS, startDashboardServer } from './server.js';
import type { SpikeAlert } from './spikes.js';
import { webhookSink, type WebhookSinkOptions } from './webhookSink.js';
import { alertsTable, columnsOf, DEFAULT_ALERTS_TABLE, DEFAULT_HOURLY_TABLE, ensureDashboardTables, hourlySalesTable } from './tables.js';

/** Default S3 prefix of the Parquet output. */
export const DEFAULT_SALES_PREFIX = 'sales-dashboard/hourly/';
/** Default S3 prefix of quarantined order events. */
export const DEFAULT_QUARANTINE_PREFIX = 'sales-dashboard/quarantine/';

/** The read-replica source of order lines. */
export interface DatabaseOrdersSource {
  /** The replica (default: the options' `database`). */
  readonly connection?: RdsConnectionOptions;
  readonly tables?: { readonly orders?: string | undefined; readonly orderDetails?: string | undefined; readonly customers?: string | undefined };
  readonly pollIntervalMs?: number;
  /** Read only orders with a greater orderNumber (default: from the first). */
  readonly startAfterOrderNumber?: number;
}

/** The Kinesis order stream (JSON `OrderEvent`s, as the platform simulator writes them). */
export interface KinesisOrdersSource {
  readonly stream: string;
  readonly clientConfig?: KinesisClientConfig;
  readonly startPosition?: 'TRIM_HORIZON' | 'LATEST';
}

/** Where alerts are POSTed (see {@link webhookSink}; each alert's `alert_id` is its `Idempotency-Key`). */
export type AlertWebhookOptions = Pick<WebhookSinkOptions<SpikeAlert>, 'url' | 'headers' | 'timeoutMs' | 'maxInFlightRequests' | 'retry'>;

/** Options of {@link buildSalesDashboard}. */
export interface SalesDashboardOptions extends Omit<SalesDashboardDataflowOptions, 'catalog' | 'regionOf' | 'stats'> {
  /** Where the dashboard tables live (and, by default, the products and the replica's orders). */
  readonly database: RdsConnectionOptions;
  /** At least one source. */
  readonly sources: {
    readonly database?: DatabaseOrdersSource;
    readonly kinesis?: KinesisOrdersSource;
    /** Any other stream of raw order events (objects or JSON text). */
    readonly stream?: (env: StreamEnvironment) => DataStream<unknown>;
  };
  /** Product lines (default: a cached lookup on the `products` table of `database`). */
  readonly catalog?: ProductCatalog;
  /** The products table of the default catalog (default `products`). */
  readonly productsTable?: string;
  readonly tables?: { readonly hourly?: string; readonly alerts?: string };
  /** Country → region (default {@link DEFAULT_COUNTRY_REGIONS}); with `extendRegions` added to it. */
  readonly regions?: Readonly<Record<string, string>>;
  readonly extendRegions?: boolean;
  /** Parquet (on-time and late-corrected hours) and quarantined events on S3. */
  readonly output?: { readonly bucket: string; readonly prefix?: string; readonly quarantinePrefix?: string; readonly clientConfig?: S3ClientConfig };
  /** Where alerts go besides the alerts table. */
  readonly alerts?: {
    readonly kinesis?: { readonly stream: string; readonly clientConfig?: KinesisClientConfig };
    readonly firehose?: { readonly deliveryStreamName: string; readonly clientConfig?: FirehoseClientConfig };
    /** One JSON POST per alert, retried with backoff on 5xx and network errors (at-least-once). */
    readonly webhook?: AlertWebhookOptions;
  };
  readonly freshnessPollMs?: number;
  /** Longest wait of an upsert in the table sinks' buffers, ms (default {@link DEFAULT_MAX_BUFFER_DELAY_MS}). */
  readonly maxBufferDelayMs?: number;
  /** The page: poll interval and hours shown. */
  readonly page?: { readonly refreshMs?: number; readonly hours?: number };
}

/** A gauge for the runner's metrics (`PipelineGauge` of `@tributary/core`). */
export interface SalesDashboardGauge {
  readonly name: string;
  readonly help: string;
  readonly labels?: Readonly<Record<string, string>>;
  value(): number | undefined;
}

/** Options of {@link SalesDashboard.start}. */
export interface SalesDashboardStartOptions {
  /** Serve the page on this port (0: a free one); without it no page is served. */
  readonly port?: number;
  /** Bind address (default 127.0.0.1). */
  readonly host?: string;
  /** Create the tables if missing (default true). */
  readonly createTables?: boolean;
}

/** What runs beside the job once started. */
export interface RunningSalesDashboard {
  /** The page's URL, when served. */
  readonly url: string | undefined;
  /** Stops the page and the monitor and ends the connections the dashboard opened. */
  close(): Promise<void>;
}

/** A built dashboard: its streams, counters, freshness and page. */
export interface SalesDashboard {
  readonly streams: SalesDashboardStreams;
  readonly stats: SalesDashboardStats;
  readonly tables: { readonly hourly: string; readonly alerts: string };
  /** Data age from the table (started by `start`). */
  readonly freshness: FreshnessMonitor;
  /** The data-age gauge and the quarantine and duplicate counters, for the runner. */
  readonly gauges: readonly SalesDashboardGauge[];
  /** Reads what the page shows. */
  view(): Promise<DashboardView>;
  /** Creates the tables, starts the freshness monitor and (with a port) the page; call before the job starts. */
  start(options?: SalesDashboardStartOptions): Promise<RunningSalesDashboard>;
}

/** The replica query: order lines with their order's time and customer's country. */
export function replicaOrdersQuery(dialect: 'mysql' | 'postgres', tables: DatabaseOrdersSource['tables'] = {}): string {
  const q = (n: string): string => quoteIdentifier(n, dialect);
  const od = q(tables?.orderDetails ?? 'orderdetails');
  const o = q(tables?.orders ?? 'orders');
  const c = q(tables?.customers ?? 'customers');
  // Times as UTC ISO text: drivers would otherwise read a zone-less TIMESTAMP in the process's zone.
  const orderDate =
    dialect === 'postgres'
      ? `to_char(o.${q('orderDate')}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
      : `DATE_FORMAT(o.${q('orderDate')}, '%Y-%m-%dT%H:%i:%s.%fZ')`;
  return (
    `SELECT od.${q('orderNumber')} AS ${q('orderNumber')}, od.${q('productCode')} AS ${q('productCode')}, od.${q('quantityOrdered')} AS ${q('quantityOrdered')}, ` +
    `od.${q('priceEach')} AS ${q('priceEach')}, ${orderDate} AS ${q('orderDate')}, o.${q('customerNumber')} AS ${q('customerNumber')}, c.${q('country')} AS ${q('country')} ` +
    `FROM ${od} od JOIN ${o} o ON o.${q('orderNumber')} = od.${q('orderNumber')} LEFT JOIN ${c} c ON c.${q('customerNumber')} = o.${q('customerNumber')}`
  );
}

function rawOrders(env: StreamEnvironment, options: SalesDashboardOptions): DataStream<unknown> {
  const inputs: DataStream<unknown>[] = [];
  const db = options.sources.database;
  if (db !== undefined) {
    const connection = db.connection ?? options.database;
    const source = rdsIncrementalSource({
      ...connection,
      query: replicaOrdersQuery(connection.dialect, db.tables),
      trackingColumn: 'orderNumber',
      tieBreaker: ['productCode'],
      ...(db.pollIntervalMs === undefined ? {} : { pollIntervalMs: db.pollIntervalMs }),
      // Without a key the mark means orderNumber > value: every line of later orders.
      ...(db.startAfterOrderNumber === undefined ? {} : { startAfter: { value: db.startAfterOrderNumber } }),
    });
    inputs.push(env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Replica order lines').uid('sales-replica').map((row): unknown => orderEventFromRow(row)).name('Replica rows → order events'));
  }
  const kinesis = options.sources.kinesis;
  if (kinesis !== undefined) {
    const source = new KinesisSource<string>({
      stream: kinesis.stream,
      deserializer: utf8Deserializer,
      startPosition: kinesis.startPosition ?? 'TRIM_HORIZON',
      ...(kinesis.clientConfig === undefined ? {} : { clientConfig: kinesis.clientConfig }),
    });
    inputs.push(env.fromSource(source, WatermarkStrategy.noWatermarks(), 'Kinesis order events').uid('sales-kinesis').map((text): unknown => text).name('Kinesis text'));
  }
  if (options.sources.stream !== undefined) inputs.push(options.sources.stream(env));
  const [first, ...rest] = inputs;
  if (first === undefined) throw new RangeError('sales dashboard: sources needs at least one of database, kinesis or stream');
  return rest.length === 0 ? first : first.union(...rest);
}

function databaseCatalog(options: SalesDashboardOptions): { catalog: ProductCatalog; lookup: RdsLookup<OrderEvent, CatalogMatch> } {
  const lookup = rdsLookup<OrderEvent, CatalogMatch>({
    ...options.database,
    table: options.productsTable ?? 'products',
    keyColumn: 'productCode',
    columns: ['productLine'],
    key: (order) => order.product_code,
    join: (order, row) => ({ order, productLine: row === undefined ? undefined : String(row['productLine']) }),
    expireAfterMs: 10 * 60_000,
  });
  return { catalog: { kind: 'lookup', lookup }, lookup };
}

/** Hourly sales → the dashboard table's row. */
function hourlyRow(h: HourlySales): Record<string, unknown> {
  return {
    product_line: h.product_line,
    country: h.country,
    region: h.region,
    hour_start: h.hour_start,
    revenue: h.revenue,
    units: h.units,
    orders: h.orders,
    customers: h.customers,
    last_event_time: h.last_event_time,
    updated_at: h.updated_at,
  };
}

const fixed = (n: number | null, digits: number): string | null => (n === null || !Number.isFinite(n) ? null : n.toFixed(digits));

/** An alert → the alerts table's row. */
function alertRow(a: SpikeAlert): Record<string, unknown> {
  return {
    product_line: a.product_line,
    region: a.region,
    hour_start: a.hour_start,
    metric: a.metric,
    observed: a.observed.toFixed(2),
    expected: a.expected.toFixed(2),
    baseline_mean: a.baseline_mean.toFixed(2),
    baseline_stddev: a.baseline_stddev.toFixed(2),
    baseline_hours: a.baseline_hours,
    baseline_per_order: a.baseline_per_order.toFixed(4),
    z_score: fixed(a.z_score === null ? null : Math.min(a.z_score, 9_999_999_999), 2),
    ratio: fixed(a.ratio === null ? null : Math.min(a.ratio, 9_999_999_999), 2),
    elapsed_fraction: a.elapsed_fraction.toFixed(4),
    last_event_time: a.last_event_time,
    detected_at: a.detected_at,
  };
}

/** The Parquet schema of the hourly output. */
export const HOURLY_PARQUET_SCHEMA = {
  product_line: 'UTF8',
  country: 'UTF8',
  region: 'UTF8',
  hour_start: 'TIMESTAMP_MILLIS',
  revenue: 'DOUBLE',
  revenue_cents: 'INT64',
  units: 'INT64',
  orders: 'INT64',
  customers: 'INT64',
  last_event_time: 'TIMESTAMP_MILLIS',
  updated_at: 'TIMESTAMP_MILLIS',
} as const;

/**
 * Adds the sales dashboard to `env` — sources, dataflow and sinks — and
 * returns its handle. Nothing runs until `start` and `env.execute`.
 *
 * @throws RangeError for bad options (no source, bad intervals, bad spike settings).
 */
export function buildSalesDashboard(env: StreamEnvironment, options: SalesDashboardOptions): SalesDashboard {
  const tables = { hourly: options.tables?.hourly ?? DEFAULT_HOURLY_TABLE, alerts: options.tables?.alerts ?? DEFAULT_ALERTS_TABLE };
  const owned = options.catalog === undefined ? databaseCatalog(options) : undefined;
  const catalog = options.catalog ?? (owned as { catalog: ProductCatalog }).catalog;
  const streams = salesDashboardDataflow(rawOrders(env, options), {
    ...options,
    catalog,
    regionOf: regionResolver(options.regions, { extend: options.extendRegions ?? false }),
  });

  const maxBufferDelay = options.maxBufferDelayMs ?? DEFAULT_MAX_BUFFER_DELAY_MS;
  const hourlyTable = hourlySalesTable(tables.hourly);
  streams.hourly
    .sinkTo(flushingSink(rdsUpsertSink<HourlySales>({ ...options.database, table: tables.hourly, key: hourlyTable.primaryKey, columns: columnsOf(hourlyTable), toRow: hourlyRow }), maxBufferDelay))
    .name('Dashboard table')
    .uid('sales-dashboard-table');
  const alerts = alertsTable(tables.alerts);
  streams.alerts
    .sinkTo(flushingSink(rdsUpsertSink<SpikeAlert>({ ...options.database, table: tables.alerts, key: alerts.primaryKey, columns: columnsOf(alerts), toRow: alertRow }), maxBufferDelay))
    .name('Alerts table')
    .uid('sales-alerts-table');
  if (options.alerts?.kinesis !== undefined) {
    const k = options.alerts.kinesis;
    streams.alerts
      .sinkTo(new KinesisSink<SpikeAlert>({ stream: k.stream, partitionKey: (a) => `${a.product_line}|${a.region}`, ...(k.clientConfig === undefined ? {} : { clientConfig: k.clientConfig }) }))
      .name('Alerts to Kinesis')
      .uid('sales-alerts-kinesis');
  }
  if (options.alerts?.firehose !== undefined) {
    const f = options.alerts.firehose;
    streams.alerts
      .sinkTo(firehoseSink<SpikeAlert>({ deliveryStreamName: f.deliveryStreamName, ...(f.clientConfig === undefined ? {} : { clientConfig: f.clientConfig }) }))
      .name('Alerts to Firehose')
      .uid('sales-alerts-firehose');
  }
  if (options.alerts?.webhook !== undefined) {
    streams.alerts
      .sinkTo(webhookSink<SpikeAlert>({ ...options.alerts.webhook, idempotencyKey: (a) => a.alert_id }))
      .name('Alerts to webhook')
      .uid('sales-alerts-webhook');
  }
  if (options.output !== undefined) {
    const out = options.output;
    const client = out.clientConfig === undefined ? {} : { clientConfig: out.clientConfig };
    streams.hourly
      .filter((h) => h.final)
      .name('On-time and late-corrected hours')
      .sinkTo(
        s3FileSink<HourlySales>({
          bucket: out.bucket,
          prefix: out.prefix ?? DEFAULT_SALES_PREFIX,
          format: parquet<HourlySales>({ schema: HOURLY_PARQUET_SCHEMA, toRow: (h) => ({ ...h, revenue: h.revenue_cents / 100 }) }),
          partitioning: eventTimePartitioning<HourlySales>({ timestamp: (h) => h.hour_start }),
          ...client,
        }),
      )
      .name('Parquet on S3')
      .uid('sales-parquet');
    streams.quarantine
      .sinkTo(s3FileSink({ bucket: out.bucket, prefix: out.quarantinePrefix ?? DEFAULT_QUARANTINE_PREFIX, format: jsonLines(), ...client }))
      .name('Quarantine on S3')
      .uid('sales-quarantine');
  } else {
    // Counted by the dataflow; without S3 the quarantine stays in the counters and the operators' dead-letter metrics.
    streams.quarantine.sinkTo(() => {}).name('Quarantine (counted)');
  }

  let client: SqlClient | undefined;
  const sql = (): SqlClient => (client ??= openSqlClient(options.database, { poolSize: 2 }));
  const freshness = new FreshnessMonitor({
    newestEventTime: () => newestEventTime(sql(), tables.hourly),
    pollMs: options.freshnessPollMs ?? DEFAULT_FRESHNESS_POLL_MS,
  });
  const hours = options.page?.hours ?? DEFAULT_VIEW_HOURS;
  const view = (): Promise<DashboardView> => loadDashboardView(sql(), tables, { hours });
  const gauges: SalesDashboardGauge[] = [
    {
      name: 'sales_dashboard_data_age_seconds',
      help: `Now minus the newest order time visible in the dashboard table, in seconds (objective <= ${FRESHNESS_OBJECTIVE_MS / 1000}, target <= ${FRESHNESS_TARGET_MS / 1000}).`,
      value: () => {
        const ms = freshness.dataAgeMs();
        return ms === undefined ? undefined : ms / 1000;
      },
    },
    { name: 'sales_dashboard_duplicates_total', help: 'Duplicate order lines dropped.', value: () => streams.stats.duplicates },
    ...(['malformed-json', 'invalid-field', 'negative-quantity', 'unknown-product', 'too-late', 'failed'] as const).map((reason) => ({
      name: 'sales_dashboard_quarantined_total',
      help: 'Order events quarantined, by reason.',
      labels: { reason },
      value: () => streams.stats.quarantined.get(reason) ?? 0,
    })),
  ];

  return {
    streams,
    stats: streams.stats,
    tables,
    freshness,
    gauges,
    view,
    async start(start = {}) {
      if (start.createTables !== false) await ensureDashboardTables(sql(), tables);
      freshness.start();
      const server =
        start.port === undefined
          ? undefined
          : await startDashboardServer({
              port: start.port,
              host: start.host ?? DEFAULT_DASHBOARD_HOST,
              view,
              refreshMs: options.page?.refreshMs ?? DEFAULT_REFRESH_MS,
              objectiveMs: FRESHNESS_OBJECTIVE_MS,
              targetMs: FRESHNESS_TARGET_MS,
            });
      return {
        url: server?.url,
        async close() {
          await server?.close();
          await freshness.stop();
          await owned?.lookup.close();
          const c = client;
          client = undefined;
          await c?.close();
        },
      };
    },
  };
}

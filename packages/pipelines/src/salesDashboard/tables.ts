/**
 * The dashboard's tables in PostgreSQL or MySQL: hourly sales per product
 * line × country (with the region), and the demand-spike alerts — their
 * DDL (created if missing when the pipeline starts) and the upsert sinks'
 * keys and columns. Times are BIGINT milliseconds since the epoch (UTC), so
 * both dialects and every client read them alike; revenue is DECIMAL.
 */
import type { SqlClient } from '@tributary/connectors/rds';
import type { Table } from '../retail/tables.js';
import { addColumnsSql, createTableSql } from '../retail/tables.js';

/** Default name of the hourly sales table. */
export const DEFAULT_HOURLY_TABLE = 'sales_dashboard_hourly';
/** Default name of the alerts table. */
export const DEFAULT_ALERTS_TABLE = 'sales_dashboard_alerts';

/** The hourly sales table under `name`. */
export function hourlySalesTable(name = DEFAULT_HOURLY_TABLE): Table {
  return {
    name,
    columns: [
      { name: 'product_line', type: 'VARCHAR', size: 50 },
      { name: 'country', type: 'VARCHAR', size: 50 },
      { name: 'region', type: 'VARCHAR', size: 50 },
      { name: 'hour_start', type: 'BIGINT' },
      { name: 'revenue', type: 'DECIMAL', size: [16, 2] },
      { name: 'units', type: 'BIGINT' },
      { name: 'orders', type: 'INT' },
      { name: 'customers', type: 'INT' },
      { name: 'last_event_time', type: 'BIGINT' },
      { name: 'updated_at', type: 'BIGINT' },
    ],
    primaryKey: ['product_line', 'country', 'hour_start'],
  };
}

/** The alerts table under `name`. */
export function alertsTable(name = DEFAULT_ALERTS_TABLE): Table {
  return {
    name,
    columns: [
      { name: 'product_line', type: 'VARCHAR', size: 50 },
      { name: 'region', type: 'VARCHAR', size: 50 },
      { name: 'hour_start', type: 'BIGINT' },
      { name: 'metric', type: 'VARCHAR', size: 10 },
      { name: 'observed', type: 'DECIMAL', size: [16, 2] },
      { name: 'expected', type: 'DECIMAL', size: [16, 2] },
      { name: 'baseline_mean', type: 'DECIMAL', size: [16, 2] },
      { name: 'baseline_stddev', type: 'DECIMAL', size: [16, 2] },
      { name: 'baseline_hours', type: 'INT' },
      { name: 'z_score', type: 'DECIMAL', size: [12, 2], nullable: true },
      { name: 'ratio', type: 'DECIMAL', size: [12, 2], nullable: true },
      { name: 'elapsed_fraction', type: 'DECIMAL', size: [6, 4] },
      { name: 'last_event_time', type: 'BIGINT' },
      { name: 'detected_at', type: 'BIGINT' },
      // Added after the first release (tables created before get it from ensureDashboardTables): last, where ALTER TABLE puts it.
      /** k: the metric per order over the baseline hours (the spike test's counting-noise scale). */
      { name: 'baseline_per_order', type: 'DECIMAL', size: [16, 4], nullable: true },
    ],
    primaryKey: ['product_line', 'region', 'hour_start'],
  };
}

/** The column names of a table, in order. */
export function columnsOf(table: Table): string[] {
  return table.columns.map((c) => c.name);
}

/**
 * Creates both tables if they do not exist, and adds the columns a table
 * created by an earlier version lacks (`baseline_per_order` of the alerts).
 */
export async function ensureDashboardTables(client: SqlClient, names: { readonly hourly?: string; readonly alerts?: string } = {}): Promise<void> {
  for (const table of [hourlySalesTable(names.hourly), alertsTable(names.alerts)]) {
    await client.query(createTableSql(table, client.dialect.name));
    const existing = await client.dialect.describeTable(client, table.name);
    for (const sql of addColumnsSql(table, existing.map((c) => c.name), client.dialect.name)) await client.query(sql);
  }
}

/**
 * What the web page shows, read from the dashboard tables with plain SQL:
 * sales by product line, by region and per hour over the last `hours`
 * hours of data, the current demand spikes, and the data age (now − the
 * newest order time visible in the table). The page's numbers are these
 * queries' results, so they equal the database's by construction.
 */
import type { SqlClient } from '@tributary/connectors/rds';
import { decimalToCents } from '../retail/orders.js';

const HOUR_MS = 3_600_000;

/** Hours of data the page shows by default. */
export const DEFAULT_VIEW_HOURS = 24;

/** Totals of one group. */
export interface SalesSummary {
  /** Revenue in cents (exact). */
  readonly revenueCents: number;
  readonly units: number;
  readonly orders: number;
}

/** What the dashboard page renders. */
export interface DashboardView {
  /** When the view was read (ms). */
  readonly generatedAt: number;
  /** The first hour shown (ms), or null when the table is empty. */
  readonly since: number | null;
  /** The newest hour with data (ms), or null. */
  readonly newestHour: number | null;
  readonly total: SalesSummary;
  readonly byProductLine: readonly (SalesSummary & { readonly productLine: string })[];
  readonly byRegion: readonly (SalesSummary & { readonly region: string })[];
  /** Every hour from `since` to `newestHour` (zeros where nothing sold). */
  readonly overTime: readonly (SalesSummary & { readonly hourStart: number })[];
  /** Alerts of the newest two hours, newest first. */
  readonly spikes: readonly DashboardSpike[];
  /** The newest order time visible in the table, or null. */
  readonly newestEventTime: number | null;
  /** generatedAt − newestEventTime, ms (null when the table is empty). */
  readonly dataAgeMs: number | null;
}

/** A spike as the page shows it. */
export interface DashboardSpike {
  readonly productLine: string;
  readonly region: string;
  readonly hourStart: number;
  readonly metric: string;
  readonly observed: number;
  readonly expected: number;
  readonly baselineMean: number;
  readonly baselineStddev: number;
  readonly zScore: number | null;
  readonly ratio: number | null;
  readonly detectedAt: number;
}

/** The tables the queries read. */
export interface DashboardTables {
  readonly hourly: string;
  readonly alerts: string;
}

function num(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

function nullableNum(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

/** One point per hour from `since` to `newest`, hours without sales as zeros. */
function everyHour(since: number, newest: number, points: readonly (SalesSummary & { readonly hourStart: number })[]): (SalesSummary & { readonly hourStart: number })[] {
  const byHour = new Map(points.map((p) => [p.hourStart, p]));
  const out: (SalesSummary & { readonly hourStart: number })[] = [];
  for (let h = since; h <= newest; h += HOUR_MS) out.push(byHour.get(h) ?? { hourStart: h, revenueCents: 0, units: 0, orders: 0 });
  return out;
}

/** The newest order time in the hourly table (null when empty). */
export async function newestEventTime(client: SqlClient, hourlyTable: string): Promise<number | null> {
  const q = (n: string): string => client.dialect.quoteIdentifier(n);
  const rows = await client.query(`SELECT MAX(${q('last_event_time')}) AS newest FROM ${q(hourlyTable)}`);
  return nullableNum(rows[0]?.['newest']);
}

/**
 * Reads the page's view: the last `hours` hours up to the newest hour with
 * data.
 */
export async function loadDashboardView(client: SqlClient, tables: DashboardTables, options: { readonly hours?: number; readonly now?: number } = {}): Promise<DashboardView> {
  const hours = options.hours ?? DEFAULT_VIEW_HOURS;
  if (!Number.isInteger(hours) || hours < 1) throw new RangeError(`hours must be an integer >= 1, got ${hours}`);
  const q = (n: string): string => client.dialect.quoteIdentifier(n);
  const hourly = q(tables.hourly);
  const bounds = await client.query(`SELECT MAX(${q('hour_start')}) AS newest_hour, MAX(${q('last_event_time')}) AS newest_event FROM ${hourly}`);
  const newestHour = nullableNum(bounds[0]?.['newest_hour']);
  const newestEvent = nullableNum(bounds[0]?.['newest_event']);
  const generatedAt = options.now ?? Date.now();
  const empty: SalesSummary = { revenueCents: 0, units: 0, orders: 0 };
  if (newestHour === null) {
    return { generatedAt, since: null, newestHour: null, total: empty, byProductLine: [], byRegion: [], overTime: [], spikes: [], newestEventTime: null, dataAgeMs: null };
  }
  // Integers computed here, never user input: safe to inline.
  const since = newestHour - (hours - 1) * HOUR_MS;
  const sums = `SUM(${q('revenue')}) AS revenue, SUM(${q('units')}) AS units, SUM(${q('orders')}) AS orders`;
  const where = `WHERE ${q('hour_start')} >= ${since}`;
  const summary = (row: Record<string, unknown>): SalesSummary => ({ revenueCents: decimalToCents(row['revenue'] ?? 0), units: num(row['units']), orders: num(row['orders']) });
  const [total, byLine, byRegion, overTime, alerts] = await Promise.all([
    client.query(`SELECT ${sums} FROM ${hourly} ${where}`),
    client.query(`SELECT ${q('product_line')} AS k, ${sums} FROM ${hourly} ${where} GROUP BY ${q('product_line')} ORDER BY revenue DESC, k`),
    client.query(`SELECT ${q('region')} AS k, ${sums} FROM ${hourly} ${where} GROUP BY ${q('region')} ORDER BY revenue DESC, k`),
    client.query(`SELECT ${q('hour_start')} AS k, ${sums} FROM ${hourly} ${where} GROUP BY ${q('hour_start')} ORDER BY k`),
    client.query(
      `SELECT * FROM ${q(tables.alerts)} WHERE ${q('hour_start')} >= ${newestHour - HOUR_MS} ORDER BY ${q('detected_at')} DESC, ${q('product_line')}, ${q('region')} LIMIT 50`,
    ),
  ]);
  return {
    generatedAt,
    since,
    newestHour,
    total: total[0] === undefined ? empty : summary(total[0]),
    byProductLine: byLine.map((r) => ({ productLine: String(r['k']), ...summary(r) })),
    byRegion: byRegion.map((r) => ({ region: String(r['k']), ...summary(r) })),
    overTime: everyHour(since, newestHour, overTime.map((r) => ({ hourStart: num(r['k']), ...summary(r) }))),
    spikes: alerts.map((r) => ({
      productLine: String(r['product_line']),
      region: String(r['region']),
      hourStart: num(r['hour_start']),
      metric: String(r['metric']),
      observed: num(r['observed']),
      expected: num(r['expected']),
      baselineMean: num(r['baseline_mean']),
      baselineStddev: num(r['baseline_stddev']),
      zScore: nullableNum(r['z_score']),
      ratio: nullableNum(r['ratio']),
      detectedAt: num(r['detected_at']),
    })),
    newestEventTime: newestEvent,
    dataAgeMs: newestEvent === null ? null : Math.max(0, generatedAt - newestEvent),
  };
}

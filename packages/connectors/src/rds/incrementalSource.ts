/**
 * The incremental RDS source — the read-replica feed: an unbounded source
 * that polls a table (or query) for rows whose increasing column (an id,
 * or `updated_at`) lies beyond a checkpointed high-water mark. The mark is
 * the pair (tracking value, tie-breaker key) of the last row read, so rows
 * sharing a tracking value at a page or poll boundary are neither lost nor
 * read twice. Temporal marks are kept as the server's exact text (a JS Date
 * would round microseconds away).
 */
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceReaderContext, SourceSplit } from '@tributary/core';
import { checkConnectionOptions, dialectOf, openSqlClient } from './connect.js';
import type { RdsConnectorMetrics } from './deadLetters.js';
import type { SqlClient } from './dialects/dialect.js';
import { RdsError, errorMessage } from './errors.js';
import { DEFAULT_FETCH_SIZE, type RdsConnectionOptions, type RdsRow } from './options.js';
import { checkDeclaredSchema, checkReadTarget, collectRow, openReaderClient, readLabel, resolveFetchSize, rowOriginOf, selectedColumns, type RdsReadSettings } from './readerInternals.js';
import { backoffDelayMs, resolveRetry, type RdsRetryOptions } from './retry.js';
import { SqlParams, afterKeyPredicate, fromClause, selectList, selectSql, type RowOrigin } from './sqlBuilder.js';

/** How often the table is polled when the last poll found fewer rows than a page (ms). */
export const DEFAULT_POLL_INTERVAL_MS = 1_000;

/** The column alias under which the tracking value's exact text is fetched (removed from emitted rows). */
export const HIGH_WATER_MARK_ALIAS = '__tributary_hwm';

/** The options besides the connection. */
export interface RdsIncrementalSettings<T> extends RdsReadSettings<T> {
  /** A SELECT to poll instead of a table (wrapped as a derived table). */
  readonly query?: string;
  /** Columns to select (default: the declared schema's, else `*`); tracking and tie-breaker columns are added. */
  readonly columns?: readonly string[];
  /** The increasing column: an auto-increment id or an `updated_at` maintained on every write. Rows where it is NULL are never read. */
  readonly trackingColumn: string;
  /**
   * A unique key ordering rows that share a tracking value (e.g. `['id']`
   * for `updated_at`). Omit it only when the tracking column is itself unique.
   */
  readonly tieBreaker?: readonly string[];
  /** Poll interval when caught up (default {@link DEFAULT_POLL_INTERVAL_MS}). */
  readonly pollIntervalMs?: number;
  /** Rows per poll; a full page is followed by another poll at once (default {@link DEFAULT_FETCH_SIZE}). */
  readonly fetchSize?: number;
  /** Start after this mark (exclusive) instead of at the beginning of the table. */
  readonly startAfter?: { readonly value: unknown; readonly key?: readonly unknown[] };
  /** Consecutive failed polls (transient errors) tolerated before the job fails (default: 5 attempts, backing off). */
  readonly retry?: RdsRetryOptions;
}

/** Options of {@link rdsIncrementalSource}. */
export type RdsIncrementalSourceOptions<T = RdsRow> = RdsConnectionOptions & RdsIncrementalSettings<T>;

/** The checkpointed high-water mark: the tracking value (native number/bigint, or exact text) and tie-breaker key of the last row read. */
export interface RdsIncrementalSplit extends SourceSplit {
  readonly value: unknown;
  readonly key: readonly unknown[] | null;
}

/**
 * An unbounded source of new and updated rows.
 *
 * ```ts
 * const changes = env.fromSource(
 *   rdsIncrementalSource({
 *     dialect: 'postgres',
 *     connection: { host: replicaHost, database: 'shop' },
 *     table: 'orders',
 *     trackingColumn: 'updated_at',
 *     tieBreaker: ['id'],
 *     pollIntervalMs: 5_000,
 *   }),
 *   WatermarkStrategy.noWatermarks(),
 *   'orders-feed',
 * );
 * ```
 * Gotchas: a row is seen when its tracking value passes the mark, so an
 * update must move `updated_at` forward; deletes are not seen. A transaction
 * that commits late with an older `updated_at` than rows already read is
 * missed — on a busy primary, poll a replica or set `updated_at` at commit
 * time. One reader polls (the source's parallelism is 1).
 */
export function rdsIncrementalSource<T = RdsRow>(options: RdsIncrementalSourceOptions<T>): RdsIncrementalSource<T> {
  return new RdsIncrementalSource(options);
}

interface IncrementalPlan<T> {
  readonly options: RdsIncrementalSourceOptions<T>;
  readonly origin: RowOrigin;
  readonly label: string;
  readonly select: string;
  readonly order: readonly string[];
  readonly pollIntervalMs: number;
  readonly fetchSize: number;
  readonly retry: Required<RdsRetryOptions>;
  readonly metrics: RdsConnectorMetrics;
}

/** The source {@link rdsIncrementalSource} returns; `metrics` counts rows and dead letters. */
export class RdsIncrementalSource<T> implements Source<T, RdsIncrementalSplit> {
  readonly boundedness = 'unbounded' as const;
  readonly maxParallelism = 1;
  readonly metrics: RdsConnectorMetrics = { records: 0, deadLetters: 0 };
  private readonly plan: IncrementalPlan<T>;

  constructor(options: RdsIncrementalSourceOptions<T>) {
    checkConnectionOptions(options);
    const dialect = dialectOf(options.dialect);
    checkReadTarget('rdsIncrementalSource', options);
    if (typeof options.trackingColumn !== 'string' || options.trackingColumn.length === 0) throw new RangeError('rdsIncrementalSource trackingColumn must be a column name');
    const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!(pollIntervalMs >= 0) || !Number.isFinite(pollIntervalMs)) throw new RangeError(`rdsIncrementalSource pollIntervalMs must be a finite number >= 0, got ${pollIntervalMs}`);
    const fetchSize = resolveFetchSize('rdsIncrementalSource', options);
    const tie = options.tieBreaker ?? [];
    if (tie.includes(options.trackingColumn)) throw new RangeError('rdsIncrementalSource tieBreaker must not repeat the trackingColumn');
    const startKey = options.startAfter?.key;
    if (startKey !== undefined && startKey.length !== tie.length) {
      throw new RangeError(`rdsIncrementalSource startAfter.key must have one value per tieBreaker column (${tie.length}), got ${startKey.length}`);
    }
    const order = [options.trackingColumn, ...tie];
    const columns = selectedColumns('rdsIncrementalSource', options, order);
    const select = `${selectList(dialect, columns)}, ${dialect.castToText(dialect.quoteIdentifier(options.trackingColumn))} AS ${dialect.quoteIdentifier(HIGH_WATER_MARK_ALIAS)}`;
    const origin = rowOriginOf(dialect, options);
    this.plan = {
      options,
      origin,
      label: readLabel(options),
      select,
      order,
      pollIntervalMs,
      fetchSize,
      retry: resolveRetry(options.retry),
      metrics: this.metrics,
    };
  }

  /** Checks the declared schema (before any row is read) and returns the one split with the starting mark. */
  async discoverSplits(): Promise<RdsIncrementalSplit[]> {
    const { options, label } = this.plan;
    if (options.schema !== undefined && options.table !== undefined) {
      const client = openSqlClient(options, { poolSize: 1 });
      try {
        await checkDeclaredSchema(client, options, label);
      } finally {
        await client.close();
      }
    }
    const start = options.startAfter;
    return [{ id: `${label}:incremental`, value: start === undefined ? null : start.value, key: start?.key === undefined ? null : [...start.key] }];
  }

  createReader(context: SourceReaderContext): SourceReader<T, RdsIncrementalSplit> {
    return new IncrementalReader(this.plan, context);
  }
}

class IncrementalReader<T> implements SourceReader<T, RdsIncrementalSplit> {
  private split: { id: string; value: unknown; key: unknown[] | null } | undefined;
  private client: SqlClient | undefined;
  private nextPollAt = 0;
  private failures = 0;

  constructor(
    private readonly plan: IncrementalPlan<T>,
    private readonly context: SourceReaderContext,
  ) {}

  addSplits(splits: readonly RdsIncrementalSplit[]): void {
    for (const s of splits) this.split = { id: s.id, value: s.value, key: s.key === null ? null : [...s.key] };
  }

  async pollNext(output: ReaderOutput<T>): Promise<ReaderStatus> {
    const split = this.split;
    if (split === undefined) return 'end';
    if (Date.now() < this.nextPollAt) return 'waiting';
    const client = this.clientOf();
    let rows: RdsRow[];
    try {
      const { sql, params } = this.pollQuery(client, split);
      rows = await client.query(sql, params);
      this.failures = 0;
    } catch (error) {
      this.failures++;
      const transient = client.dialect.isTransient(error);
      if (transient && this.failures < this.plan.retry.maxAttempts) {
        this.nextPollAt = Date.now() + backoffDelayMs(this.failures, this.plan.retry);
        return 'waiting';
      }
      throw new RdsError('RDS_QUERY_FAILED', `rdsIncrementalSource '${this.plan.label}' poll failed: ${errorMessage(error)}`, { cause: error, retryable: transient });
    }
    await this.emit(split, rows, output);
    if (rows.length >= this.plan.fetchSize) return 'more';
    this.nextPollAt = Date.now() + this.plan.pollIntervalMs;
    return 'waiting';
  }

  available(): Promise<void> {
    const wait = this.nextPollAt - Date.now();
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, wait)));
  }

  snapshotState(): RdsIncrementalSplit[] {
    const s = this.split;
    return s === undefined ? [] : [{ id: s.id, value: s.value, key: s.key === null ? null : [...s.key] }];
  }

  async close(): Promise<void> {
    await this.client?.close();
  }

  private clientOf(): SqlClient {
    this.client ??= openReaderClient(this.plan.options);
    return this.client;
  }

  /** Rows after the mark in (tracking, tie-breaker) order, one page. */
  private pollQuery(client: SqlClient, split: { value: unknown; key: unknown[] | null }): { sql: string; params: unknown[] } {
    const dialect = client.dialect;
    const params = new SqlParams(dialect);
    const where: string[] = [];
    const order = this.plan.order;
    if (split.value !== null && split.value !== undefined) {
      // Without a key yet (a user-given start), only the tracking value bounds the read.
      where.push(split.key === null ? afterKeyPredicate(dialect, params, order.slice(0, 1), [split.value]) : afterKeyPredicate(dialect, params, order, [split.value, ...split.key]));
    }
    const sql = selectSql(dialect, {
      select: this.plan.select,
      from: fromClause(dialect, this.plan.origin),
      where,
      orderBy: order,
      limit: params.add(this.plan.fetchSize),
    });
    return { sql, params: params.values };
  }

  private async emit(split: { id: string; value: unknown; key: unknown[] | null }, rows: readonly RdsRow[], output: ReaderOutput<T>): Promise<void> {
    const { options, metrics, label, order } = this.plan;
    const tracking = options.trackingColumn;
    const where = (): string => `rdsIncrementalSource '${label}' (${this.context.sourceName})`;
    for (const row of rows) {
      const text = row[HIGH_WATER_MARK_ALIAS];
      delete row[HIGH_WATER_MARK_ALIAS];
      const native = row[tracking];
      // Numbers are exact as they are; anything else (timestamps, decimals, strings) is kept as the server's text.
      split.value = typeof native === 'number' || typeof native === 'bigint' ? native : text;
      if (order.length > 1) split.key = order.slice(1).map((k) => row[k]);
      const deadLetter = collectRow(options, metrics, where, split.id, row, output);
      if (deadLetter !== undefined) await deadLetter;
    }
  }
}

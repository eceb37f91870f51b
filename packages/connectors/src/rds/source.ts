/**
 * The bounded RDS source: reads a table or a query, optionally cut into N
 * ranges of a numeric column (Flink's JDBC partitioned scan: min/max
 * discovered when not given), one split per range, read in parallel by the
 * source's readers. Rows stream with constant memory — a pg cursor or a
 * paused mysql2 stream (`scan: 'cursor'`), or key-ordered pages
 * (`scan: 'keyset'`, chosen automatically for PGlite). Each split's
 * progress is checkpointed as the last key read, so a restored job resumes
 * with `key > lastKey` and reads every row exactly once. A declared schema
 * is checked before any split exists.
 */
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceReaderContext, SourceSplit } from '@tributary/core';
import { checkConnectionOptions, dialectOf, openSqlClient } from './connect.js';
import type { RdsConnectorMetrics } from './deadLetters.js';
import type { RowCursor, SqlClient } from './dialects/dialect.js';
import { RdsError, errorMessage } from './errors.js';
import { DEFAULT_FETCH_SIZE, type RdsConnectionOptions, type RdsRow } from './options.js';
import { partitionRanges, toBigIntBound } from './partitions.js';
import { checkDeclaredSchema, checkReadTarget, collectRow, openReaderClient, readLabel, resolveFetchSize, rowOriginOf, selectedColumns, type RdsReadSettings } from './readerInternals.js';
import { backoffDelayMs, resolveRetry, type RdsRetryOptions } from './retry.js';
import { SqlParams, afterKeyPredicate, fromClause, selectList, selectSql, type RowOrigin } from './sqlBuilder.js';

/**
 * How a split is read:
 * - `'cursor'`: one streaming query per split (pg-cursor `read(fetchSize)`,
 *   mysql2 `query().stream()`), holding one connection while it runs;
 * - `'keyset'`: one query per page, `… WHERE key > last ORDER BY key LIMIT fetchSize`
 *   (no connection held between pages: PGlite, RDS Proxy, PgBouncer);
 * - `'auto'` (default): `keyset` for PGlite (detected from `version()`), `cursor` otherwise.
 */
export type RdsScanMode = 'auto' | 'cursor' | 'keyset';

/**
 * Cuts the scan into ranges of an integral column.
 *
 * ```ts
 * partition: { column: 'customerNumber', numPartitions: 4 } // min/max discovered
 * partition: { column: 'id', numPartitions: 8, lowerBound: 1, upperBound: 1_000_000 }
 * ```
 * The bounds only shape the ranges: the first range is open below and the
 * last open above, so no row is left out. Rows whose partition value is
 * NULL are not read — partition on a NOT NULL column.
 */
export interface RdsPartitionOptions {
  readonly column: string;
  /** Ranges (splits) to cut; fixed, so that split ids stay stable across restores at any parallelism. */
  readonly numPartitions: number;
  readonly lowerBound?: number | bigint;
  readonly upperBound?: number | bigint;
}

/** The source options besides the connection. */
export interface RdsSourceSettings<T> extends RdsReadSettings<T> {
  /** Columns to select (default: the declared schema's columns, else `*`). Key columns are added when missing. */
  readonly columns?: readonly string[];
  readonly partition?: RdsPartitionOptions;
  /**
   * The unique, non-null key that orders rows within a split and locates the
   * resume point after a restore (default: the partition column, which must
   * then be unique). Use integer or text columns: a timestamp key comes back
   * as a JS Date and loses its microseconds. Without partition and key,
   * progress is an offset: a restore skips the rows already read, which
   * requires the query to return rows in a stable order (an ORDER BY).
   */
  readonly key?: readonly string[];
  /** Rows per round trip or page (default {@link DEFAULT_FETCH_SIZE}). */
  readonly fetchSize?: number;
  readonly scan?: RdsScanMode;
  /** Reconnect on transient read errors, resuming after the last row read (default: 5 attempts). */
  readonly retry?: RdsRetryOptions;
}

/** Options of {@link rdsSource}: a connection (`pool` or `connection`) and the settings. */
export type RdsSourceOptions<T = RdsRow> = RdsConnectionOptions & RdsSourceSettings<T>;

/** A range of a scan and how far it has been read (checkpointed). */
export interface RdsSplit extends SourceSplit {
  /** Inclusive partition bounds; null = unbounded (or no partitioning). */
  readonly lower: bigint | null;
  readonly upper: bigint | null;
  readonly mode: 'cursor' | 'keyset';
  /** Key values of the last row read, or null before the first. */
  readonly last: readonly unknown[] | null;
  /** Rows read from this split so far. */
  readonly rowsRead: number;
}

type MutableSplit = { -readonly [K in keyof RdsSplit]: RdsSplit[K] };

/** What the source and its readers share. */
interface ScanPlan<T> {
  readonly options: RdsSourceOptions<T>;
  readonly origin: RowOrigin;
  readonly label: string;
  readonly select: string;
  /** The order and resume key within a split (empty: offset progress). */
  readonly keys: readonly string[];
  readonly partitionColumn: string | undefined;
  readonly fetchSize: number;
  readonly retry: Required<RdsRetryOptions>;
  readonly metrics: RdsConnectorMetrics;
}

/**
 * A bounded source over a table or query.
 *
 * ```ts
 * const customers = env.fromSource(
 *   rdsSource<Customer>({
 *     dialect: 'mysql',
 *     connection: { host: '127.0.0.1', user: 'reader', database: 'classicmodels' },
 *     table: 'customers',
 *     schema: { customerNumber: 'INT', city: 'VARCHAR', creditLimit: 'DECIMAL' },
 *     partition: { column: 'customerNumber', numPartitions: 4 },
 *     map: (row) => ({ id: row.customerNumber as number, city: String(row.city), limit: Number(row.creditLimit) }),
 *   }),
 *   WatermarkStrategy.noWatermarks(),
 *   'customers',
 * );
 * ```
 * Gotchas: the partition/key columns must be unique and non-null for the
 * resume to be exact; DECIMAL values come back as strings (exact), BIGINT
 * as numbers or bigints (see `int64As`), timestamps as Dates (millisecond
 * precision). A MySQL cursor paused longer than the server's
 * `net_write_timeout` by backpressure is dropped by the server; the reader
 * then reconnects and resumes after the last key.
 */
export function rdsSource<T = RdsRow>(options: RdsSourceOptions<T>): RdsSource<T> {
  return new RdsSource(options);
}

/** The source {@link rdsSource} returns; `metrics` counts rows read and dead letters across its readers. */
export class RdsSource<T> implements Source<T, RdsSplit> {
  readonly boundedness = 'bounded' as const;
  readonly metrics: RdsConnectorMetrics = { records: 0, deadLetters: 0 };
  private readonly plan: ScanPlan<T>;

  constructor(options: RdsSourceOptions<T>) {
    checkConnectionOptions(options);
    const dialect = dialectOf(options.dialect);
    checkReadTarget('rdsSource', options, ": a query's columns cannot be checked before reading");
    const fetchSize = resolveFetchSize('rdsSource', options);
    const partition = options.partition;
    if (partition !== undefined) {
      if (typeof partition.column !== 'string' || partition.column.length === 0) throw new RangeError('rdsSource partition.column must be a column name');
      if (!Number.isInteger(partition.numPartitions) || partition.numPartitions < 1) {
        throw new RangeError(`rdsSource partition.numPartitions must be an integer >= 1, got ${partition.numPartitions}`);
      }
      if (partition.lowerBound !== undefined) toBigIntBound(partition.lowerBound, 'partition.lowerBound');
      if (partition.upperBound !== undefined) toBigIntBound(partition.upperBound, 'partition.upperBound');
    }
    if (options.scan !== undefined && !['auto', 'cursor', 'keyset'].includes(options.scan)) {
      throw new RangeError(`rdsSource scan must be 'auto', 'cursor' or 'keyset', got ${JSON.stringify(options.scan)}`);
    }
    const keys = [...new Set([...(partition === undefined ? [] : [partition.column]), ...(options.key ?? [])])];
    const columns = selectedColumns('rdsSource', options, keys);
    // Quoting checks every identifier now, so a bad name fails when the pipeline is built.
    const select = selectList(dialect, columns);
    for (const k of keys) dialect.quoteIdentifier(k);
    const origin = rowOriginOf(dialect, options);
    this.plan = {
      options,
      origin,
      label: readLabel(options),
      select,
      keys,
      partitionColumn: partition?.column,
      fetchSize,
      retry: resolveRetry(options.retry),
      metrics: this.metrics,
    };
  }

  /** Checks the schema, picks the scan mode, and cuts the ranges (discovering min/max when needed). */
  async discoverSplits(): Promise<RdsSplit[]> {
    const { options, origin, label } = this.plan;
    const client = openSqlClient(options, { poolSize: 1, ...(options.int64As === undefined ? {} : { int64As: options.int64As }) });
    try {
      await checkDeclaredSchema(client, options, label);
      const mode = await resolveScanMode(client, options.scan ?? 'auto');
      const partition = options.partition;
      const whole: RdsSplit = { id: `${label}:1/1`, lower: null, upper: null, mode, last: null, rowsRead: 0 };
      if (partition === undefined) return [whole];
      let lower = partition.lowerBound === undefined ? undefined : toBigIntBound(partition.lowerBound, 'partition.lowerBound');
      let upper = partition.upperBound === undefined ? undefined : toBigIntBound(partition.upperBound, 'partition.upperBound');
      // A single range is open on both sides: there are no bounds to discover.
      if (partition.numPartitions === 1 && (lower === undefined || upper === undefined)) return [whole];
      if (lower === undefined || upper === undefined) {
        const column = client.dialect.quoteIdentifier(partition.column);
        const rows = await client.query(`SELECT MIN(${column}) AS lo, MAX(${column}) AS hi FROM ${fromClause(client.dialect, origin)}`);
        const found = rows[0] ?? {};
        if (found['lo'] === null || found['lo'] === undefined) return [{ ...whole, id: `${label}:1/${partition.numPartitions}` }];
        lower ??= toBigIntBound(found['lo'], `the minimum of ${partition.column}`);
        upper ??= toBigIntBound(found['hi'], `the maximum of ${partition.column}`);
      }
      const ranges = partitionRanges(lower, upper, partition.numPartitions);
      return ranges.map((r, i) => ({ ...whole, id: `${label}:${i + 1}/${partition.numPartitions}`, lower: r.lower ?? null, upper: r.upper ?? null }));
    } catch (error) {
      if (error instanceof RdsError || error instanceof RangeError) throw error;
      throw new RdsError('RDS_QUERY_FAILED', `rdsSource '${label}': planning the scan failed: ${errorMessage(error)}`, {
        cause: error,
        retryable: client.dialect.isTransient(error),
      });
    } finally {
      await client.close();
    }
  }

  createReader(context: SourceReaderContext): SourceReader<T, RdsSplit> {
    return new RdsSourceReader(this.plan, context);
  }
}

/** The scan mode for `'auto'`: pages for PGlite (one backend that cannot hold a cursor across connections), cursors elsewhere. */
async function resolveScanMode(client: SqlClient, scan: RdsScanMode): Promise<'cursor' | 'keyset'> {
  if (scan !== 'auto') return scan;
  if (client.dialect.name !== 'postgres') return 'cursor';
  return (await client.serverVersion()).includes('PGlite') ? 'keyset' : 'cursor';
}

class RdsSourceReader<T> implements SourceReader<T, RdsSplit> {
  private readonly pending: MutableSplit[] = [];
  private current: MutableSplit | undefined;
  private cursor: RowCursor | undefined;
  private client: SqlClient | undefined;
  private failures = 0;
  /** The fetch of the current poll, while it runs (close awaits it). */
  private fetching: Promise<RdsRow[]> | undefined;

  constructor(
    private readonly plan: ScanPlan<T>,
    private readonly context: SourceReaderContext,
  ) {}

  addSplits(splits: readonly RdsSplit[]): void {
    for (const s of splits) this.pending.push({ ...s, last: s.last === null ? null : [...s.last] });
  }

  async pollNext(output: ReaderOutput<T>): Promise<ReaderStatus> {
    const split = this.current ?? this.pending.shift();
    if (split === undefined) return 'end';
    this.current = split;
    let rows: RdsRow[];
    try {
      const fetching = this.fetch(split);
      this.fetching = fetching;
      rows = await fetching;
      this.failures = 0;
    } catch (error) {
      await this.closeCursor();
      const client = this.clientOf();
      this.failures++;
      if (client.dialect.isTransient(error) && this.failures < this.plan.retry.maxAttempts) {
        // Reconnect and resume after the last row read (the split's position is untouched).
        await new Promise((resolve) => setTimeout(resolve, backoffDelayMs(this.failures, this.plan.retry)));
        return 'more';
      }
      throw new RdsError('RDS_QUERY_FAILED', `rdsSource '${this.plan.label}' failed reading split ${split.id}: ${errorMessage(error)}`, {
        cause: error,
        retryable: client.dialect.isTransient(error),
      });
    }
    const done = split.mode === 'cursor' ? rows.length === 0 : rows.length < this.plan.fetchSize;
    await this.emit(split, rows, output);
    if (!done) return 'more';
    await this.closeCursor();
    output.finishSplit(split.id);
    this.current = undefined;
    return this.pending.length > 0 ? 'more' : 'end';
  }

  snapshotState(): RdsSplit[] {
    const all = this.current === undefined ? this.pending : [this.current, ...this.pending];
    return all.map((s) => ({ ...s, last: s.last === null ? null : [...s.last] }));
  }

  /**
   * Closes the cursor and the client. A fetch in flight (a job failing
   * elsewhere closes readers mid-poll) is awaited first: a cursor it is
   * opening would otherwise hold its pooled connection — and its table
   * lock — while the pool waits for it forever.
   */
  async close(): Promise<void> {
    await this.fetching?.catch(() => undefined);
    await this.closeCursor();
    await this.client?.close();
  }

  private clientOf(): SqlClient {
    this.client ??= openReaderClient(this.plan.options);
    return this.client;
  }

  private async fetch(split: MutableSplit): Promise<RdsRow[]> {
    const client = this.clientOf();
    const { fetchSize, keys } = this.plan;
    if (split.mode === 'keyset') {
      const { sql, params } = this.splitQuery(client, split, true);
      return client.query(sql, params);
    }
    if (this.cursor === undefined) {
      const { sql, params } = this.splitQuery(client, split, false);
      this.cursor = await client.openCursor(sql, params, fetchSize);
      // Without a key, progress is an offset: skip what was read before the restore or reconnect.
      if (keys.length === 0) {
        for (let skip = split.rowsRead; skip > 0; ) {
          const skipped = await this.cursor.read(Math.min(skip, fetchSize));
          if (skipped.length === 0) break;
          skip -= skipped.length;
        }
      }
    }
    return this.cursor.read(fetchSize);
  }

  /** The SELECT of a split from its position on: range, resume predicate, key order (and a page limit). */
  private splitQuery(client: SqlClient, split: MutableSplit, paged: boolean): { sql: string; params: unknown[] } {
    const dialect = client.dialect;
    const params = new SqlParams(dialect);
    const where: string[] = [];
    const column = this.plan.partitionColumn;
    if (column !== undefined && split.lower !== null) where.push(`${dialect.quoteIdentifier(column)} >= ${params.add(split.lower)}`);
    if (column !== undefined && split.upper !== null) where.push(`${dialect.quoteIdentifier(column)} <= ${params.add(split.upper)}`);
    const keys = this.plan.keys;
    if (keys.length > 0 && split.last !== null) where.push(afterKeyPredicate(dialect, params, keys, split.last));
    const limit = paged ? params.add(this.plan.fetchSize) : undefined;
    const offset = paged && keys.length === 0 ? params.add(split.rowsRead) : undefined;
    const sql = selectSql(dialect, {
      select: this.plan.select,
      from: fromClause(dialect, this.plan.origin),
      where,
      orderBy: keys,
      ...(limit === undefined ? {} : { limit }),
      ...(offset === undefined ? {} : { offset }),
    });
    return { sql, params: params.values };
  }

  /**
   * Hands a fetch's rows to the output in one synchronous pass (awaiting only
   * a dead-letter handler), then moves the split's position to the last row.
   */
  private async emit(split: MutableSplit, rows: readonly RdsRow[], output: ReaderOutput<T>): Promise<void> {
    const { keys, options, metrics, label } = this.plan;
    const where = (): string => `rdsSource '${label}' (${this.context.sourceName})`;
    // Taken before `map` sees the row (it may change it).
    const lastRow = rows[rows.length - 1];
    const lastKey = lastRow === undefined || keys.length === 0 ? undefined : keys.map((k) => lastRow[k]);
    for (const row of rows) {
      this.checkKeys(split, row);
      split.rowsRead++;
      const deadLetter = collectRow(options, metrics, where, split.id, row, output);
      if (deadLetter !== undefined) await deadLetter;
    }
    if (lastKey !== undefined) split.last = lastKey;
  }

  /** Fails on a row whose key is NULL or not selected: the split could not resume after it. */
  private checkKeys(split: MutableSplit, row: RdsRow): void {
    for (const k of this.plan.keys) {
      const value = row[k];
      if (value === null || value === undefined) {
        throw new RdsError('RDS_INVALID_STATE', `rdsSource '${this.plan.label}': key column ${k} is ${value === null ? 'NULL' : 'missing'} in a row of split ${split.id}; the key must be non-null and selected`);
      }
    }
  }

  private async closeCursor(): Promise<void> {
    const cursor = this.cursor;
    this.cursor = undefined;
    await cursor?.close();
  }
}

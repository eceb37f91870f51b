/**
 * The upsert sink: writes records as rows keyed by a unique key — MySQL
 * `INSERT … ON DUPLICATE KEY UPDATE`, PostgreSQL `INSERT … ON CONFLICT (key)
 * DO UPDATE` — in multi-row parameterised batches. Records with the same key
 * in one batch are merged (the last wins), so replays after a restore
 * converge to the same table: at-least-once delivery, effectively exactly
 * once. Batches are written one at a time per writer (order by key is
 * kept) while the next one fills; a writer whose next batch is full while
 * the previous is still running returns a promise (backpressure). Every
 * checkpoint barrier flushes. Transient errors (deadlock, lost connection)
 * are retried with backoff; a batch refused for its data is split to find
 * the bad records, which go to `onDeadLetter`.
 */
import type { Logger, Sink, SinkWriter, SinkWriterContext } from '@tributary/core';
import { defaultLogger } from '@tributary/core';
import { checkConnectionOptions, dialectOf, openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import { routeDeadLetter, type RdsConnectorMetrics, type RdsDeadLetterHandler } from './deadLetters.js';
import { RdsError, errorMessage } from './errors.js';
import { MAX_BIND_PARAMETERS, tableName, type RdsConnectionOptions, type RdsRow, type TableRef } from './options.js';
import { resolveRetry, withRetry, type RdsRetryOptions } from './retry.js';

/**
 * Rows per multi-row statement unless `batchSize` says otherwise: large
 * enough to amortise the round trip, small enough to keep lock times and
 * statement size modest. Lowered automatically so that rows × columns stays
 * within {@link MAX_BIND_PARAMETERS}.
 */
export const DEFAULT_UPSERT_BATCH_SIZE = 500;

/** The options besides the connection. */
export interface RdsUpsertSettings<T> {
  readonly table: TableRef;
  /** The unique key (primary key or a unique index on exactly these columns). */
  readonly key: readonly string[];
  /** The columns written, key columns included. */
  readonly columns: readonly string[];
  /** Columns updated when the key exists (default: every non-key column). Empty: existing rows are left as they are. */
  readonly updateColumns?: readonly string[];
  /** Turns a record into a row (default: the record itself, read by column name). */
  readonly toRow?: (record: T) => RdsRow;
  /** Rows per statement (default {@link DEFAULT_UPSERT_BATCH_SIZE}, capped by the bind-parameter limit). */
  readonly batchSize?: number;
  readonly retry?: RdsRetryOptions;
  /** Takes records with no key or refused by the database for their data (default: none, and such a record fails the job). */
  readonly onDeadLetter?: RdsDeadLetterHandler;
  readonly logger?: Logger;
}

/** Options of {@link rdsUpsertSink}. */
export type RdsUpsertSinkOptions<T> = RdsConnectionOptions & RdsUpsertSettings<T>;

interface UpsertPlan<T> {
  readonly options: RdsUpsertSinkOptions<T>;
  readonly label: string;
  readonly columns: readonly string[];
  readonly key: readonly string[];
  readonly update: readonly string[];
  readonly batchSize: number;
  readonly retry: Required<RdsRetryOptions>;
  readonly metrics: RdsConnectorMetrics;
  readonly logger: Logger;
}

/**
 * An upsert sink.
 *
 * ```ts
 * salesByHour.sinkTo(
 *   rdsUpsertSink<HourlySales>({
 *     dialect: 'postgres',
 *     connection: { host: '127.0.0.1', database: 'dashboard' },
 *     table: 'sales_by_hour',
 *     key: ['product_line', 'country', 'hour'],
 *     columns: ['product_line', 'country', 'hour', 'revenue', 'orders'],
 *   }),
 * );
 * ```
 * Gotchas: the key must be backed by a unique index (PostgreSQL refuses
 * `ON CONFLICT` otherwise; MySQL would match on whatever unique index
 * collides first). Within a batch the last record of a key wins; across
 * batches, a writer keeps arrival order. With parallelism > 1, records of
 * the same key should reach the same writer (`keyBy` before the sink) or
 * writers may overwrite each other in any order.
 */
export function rdsUpsertSink<T extends object = RdsRow>(options: RdsUpsertSinkOptions<T>): RdsUpsertSink<T> {
  return new RdsUpsertSink(options);
}

/** The sink {@link rdsUpsertSink} returns; `metrics` counts rows written and dead letters across writers. */
export class RdsUpsertSink<T> implements Sink<T> {
  readonly metrics: RdsConnectorMetrics = { records: 0, deadLetters: 0 };
  private readonly plan: UpsertPlan<T>;

  constructor(options: RdsUpsertSinkOptions<T>) {
    checkConnectionOptions(options);
    const dialect = dialectOf(options.dialect);
    const columns = [...options.columns];
    const key = [...options.key];
    if (columns.length === 0) throw new RangeError('rdsUpsertSink columns must list at least one column');
    if (key.length === 0) throw new RangeError('rdsUpsertSink key must list at least one column');
    if (new Set(columns).size !== columns.length) throw new RangeError('rdsUpsertSink columns must not repeat a column');
    for (const k of key) if (!columns.includes(k)) throw new RangeError(`rdsUpsertSink key column ${JSON.stringify(k)} must be one of the columns`);
    const update = options.updateColumns === undefined ? columns.filter((c) => !key.includes(c)) : [...options.updateColumns];
    for (const u of update) {
      if (!columns.includes(u)) throw new RangeError(`rdsUpsertSink updateColumns entry ${JSON.stringify(u)} must be one of the columns`);
      if (key.includes(u)) throw new RangeError(`rdsUpsertSink updateColumns must not contain key column ${JSON.stringify(u)}`);
    }
    const requested = options.batchSize ?? DEFAULT_UPSERT_BATCH_SIZE;
    if (!Number.isInteger(requested) || requested < 1) throw new RangeError(`rdsUpsertSink batchSize must be an integer >= 1, got ${requested}`);
    // Quoting checks every identifier now, so a bad name fails when the pipeline is built.
    dialect.upsertSql(options.table, columns, key, update, 1);
    this.plan = {
      options,
      label: tableName(options.table),
      columns,
      key,
      update,
      batchSize: Math.min(requested, Math.floor(MAX_BIND_PARAMETERS / columns.length)),
      retry: resolveRetry(options.retry),
      metrics: this.metrics,
      logger: options.logger ?? defaultLogger,
    };
  }

  createWriter(context: SinkWriterContext): SinkWriter<T> {
    return new UpsertWriter(this.plan, context);
  }
}

/** A row ready to bind: its values in column order, and the record it came from. */
interface PendingRow {
  readonly values: readonly unknown[];
  readonly record: unknown;
  readonly timestamp: number;
}

class UpsertWriter<T> implements SinkWriter<T> {
  /** The batch being filled, by key (the last record of a key wins; Map keeps first-arrival order). */
  private buffer = new Map<string, PendingRow>();
  /** The batch being written, if any. */
  private inFlight: Promise<void> | undefined;
  /** A failure of a batch written in the background, rethrown to the next write or flush. */
  private failure: unknown;
  private client: SqlClient | undefined;
  private readonly sqlByRows = new Map<number, string>();
  private readonly name: string;
  /** Rows of batches sent again after a transient error. */
  private retried = 0;

  constructor(
    private readonly plan: UpsertPlan<T>,
    context: SinkWriterContext,
  ) {
    this.name = `rdsUpsertSink '${plan.label}' (${context.sinkName}#${context.subtaskIndex})`;
  }

  /** Rows sent again after a transient error (the operator's `retriedRecords` metric). */
  retriedRecords(): number {
    return this.retried;
  }

  write(record: T, timestamp: number): void | Promise<void> {
    this.throwFailure();
    const { options, columns, key } = this.plan;
    let row: RdsRow;
    try {
      row = options.toRow === undefined ? (record as RdsRow) : options.toRow(record);
      if (typeof row !== 'object' || row === null) throw new TypeError(`toRow must return an object, got ${row === null ? 'null' : typeof row}`);
    } catch (error) {
      return routeDeadLetter(options.onDeadLetter, this.plan.metrics, this.name, record, error, timestamp);
    }
    const keyValues: unknown[] = [];
    for (const k of key) {
      const v = row[k];
      if (v === null || v === undefined) {
        return routeDeadLetter(options.onDeadLetter, this.plan.metrics, this.name, record, new RdsError('RDS_BAD_RECORD', `key column ${k} is ${v === null ? 'null' : 'missing'}`), timestamp);
      }
      keyValues.push(v);
    }
    const id = keyId(keyValues);
    // Re-inserting moves a repeated key to the end, so the batch applies records in arrival order.
    this.buffer.delete(id);
    this.buffer.set(id, { values: columns.map((c) => row[c]), record, timestamp });
    if (this.buffer.size < this.plan.batchSize) return undefined;
    return this.startBatch();
  }

  /** At a checkpoint barrier or the end of input: everything written so far is in the table when this resolves. */
  async flush(): Promise<void> {
    await this.settleInFlight();
    while (this.buffer.size > 0) {
      const batch = this.takeBatch();
      await this.writeBatch(batch);
    }
    this.throwFailure();
  }

  async close(): Promise<void> {
    try {
      await this.inFlight?.catch(() => undefined);
    } finally {
      await this.client?.close();
    }
  }

  /** Hands the full buffer to the background; waits (backpressure) only if the previous batch is still running. */
  private startBatch(): void | Promise<void> {
    if (this.inFlight !== undefined) {
      return this.inFlight.then(() => {
        this.throwFailure();
        if (this.buffer.size >= this.plan.batchSize) return this.startBatch();
        return undefined;
      });
    }
    const batch = this.takeBatch();
    const tracked: Promise<void> = this.writeBatch(batch)
      .catch((error: unknown) => {
        this.failure ??= error;
      })
      .then(() => {
        if (this.inFlight === tracked) this.inFlight = undefined;
      });
    this.inFlight = tracked;
    return undefined;
  }

  private async settleInFlight(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
    this.throwFailure();
  }

  private throwFailure(): void {
    if (this.failure === undefined) return;
    throw this.failure;
  }

  private takeBatch(): PendingRow[] {
    const batch: PendingRow[] = [];
    for (const [id, row] of this.buffer) {
      batch.push(row);
      this.buffer.delete(id);
      if (batch.length >= this.plan.batchSize) break;
    }
    return batch;
  }

  private clientOf(): SqlClient {
    this.client ??= openSqlClient(this.plan.options, { poolSize: 1 });
    return this.client;
  }

  private sqlFor(rows: number): string {
    let sql = this.sqlByRows.get(rows);
    if (sql === undefined) {
      const { options, columns, key, update } = this.plan;
      sql = this.clientOf().dialect.upsertSql(options.table, columns, key, update, rows);
      // Keep the full-batch statement and a few tails; flushes produce varied sizes.
      if (this.sqlByRows.size > 16) this.sqlByRows.clear();
      this.sqlByRows.set(rows, sql);
    }
    return sql;
  }

  /** Writes a batch, retrying transient errors; a batch refused for its data is split until the bad records are found. */
  private async writeBatch(batch: readonly PendingRow[]): Promise<void> {
    if (batch.length === 0) return;
    const client = this.clientOf();
    const dialect = client.dialect;
    const sql = this.sqlFor(batch.length);
    const params = batch.flatMap((r) => r.values);
    try {
      await withRetry(
        () => client.query(sql, params),
        (error) => dialect.isTransient(error),
        this.plan.retry,
        (error, attempt, delayMs) => {
          this.retried += batch.length;
          this.plan.logger.warn({ table: this.plan.label, attempt, delayMs, error: errorMessage(error) }, `${this.name}: transient error, retrying in ${Math.round(delayMs)} ms`);
        },
      );
      this.plan.metrics.records += batch.length;
    } catch (error) {
      if (dialect.isDataError(error)) {
        if (batch.length === 1) {
          const bad = batch[0] as PendingRow;
          await routeDeadLetter(this.plan.options.onDeadLetter, this.plan.metrics, this.name, bad.record, error, bad.timestamp);
          return;
        }
        const half = Math.ceil(batch.length / 2);
        await this.writeBatch(batch.slice(0, half));
        await this.writeBatch(batch.slice(half));
        return;
      }
      const transient = dialect.isTransient(error);
      throw new RdsError(
        'RDS_WRITE_FAILED',
        `${this.name}: writing ${batch.length} rows failed${transient ? ` after ${this.plan.retry.maxAttempts} attempts` : ''}: ${errorMessage(error)}`,
        { cause: error, retryable: transient },
      );
    }
  }
}

/** A stable identity of key values (types distinguished: 1 and '1' are different keys). */
function keyId(values: readonly unknown[]): string {
  if (values.length === 1) {
    const v = values[0];
    if (typeof v === 'string') return `s${v}`;
    if (typeof v === 'number' || typeof v === 'bigint') return `n${String(v)}`;
  }
  return JSON.stringify(values.map((v) => (typeof v === 'bigint' ? { n: v.toString() } : v instanceof Date ? { d: v.getTime() } : v)));
}

/**
 * What the two RDS sources (`rdsSource`, the bounded scan, and
 * `rdsIncrementalSource`, the polling feed) share: the settings they both
 * take, the checks of what to read (table or query, columns, fetch size),
 * the declared-schema check before the first row, the reader's client, and
 * handing one row to the output through `map` (or to `onDeadLetter`).
 */
import type { Logger, ReaderOutput } from '@tributary/core';
import { openSqlClient } from './connect.js';
import { routeDeadLetter, type RdsConnectorMetrics, type RdsDeadLetterHandler } from './deadLetters.js';
import type { Dialect, SqlClient } from './dialects/dialect.js';
import { DEFAULT_FETCH_SIZE, tableName, type Int64Mode, type RdsConnectionOptions, type RdsRow, type TableRef } from './options.js';
import type { RdsRetryOptions } from './retry.js';
import { checkSchema, type DeclaredSchema, type SchemaChangeNotifier } from './schema.js';
import { fromClause, type RowOrigin } from './sqlBuilder.js';

/** The settings both RDS sources take (besides the connection). */
export interface RdsReadSettings<T> {
  /** The table to read (or `query`). */
  readonly table?: TableRef;
  /** A SELECT to read instead of a table; wrapped as `SELECT … FROM (<query>) AS tributary_query`. */
  readonly query?: string;
  /** The columns the pipeline expects: checked against the table before a row is read. */
  readonly schema?: DeclaredSchema;
  /** Accept (and report) columns the schema does not declare. Default false. */
  readonly tolerateAdditiveChanges?: boolean;
  /** Receives schema-change events (the change is logged in any case). */
  readonly notifier?: SchemaChangeNotifier;
  readonly logger?: Logger;
  /** How BIGINT values come back (default `'number'`: exact numbers, bigint above 2^53). */
  readonly int64As?: Int64Mode;
  /** Turns a row into a record; a row it throws on goes to `onDeadLetter`. */
  readonly map?: (row: RdsRow) => T;
  /** Takes rows `map` rejected (default: none, and such a row fails the job). */
  readonly onDeadLetter?: RdsDeadLetterHandler;
  /** Names the splits and messages (default: the table name, or `query`). */
  readonly name?: string;
}

/** The options a source's helpers look at: the connection, the shared settings, columns, fetch size. */
type ReadOptions<T> = RdsConnectionOptions &
  RdsReadSettings<T> & { readonly columns?: readonly string[]; readonly fetchSize?: number; readonly retry?: RdsRetryOptions };

/**
 * Checks that exactly one of `table` and `query` is given, and that a
 * `schema` comes with a table; `schemaReason` ends the latter's message.
 */
export function checkReadTarget(source: string, options: ReadOptions<unknown>, schemaReason = ''): void {
  if ((options.table === undefined) === (options.query === undefined)) throw new RangeError(`${source} needs exactly one of 'table' or 'query'`);
  if (options.schema !== undefined && options.table === undefined) throw new RangeError(`${source} 'schema' needs 'table'${schemaReason}`);
}

/** The rows per round trip, page or poll (default {@link DEFAULT_FETCH_SIZE}), checked. */
export function resolveFetchSize(source: string, options: ReadOptions<unknown>): number {
  const fetchSize = options.fetchSize ?? DEFAULT_FETCH_SIZE;
  if (!Number.isInteger(fetchSize) || fetchSize < 1) throw new RangeError(`${source} fetchSize must be an integer >= 1, got ${fetchSize}`);
  return fetchSize;
}

/** The columns to select (the given ones, else the declared schema's, else all: undefined), with the `keys` added when missing. */
export function selectedColumns(source: string, options: ReadOptions<unknown>, keys: readonly string[]): string[] | undefined {
  const columns = options.columns ?? (options.schema === undefined ? undefined : Object.keys(options.schema));
  if (columns === undefined) return undefined;
  if (columns.length === 0) throw new RangeError(`${source} columns must not be empty (omit it to select every column)`);
  return [...columns, ...keys.filter((k) => !columns.includes(k))];
}

/** Where rows come from, checked now (quoting throws on a bad name when the pipeline is built). */
export function rowOriginOf(dialect: Dialect, options: ReadOptions<unknown>): RowOrigin {
  const origin: RowOrigin = options.table !== undefined ? { table: options.table } : { query: options.query as string };
  fromClause(dialect, origin);
  return origin;
}

/** The name in split ids and messages: `name`, else the table's, else `query`. */
export function readLabel(options: ReadOptions<unknown>): string {
  return options.name ?? (options.table !== undefined ? tableName(options.table) : 'query');
}

/** Checks the declared schema against the table, when both are given. */
export async function checkDeclaredSchema(client: SqlClient, options: ReadOptions<unknown>, label: string): Promise<void> {
  if (options.schema === undefined || options.table === undefined) return;
  await checkSchema(client, {
    table: options.table,
    declared: options.schema,
    source: label,
    ...(options.tolerateAdditiveChanges === undefined ? {} : { tolerateAdditiveChanges: options.tolerateAdditiveChanges }),
    ...(options.notifier === undefined ? {} : { notifier: options.notifier }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}

/** A reader's client: one connection, BIGINTs as `int64As` says. */
export function openReaderClient(options: ReadOptions<unknown>): SqlClient {
  const int64As = options.int64As;
  return openSqlClient(options, { poolSize: 1, ...(int64As === undefined ? {} : { int64As }) });
}

/**
 * Counts a row and collects it into the split, through `map` when given; a
 * row `map` throws on goes to `onDeadLetter` (`where` names the reader in
 * the dead letter, and is only called then). Synchronous for a good row, so
 * a reader hands a whole fetch to the output in one turn (an await per row
 * would flush every record through the job on its own); returns a promise
 * only while a dead letter is being handled — await it then.
 */
export function collectRow<T>(
  options: ReadOptions<T>,
  metrics: RdsConnectorMetrics,
  where: () => string,
  splitId: string,
  row: RdsRow,
  output: ReaderOutput<T>,
): void | Promise<void> {
  metrics.records++;
  const map = options.map;
  if (map === undefined) {
    output.collect(splitId, row as T);
    return undefined;
  }
  let value: T;
  try {
    value = map(row);
  } catch (error) {
    return routeDeadLetter(options.onDeadLetter, metrics, where(), row, error);
  }
  output.collect(splitId, value);
  return undefined;
}

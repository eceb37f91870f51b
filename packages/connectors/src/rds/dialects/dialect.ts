/**
 * The dialect contract: what differs between MySQL/MariaDB and PostgreSQL —
 * identifier quoting, placeholders, type names, upsert syntax, which errors
 * are transient — and the small client interface the connectors run their
 * SQL through (parameterised queries and streaming cursors over a pool that
 * is ended only when the connector built it).
 */
import type { RdsDialectName, RdsRow, TableRef } from '../options.js';

/** A column as the database describes it (information_schema). */
export interface ColumnInfo {
  readonly name: string;
  /** The normalised type name (`BIGINT`, `VARCHAR`, `DECIMAL`, …) used to compare schemas. */
  readonly type: string;
  /** The type exactly as the database spells it (`bigint(20) unsigned`, `character varying`), for messages. */
  readonly rawType: string;
  readonly nullable: boolean;
}

/** Reads a query's rows a fetch at a time. */
export interface RowCursor {
  /** Up to `max` rows; an empty array once the result is exhausted. */
  read(max: number): Promise<RdsRow[]>;
  /** Releases the connection (destroying it if the result was not read to the end). Idempotent. */
  close(): Promise<void>;
}

/** Runs SQL for one connector instance. */
export interface SqlClient {
  readonly dialect: Dialect;
  /** A parameterised statement; returns its rows (an empty array for statements without a result). */
  query(sql: string, params?: readonly unknown[]): Promise<RdsRow[]>;
  /** Opens a streaming cursor over a parameterised query, holding one connection until closed. */
  openCursor(sql: string, params: readonly unknown[], fetchSize: number): Promise<RowCursor>;
  /** The server's version string (`SELECT version()`), cached. */
  serverVersion(): Promise<string>;
  /** Ends the pool if this client built it; an injected pool is left alone. Idempotent. */
  close(): Promise<void>;
}

/** The SQL a dialect writes. Every identifier goes through `quoteIdentifier`; every value is a parameter. */
export interface Dialect {
  readonly name: RdsDialectName;
  /** Quotes one identifier, doubling embedded quote characters: `a"b` → `"a""b"` (PostgreSQL), ``a`b`` → `` `a``b` `` (MySQL). */
  quoteIdentifier(name: string): string;
  /** Quotes a table reference (`{ schema, name }` → `"schema"."name"`). */
  quoteTable(table: TableRef): string;
  /** The placeholder of the `index`-th parameter (1-based): `?` or `$1`. */
  placeholder(index: number): string;
  /** A string cast of an expression (for high-water marks kept as exact text): `CAST(x AS TEXT)` / `CAST(x AS CHAR)`. */
  castToText(expression: string): string;
  /** The normalised name of a type as the database or a pipeline spells it (`int4` → `INT`, `character varying` → `VARCHAR`). */
  normalizeType(type: string): string;
  /** Whether a declared (normalised) type accepts a found one, beyond equality (MariaDB stores JSON as LONGTEXT). */
  typesCompatible(declared: string, found: string): boolean;
  /** Whether column names compare case-sensitively (quoted PostgreSQL identifiers do; MySQL column names do not). */
  readonly caseSensitiveColumns: boolean;
  /**
   * A multi-row upsert of `rows` rows: `INSERT … ON DUPLICATE KEY UPDATE` (MySQL) or
   * `INSERT … ON CONFLICT (key) DO UPDATE` (PostgreSQL). Parameters: row by row, in `columns` order.
   */
  upsertSql(table: TableRef, columns: readonly string[], key: readonly string[], update: readonly string[], rows: number): string;
  /** Prepares a value to be sent as a parameter (MySQL: objects and arrays as JSON text). */
  toParameter(value: unknown): unknown;
  /** Whether an error is worth retrying: deadlock, lock timeout, serialization failure, lost or refused connection. */
  isTransient(error: unknown): boolean;
  /** Whether an error is caused by the data of the statement (bad value, constraint violation), so another batch could succeed. */
  isDataError(error: unknown): boolean;
  /** The table's columns in order, or an empty array when it does not exist. */
  describeTable(client: SqlClient, table: TableRef): Promise<ColumnInfo[]>;
}

/** Node's socket error codes that mean the connection broke, not the statement. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** The `code` property of a thrown value, if it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** Quotes an identifier with `quote`, doubling embedded quote characters; rejects names no table can have. */
export function quoteWith(quote: string, name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new RangeError(`an SQL identifier must be a non-empty string, got ${JSON.stringify(name)}`);
  if (name.includes('\u0000')) throw new RangeError('an SQL identifier must not contain NUL characters');
  return quote + name.split(quote).join(quote + quote) + quote;
}

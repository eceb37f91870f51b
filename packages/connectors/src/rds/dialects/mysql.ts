/**
 * The MySQL / MariaDB dialect (mysql2): backtick quoting, `?` placeholders,
 * `INSERT … ON DUPLICATE KEY UPDATE`, and a client over a mysql2 pool whose
 * cursors stream with `connection.query(sql).stream()` on the underlying
 * callback connection (the promise wrapper cannot stream), paused by the
 * stream's high-water mark, so memory stays constant however large the
 * result. BIGINT columns are cast per query (mysql2 would round them).
 */
import type { Readable } from 'node:stream';
import mysql from 'mysql2';
import type { FieldPacket, Pool, PoolConnection, PoolOptions, QueryError, TypeCast } from 'mysql2';
import type { Pool as PromisePool } from 'mysql2/promise';
import { parseInt64 } from '../int64.js';
import type { Int64Mode, RdsRow, TableRef } from '../options.js';
import { NETWORK_ERROR_CODES, errorCode, quoteWith, type ColumnInfo, type Dialect, type RowCursor, type SqlClient } from './dialect.js';
import { normalizeTypeName } from './typeNames.js';

/**
 * MySQL error numbers worth retrying: deadlock (1213), lock wait timeout
 * (1205), too many connections (1040, 1203), server shutdown (1053),
 * connection killed (1927, MariaDB), network read/write errors (1158–1161),
 * read-only during a failover (1290), interactive timeout (4031, MySQL 8).
 */
export const MYSQL_TRANSIENT_ERRNOS: ReadonlySet<number> = new Set([1213, 1205, 1040, 1203, 1053, 1927, 1158, 1159, 1160, 1161, 1290, 4031]);

/** mysql2's own codes for a broken connection. */
const MYSQL_TRANSIENT_CODES: ReadonlySet<string> = new Set(['PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CONNECTION_KILLED']);

/**
 * MySQL error numbers caused by a statement's data: NULL in a NOT NULL column
 * (1048), duplicate on another unique index (1062), out of range (1264, 1690),
 * truncated or wrong values (1265, 1292, 1366, 1367, 1411), too long (1406),
 * foreign keys (1451, 1452), CHECK constraints (3819 MySQL, 4025 MariaDB),
 * invalid JSON (3140).
 */
export const MYSQL_DATA_ERRNOS: ReadonlySet<number> = new Set([1048, 1062, 1264, 1690, 1265, 1292, 1366, 1367, 1411, 1406, 1451, 1452, 3819, 4025, 3140]);

function errno(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const n = (error as { errno?: unknown }).errno;
  return typeof n === 'number' ? n : undefined;
}

function isPlainValueObject(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return false;
  return true;
}

/**
 * The MySQL / MariaDB dialect.
 *
 * ```ts
 * mysqlDialect.quoteIdentifier('order`items'); // '`order``items`'
 * mysqlDialect.upsertSql('t', ['id', 'v'], ['id'], ['v'], 2);
 * // 'INSERT INTO `t` (`id`, `v`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)'
 * ```
 * Gotchas: `VALUES(col)` in the update clause is what both MariaDB and MySQL
 * accept (MySQL 8.0.20+ deprecates it with a warning, still executing it).
 * MariaDB reports JSON columns as LONGTEXT, so a declared JSON column matches
 * a TEXT one here.
 */
export const mysqlDialect: Dialect = {
  name: 'mysql',
  caseSensitiveColumns: false,
  quoteIdentifier: (name) => quoteWith('`', name),
  quoteTable(table: TableRef) {
    if (typeof table === 'string') return quoteWith('`', table);
    return table.schema === undefined ? quoteWith('`', table.name) : `${quoteWith('`', table.schema)}.${quoteWith('`', table.name)}`;
  },
  placeholder: () => '?',
  castToText: (expression) => `CAST(${expression} AS CHAR)`,
  normalizeType: normalizeTypeName,
  typesCompatible: (declared, found) => declared === found || (declared === 'JSON' && found === 'TEXT'),
  upsertSql(table, columns, key, update, rows) {
    const q = (c: string): string => quoteWith('`', c);
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const values = Array.from({ length: rows }, () => tuple).join(', ');
    // With nothing to update, re-assign the first key column: the row is left as it is, and no error is raised.
    const assignments = update.length > 0 ? update.map((c) => `${q(c)} = VALUES(${q(c)})`) : [`${q(key[0] as string)} = ${q(key[0] as string)}`];
    return `INSERT INTO ${this.quoteTable(table)} (${columns.map(q).join(', ')}) VALUES ${values} ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`;
  },
  // mysql2 would expand an array into a list and an object into `key = value` pairs: send them as JSON text.
  toParameter: (value) => (value === undefined ? null : isPlainValueObject(value) ? JSON.stringify(value) : value),
  isTransient(error) {
    const n = errno(error);
    if (n !== undefined && MYSQL_TRANSIENT_ERRNOS.has(n)) return true;
    const code = errorCode(error);
    return code !== undefined && (MYSQL_TRANSIENT_CODES.has(code) || NETWORK_ERROR_CODES.has(code));
  },
  isDataError(error) {
    const n = errno(error);
    return n !== undefined && MYSQL_DATA_ERRNOS.has(n) && !(error as { fatal?: boolean }).fatal;
  },
  async describeTable(client, table) {
    const schema = typeof table === 'string' ? null : (table.schema ?? null);
    const name = typeof table === 'string' ? table : table.name;
    const rows = await client.query(
      'SELECT COLUMN_NAME AS name, COLUMN_TYPE AS column_type, IS_NULLABLE AS nullable FROM information_schema.COLUMNS ' +
        'WHERE TABLE_SCHEMA = COALESCE(?, DATABASE()) AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
      [schema, name],
    );
    return rows.map(
      (r): ColumnInfo => ({
        name: String(r['name']),
        type: normalizeTypeName(String(r['column_type'])),
        rawType: String(r['column_type']),
        nullable: r['nullable'] === 'YES',
      }),
    );
  },
};

/** A per-query cast that keeps BIGINT exact (mysql2 rounds values above 2^53 unless told otherwise). */
function int64Cast(mode: Int64Mode): TypeCast {
  return (field, next) => {
    if (field.type !== 'LONGLONG') return next();
    const text = field.string();
    return text === null ? null : parseInt64(text, mode);
  };
}

/** The callback pool behind a promise pool (mysql2/promise), or the pool itself. */
function callbackPool(pool: Pool | PromisePool): Pool {
  const inner = (pool as { pool?: unknown }).pool;
  return inner !== undefined && typeof (inner as Pool).getConnection === 'function' ? (inner as Pool) : (pool as Pool);
}

/**
 * A client over a mysql2 pool: an injected one (callback or promise API; never
 * ended) or one built from `connection` options (ended by `close`).
 *
 * ```ts
 * const client = createMysqlClient({ connection: { host: '127.0.0.1', user: 'root', database: 'test' } }, 'number', 2);
 * const rows = await client.query('SELECT * FROM `customers` WHERE `id` = ?', [42]);
 * await client.close();
 * ```
 */
export function createMysqlClient(source: { readonly pool: Pool | PromisePool } | { readonly connection: PoolOptions }, int64As: Int64Mode, poolSize: number): SqlClient {
  if ('pool' in source) return new MysqlClient(callbackPool(source.pool), false, int64As);
  return new MysqlClient(mysql.createPool({ connectionLimit: poolSize, ...source.connection }), true, int64As);
}

class MysqlClient implements SqlClient {
  readonly dialect = mysqlDialect;
  private readonly typeCast: TypeCast;
  private version: Promise<string> | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly owned: boolean,
    int64As: Int64Mode,
  ) {
    this.typeCast = int64Cast(int64As);
  }

  query(sql: string, params: readonly unknown[] = []): Promise<RdsRow[]> {
    const values = params.map((p) => mysqlDialect.toParameter(p));
    return new Promise((resolve, reject) => {
      this.pool.query({ sql, values, typeCast: this.typeCast }, (error: QueryError | null, result: unknown) => {
        if (error !== null) reject(error);
        else resolve(Array.isArray(result) ? (result as RdsRow[]) : []);
      });
    });
  }

  async openCursor(sql: string, params: readonly unknown[], fetchSize: number): Promise<RowCursor> {
    const connection = await new Promise<PoolConnection>((resolve, reject) => {
      this.pool.getConnection((error, conn) => (error !== null ? reject(error) : resolve(conn)));
    });
    const values = params.map((p) => mysqlDialect.toParameter(p));
    const stream = connection.query({ sql, values, typeCast: this.typeCast }).stream({ highWaterMark: fetchSize });
    return new MysqlStreamCursor(connection, stream);
  }

  serverVersion(): Promise<string> {
    this.version ??= this.query('SELECT VERSION() AS v').then((rows) => String(rows[0]?.['v'] ?? ''));
    return this.version;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.owned) return;
    await new Promise<void>((resolve) => this.pool.end(() => resolve()));
  }
}

/** Reads a mysql2 row stream in fetches; the stream pauses the connection while its buffer is full. */
class MysqlStreamCursor implements RowCursor {
  private error: unknown;
  private wake: (() => void) | undefined;
  private ended = false;
  private closed = false;

  constructor(
    private readonly connection: PoolConnection,
    private readonly stream: Readable,
  ) {
    const notify = (): void => {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    };
    stream.on('readable', notify);
    stream.on('end', () => {
      this.ended = true;
      notify();
    });
    stream.on('error', (error: unknown) => {
      this.error ??= error;
      notify();
    });
    // Field metadata arrives before the rows; nothing to do with it, but an unhandled event would be harmless anyway.
    stream.on('fields', (_fields: FieldPacket[]) => {});
  }

  /**
   * Up to `max` rows. Each fetch first lets the event loop run once: rows
   * already buffered would otherwise be handed out without ever yielding,
   * and the I/O of every other connection (the other sources of the job,
   * opening and reading alongside) would wait for the job's turn to end.
   */
  async read(max: number): Promise<RdsRow[]> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    const rows: RdsRow[] = [];
    while (rows.length < max) {
      const row = this.stream.read() as RdsRow | null;
      if (row !== null) {
        rows.push(row);
        continue;
      }
      if (rows.length > 0) break;
      if (this.error !== undefined) throw this.error;
      if (this.ended || this.closed) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    return rows;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ended && this.error === undefined) {
      this.connection.release();
      return;
    }
    // A result not read to the end is still arriving on this connection: drop the connection, not the pool.
    this.stream.destroy();
    this.connection.destroy();
  }
}

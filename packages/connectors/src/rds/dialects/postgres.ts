/**
 * The PostgreSQL dialect (pg, pg-cursor): double-quote quoting, `$n`
 * placeholders, `INSERT … ON CONFLICT (key) DO UPDATE`, and a client over a
 * pg pool whose cursors fetch `read(n)` rows a round trip. Works unchanged
 * against PGlite through its socket server (whose single backend cannot
 * keep a cursor open while other connections run queries: sources detect
 * it and page by key instead). int8 values are converted per `Int64Mode`.
 */
import pg from 'pg';
import type { FieldDef, Pool, PoolClient, PoolConfig } from 'pg';
import Cursor from 'pg-cursor';
import { convertInt64 } from '../int64.js';
import type { Int64Mode, RdsRow, TableRef } from '../options.js';
import { NETWORK_ERROR_CODES, errorCode, quoteWith, type ColumnInfo, type Dialect, type RowCursor, type SqlClient } from './dialect.js';
import { normalizeTypeName } from './typeNames.js';

/** The type oid of int8 (BIGINT). */
const INT8_OID = 20;

/**
 * SQLSTATEs worth retrying: serialization failure (40001), deadlock (40P01),
 * lock not available (55P03), shutdown and restart (57P01–57P03), too many
 * connections (53300), read-only transaction during a failover (25006), and
 * every connection exception (class 08).
 */
export const POSTGRES_TRANSIENT_SQLSTATES: ReadonlySet<string> = new Set(['40001', '40P01', '55P03', '57P01', '57P02', '57P03', '53300', '25006']);

/** What pg says when the socket closes under a query (it sets no code). */
const CONNECTION_LOST = /Connection terminated|connection error and is not queryable|Client was closed|timeout exceeded when trying to connect/i;

/**
 * The PostgreSQL dialect.
 *
 * ```ts
 * postgresDialect.quoteIdentifier('say "hi"'); // '"say ""hi"""'
 * postgresDialect.upsertSql('t', ['id', 'v'], ['id'], ['v'], 2);
 * // 'INSERT INTO "t" ("id", "v") VALUES ($1, $2), ($3, $4) ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v"'
 * ```
 * Gotchas: quoted identifiers are case-sensitive — a table created as
 * `CREATE TABLE Customers (creditLimit …)` has the column `creditlimit`.
 * The key of an upsert needs a unique index or constraint on exactly its
 * columns, and one statement must not carry the same key twice (the upsert
 * sink merges such records before writing).
 */
export const postgresDialect: Dialect = {
  name: 'postgres',
  caseSensitiveColumns: true,
  quoteIdentifier: (name) => quoteWith('"', name),
  quoteTable(table: TableRef) {
    if (typeof table === 'string') return quoteWith('"', table);
    return table.schema === undefined ? quoteWith('"', table.name) : `${quoteWith('"', table.schema)}.${quoteWith('"', table.name)}`;
  },
  placeholder: (index) => `$${index}`,
  castToText: (expression) => `CAST(${expression} AS TEXT)`,
  normalizeType: normalizeTypeName,
  typesCompatible: (declared, found) => declared === found,
  upsertSql(table, columns, key, update, rows) {
    const q = (c: string): string => quoteWith('"', c);
    const width = columns.length;
    const tuples: string[] = [];
    for (let r = 0; r < rows; r++) {
      const slots: string[] = [];
      for (let c = 1; c <= width; c++) slots.push(`$${r * width + c}`);
      tuples.push(`(${slots.join(', ')})`);
    }
    const action = update.length > 0 ? `DO UPDATE SET ${update.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ')}` : 'DO NOTHING';
    return `INSERT INTO ${this.quoteTable(table)} (${columns.map(q).join(', ')}) VALUES ${tuples.join(', ')} ON CONFLICT (${key.map(q).join(', ')}) ${action}`;
  },
  toParameter: (value) => (value === undefined ? null : value),
  isTransient(error) {
    const code = errorCode(error);
    if (code !== undefined && (POSTGRES_TRANSIENT_SQLSTATES.has(code) || code.startsWith('08') || NETWORK_ERROR_CODES.has(code))) return true;
    return error instanceof Error && code === undefined && CONNECTION_LOST.test(error.message);
  },
  isDataError(error) {
    const code = errorCode(error);
    return code !== undefined && /^2[23][0-9A-Z]{3}$/.test(code);
  },
  async describeTable(client, table) {
    const schema = typeof table === 'string' ? null : (table.schema ?? null);
    const name = typeof table === 'string' ? table : table.name;
    const rows = await client.query(
      'SELECT column_name AS name, data_type, udt_name, is_nullable AS nullable FROM information_schema.columns ' +
        'WHERE table_schema = COALESCE($1::text, current_schema()) AND table_name = $2::text ORDER BY ordinal_position',
      [schema, name],
    );
    return rows.map((r): ColumnInfo => {
      const dataType = String(r['data_type']);
      const udt = String(r['udt_name']);
      const raw = dataType === 'ARRAY' ? `${udt.replace(/^_/, '')}[]` : dataType === 'USER-DEFINED' ? udt : dataType;
      return { name: String(r['name']), type: normalizeTypeName(raw), rawType: raw, nullable: r['nullable'] === 'YES' };
    });
  },
};

/** Converts the int8 columns of rows in place. */
function convertRows(rows: RdsRow[], fields: readonly FieldDef[] | undefined, mode: Int64Mode): RdsRow[] {
  if (fields === undefined) return rows;
  const int8 = fields.filter((f) => f.dataTypeID === INT8_OID).map((f) => f.name);
  if (int8.length === 0) return rows;
  for (const row of rows) for (const name of int8) row[name] = convertInt64(row[name], mode);
  return rows;
}

/**
 * A client over a pg pool: an injected one (never ended) or one built from
 * `connection` options (ended by `close`).
 *
 * ```ts
 * const client = createPostgresClient({ connection: { host: '127.0.0.1', database: 'test' } }, 'number', 2);
 * const rows = await client.query('SELECT * FROM "customers" WHERE "id" = $1', [42]);
 * await client.close();
 * ```
 * Gotcha: give an injected pool an `'error'` listener — pg emits one when an
 * idle connection dies, and an unhandled one ends the process.
 */
export function createPostgresClient(source: { readonly pool: Pool } | { readonly connection: PoolConfig }, int64As: Int64Mode, poolSize: number): SqlClient {
  if ('pool' in source) return new PostgresClient(source.pool, false, int64As);
  const pool = new pg.Pool({ max: poolSize, allowExitOnIdle: true, ...source.connection });
  // An idle connection that dies (server restart, failover) is dropped by the pool; the next query opens a new one.
  pool.on('error', () => {});
  return new PostgresClient(pool, true, int64As);
}

class PostgresClient implements SqlClient {
  readonly dialect = postgresDialect;
  private version: Promise<string> | undefined;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly owned: boolean,
    private readonly int64As: Int64Mode,
  ) {}

  async query(sql: string, params: readonly unknown[] = []): Promise<RdsRow[]> {
    const values = params.map((p) => postgresDialect.toParameter(p));
    const result = await this.pool.query<RdsRow>({ text: sql, values });
    return convertRows(result.rows ?? [], result.fields, this.int64As);
  }

  async openCursor(sql: string, params: readonly unknown[], _fetchSize: number): Promise<RowCursor> {
    const client = await this.pool.connect();
    const values = params.map((p) => postgresDialect.toParameter(p));
    // A checked-out client has no pool listener: pg emits 'error' on it when the server ends
    // the connection, and an unheard one ends the process. The cursor's read reports the fault.
    client.on('error', ignoreClientError);
    try {
      const cursor = client.query(new Cursor<RdsRow>(sql, values));
      return new PostgresCursor(client, cursor, this.int64As);
    } catch (error) {
      releaseClient(client, error instanceof Error ? error : true);
      throw error;
    }
  }

  serverVersion(): Promise<string> {
    this.version ??= this.query('SELECT version() AS v').then((rows) => String(rows[0]?.['v'] ?? ''));
    return this.version;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.owned) await this.pool.end();
  }
}

/** pg-cursor's `read(n)`: exactly one round trip of at most n rows. */
class PostgresCursor implements RowCursor {
  private closed = false;
  private failed = false;
  private exhausted = false;

  constructor(
    private readonly client: PoolClient,
    private readonly cursor: Cursor<RdsRow>,
    private readonly int64As: Int64Mode,
  ) {}

  read(max: number): Promise<RdsRow[]> {
    if (this.exhausted || this.closed) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.cursor.read(max, (error, rows, result) => {
        if (error) {
          this.failed = true;
          reject(error);
          return;
        }
        if (rows.length < max) this.exhausted = true;
        resolve(convertRows(rows, result?.fields, this.int64As));
      });
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.failed) {
      releaseClient(this.client, true);
      return;
    }
    try {
      await this.cursor.close();
      releaseClient(this.client);
    } catch {
      releaseClient(this.client, true);
    }
  }
}

function ignoreClientError(): void {}

/** Returns a client to the pool (destroying it on `error`), without the cursor's error listener. */
function releaseClient(client: PoolClient, error?: Error | boolean): void {
  client.removeListener('error', ignoreClientError);
  client.release(error);
}

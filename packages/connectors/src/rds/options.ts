/**
 * What every RDS connector takes: the dialect, and either an injected pool
 * (the connector uses it and never ends it) or connection options (the
 * connector builds its own pool and ends it when its reader, writer or
 * lookup closes). Also the shared defaults, each beside the limit it respects.
 */
import type { Pool as MysqlPool, PoolOptions as MysqlPoolOptions } from 'mysql2';
import type { Pool as MysqlPromisePool } from 'mysql2/promise';
import type { Pool as PgPool, PoolConfig as PgPoolConfig } from 'pg';

/** The SQL dialects the connectors speak. `postgres` covers PostgreSQL, Aurora PostgreSQL and PGlite over its socket server. */
export type RdsDialectName = 'mysql' | 'postgres';

/**
 * A table, optionally qualified by its schema (PostgreSQL) or database (MySQL).
 * A plain string is one identifier: `'public.orders'` names a table called
 * `public.orders`, not `orders` in schema `public` — use `{ schema, name }`.
 */
export type TableRef = string | { readonly schema?: string; readonly name: string };

/**
 * Where a connector gets its connections. Inject a pool to share it (it is
 * never ended by the connector), or pass `connection` options and the
 * connector builds a pool and ends it on close.
 *
 * ```ts
 * const viaPool: RdsConnectionOptions = { dialect: 'postgres', pool: new pg.Pool({ host: '127.0.0.1' }) };
 * const viaOptions: RdsConnectionOptions = { dialect: 'mysql', connection: { host: '127.0.0.1', user: 'app', database: 'shop' } };
 * ```
 * Credentials come from these options (or the driver's own environment
 * variables, e.g. `PGPASSWORD`); they are never logged. For IAM
 * authentication pass a `password` function (pg) or an auth plugin (mysql2).
 */
export type RdsConnectionOptions =
  | { readonly dialect: 'mysql'; readonly pool: MysqlPool | MysqlPromisePool }
  | { readonly dialect: 'mysql'; readonly connection: MysqlPoolOptions }
  | { readonly dialect: 'postgres'; readonly pool: PgPool }
  | { readonly dialect: 'postgres'; readonly connection: PgPoolConfig };

/**
 * Rows fetched per round trip by a streaming scan (pg-cursor `read(n)`, the
 * mysql2 stream's high-water mark) and per page of a keyset scan or an
 * incremental poll. Memory per reader is bounded by about two fetches.
 */
export const DEFAULT_FETCH_SIZE = 1_000;

/**
 * Bind parameters one statement may carry: both the PostgreSQL wire protocol
 * (a 16-bit count in Bind) and MySQL prepared statements stop at 65,535.
 * Multi-row upserts and lookups stay below it.
 */
export const MAX_BIND_PARAMETERS = 65_535;

/** Connections a pool built from `connection` options opens at most (one reader or writer needs one). */
export const DEFAULT_POOL_SIZE = 2;

/**
 * How BIGINT (int8) values are returned. Both drivers hand them out as
 * strings (pg always, mysql2 above 2^53) or as rounded numbers (mysql2
 * without `supportBigNumbers`); the connectors convert them:
 * - `'number'` (default): a number when exactly representable (|v| ≤ 2^53 − 1),
 *   otherwise a `bigint` — never a rounded number.
 * - `'bigint'`: always a `bigint`.
 * - `'string'`: the decimal text, as the server sent it.
 *
 * ```ts
 * rdsSource({ ...conn, table: 'events', int64As: 'bigint' });
 * ```
 */
export type Int64Mode = 'number' | 'bigint' | 'string';

/** The default {@link Int64Mode}. */
export const DEFAULT_INT64_MODE: Int64Mode = 'number';

/** A row as the drivers return it: column name → value. */
export type RdsRow = Record<string, unknown>;

/** The display name of a table reference, for messages: `schema.name` or `name`. */
export function tableName(table: TableRef): string {
  return typeof table === 'string' ? table : table.schema === undefined ? table.name : `${table.schema}.${table.name}`;
}

/** Whether the options inject a pool (which the connector must not end). */
export function hasInjectedPool(options: RdsConnectionOptions): boolean {
  return 'pool' in options;
}

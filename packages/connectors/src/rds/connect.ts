/**
 * Opens the SQL client a connector runs on: picks the dialect named in the
 * options and wraps the injected pool (never ended) or builds a pool from
 * the connection options (ended when the client closes).
 */
import { createMysqlClient, mysqlDialect } from './dialects/mysql.js';
import { createPostgresClient, postgresDialect } from './dialects/postgres.js';
import type { Dialect, SqlClient } from './dialects/dialect.js';
import { DEFAULT_INT64_MODE, DEFAULT_POOL_SIZE, type Int64Mode, type RdsConnectionOptions, type RdsDialectName } from './options.js';

/**
 * The dialect of a name.
 *
 * ```ts
 * dialectOf('postgres').quoteIdentifier('orders'); // '"orders"'
 * ```
 */
export function dialectOf(name: RdsDialectName): Dialect {
  if (name === 'mysql') return mysqlDialect;
  if (name === 'postgres') return postgresDialect;
  throw new RangeError(`dialect must be 'mysql' or 'postgres', got ${JSON.stringify(name)}`);
}

/** Checks the connection part of a connector's options at once (a RangeError names what is wrong). */
export function checkConnectionOptions(options: RdsConnectionOptions): void {
  dialectOf(options.dialect);
  const hasPool = 'pool' in options && options.pool !== undefined;
  const hasConnection = 'connection' in options && options.connection !== undefined;
  if (hasPool === hasConnection) throw new RangeError(`RDS options need exactly one of 'pool' (an injected ${options.dialect} pool) or 'connection' (pool options)`);
}

/**
 * A client for the options: over the injected pool, or over a new pool of
 * `poolSize` connections built from `connection` (ended by `client.close()`).
 *
 * ```ts
 * const client = openSqlClient({ dialect: 'postgres', connection: { host: '127.0.0.1', database: 'test' } });
 * try { await client.query('SELECT 1'); } finally { await client.close(); }
 * ```
 */
export function openSqlClient(options: RdsConnectionOptions, settings: { int64As?: Int64Mode; poolSize?: number } = {}): SqlClient {
  const int64As = settings.int64As ?? DEFAULT_INT64_MODE;
  const poolSize = settings.poolSize ?? DEFAULT_POOL_SIZE;
  if (options.dialect === 'mysql') return createMysqlClient(options, int64As, poolSize);
  return createPostgresClient(options, int64As, poolSize);
}

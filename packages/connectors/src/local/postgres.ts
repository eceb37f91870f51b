/**
 * The local stack's PostgreSQL: PGlite (PostgreSQL 18 compiled to WASM,
 * in memory or in a directory) served over the PostgreSQL wire protocol by
 * pglite-socket on a loopback ephemeral port, so `pg` and any other client
 * connect with a plain connection string.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { LOOPBACK } from './http.js';

/**
 * Client connections served at once. pglite-socket's default (1) cuts off
 * a second client, so a `pg` pool could not work; queries still run one at
 * a time inside PGlite.
 */
export const DEFAULT_POSTGRES_MAX_CONNECTIONS = 16;

/** Options of {@link startLocalPostgres}. */
export interface LocalPostgresOptions {
  /** Keep the database in this directory; default in memory. */
  readonly dataDir?: string;
  /** Default {@link DEFAULT_POSTGRES_MAX_CONNECTIONS}. */
  readonly maxConnections?: number;
  /** Default 0: an ephemeral port. */
  readonly port?: number;
}

/** A running local PostgreSQL. */
export interface LocalPostgres {
  /** `postgresql://postgres:postgres@127.0.0.1:<port>/postgres` (any password is accepted). */
  readonly connectionString: string;
  /** The embedded database, for direct queries in tests. */
  readonly db: PGlite;
  stop(): Promise<void>;
}

/**
 * Starts PGlite and its wire-protocol server on 127.0.0.1.
 *
 * ```ts
 * const postgres = await startLocalPostgres();
 * const pool = new pg.Pool({ connectionString: postgres.connectionString });
 * ```
 * Gotchas: starting takes one to a few seconds (WASM); one database
 * (`postgres`), one user (`postgres`), no TLS, queries serialised.
 */
export async function startLocalPostgres(options: LocalPostgresOptions = {}): Promise<LocalPostgres> {
  const maxConnections = options.maxConnections ?? DEFAULT_POSTGRES_MAX_CONNECTIONS;
  if (!Number.isInteger(maxConnections) || maxConnections < 1) {
    throw new RangeError(`maxConnections must be an integer >= 1, got ${maxConnections}`);
  }
  const db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  const server = new PGLiteSocketServer({ db, host: LOOPBACK, port: options.port ?? 0, maxConnections });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  const port = server.getServerConn().split(':').at(-1);
  return {
    connectionString: `postgresql://postgres:postgres@${LOOPBACK}:${port}/postgres`,
    db,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * Test support for the RDS connectors (used by their tests, not exported
 * from the package index): the loopback database servers of the dev
 * machine, PGlite behind its socket server, unique table names, and an
 * in-memory exactly-once sink with write gates for recovery tests. The
 * servers are test targets only when reachable or when `REQUIRE_SERVICES=1`
 * (missing servers fail instead of skipping): see `shouldRunAgainst` in
 * `@tributary/core/testing`.
 */
import { randomBytes } from 'node:crypto';
import type { TwoPhaseCommitSink } from '@tributary/core';
import { ExactlyOnceTestSink, shouldRunAgainst } from '@tributary/core/testing';
import mysql from 'mysql2';
import pg from 'pg';
import type { SqlClient } from './dialects/dialect.js';
import type { RdsConnectionOptions, RdsDialectName, RdsRow } from './options.js';
import { SqlParams } from './sqlBuilder.js';

/** MariaDB / MySQL on the dev machine: root without password, database `test`. */
export const MYSQL_TEST_CONNECTION = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' } as const;
/** PostgreSQL on the dev machine: trust authentication, database `test`. */
export const POSTGRES_TEST_CONNECTION = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;

/** One of the dev machine's database servers, as a target for `describe.each`. */
export interface RdsTestTarget {
  readonly name: 'MariaDB' | 'PostgreSQL';
  readonly dialect: RdsDialectName;
  readonly conn: RdsConnectionOptions;
  /** Whether to run the tests against it (see `shouldRunAgainst` in @tributary/core/testing). */
  readonly run: boolean;
}

/** MariaDB and PostgreSQL on the dev machine (in that order), each probed now for whether its tests should run. */
export async function rdsTestTargets(): Promise<[RdsTestTarget, RdsTestTarget]> {
  return [
    { name: 'MariaDB', dialect: 'mysql', conn: { dialect: 'mysql', connection: MYSQL_TEST_CONNECTION }, run: await shouldRunAgainst(MYSQL_TEST_CONNECTION.port) },
    { name: 'PostgreSQL', dialect: 'postgres', conn: { dialect: 'postgres', connection: POSTGRES_TEST_CONNECTION }, run: await shouldRunAgainst(POSTGRES_TEST_CONNECTION.port) },
  ];
}

/** A fresh table name (letters, digits, underscore) for one test. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

/** PGlite served over the PostgreSQL wire protocol on a loopback ephemeral port. */
export interface PgliteServer {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts PGlite (in memory) behind @electric-sql/pglite-socket on 127.0.0.1, allowing several connections. */
export async function startPgliteServer(maxConnections = 16): Promise<PgliteServer> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections });
  await server.start();
  const address = server.getServerConn();
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return {
    host: '127.0.0.1',
    port,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * Holds a sink from its `after`-th record on (counted across subtasks: every
 * subtask stops at its next record, so none can finish meanwhile) until
 * `open()`. Hold a bounded job again at a later gate until its savepoint is
 * complete: a savepoint still being written when the job finishes is
 * abandoned. See {@link stopMidInput}.
 */
export interface WriteGate {
  readonly after: number;
  /** Resolves once the sink is held. */
  readonly reached: Promise<void>;
  open(): void;
  /** Called by the sink for its `count`-th record: a promise to wait on while the gate holds. */
  hold(count: number): Promise<void> | undefined;
}

/** A gate at the `after`-th record. */
export function writeGate(after: number): WriteGate {
  let markReached!: () => void;
  let release!: () => void;
  let open = false;
  const reached = new Promise<void>((resolve) => (markReached = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    after,
    reached,
    open: () => {
      open = true;
      release();
    },
    hold: (count) => {
      if (open || count < after) return undefined;
      markReached();
      return released;
    },
  };
}

/**
 * An exactly-once in-memory sink ({@link ExactlyOnceTestSink}): records are
 * staged per checkpoint and appended to `committed` only when the checkpoint
 * completes (idempotently), so `committed` holds exactly what a recovered job
 * must have produced. With `pauseEvery: n`, every n-th write of a writer
 * waits a millisecond (backpressure), which slows the job down; with `gates`,
 * the job holds at given records until the test opens them — a savepoint
 * taken then is surely mid-input.
 */
export function committingSink<T>(committed: T[], options: { readonly pauseEvery?: number; readonly gates?: readonly WriteGate[] } = {}): TwoPhaseCommitSink<T, string> {
  return new ExactlyOnceTestSink(committed, {
    onWrite: (_value, { total, byWriter }) => {
      for (const gate of options.gates ?? []) {
        const held = gate.hold(total);
        if (held !== undefined) return held;
      }
      // Backpressure now and then, so that a test can stop the job mid-input.
      if (options.pauseEvery !== undefined && byWriter % options.pauseEvery === 0) return new Promise<void>((resolve) => setTimeout(resolve, 1));
      return undefined;
    },
  });
}

/** Inserts rows (objects with the given columns) in multi-row parameterised statements of `chunk` rows. */
export async function insertRows(client: SqlClient, table: string, columns: readonly string[], rows: readonly RdsRow[], chunk = 500): Promise<void> {
  const dialect = client.dialect;
  const list = columns.map((c) => dialect.quoteIdentifier(c)).join(', ');
  for (let i = 0; i < rows.length; i += chunk) {
    const params = new SqlParams(dialect);
    const tuples = rows.slice(i, i + chunk).map((row) => `(${columns.map((c) => params.add(row[c])).join(', ')})`);
    await client.query(`INSERT INTO ${dialect.quoteIdentifier(table)} (${list}) VALUES ${tuples.join(', ')}`, params.values);
  }
}

/** A statement an observed pool ran. */
export interface ObservedStatement {
  readonly sql: string;
  readonly params: number;
}

/**
 * A real pool of the test server, wrapped to record each statement sent
 * through `pool.query` and to inject faults the server cannot be made to
 * produce on cue (a deadlock error) or delays. Pass `options` to a connector
 * (the pool is injected, so the connector will not end it); call `end()`.
 */
export interface ObservedPool {
  readonly options: RdsConnectionOptions;
  readonly statements: ObservedStatement[];
  /** The next `count` queries fail with `error` before reaching the server. */
  failNext(count: number, error: unknown): void;
  /** Every query waits this long before it is sent (ms). */
  delay(ms: number): void;
  end(): Promise<void>;
}

/** An observed pool on the dev machine's MariaDB or PostgreSQL (see {@link ObservedPool}). */
export function observedPool(dialect: RdsDialectName, extra: Record<string, unknown> = {}): ObservedPool {
  const statements: ObservedStatement[] = [];
  const faults: unknown[] = [];
  let delayMs = 0;
  const wait = (): Promise<void> => (delayMs > 0 ? new Promise((resolve) => setTimeout(resolve, delayMs)) : Promise.resolve());
  const control = {
    statements,
    failNext(count: number, error: unknown) {
      for (let i = 0; i < count; i++) faults.push(error);
    },
    delay(ms: number) {
      delayMs = ms;
    },
  };
  if (dialect === 'mysql') {
    const pool = mysql.createPool({ ...MYSQL_TEST_CONNECTION, connectionLimit: 4, ...extra });
    const query = (options: { sql: string; values?: unknown[] }, callback: (error: unknown, result?: unknown) => void): void => {
      statements.push({ sql: options.sql, params: options.values?.length ?? 0 });
      void wait().then(() => {
        if (faults.length > 0) callback(faults.shift());
        else (pool.query as unknown as (o: unknown, cb: unknown) => void)(options, callback);
      });
    };
    return { ...control, options: { dialect: 'mysql', pool: wrap(pool, query) }, end: () => new Promise((resolve) => pool.end(() => resolve())) };
  }
  const pool = new pg.Pool({ ...POSTGRES_TEST_CONNECTION, max: 4, ...extra });
  pool.on('error', () => {});
  const query = async (config: { text: string; values?: unknown[] }): Promise<unknown> => {
    statements.push({ sql: config.text, params: config.values?.length ?? 0 });
    await wait();
    if (faults.length > 0) throw faults.shift();
    return pool.query(config);
  };
  return { ...control, options: { dialect: 'postgres', pool: wrap(pool, query) }, end: () => pool.end() };
}

/** The pool with `query` replaced; every other method bound to the real pool. */
function wrap<P extends object>(pool: P, query: unknown): P {
  return new Proxy(pool, {
    get: (target, prop) => {
      if (prop === 'query') return query;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Takes a savepoint of a bounded job surely mid-input and stops the job:
 * waits until the sink holds at `first`, triggers the savepoint, lets the
 * job on until the sink holds at `second` (so it cannot finish while the
 * savepoint is written), then cancels it. Give the sink both gates.
 */
export async function stopMidInput(job: { triggerSavepoint(): Promise<{ location: string }>; cancel(): Promise<void> }, first: WriteGate, second: WriteGate): Promise<string> {
  await first.reached;
  const savepoint = job.triggerSavepoint();
  first.open();
  const { location } = await savepoint;
  const cancelled = job.cancel();
  second.open();
  await cancelled;
  return location;
}

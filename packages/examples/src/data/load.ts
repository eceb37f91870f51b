/**
 * Loads a generated dataset into MySQL/MariaDB (mysql2), PostgreSQL (pg)
 * or PGlite (its API directly, or `pg` over its socket server): tables made
 * by `createTableSql`, rows in multi-row parameterised INSERTs of
 * {@link DEFAULT_LOAD_BATCH_SIZE} (PGlite's API: COPY of CSV batches), a
 * progress callback per batch, and idempotence by dropping (default) or
 * truncating the tables first.
 */
import type { PGlite } from '@electric-sql/pglite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { createTableSql, quoteIdentifier, RETAIL_TABLES, type SqlDialect, type Table } from './contracts.js';
import type { RetailDataset, RetailTableName } from './generator.js';

/** Rows per INSERT statement by default. */
export const DEFAULT_LOAD_BATCH_SIZE = 1000;
/**
 * Bind parameters per statement: PostgreSQL's wire protocol counts them in
 * 16 bits (and MySQL's prepared statements allow as many); batches shrink
 * to stay under it.
 */
export const MAX_BIND_PARAMETERS = 65_535;

/** A database the loader (and the simulator's order writer) can talk to. */
export interface SqlTarget {
  /** The SQL dialect (PGlite speaks `postgres`). */
  readonly dialect: SqlDialect;
  /** Names the target in messages: `mysql`, `postgres` or `pglite`. */
  readonly name: string;
  /** Runs one statement with positional parameters (`?` for mysql, `$1…` for postgres) and returns its rows. */
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Bulk-loads CSV rows (the table's columns in order, NULL as an empty unquoted field), where the target can (PGlite: COPY). */
  copyCsv?(table: Table, csv: string): Promise<void>;
  /** Releases what the target opened (never an injected pool or database). */
  close(): Promise<void>;
}

/** Where a MySQL/MariaDB target connects: a URL, pool options, or an injected promise pool. */
export interface MysqlTargetOptions {
  /** `mysql://user:password@host:port/database`. */
  readonly url?: string;
  readonly connection?: mysql.PoolOptions;
  /** An injected pool; not ended by `close()`. */
  readonly pool?: mysql.Pool;
}

/** A MySQL/MariaDB target through mysql2. */
export function mysqlTarget(options: MysqlTargetOptions): SqlTarget {
  const own = options.pool === undefined;
  const pool =
    options.pool ??
    mysql.createPool({ ...(options.url === undefined ? {} : { uri: options.url }), connectionLimit: 2, ...options.connection });
  return {
    dialect: 'mysql',
    name: 'mysql',
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      const [rows] = await pool.query(sql, params as unknown[]);
      return (Array.isArray(rows) ? rows : []) as R[];
    },
    async close() {
      if (own) await pool.end();
    },
  };
}

/** Where a PostgreSQL target connects: a URL, pool options, or an injected pool. */
export interface PostgresTargetOptions {
  /** `postgresql://user:password@host:port/database` (also PGlite's socket server). */
  readonly url?: string;
  readonly connection?: pg.PoolConfig;
  /** An injected pool; not ended by `close()`. */
  readonly pool?: pg.Pool;
  /** Names the target in messages (default `postgres`; `pglite` for PGlite's socket server). */
  readonly name?: string;
}

/** A PostgreSQL target through pg (PGlite's socket server included). */
export function postgresTarget(options: PostgresTargetOptions): SqlTarget {
  const own = options.pool === undefined;
  const pool = options.pool ?? new pg.Pool({ ...(options.url === undefined ? {} : { connectionString: options.url }), max: 2, ...options.connection });
  if (own) pool.on('error', () => {}); // idle clients dropped by the server; the next query reports it
  return {
    dialect: 'postgres',
    name: options.name ?? 'postgres',
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      const result = await pool.query(sql, params as unknown[]);
      return result.rows as R[];
    },
    async close() {
      if (own) await pool.end();
    },
  };
}

/**
 * A PGlite database used through its API (in this process); `close()`
 * leaves it open. Loads go through COPY … FROM '/dev/blob' (about twice
 * as fast as INSERTs in PGlite).
 */
export function pgliteTarget(db: PGlite): SqlTarget {
  return {
    dialect: 'postgres',
    name: 'pglite',
    async query<R>(sql: string, params: readonly unknown[] = []): Promise<R[]> {
      const result = await db.query<R>(sql, params as unknown[]);
      return result.rows;
    },
    async copyCsv(table, csv) {
      const q = (name: string): string => quoteIdentifier(name, 'postgres');
      const columns = table.columns.map((c) => q(c.name)).join(', ');
      await db.query(`COPY ${q(table.name)} (${columns}) FROM '/dev/blob' WITH (FORMAT csv)`, [], { blob: new Blob([csv]) });
    },
    async close() {},
  };
}

/** Rows per COPY when the target bulk-loads CSV. */
export const COPY_BATCH_ROWS = 20_000;

/** A row as a CSV line for COPY: strings quoted, NULL an empty unquoted field. */
export function csvLine(table: Table, row: Readonly<Record<string, unknown>>): string {
  let line = '';
  for (let i = 0; i < table.columns.length; i++) {
    const value = sqlValue(row[(table.columns[i] as Table['columns'][number]).name]);
    if (i > 0) line += ',';
    if (value === null) continue;
    line += typeof value === 'string' ? `"${value.replaceAll('"', '""')}"` : String(value);
  }
  return `${line}\n`;
}

/** How the loader makes room for the rows. */
export type LoadMode = 'drop' | 'truncate' | 'append';

/** Progress of one table: rows loaded so far, and whether the table is finished. */
export interface LoadProgress {
  readonly table: RetailTableName;
  readonly rows: number;
  readonly done: boolean;
}

/** Options of {@link loadRetailData}. */
export interface LoadOptions {
  /**
   * `drop` (default): drop and re-create the tables; `truncate`: create
   * them if missing and empty them; `append`: create them if missing and
   * insert (duplicate keys fail).
   */
  readonly mode?: LoadMode;
  /** Rows per INSERT (default {@link DEFAULT_LOAD_BATCH_SIZE}; fewer when a batch would exceed {@link MAX_BIND_PARAMETERS}). */
  readonly batchSize?: number;
  /** Bulk-load through the target's `copyCsv` when it has one (default true), in batches of {@link COPY_BATCH_ROWS}. */
  readonly copy?: boolean;
  /** The tables to load (default all, in RETAIL_TABLES order). */
  readonly tables?: readonly RetailTableName[];
  /** Called after every batch and when a table is finished. */
  readonly onProgress?: (progress: LoadProgress) => void;
}

/** What a load did. */
export interface LoadReport {
  /** Rows inserted per table. */
  readonly rows: Readonly<Partial<Record<RetailTableName, number>>>;
  readonly durationMs: number;
}

/** A value as the drivers should bind it: instants as UTC `YYYY-MM-DD HH:MM:SS.mmm` (no driver time-zone conversion). */
export function sqlValue(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().slice(0, 23).replace('T', ' ');
  return value ?? null;
}

/** One multi-row INSERT for `count` rows of a table, in the dialect. */
export function insertSql(table: Table, dialect: SqlDialect, count: number): string {
  const q = (name: string): string => quoteIdentifier(name, dialect);
  const width = table.columns.length;
  const tuples: string[] = [];
  for (let r = 0; r < count; r++) {
    const marks = table.columns.map((_, c) => (dialect === 'mysql' ? '?' : `$${r * width + c + 1}`));
    tuples.push(`(${marks.join(', ')})`);
  }
  return `INSERT INTO ${q(table.name)} (${table.columns.map((c) => q(c.name)).join(', ')}) VALUES ${tuples.join(', ')}`;
}

/** Creates (or drops and re-creates, or truncates) the tables, per `mode`. */
export async function prepareTables(target: SqlTarget, tables: readonly Table[], mode: LoadMode): Promise<void> {
  const q = (name: string): string => quoteIdentifier(name, target.dialect);
  if (mode === 'drop') {
    for (const table of [...tables].reverse()) await target.query(`DROP TABLE IF EXISTS ${q(table.name)}`);
  }
  for (const table of tables) await target.query(createTableSql(table, target.dialect));
  if (mode === 'truncate') {
    for (const table of [...tables].reverse()) await target.query(`TRUNCATE TABLE ${q(table.name)}`);
  }
}

/**
 * Loads the dataset's tables into the target.
 *
 * ```ts
 * const target = mysqlTarget({ url: 'mysql://root@127.0.0.1:3306/shop' });
 * const report = await loadRetailData(retailDataset({ customers: 100_000 }), target, {
 *   onProgress: ({ table, rows }) => console.error(`${table}: ${rows}`),
 * });
 * await target.close();
 * ```
 * Gotchas: `drop` removes any table of the same name with its data; there
 * are no foreign keys (as the contracts declare none), so the order of
 * loading only matters to readers watching the load; the target is not
 * closed.
 */
export async function loadRetailData(data: RetailDataset, target: SqlTarget, options: LoadOptions = {}): Promise<LoadReport> {
  const started = performance.now();
  const mode = options.mode ?? 'drop';
  if (!['drop', 'truncate', 'append'].includes(mode)) throw new RangeError(`mode must be drop, truncate or append, got ${String(mode)}`);
  const batchSize = options.batchSize ?? DEFAULT_LOAD_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  const names = options.tables ?? (RETAIL_TABLES.map((t) => t.name) as RetailTableName[]);
  const tables = names.map((name) => {
    const table = RETAIL_TABLES.find((t) => t.name === name);
    if (table === undefined) throw new RangeError(`unknown table '${name}' (tables: ${RETAIL_TABLES.map((t) => t.name).join(', ')})`);
    return table;
  });

  await prepareTables(target, tables, mode);
  const rows: Partial<Record<RetailTableName, number>> = {};
  const copyCsv = options.copy === false ? undefined : target.copyCsv?.bind(target);
  for (const table of tables) {
    const name = table.name as RetailTableName;
    if (copyCsv !== undefined) {
      rows[name] = await copyTable(data, table, copyCsv, options.onProgress);
      continue;
    }
    const perStatement = Math.max(1, Math.min(batchSize, Math.floor(MAX_BIND_PARAMETERS / table.columns.length)));
    const fullSql = insertSql(table, target.dialect, perStatement);
    let loaded = 0;
    let params: unknown[] = [];
    let count = 0;
    let pending: Promise<unknown> | undefined;
    const flush = async (): Promise<void> => {
      const sql = count === perStatement ? fullSql : insertSql(table, target.dialect, count);
      const sent = count;
      const statement = target.query(sql, params).then(() => {
        loaded += sent;
        options.onProgress?.({ table: name, rows: loaded, done: false });
      });
      statement.catch(() => {}); // surfaces when awaited below
      params = [];
      count = 0;
      // At most two statements in flight: the next batch is generated while the last one runs.
      if (pending !== undefined) await pending;
      pending = statement;
    };
    for (const row of data.rows(name)) {
      const record = row as unknown as Record<string, unknown>;
      for (const column of table.columns) params.push(sqlValue(record[column.name]));
      if (++count === perStatement) await flush();
    }
    if (count > 0) await flush();
    if (pending !== undefined) await pending;
    rows[name] = loaded;
    options.onProgress?.({ table: name, rows: loaded, done: true });
  }
  return { rows, durationMs: performance.now() - started };
}

async function copyTable(
  data: RetailDataset,
  table: Table,
  copyCsv: (table: Table, csv: string) => Promise<void>,
  onProgress: ((progress: LoadProgress) => void) | undefined,
): Promise<number> {
  const name = table.name as RetailTableName;
  let loaded = 0;
  let lines: string[] = [];
  const flush = async (): Promise<void> => {
    await copyCsv(table, lines.join(''));
    loaded += lines.length;
    lines = [];
    onProgress?.({ table: name, rows: loaded, done: false });
  };
  for (const row of data.rows(name)) {
    lines.push(csvLine(table, row as unknown as Record<string, unknown>));
    if (lines.length === COPY_BATCH_ROWS) await flush();
  }
  if (lines.length > 0) await flush();
  onProgress?.({ table: name, rows: loaded, done: true });
  return loaded;
}

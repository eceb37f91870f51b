/**
 * A cached lookup for async enrichment: an `AsyncFunction` for core's
 * `AsyncDataStream.orderedWait / unorderedWait` that fetches a row by key,
 * through an LRU cache bounded in rows and expiring entries after a time.
 * Concurrent misses for the same key share one query, and the misses of
 * one turn of the event loop are fetched together (`WHERE key IN (…)`).
 */
import type { AsyncFunction } from '@tributary/core';
import { checkConnectionOptions, dialectOf, openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import { RdsError, errorMessage } from './errors.js';
import { ExpiringLruCache } from './lruCache.js';
import { MAX_BIND_PARAMETERS, tableName, type Int64Mode, type RdsConnectionOptions, type RdsRow, type TableRef } from './options.js';
import { SqlParams, selectList } from './sqlBuilder.js';

/** Rows the cache holds at most unless `maxRows` says otherwise. */
export const DEFAULT_LOOKUP_MAX_ROWS = 10_000;
/** How long a cached row (or a cached "not found") is used, ms. */
export const DEFAULT_LOOKUP_EXPIRE_AFTER_MS = 60_000;
/** Keys fetched per `IN (…)` query at most (well within {@link MAX_BIND_PARAMETERS}). */
export const DEFAULT_LOOKUP_BATCH_KEYS = 100;
/** Connections of a pool the lookup builds from `connection` options. */
export const DEFAULT_LOOKUP_POOL_SIZE = 4;

/** A lookup key: what the key column holds. */
export type LookupKey = string | number | bigint;

/** The options besides the connection. */
export interface RdsLookupSettings<IN, OUT> {
  readonly table: TableRef;
  /** The column looked up (unique: the first row found is used). */
  readonly keyColumn: string;
  /** Columns fetched (default `*`; the key column is added). */
  readonly columns?: readonly string[];
  /** The key of an input record. */
  readonly key: (input: IN) => LookupKey;
  /** Combines the input with its row (`undefined` when none); default: the row itself. */
  readonly join?: (input: IN, row: RdsRow | undefined) => OUT;
  /** Rows cached at most, least recently used evicted first (default {@link DEFAULT_LOOKUP_MAX_ROWS}). */
  readonly maxRows?: number;
  /** A cached row is used this long after it was fetched, ms (default {@link DEFAULT_LOOKUP_EXPIRE_AFTER_MS}; `Infinity`: never expires). */
  readonly expireAfterMs?: number;
  /** Cache "no such row" too, so unknown keys do not query every time (default true). */
  readonly cacheMisses?: boolean;
  /** Keys per `IN (…)` query (default {@link DEFAULT_LOOKUP_BATCH_KEYS}). */
  readonly maxBatchKeys?: number;
  /** Connections of a pool built from `connection` (default {@link DEFAULT_LOOKUP_POOL_SIZE}). */
  readonly poolSize?: number;
  readonly int64As?: Int64Mode;
  /** The clock for expiry (ms; default `Date.now`). */
  readonly now?: () => number;
}

/** Options of {@link rdsLookup}. */
export type RdsLookupOptions<IN, OUT> = RdsConnectionOptions & RdsLookupSettings<IN, OUT>;

/** Counters of a lookup. */
export interface RdsLookupStats {
  readonly hits: number;
  readonly misses: number;
  /** Misses that joined a query already running for the same key. */
  readonly deduplicated: number;
  /** Queries run. */
  readonly queries: number;
  readonly evictions: number;
  readonly expirations: number;
  /** Rows cached now. */
  readonly size: number;
}

/** The lookup function, with its counters, cache invalidation and `close`. */
export interface RdsLookup<IN, OUT> extends AsyncFunction<IN, OUT> {
  stats(): RdsLookupStats;
  /** Drops one key from the cache, or every key. */
  invalidate(key?: LookupKey): void;
  /** Ends the pool the lookup built (an injected pool is left alone). Call it when the job has ended. */
  close(): Promise<void>;
}

/**
 * A cached lookup by key.
 *
 * ```ts
 * const customers = rdsLookup<Order, EnrichedOrder>({
 *   dialect: 'mysql',
 *   pool,
 *   table: 'customers',
 *   keyColumn: 'customerNumber',
 *   key: (order) => order.customerNumber,
 *   join: (order, row) => ({ ...order, city: row?.city as string | undefined }),
 *   maxRows: 50_000,
 *   expireAfterMs: 5 * 60_000,
 * });
 * const enriched = AsyncDataStream.unorderedWait(orders, customers, { timeout: 2_000, retry: { maxAttempts: 3, backoffMs: 100, retryOn: (e) => (e as RdsError).retryable } });
 * // after the job: await customers.close();
 * ```
 * Gotchas: the function cannot know when the job ends — call `close()`
 * afterwards, or inject a pool you end yourself. Keys compare as text, so
 * a MySQL case-insensitive key column matches `'ABC'` for `'abc'` in the
 * database but not in the cache. Query errors reject with an `RdsError`
 * whose `retryable` says whether a retry may help.
 */
export function rdsLookup<IN, OUT = RdsRow | undefined>(options: RdsLookupOptions<IN, OUT>): RdsLookup<IN, OUT> {
  checkConnectionOptions(options);
  const dialect = dialectOf(options.dialect);
  if (typeof options.key !== 'function') throw new RangeError('rdsLookup key must be a function (input) => key');
  const maxRows = options.maxRows ?? DEFAULT_LOOKUP_MAX_ROWS;
  const expireAfterMs = options.expireAfterMs ?? DEFAULT_LOOKUP_EXPIRE_AFTER_MS;
  const maxBatchKeys = options.maxBatchKeys ?? DEFAULT_LOOKUP_BATCH_KEYS;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new RangeError(`rdsLookup maxRows must be an integer >= 1, got ${maxRows}`);
  if (!(expireAfterMs > 0)) throw new RangeError(`rdsLookup expireAfterMs must be > 0 (Infinity for no expiry), got ${expireAfterMs}`);
  if (!Number.isInteger(maxBatchKeys) || maxBatchKeys < 1 || maxBatchKeys > MAX_BIND_PARAMETERS) {
    throw new RangeError(`rdsLookup maxBatchKeys must be an integer between 1 and ${MAX_BIND_PARAMETERS}, got ${maxBatchKeys}`);
  }
  const columns = options.columns === undefined ? undefined : options.columns.includes(options.keyColumn) ? options.columns : [...options.columns, options.keyColumn];
  const select = selectList(dialect, columns);
  const from = dialect.quoteTable(options.table);
  const keyColumn = dialect.quoteIdentifier(options.keyColumn);
  const label = tableName(options.table);
  const cacheMisses = options.cacheMisses ?? true;
  const cache = new ExpiringLruCache<string, RdsRow | undefined>(maxRows, expireAfterMs, options.now ?? Date.now);
  const inFlight = new Map<string, Promise<RdsRow | undefined>>();
  let queued: Array<{ id: string; key: LookupKey; resolve: (row: RdsRow | undefined) => void; reject: (error: unknown) => void }> = [];
  let deduplicated = 0;
  let queries = 0;
  let client: SqlClient | undefined;
  const clientOf = (): SqlClient => {
    client ??= openSqlClient(options, { poolSize: options.poolSize ?? DEFAULT_LOOKUP_POOL_SIZE, ...(options.int64As === undefined ? {} : { int64As: options.int64As }) });
    return client;
  };

  const fetchBatch = async (batch: typeof queued): Promise<void> => {
    const params = new SqlParams(dialect);
    const list = batch.map((b) => params.add(b.key)).join(', ');
    queries++;
    let rows: RdsRow[];
    try {
      rows = await clientOf().query(`SELECT ${select} FROM ${from} WHERE ${keyColumn} IN (${list})`, params.values);
    } catch (error) {
      const wrapped = new RdsError('RDS_QUERY_FAILED', `rdsLookup '${label}': ${errorMessage(error)}`, { cause: error, retryable: dialect.isTransient(error) });
      for (const b of batch) {
        inFlight.delete(b.id);
        b.reject(wrapped);
      }
      return;
    }
    const byKey = new Map<string, RdsRow>();
    for (const row of rows) {
      const id = String(row[options.keyColumn]);
      if (!byKey.has(id)) byKey.set(id, row);
    }
    for (const b of batch) {
      const row = byKey.get(b.id);
      if (row !== undefined || cacheMisses) cache.set(b.id, row);
      inFlight.delete(b.id);
      b.resolve(row);
    }
  };

  const flush = (): void => {
    const all = queued;
    queued = [];
    for (let i = 0; i < all.length; i += maxBatchKeys) void fetchBatch(all.slice(i, i + maxBatchKeys));
  };

  const load = (id: string, key: LookupKey): Promise<RdsRow | undefined> => {
    const running = inFlight.get(id);
    if (running !== undefined) {
      deduplicated++;
      return running;
    }
    const promise = new Promise<RdsRow | undefined>((resolve, reject) => {
      if (queued.length === 0) setImmediate(flush);
      queued.push({ id, key, resolve, reject });
    });
    inFlight.set(id, promise);
    return promise;
  };

  const join = options.join ?? ((_input: IN, row: RdsRow | undefined) => row as OUT);
  const lookup = async (input: IN): Promise<OUT> => {
    const key = options.key(input);
    const id = String(key);
    const hit = cache.get(id);
    const row = hit !== undefined ? hit.value : await load(id, key);
    return join(input, row);
  };

  return Object.assign(lookup, {
    stats: (): RdsLookupStats => ({ ...cache.stats, deduplicated, queries, size: cache.size }),
    invalidate(key?: LookupKey): void {
      if (key === undefined) cache.clear();
      else cache.delete(String(key));
    },
    async close(): Promise<void> {
      await client?.close();
      client = undefined;
    },
  });
}

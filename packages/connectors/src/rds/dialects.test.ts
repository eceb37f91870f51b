import { describe, expect, expectTypeOf, it } from 'vitest';
import type { AsyncFunction, Sink, Source } from '@tributary/core';
import type { RdsRow } from './options.js';
import type { RdsSplit } from './source.js';
import { mysqlDialect } from './dialects/mysql.js';
import { postgresDialect } from './dialects/postgres.js';
import { normalizeTypeName } from './dialects/typeNames.js';
import { convertInt64, parseInt64 } from './int64.js';
import { ExpiringLruCache } from './lruCache.js';
import { partitionRanges } from './partitions.js';
import { backoffDelayMs, resolveRetry } from './retry.js';
import { diffSchema, formatSchemaDiff } from './schema.js';
import { SqlParams, afterKeyPredicate } from './sqlBuilder.js';
import { rdsSource } from './source.js';
import { rdsUpsertSink } from './upsertSink.js';
import { rdsIncrementalSource } from './incrementalSource.js';
import { rdsLookup } from './lookup.js';

describe('identifier quoting', () => {
  it('quotes and doubles embedded quote characters', () => {
    expect(mysqlDialect.quoteIdentifier('order`items')).toBe('`order``items`');
    expect(postgresDialect.quoteIdentifier('say "hi"')).toBe('"say ""hi"""');
    expect(postgresDialect.quoteTable({ schema: 'public', name: 'orders' })).toBe('"public"."orders"');
    expect(mysqlDialect.quoteTable('public.orders')).toBe('`public.orders`');
  });

  it('keeps an injection attempt inside one identifier', () => {
    const evil = 'x"; DROP TABLE users; --';
    expect(postgresDialect.quoteIdentifier(evil)).toBe('"x""; DROP TABLE users; --"');
    expect(mysqlDialect.quoteIdentifier('x`; DROP TABLE users; --')).toBe('`x``; DROP TABLE users; --`');
  });

  it('rejects empty names and NUL characters', () => {
    expect(() => postgresDialect.quoteIdentifier('')).toThrow(/non-empty/);
    expect(() => mysqlDialect.quoteIdentifier('a\u0000b')).toThrow(/NUL/);
  });
});

describe('placeholders and generated SQL', () => {
  it('numbers parameters per dialect', () => {
    const pg = new SqlParams(postgresDialect);
    expect([pg.add(1), pg.add(2)]).toEqual(['$1', '$2']);
    const my = new SqlParams(mysqlDialect);
    expect([my.add(1), my.add(2)]).toEqual(['?', '?']);
  });

  it('writes the resume predicate expanded over the key columns', () => {
    const params = new SqlParams(postgresDialect);
    expect(afterKeyPredicate(postgresDialect, params, ['a', 'b'], [1, 2])).toBe('("a" > $1 OR ("a" = $2 AND "b" > $3))');
    expect(params.values).toEqual([1, 1, 2]);
  });

  it('writes multi-row upserts', () => {
    expect(postgresDialect.upsertSql('t', ['id', 'v'], ['id'], ['v'], 2)).toBe(
      'INSERT INTO "t" ("id", "v") VALUES ($1, $2), ($3, $4) ON CONFLICT ("id") DO UPDATE SET "v" = EXCLUDED."v"',
    );
    expect(mysqlDialect.upsertSql('t', ['id', 'v'], ['id'], ['v'], 2)).toBe(
      'INSERT INTO `t` (`id`, `v`) VALUES (?, ?), (?, ?) ON DUPLICATE KEY UPDATE `v` = VALUES(`v`)',
    );
    expect(postgresDialect.upsertSql('t', ['id'], ['id'], [], 1)).toBe('INSERT INTO "t" ("id") VALUES ($1) ON CONFLICT ("id") DO NOTHING');
    expect(mysqlDialect.upsertSql('t', ['id'], ['id'], [], 1)).toBe('INSERT INTO `t` (`id`) VALUES (?) ON DUPLICATE KEY UPDATE `id` = `id`');
  });

  it('sends objects and arrays to MySQL as JSON text', () => {
    expect(mysqlDialect.toParameter({ a: 1 })).toBe('{"a":1}');
    expect(mysqlDialect.toParameter([1, 2])).toBe('[1,2]');
    const d = new Date(0);
    expect(mysqlDialect.toParameter(d)).toBe(d);
    expect(mysqlDialect.toParameter(undefined)).toBeNull();
  });
});

describe('type names', () => {
  it('normalises both dialects and the declared aliases to one name', () => {
    expect(normalizeTypeName('bigint(20) unsigned')).toBe('BIGINT');
    expect(normalizeTypeName('INT64')).toBe('BIGINT');
    expect(normalizeTypeName('int8')).toBe('BIGINT');
    expect(normalizeTypeName('character varying')).toBe('VARCHAR');
    expect(normalizeTypeName('varchar(50)')).toBe('VARCHAR');
    expect(normalizeTypeName('tinyint(1)')).toBe('BOOLEAN');
    expect(normalizeTypeName('tinyint(4)')).toBe('SMALLINT');
    expect(normalizeTypeName('decimal(10,2)')).toBe('DECIMAL');
    expect(normalizeTypeName('numeric')).toBe('DECIMAL');
    expect(normalizeTypeName('double precision')).toBe('DOUBLE');
    expect(normalizeTypeName('datetime(6)')).toBe('TIMESTAMP');
    expect(normalizeTypeName('timestamp with time zone')).toBe('TIMESTAMPTZ');
    expect(normalizeTypeName('int4[]')).toBe('INT[]');
    expect(normalizeTypeName('geometry')).toBe('GEOMETRY');
  });

  it('lets a declared JSON column match MariaDB LONGTEXT, and nothing else loosely', () => {
    expect(mysqlDialect.typesCompatible('JSON', 'TEXT')).toBe(true);
    expect(postgresDialect.typesCompatible('JSON', 'TEXT')).toBe(false);
    expect(mysqlDialect.typesCompatible('DECIMAL', 'VARCHAR')).toBe(false);
  });
});

describe('schema diff', () => {
  const columns = [
    { name: 'customerNumber', type: 'INT', rawType: 'int(11)', nullable: false },
    { name: 'town', type: 'VARCHAR', rawType: 'varchar(50)', nullable: true },
    { name: 'creditLimit', type: 'VARCHAR', rawType: 'varchar(20)', nullable: true },
  ];

  it('lists missing, changed and extra columns in a readable message', () => {
    const diff = diffSchema({ customerNumber: 'INT32', city: 'VARCHAR', creditLimit: 'DECIMAL' }, columns, postgresDialect);
    expect(diff).toEqual({
      missing: [{ name: 'city', declared: 'VARCHAR' }],
      changed: [{ name: 'creditLimit', declared: 'DECIMAL', found: 'VARCHAR' }],
      extra: [{ name: 'town', found: 'VARCHAR' }],
    });
    expect(formatSchemaDiff('customers', diff)).toBe(
      'Schema check failed for table `customers`: missing column `city` (declared VARCHAR); column `creditLimit` changed type: declared DECIMAL, found VARCHAR; extra column `town` (found VARCHAR)',
    );
  });

  it('compares MySQL column names case-insensitively and PostgreSQL ones exactly', () => {
    expect(diffSchema({ CUSTOMERNUMBER: 'INT' }, columns.slice(0, 1), mysqlDialect).missing).toEqual([]);
    expect(diffSchema({ CUSTOMERNUMBER: 'INT' }, columns.slice(0, 1), postgresDialect).missing).toEqual([{ name: 'CUSTOMERNUMBER', declared: 'INT' }]);
  });
});

describe('partition ranges', () => {
  it('cuts min..max into contiguous ranges open at both ends, sizes differing by at most one', () => {
    expect(partitionRanges(1n, 10n, 3)).toEqual([
      { lower: undefined, upper: 4n },
      { lower: 5n, upper: 7n },
      { lower: 8n, upper: undefined },
    ]);
    expect(partitionRanges(5n, 5n, 4)).toEqual([{ lower: undefined, upper: undefined }]);
    expect(partitionRanges(1n, 2n, 4)).toHaveLength(2);
    const big = partitionRanges(0n, 2n ** 62n, 2);
    expect(big[0]?.upper).toBe(2n ** 61n);
  });

  it('rejects a bad partition count or inverted bounds', () => {
    expect(() => partitionRanges(1n, 10n, 0)).toThrow(/numPartitions must be an integer >= 1, got 0/);
    expect(() => partitionRanges(10n, 1n, 2)).toThrow(/must be >= the lower bound/);
  });
});

describe('BIGINT conversion', () => {
  it('returns exact numbers, and bigints beyond 2^53', () => {
    expect(parseInt64('42', 'number')).toBe(42);
    expect(parseInt64('-9007199254740991', 'number')).toBe(-9007199254740991);
    expect(parseInt64('9007199254740993', 'number')).toBe(9007199254740993n);
    expect(parseInt64('42', 'bigint')).toBe(42n);
    expect(parseInt64('42', 'string')).toBe('42');
    expect(convertInt64(7, 'bigint')).toBe(7n);
    expect(convertInt64(null, 'number')).toBeNull();
  });
});

describe('error classification', () => {
  it('knows transient and data errors of both dialects', () => {
    expect(mysqlDialect.isTransient({ errno: 1213, code: 'ER_LOCK_DEADLOCK' })).toBe(true);
    expect(mysqlDialect.isTransient({ code: 'PROTOCOL_CONNECTION_LOST' })).toBe(true);
    expect(mysqlDialect.isTransient({ errno: 1062, code: 'ER_DUP_ENTRY' })).toBe(false);
    expect(mysqlDialect.isDataError({ errno: 1406, code: 'ER_DATA_TOO_LONG' })).toBe(true);
    expect(postgresDialect.isTransient({ code: '40P01' })).toBe(true);
    expect(postgresDialect.isTransient({ code: '08006' })).toBe(true);
    expect(postgresDialect.isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(postgresDialect.isTransient({ code: '23505' })).toBe(false);
    expect(postgresDialect.isDataError({ code: '22001' })).toBe(true);
    expect(postgresDialect.isDataError({ code: '42P01' })).toBe(false);
  });
});

describe('retry backoff', () => {
  it('doubles up to the cap, with half of it random', () => {
    const retry = resolveRetry({ initialBackoffMs: 100, maxBackoffMs: 1_000 });
    expect(backoffDelayMs(1, retry, () => 0)).toBe(50);
    expect(backoffDelayMs(3, retry, () => 0)).toBe(200);
    expect(backoffDelayMs(3, retry, () => 1)).toBe(400);
    expect(backoffDelayMs(10, retry, () => 1)).toBe(1_000);
    expect(() => resolveRetry({ maxAttempts: 0 })).toThrow(/retry.maxAttempts must be an integer >= 1, got 0/);
  });
});

describe('LRU cache with expiry', () => {
  it('evicts the least recently used entry and expires entries by write time', () => {
    let now = 0;
    const cache = new ExpiringLruCache<string, number>(2, 100, () => now);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')?.value).toBe(1); // a is now the most recent
    cache.set('c', 3); // evicts b
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')?.value).toBe(3);
    now = 100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.stats).toEqual({ hits: 2, misses: 2, evictions: 1, expirations: 1 });
  });
});

describe('option checks', () => {
  const conn = { dialect: 'postgres', connection: { host: '127.0.0.1' } } as const;
  it('fail at once with a message naming the constraint', () => {
    expect(() => rdsSource({ ...conn })).toThrow(/exactly one of 'table' or 'query'/);
    expect(() => rdsSource({ ...conn, table: 't', fetchSize: 0 })).toThrow(/fetchSize must be an integer >= 1, got 0/);
    expect(() => rdsSource({ ...conn, table: 't', partition: { column: 'id', numPartitions: 0 } })).toThrow(/numPartitions must be an integer >= 1, got 0/);
    expect(() => rdsSource({ ...conn, query: 'SELECT 1', schema: { a: 'INT' } })).toThrow(/'schema' needs 'table'/);
    expect(() => rdsSource({ dialect: 'postgres', table: 't' } as never)).toThrow(/exactly one of 'pool'.*or 'connection'/);
    expect(() => rdsUpsertSink({ ...conn, table: 't', key: ['id'], columns: ['v'] })).toThrow(/key column "id" must be one of the columns/);
    expect(() => rdsUpsertSink({ ...conn, table: 't', key: ['id'], columns: ['id', 'v'], batchSize: 0 })).toThrow(/batchSize must be an integer >= 1/);
    expect(() => rdsIncrementalSource({ ...conn, table: 't', trackingColumn: 'u', pollIntervalMs: -1 })).toThrow(/pollIntervalMs must be a finite number >= 0/);
    expect(() => rdsLookup({ ...conn, table: 't', keyColumn: 'id', key: () => 1, maxRows: 0 })).toThrow(/maxRows must be an integer >= 1, got 0/);
    expect(() => rdsSource({ ...conn, table: '' })).toThrow(/non-empty/);
  });
});

describe('public types', () => {
  const conn = { dialect: 'postgres', connection: { host: '127.0.0.1' } } as const;
  it('type records by map, and plug into the core contracts', () => {
    expectTypeOf(rdsSource({ ...conn, table: 't' })).toMatchTypeOf<Source<RdsRow, RdsSplit>>();
    expectTypeOf(rdsSource({ ...conn, table: 't', map: (row) => Number(row['id']) })).toMatchTypeOf<Source<number, RdsSplit>>();
    expectTypeOf(rdsUpsertSink<{ id: number }>({ ...conn, table: 't', key: ['id'], columns: ['id'] })).toMatchTypeOf<Sink<{ id: number }>>();
    expectTypeOf(rdsLookup({ ...conn, table: 't', keyColumn: 'id', key: (n: number) => n })).toMatchTypeOf<AsyncFunction<number, RdsRow | undefined>>();
    expectTypeOf(
      rdsLookup({ ...conn, table: 't', keyColumn: 'id', key: (n: number) => n, join: (n, row) => ({ n, city: row?.['city'] }) }),
    ).toMatchTypeOf<AsyncFunction<number, { n: number; city: unknown }>>();
  });
});

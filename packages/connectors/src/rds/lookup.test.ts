import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncDataStream, StreamEnvironment, silentLogger } from '@tributary/core';
import { runToCompletion } from '@tributary/core/testing';
import { openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import { RdsError } from './errors.js';
import { rdsLookup } from './lookup.js';
import type { RdsRow } from './options.js';
import { insertRows, observedPool, uniqueTableName, rdsTestTargets } from './testing.js';

const targets = await rdsTestTargets();

const CALL = { signal: new AbortController().signal, attempt: 1 };

describe.each(targets)('rdsLookup on $name', ({ dialect, conn, run }) => {
  let admin: SqlClient;
  const table = uniqueTableName('lk');

  beforeAll(async () => {
    if (!run) return;
    admin = openSqlClient(conn);
    await admin.query(`CREATE TABLE ${admin.dialect.quoteIdentifier(table)} (id INT PRIMARY KEY, city VARCHAR(40) NOT NULL, code VARCHAR(20) NOT NULL)`);
    await insertRows(
      admin,
      table,
      ['id', 'city', 'code'],
      Array.from({ length: 100 }, (_, i) => ({ id: i + 1, city: `city-${i + 1}`, code: `C${i + 1}` })),
    );
  });

  afterAll(async () => {
    if (!run) return;
    await admin.query(`DROP TABLE IF EXISTS ${admin.dialect.quoteIdentifier(table)}`);
    await admin.close();
  });

  it.skipIf(!run)('serves repeated keys from the cache, and caches "not found" too', async () => {
    const lookup = rdsLookup<number>({ ...conn, table, keyColumn: 'id', columns: ['city'], key: (id) => id });
    try {
      expect(await lookup(7, CALL)).toEqual({ city: 'city-7', id: 7 });
      expect(await lookup(7, CALL)).toEqual({ city: 'city-7', id: 7 });
      expect(await lookup(1_000, CALL)).toBeUndefined();
      expect(await lookup(1_000, CALL)).toBeUndefined();
      expect(lookup.stats()).toMatchObject({ hits: 2, misses: 2, queries: 2, size: 2 });
      lookup.invalidate(7);
      await lookup(7, CALL);
      expect(lookup.stats().queries).toBe(3);
    } finally {
      await lookup.close();
    }
  });

  it.skipIf(!run)('expires entries after expireAfterMs on the injected clock', async () => {
    let now = 0;
    const lookup = rdsLookup<number>({ ...conn, table, keyColumn: 'id', key: (id) => id, expireAfterMs: 1_000, now: () => now });
    try {
      await lookup(1, CALL);
      now = 999;
      await lookup(1, CALL);
      expect(lookup.stats()).toMatchObject({ queries: 1, hits: 1 });
      now = 1_000;
      await lookup(1, CALL);
      expect(lookup.stats()).toMatchObject({ queries: 2, expirations: 1 });
    } finally {
      await lookup.close();
    }
  });

  it.skipIf(!run)('holds at most maxRows rows, evicting the least recently used', async () => {
    const lookup = rdsLookup<number>({ ...conn, table, keyColumn: 'id', key: (id) => id, maxRows: 10 });
    try {
      for (let id = 1; id <= 20; id++) await lookup(id, CALL);
      expect(lookup.stats()).toMatchObject({ size: 10, evictions: 10, queries: 20 });
      await lookup(20, CALL); // still cached
      await lookup(1, CALL); // evicted: queried again
      expect(lookup.stats()).toMatchObject({ queries: 21, hits: 1 });
    } finally {
      await lookup.close();
    }
  });

  it.skipIf(!run)('deduplicates concurrent misses for a key, and fetches concurrent misses together', async () => {
    const observed = observedPool(dialect);
    const lookup = rdsLookup<number>({ ...observed.options, table, keyColumn: 'id', key: (id) => id, maxBatchKeys: 10 });
    try {
      const same = await Promise.all(Array.from({ length: 50 }, () => lookup(5, CALL)));
      expect(same.every((row) => row?.['city'] === 'city-5')).toBe(true);
      expect(lookup.stats()).toMatchObject({ queries: 1, deduplicated: 49 });
      expect(observed.statements).toHaveLength(1);

      const many = await Promise.all(Array.from({ length: 25 }, (_, i) => lookup(i + 30, CALL)));
      expect(many.map((row) => row?.['id'])).toEqual(Array.from({ length: 25 }, (_, i) => i + 30));
      expect(lookup.stats().queries).toBe(1 + 3);
      expect(observed.statements.slice(1).map((s) => s.params)).toEqual([10, 10, 5]);
    } finally {
      await lookup.close();
      await observed.end();
    }
  });

  it.skipIf(!run)('treats an injection attempt in a key as a value', async () => {
    const lookup = rdsLookup<string>({ ...conn, table, keyColumn: 'code', key: (code) => code });
    try {
      expect(await lookup("C1' OR '1'='1", CALL)).toBeUndefined();
      expect(await lookup('C1', CALL)).toMatchObject({ id: 1, code: 'C1' });
      expect(await admin.query(`SELECT COUNT(*) AS n FROM ${admin.dialect.quoteIdentifier(table)}`)).toEqual([{ n: 100 }]);
    } finally {
      await lookup.close();
    }
  });

  it.skipIf(!run)('enriches a stream through AsyncDataStream, recovering from a transient error by the operator retry', async () => {
    const observed = observedPool(dialect);
    const deadlock = dialect === 'mysql' ? Object.assign(new Error('Deadlock found'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' }) : Object.assign(new Error('deadlock detected'), { code: '40P01' });
    observed.failNext(1, deadlock);
    const lookup = rdsLookup<{ order: number; customer: number }, { order: number; city: string | undefined }>({
      ...observed.options,
      table,
      keyColumn: 'id',
      key: (o) => o.customer,
      join: (o, row: RdsRow | undefined) => ({ order: o.order, city: row?.['city'] as string | undefined }),
    });
    try {
      const env = StreamEnvironment.create({ logger: silentLogger });
      const orders = env.fromCollection(Array.from({ length: 300 }, (_, i) => ({ order: i, customer: (i % 120) + 1 })));
      const enriched = AsyncDataStream.orderedWait(orders, lookup, {
        timeout: 10_000,
        capacity: 50,
        retry: { maxAttempts: 3, backoffMs: 1, retryOn: (e) => e instanceof RdsError && e.retryable },
      });
      const out = await runToCompletion(enriched);
      expect(out).toEqual(Array.from({ length: 300 }, (_, i) => ({ order: i, city: (i % 120) + 1 <= 100 ? `city-${(i % 120) + 1}` : undefined })));
      // 120 distinct keys, fetched in batches: far fewer queries than records.
      expect(lookup.stats().queries).toBeLessThan(30);
    } finally {
      await lookup.close();
      await observed.end();
    }
  });
});

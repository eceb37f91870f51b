import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AsyncDataStream, StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { runToCompletion } from '@tributary/core/testing';
import { openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import { rdsIncrementalSource } from './incrementalSource.js';
import { rdsLookup } from './lookup.js';
import type { RdsConnectionOptions, RdsRow } from './options.js';
import { rdsSource } from './source.js';
import { rdsUpsertSink } from './upsertSink.js';
import { committingSink, insertRows, startPgliteServer, stopMidInput, writeGate, type PgliteServer } from './testing.js';

const ROWS = 1_500;

/** PGlite (PostgreSQL in WASM) over its wire-protocol socket server: `pg` and the connectors work unchanged. */
describe('RDS connectors on PGlite', () => {
  let server: PgliteServer;
  let conn: RdsConnectionOptions;
  let admin: SqlClient;
  let expected: RdsRow[];

  beforeAll(async () => {
    server = await startPgliteServer();
    conn = { dialect: 'postgres', connection: { host: server.host, port: server.port, user: 'postgres', database: 'postgres' } };
    admin = openSqlClient(conn);
    await admin.query('CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, price DECIMAL(10,2), updated_at TIMESTAMP(6) NOT NULL)');
    await insertRows(
      admin,
      'items',
      ['id', 'name', 'price', 'updated_at'],
      Array.from({ length: ROWS }, (_, i) => ({ id: i * 2 + 1, name: `item-${i}`, price: `${i}.50`, updated_at: '2024-05-01 00:00:00.000001' })),
    );
    expected = await admin.query('SELECT * FROM items ORDER BY id');
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await server?.stop();
  });

  it('detects PGlite and pages by key; a parallel partitioned scan equals SELECT * row for row', async () => {
    const source = rdsSource({ ...conn, table: 'items', partition: { column: 'id', numPartitions: 3 }, fetchSize: 100 });
    expect((await source.discoverSplits()).map((s) => s.mode)).toEqual(['keyset', 'keyset', 'keyset']);
    const rows = await runToCompletion(StreamEnvironment.create({ parallelism: 3, logger: silentLogger }).fromSource(source, WatermarkStrategy.noWatermarks(), 'items'));
    expect(rows.sort((a, b) => Number(a['id']) - Number(b['id']))).toEqual(expected);
  });

  it('restores a scan stopped mid-way: every row exactly once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-rds-pglite-'));
    const committed: number[] = [];
    const gate = writeGate(200);
    const hold = writeGate(800);
    const build = (restoreFrom?: string): StreamEnvironment => {
      const env = StreamEnvironment.create({ parallelism: 2, checkpointDir: dir, logger: silentLogger, ...(restoreFrom === undefined ? {} : { restoreFrom }) });
      env
        .fromSource(rdsSource({ ...conn, table: 'items', partition: { column: 'id', numPartitions: 2 }, fetchSize: 50 }), WatermarkStrategy.noWatermarks(), 'items')
        .uid('items')
        .map((r) => Number(r['id']))
        .sinkTo(committingSink(committed, restoreFrom === undefined ? { gates: [gate, hold] } : {}))
        .uid('sink');
      return env;
    };
    const job = build().execute('first');
    const savepoint = { location: await stopMidInput(job, gate, hold) };
    expect(committed.length).toBeGreaterThan(0);
    expect(committed.length).toBeLessThan(ROWS);
    await build(savepoint.location).execute('resumed').done;
    expect([...committed].sort((a, b) => a - b)).toEqual(expected.map((r) => Number(r['id'])));
  });

  it('feeds new rows incrementally, ties on updated_at included', async () => {
    const seen: number[] = [];
    const env = StreamEnvironment.create({ logger: silentLogger });
    env
      .fromSource(rdsIncrementalSource({ ...conn, table: 'items', columns: ['id'], trackingColumn: 'updated_at', tieBreaker: ['id'], fetchSize: 500, pollIntervalMs: 20 }), WatermarkStrategy.noWatermarks(), 'feed')
      .sinkTo((row) => void seen.push(Number(row['id'])));
    const job = env.execute('feed');
    try {
      while (seen.length < ROWS) await new Promise((r) => setTimeout(r, 5));
      // A row tied with the mark (same updated_at, higher id) and one a microsecond later.
      await insertRows(admin, 'items', ['id', 'name', 'price', 'updated_at'], [
        { id: 2, name: 'later', price: '1.00', updated_at: '2024-05-01 00:00:00.000002' },
        { id: 5_001, name: 'tie', price: '1.00', updated_at: '2024-05-01 00:00:00.000001' },
      ]);
      while (seen.length < ROWS + 2) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 100));
      expect(seen.slice(ROWS)).toEqual([5_001, 2]);
      expect(new Set(seen).size).toBe(seen.length);
    } finally {
      await job.cancel();
      await admin.query('DELETE FROM items WHERE id IN (2, 5001)');
    }
  });

  it('upserts idempotently and looks rows up through the cache', async () => {
    await admin.query('CREATE TABLE totals (id BIGINT PRIMARY KEY, total DECIMAL(12,2) NOT NULL)');
    const records = Array.from({ length: 400 }, (_, i) => ({ id: i % 100, total: `${i}.00` }));
    for (let run = 0; run < 2; run++) {
      const env = StreamEnvironment.create({ logger: silentLogger });
      env.fromCollection(records).sinkTo(rdsUpsertSink({ ...conn, table: 'totals', key: ['id'], columns: ['id', 'total'], batchSize: 64 }));
      await env.execute('totals').done;
    }
    const totals = await admin.query('SELECT id, total FROM totals ORDER BY id');
    expect(totals).toHaveLength(100);
    expect(totals[0]).toEqual({ id: 0, total: '300.00' });

    const lookup = rdsLookup<number, string | undefined>({ ...conn, table: 'totals', keyColumn: 'id', key: (id) => id, join: (_id, row) => row?.['total'] as string | undefined });
    try {
      const env = StreamEnvironment.create({ logger: silentLogger });
      const out = await runToCompletion(AsyncDataStream.orderedWait(env.fromCollection([0, 1, 0, 150]), lookup, { timeout: 10_000 }));
      expect(out).toEqual(['300.00', '301.00', '300.00', undefined]);
    } finally {
      await lookup.close();
    }
  });
});

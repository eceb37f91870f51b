import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { waitUntil } from '@tributary/core/testing';
import { openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import { rdsIncrementalSource } from './incrementalSource.js';
import type { RdsRow } from './options.js';
import { committingSink, insertRows, uniqueTableName, rdsTestTargets } from './testing.js';

const [mariadb, postgres] = await rdsTestTargets();
const targets = [
  {
    ...mariadb,
    timestampType: 'DATETIME(6)',
  },
  {
    ...postgres,
    timestampType: 'TIMESTAMP(6)',
  },
];

/** Timestamps one microsecond apart within the same millisecond: a millisecond mark would re-read or skip them. */
const T1 = '2024-01-01 10:00:00.000100';
const T2 = '2024-01-01 10:00:00.000200';
const T3 = '2024-01-01 10:00:00.000201';
const T4 = '2024-01-01 10:00:01.000000';

describe.each(targets)('rdsIncrementalSource on $name', ({ conn, run, timestampType }) => {
  let admin: SqlClient;
  const tables: string[] = [];

  const createTable = async (): Promise<string> => {
    const table = uniqueTableName('inc');
    tables.push(table);
    await admin.query(`CREATE TABLE ${admin.dialect.quoteIdentifier(table)} (id BIGINT PRIMARY KEY, v VARCHAR(50) NOT NULL, updated_at ${timestampType} NOT NULL)`);
    return table;
  };
  const rows = (ids: readonly number[], updatedAt: string, v = 'new'): RdsRow[] => ids.map((id) => ({ id, v: `${v}-${id}`, updated_at: updatedAt }));

  beforeAll(() => {
    if (run) admin = openSqlClient(conn);
  });

  afterAll(async () => {
    if (!run) return;
    for (const t of tables) await admin.query(`DROP TABLE IF EXISTS ${admin.dialect.quoteIdentifier(t)}`);
    await admin.close();
  });

  it.skipIf(!run)('picks up inserted and updated rows, with ties on updated_at across page boundaries, none lost or repeated', async () => {
    const table = await createTable();
    const q = (s: string): string => admin.dialect.quoteIdentifier(s);
    await insertRows(admin, table, ['id', 'v', 'updated_at'], [...rows([1, 2, 3, 4, 5], T1), ...rows([6, 7, 8], T2)]);
    const seen: string[] = [];
    const env = StreamEnvironment.create({ logger: silentLogger });
    const source = rdsIncrementalSource({ ...conn, table, trackingColumn: 'updated_at', tieBreaker: ['id'], fetchSize: 2, pollIntervalMs: 20 });
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'feed').sinkTo((row) => {
      seen.push(String(row['v']));
    });
    const job = env.execute('feed');
    try {
      await waitUntil(() => seen.length >= 8, 20_000, 'the first 8 rows');
      expect(seen).toEqual(['new-1', 'new-2', 'new-3', 'new-4', 'new-5', 'new-6', 'new-7', 'new-8']);
      // New rows one microsecond after the mark (same millisecond), and an update that moves a row forward.
      await insertRows(admin, table, ['id', 'v', 'updated_at'], rows([10, 9], T3));
      await admin.query(`UPDATE ${q(table)} SET ${q('v')} = ${admin.dialect.placeholder(1)}, ${q('updated_at')} = ${admin.dialect.placeholder(2)} WHERE ${q('id')} = 3`, [
        'updated-3',
        T4,
      ]);
      await waitUntil(() => seen.length >= 11, 20_000, 'the new and updated rows');
      await new Promise((r) => setTimeout(r, 100)); // a few more polls: nothing else may arrive
      expect(seen.slice(8)).toEqual(['new-9', 'new-10', 'updated-3']);
      expect(source.metrics.records).toBe(11);
    } finally {
      await job.cancel();
    }
  });

  it.skipIf(!run)('restores from the checkpointed high-water mark: each row exactly once across a stop and restart', async () => {
    const table = await createTable();
    await insertRows(admin, table, ['id', 'v', 'updated_at'], rows([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], T1));
    const dir = await mkdtemp(join(tmpdir(), 'tributary-rds-inc-'));
    const committed: number[] = [];
    let source = rdsIncrementalSource({ ...conn, table, trackingColumn: 'updated_at', tieBreaker: ['id'], fetchSize: 3, pollIntervalMs: 10 });
    const build = (restoreFrom?: string): StreamEnvironment => {
      source = rdsIncrementalSource({ ...conn, table, trackingColumn: 'updated_at', tieBreaker: ['id'], fetchSize: 3, pollIntervalMs: 10 });
      const env = StreamEnvironment.create({ checkpointDir: dir, logger: silentLogger, ...(restoreFrom === undefined ? {} : { restoreFrom }) });
      env
        .fromSource(source, WatermarkStrategy.noWatermarks(), 'feed')
        .uid('feed')
        .map((row) => Number(row['id']))
        .sinkTo(committingSink(committed))
        .uid('sink');
      return env;
    };
    const first = build().execute('first');
    await waitUntil(() => source.metrics.records >= 10, 20_000, 'the first rows');
    const savepoint = await first.stopWithSavepoint();
    expect([...committed].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);

    // While the job is down: rows tied with the mark (same updated_at, higher id) and later ones.
    await insertRows(admin, table, ['id', 'v', 'updated_at'], [...rows([11, 12], T1), ...rows([13], T2)]);
    const second = build(savepoint.location).execute('second');
    await waitUntil(() => source.metrics.records >= 3, 20_000, 'the rows inserted while down');
    await new Promise((r) => setTimeout(r, 100));
    await second.stopWithSavepoint();
    expect(source.metrics.records).toBe(3);
    expect([...committed].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it.skipIf(!run)('tracks an auto-increment id, starting after a given mark', async () => {
    const table = await createTable();
    await insertRows(admin, table, ['id', 'v', 'updated_at'], rows([1, 2, 3, 4, 5], T1));
    const seen: number[] = [];
    const env = StreamEnvironment.create({ logger: silentLogger });
    env
      .fromSource(rdsIncrementalSource({ ...conn, table, trackingColumn: 'id', startAfter: { value: 2 }, pollIntervalMs: 10 }), WatermarkStrategy.noWatermarks(), 'ids')
      .sinkTo((row) => {
        seen.push(Number(row['id']));
      });
    const job = env.execute('ids');
    try {
      await waitUntil(() => seen.length >= 3, 20_000, 'rows after the start mark');
      await insertRows(admin, table, ['id', 'v', 'updated_at'], rows([6], T1));
      await waitUntil(() => seen.length >= 4, 20_000, 'a new row');
      expect(seen).toEqual([3, 4, 5, 6]);
    } finally {
      await job.cancel();
    }
  });
});

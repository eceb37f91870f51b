import { mkdtemp } from 'node:fs/promises';
import mysqlPromise from 'mysql2/promise';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestartStrategies, StreamEnvironment, WatermarkStrategy, silentLogger, type DeadLetter } from '@tributary/core';
import { runToCompletion } from '@tributary/core/testing';
import { openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import type { RdsConnectionOptions, RdsRow } from './options.js';
import { rdsSource } from './source.js';
import {
  MYSQL_TEST_CONNECTION,
  POSTGRES_TEST_CONNECTION,
  committingSink,
  writeGate,
  stopMidInput,
  insertRows,
  uniqueTableName,
  rdsTestTargets,
} from './testing.js';

const ROWS = 2_000;
const BIG = 2n ** 53n;

const targets = await rdsTestTargets();

/** The rows of the test table: ids with gaps, decimals, BIGINTs beyond 2^53, NULLs. */
function sampleRows(n: number): RdsRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i * 3 + 1,
    name: `name-${i}`,
    amount: `${i % 1000}.25`,
    big: i % 100 === 0 ? BIG + BigInt(i + 1) : i,
    note: i % 2 === 0 ? null : `note ${i}`,
  }));
}

const byId = (a: RdsRow, b: RdsRow): number => Number(a['id']) - Number(b['id']);

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tributary-rds-'));
}

describe.each(targets)('rdsSource on $name', ({ conn, run }) => {
  let admin: SqlClient;
  const table = uniqueTableName('src');
  const victim = uniqueTableName('victim');
  let expected: RdsRow[];

  beforeAll(async () => {
    if (!run) return;
    admin = openSqlClient(conn);
    const q = (s: string): string => admin.dialect.quoteIdentifier(s);
    await admin.query(`CREATE TABLE ${q(table)} (id BIGINT PRIMARY KEY, name VARCHAR(100) NOT NULL, amount DECIMAL(10,2), big BIGINT, note TEXT)`);
    await admin.query(`CREATE TABLE ${q(victim)} (id INT PRIMARY KEY)`);
    await insertRows(admin, table, ['id', 'name', 'amount', 'big', 'note'], sampleRows(ROWS));
    expected = await admin.query(`SELECT * FROM ${q(table)} ORDER BY id`);
  });

  afterAll(async () => {
    if (!run) return;
    await admin.query(`DROP TABLE IF EXISTS ${admin.dialect.quoteIdentifier(table)}`);
    await admin.query(`DROP TABLE IF EXISTS ${admin.dialect.quoteIdentifier(victim)}`);
    await admin.close();
  });

  it.skipIf(!run)('reads BIGINTs exactly: numbers, and bigints beyond 2^53', () => {
    expect(expected).toHaveLength(ROWS);
    expect(expected[0]).toMatchObject({ id: 1, name: 'name-0', amount: '0.25', big: BIG + 1n, note: null });
    expect(expected[1]).toMatchObject({ id: 4, big: 1, note: 'note 1' });
  });

  it.skipIf(!run)('a partitioned scan equals SELECT * row for row, at parallelism 1 and 3', async () => {
    for (const [parallelism, numPartitions] of [
      [1, 1],
      [3, 4],
      [3, 7],
    ] as const) {
      const env = StreamEnvironment.create({ parallelism, logger: silentLogger });
      const source = rdsSource({ ...conn, table, partition: { column: 'id', numPartitions }, fetchSize: 97 });
      const rows = await runToCompletion(env.fromSource(source, WatermarkStrategy.noWatermarks(), 'rows'));
      expect(rows.sort(byId)).toEqual(expected);
      expect(source.metrics.records).toBe(ROWS);
    }
  });

  it.skipIf(!run)('reads without partitioning, with given bounds (rows outside them still read), a query, and keyset pages', async () => {
    const plain = await runToCompletion(StreamEnvironment.create({ logger: silentLogger }).fromSource(rdsSource({ ...conn, table }), WatermarkStrategy.noWatermarks(), 'plain'));
    expect(plain.sort(byId)).toEqual(expected);

    const bounded = rdsSource({ ...conn, table, partition: { column: 'id', numPartitions: 3, lowerBound: 1_000, upperBound: 2_000 }, fetchSize: 200 });
    const boundedRows = await runToCompletion(StreamEnvironment.create({ parallelism: 2, logger: silentLogger }).fromSource(bounded, WatermarkStrategy.noWatermarks(), 'b'));
    expect(boundedRows.sort(byId)).toEqual(expected);

    const q = (s: string): string => admin.dialect.quoteIdentifier(s);
    const query = `SELECT ${q('id')}, ${q('name')} FROM ${q(table)} WHERE ${q('id')} < 1000`;
    const queried = await runToCompletion(
      StreamEnvironment.create({ parallelism: 2, logger: silentLogger }).fromSource(
        rdsSource({ ...conn, query, partition: { column: 'id', numPartitions: 3 }, fetchSize: 50 }),
        WatermarkStrategy.noWatermarks(),
        'q',
      ),
    );
    expect(queried.sort(byId)).toEqual(expected.filter((r) => Number(r['id']) < 1000).map((r) => ({ id: r['id'], name: r['name'] })));

    const keyset = rdsSource({ ...conn, table, columns: ['name'], partition: { column: 'id', numPartitions: 2 }, scan: 'keyset', fetchSize: 128 });
    const paged = await runToCompletion(StreamEnvironment.create({ parallelism: 2, logger: silentLogger }).fromSource(keyset, WatermarkStrategy.noWatermarks(), 'k'));
    // The key column is added to the selected columns: it locates the next page.
    expect(paged.sort(byId)).toEqual(expected.map((r) => ({ name: r['name'], id: r['id'] })));
  });

  it.skipIf(!run)('stopped with a savepoint mid-scan and restored, emits every row exactly once', async () => {
    for (const scan of ['cursor', 'keyset'] as const) {
      const dir = await tempDir();
      const committed: number[] = [];
      const gate = writeGate(300);
      const hold = writeGate(1_000);
      const build = (restoreFrom?: string): StreamEnvironment => {
        const env = StreamEnvironment.create({ parallelism: 2, checkpointDir: dir, logger: silentLogger, ...(restoreFrom === undefined ? {} : { restoreFrom }) });
        env
          .fromSource(rdsSource({ ...conn, table, partition: { column: 'id', numPartitions: 3 }, fetchSize: 40, scan }), WatermarkStrategy.noWatermarks(), 'rows')
          .uid('rows')
          .map((r) => Number(r['id']))
          .sinkTo(committingSink(committed, restoreFrom === undefined ? { gates: [gate, hold] } : {}))
          .uid('sink');
        return env;
      };
      const job = build().execute('first');
      const savepoint = { location: await stopMidInput(job, gate, hold) };
      const before = committed.length;
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan(ROWS);
      await build(savepoint.location).execute('resumed').done;
      expect(committed.length).toBe(ROWS);
      expect([...committed].sort((a, b) => a - b)).toEqual(expected.map((r) => Number(r['id'])));
    }
  });

  it.skipIf(!run)('resumes a keyless scan by offset after a restore (the query has a stable order)', async () => {
    const dir = await tempDir();
    const committed: number[] = [];
    const q = (s: string): string => admin.dialect.quoteIdentifier(s);
    const gate = writeGate(300);
    const hold = writeGate(1_000);
    const build = (restoreFrom?: string): StreamEnvironment => {
      const env = StreamEnvironment.create({ checkpointDir: dir, logger: silentLogger, ...(restoreFrom === undefined ? {} : { restoreFrom }) });
      env
        .fromSource(rdsSource({ ...conn, query: `SELECT ${q('id')} FROM ${q(table)} ORDER BY ${q('id')}`, fetchSize: 30 }), WatermarkStrategy.noWatermarks(), 'rows')
        .uid('rows')
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
    expect(committed).toEqual(expected.map((r) => Number(r['id'])));
  });

  it.skipIf(!run)('restarts after a failure from the last checkpoint: every row exactly once', async () => {
    const dir = await tempDir();
    const committed: number[] = [];
    let failures = 1;
    const env = StreamEnvironment.create({
      parallelism: 2,
      checkpointInterval: 10,
      checkpointDir: dir,
      restartStrategy: RestartStrategies.fixedDelay(3, 0),
      logger: silentLogger,
    });
    env
      .fromSource(rdsSource({ ...conn, table, partition: { column: 'id', numPartitions: 3 }, fetchSize: 25 }), WatermarkStrategy.noWatermarks(), 'rows')
      .map((r) => {
        if (Number(r['id']) === 4_201 && failures-- > 0) throw new Error('injected failure');
        return Number(r['id']);
      })
      .sinkTo(committingSink(committed, { pauseEvery: 10 }));
    const job = env.execute('restarting');
    await job.done;
    expect(job.restarts()).toBe(1);
    expect([...committed].sort((a, b) => a - b)).toEqual(expected.map((r) => Number(r['id'])));
  });

  it.skipIf(!run)('routes rows its map rejects to the dead letters with the reason, and counts them', async () => {
    const letters: DeadLetter[] = [];
    const source = rdsSource<number>({
      ...conn,
      table,
      map: (row) => {
        if (row['note'] === null) throw new Error(`row ${String(row['id'])} has no note`);
        return Number(row['id']);
      },
      onDeadLetter: (letter) => {
        letters.push(letter);
      },
    });
    const ids = await runToCompletion(StreamEnvironment.create({ logger: silentLogger }).fromSource(source, WatermarkStrategy.noWatermarks(), 'rows'));
    expect(ids).toHaveLength(ROWS / 2);
    expect(letters).toHaveLength(ROWS / 2);
    expect(source.metrics.deadLetters).toBe(ROWS / 2);
    expect(letters[0]).toMatchObject({ reason: 'row 1 has no note', record: { id: 1 } });

    // Without a handler, a rejected row fails the job instead of vanishing.
    const strict = rdsSource({ ...conn, table, map: () => { throw new Error('nope'); } });
    await expect(runToCompletion(StreamEnvironment.create({ logger: silentLogger }).fromSource(strict, WatermarkStrategy.noWatermarks(), 'strict'))).rejects.toThrow(/bad record \(nope\); pass onDeadLetter/);
  });

  it.skipIf(!run)('an injection attempt in an identifier stays an identifier', async () => {
    const q = (s: string): string => admin.dialect.quoteIdentifier(s);
    const quote = conn.dialect === 'mysql' ? '`' : '"';
    const evilColumn = `id${quote} FROM ${victim}; DROP TABLE ${victim}; --`;
    const evil = rdsSource({ ...conn, table, columns: [evilColumn] });
    await expect(runToCompletion(StreamEnvironment.create({ logger: silentLogger }).fromSource(evil, WatermarkStrategy.noWatermarks(), 'evil'))).rejects.toThrow();
    const evilTable = rdsSource({ ...conn, table: `${victim}${quote}; DROP TABLE ${victim}; --` });
    await expect(runToCompletion(StreamEnvironment.create({ logger: silentLogger }).fromSource(evilTable, WatermarkStrategy.noWatermarks(), 'evil'))).rejects.toThrow();
    expect(await admin.query(`SELECT COUNT(*) AS n FROM ${q(victim)}`)).toEqual([{ n: 0 }]);
  });

  it.skipIf(!run || conn.dialect !== 'postgres')('reconnects when the server kills its connection mid-scan and resumes after the last row (a real fault)', async () => {
    const applicationName = uniqueTableName('killed');
    const source = rdsSource({
      dialect: 'postgres',
      connection: { ...POSTGRES_TEST_CONNECTION, application_name: applicationName },
      table,
      fetchSize: 20,
      retry: { initialBackoffMs: 10 },
    });
    const env = StreamEnvironment.create({ logger: silentLogger });
    const ids: number[] = [];
    env
      .fromSource(source, WatermarkStrategy.noWatermarks(), 'rows')
      .map((r) => Number(r['id']))
      .sinkTo(committingSink(ids, { pauseEvery: 2 }));
    const stream = env.execute('killed mid-scan');
    while (source.metrics.records < 200) await new Promise((r) => setTimeout(r, 2));
    const killed = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
    expect(killed.length).toBeGreaterThan(0);
    await stream.done;
    expect(ids).toEqual(expected.map((r) => Number(r['id'])));
  });

  it.skipIf(!run)('closing a reader while its cursor is being opened releases the connection (no lock left on the table)', async () => {
    const source = rdsSource({ ...conn, table, fetchSize: 50 });
    const [split] = await source.discoverSplits();
    const reader = source.createReader({ subtaskIndex: 0, parallelism: 1, sourceName: 'rows', now: Date.now });
    reader.addSplits([split!]);
    const output = { collect() {}, emitWatermark() {}, finishSplit() {} };
    const polling = Promise.resolve(reader.pollNext(output)).catch(() => 'failed');
    // Close at once, while the first poll is still opening its cursor (as a job failing elsewhere does).
    await reader.close?.();
    await polling;
    // Nothing holds the table: an exclusive lock is granted at once.
    const q = (name: string): string => admin.dialect.quoteIdentifier(name);
    const locked = admin.dialect.name === 'postgres' ? `LOCK TABLE ${q(table)} IN ACCESS EXCLUSIVE MODE NOWAIT` : `SELECT 1`;
    await expect(admin.query(`${admin.dialect.name === 'postgres' ? 'BEGIN; ' : ''}${locked}${admin.dialect.name === 'postgres' ? '; ROLLBACK' : ''}`)).resolves.toBeDefined();
  });

  it.skipIf(!run)('hands each fetch to the output in one synchronous pass (the job gets whole batches, not one row per turn)', async () => {
    const source = rdsSource({ ...conn, table, key: ['id'], fetchSize: 500 });
    const reader = source.createReader({ subtaskIndex: 0, parallelism: 1, sourceName: 'rows', now: Date.now });
    reader.addSplits(await source.discoverSplits());
    let rows = 0;
    let passes = 0;
    let inPass = false;
    const output = {
      collect() {
        rows++;
        if (inPass) return;
        inPass = true;
        passes++;
        queueMicrotask(() => (inPass = false));
      },
      emitWatermark() {},
      finishSplit() {},
    };
    let polls = 1;
    while ((await reader.pollNext(output)) === 'more') polls++;
    await reader.close?.();
    expect(rows).toBe(ROWS);
    expect(passes).toBeLessThanOrEqual(polls);
    expect(polls).toBeLessThan(ROWS / 100);
  });

  it.skipIf(!run)('uses an injected pool (mysql2/promise or pg) and leaves it open', async () => {
    const injected: RdsConnectionOptions =
      conn.dialect === 'mysql'
        ? { dialect: 'mysql', pool: mysqlPromise.createPool({ ...MYSQL_TEST_CONNECTION, connectionLimit: 3 }) }
        : { dialect: 'postgres', pool: new pg.Pool({ ...POSTGRES_TEST_CONNECTION, max: 3 }) };
    try {
      const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
      const rows = await runToCompletion(env.fromSource(rdsSource({ ...injected, table, partition: { column: 'id', numPartitions: 2 } }), WatermarkStrategy.noWatermarks(), 'rows'));
      expect(rows).toHaveLength(ROWS);
      // Still usable: the connector did not end a pool it did not create.
      const client = openSqlClient(injected);
      expect(await client.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
      await client.close();
    } finally {
      await (injected as { pool: { end(): Promise<void> } }).pool.end();
    }
  });

  it.skipIf(!run || conn.dialect !== 'postgres')('ends the pools it built when the job ends', async () => {
    const applicationName = uniqueTableName('app');
    const options = { dialect: 'postgres', connection: { ...POSTGRES_TEST_CONNECTION, application_name: applicationName } } as const;
    const open = async (): Promise<number> =>
      Number((await admin.query('SELECT COUNT(*) AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]))[0]?.['n']);
    const env = StreamEnvironment.create({ parallelism: 3, logger: silentLogger });
    const rows = await runToCompletion(env.fromSource(rdsSource({ ...options, table, partition: { column: 'id', numPartitions: 3 } }), WatermarkStrategy.noWatermarks(), 'rows'));
    expect(rows).toHaveLength(ROWS);
    for (let i = 0; i < 50 && (await open()) > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await open()).toBe(0);
  });
});

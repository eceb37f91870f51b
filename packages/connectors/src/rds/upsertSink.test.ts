import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamEnvironment, WatermarkStrategy, silentLogger, type DeadLetter, type Logger, type Source } from '@tributary/core';
import { openSqlClient } from './connect.js';
import type { SqlClient } from './dialects/dialect.js';
import type { RdsRow } from './options.js';
import { rdsUpsertSink } from './upsertSink.js';
import { POSTGRES_TEST_CONNECTION, observedPool, uniqueTableName, rdsTestTargets } from './testing.js';

const targets = await rdsTestTargets();

interface Item {
  readonly id: number;
  readonly name: string;
  readonly qty: number | null;
}

const COLUMNS = ['id', 'name', 'qty'];
const items = (n: number, suffix = ''): Item[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, name: `item-${i + 1}${suffix}`, qty: i % 7 === 0 ? null : i }));

/** Runs a job writing `records` to `sink`; resolves with the rows its sink subtasks retried. */
async function writeAll<T>(records: readonly T[], sink: ReturnType<typeof rdsUpsertSink<T & object>>, parallelism = 1): Promise<number> {
  const env = StreamEnvironment.create({ parallelism, logger: silentLogger });
  env.fromCollection([...records]).sinkTo(sink);
  const job = env.execute('upsert');
  await job.done;
  return job.metrics().reduce((total, m) => total + (m.retriedRecords ?? 0), 0);
}

describe.each(targets)('rdsUpsertSink on $name', ({ dialect, conn, run }) => {
  let admin: SqlClient;
  const tables: string[] = [];
  const q = (s: string): string => admin.dialect.quoteIdentifier(s);

  const createTable = async (): Promise<string> => {
    const table = uniqueTableName('ups');
    tables.push(table);
    await admin.query(`CREATE TABLE ${q(table)} (id BIGINT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT)`);
    return table;
  };
  const contents = (table: string): Promise<RdsRow[]> => admin.query(`SELECT id, name, qty FROM ${q(table)} ORDER BY id`);

  beforeAll(() => {
    if (run) admin = openSqlClient(conn);
  });

  afterAll(async () => {
    if (!run) return;
    for (const t of tables) await admin.query(`DROP TABLE IF EXISTS ${q(t)}`);
    await admin.close();
  });

  it.skipIf(!run)('is idempotent by key: the same records twice leave the same table; updates win', async () => {
    const table = await createTable();
    const sink = (): ReturnType<typeof rdsUpsertSink<Item>> => rdsUpsertSink<Item>({ ...conn, table, key: ['id'], columns: COLUMNS, batchSize: 128 });
    await writeAll(items(1_000), sink(), 2);
    const once = await contents(table);
    expect(once).toHaveLength(1_000);
    expect(once[1]).toEqual({ id: 2, name: 'item-2', qty: 1 });
    await writeAll(items(1_000), sink(), 2);
    expect(await contents(table)).toEqual(once);
    // A replay that also carries newer values: rows converge to the newest.
    await writeAll([...items(500), ...items(500, '-v2')], sink());
    const after = await contents(table);
    expect(after).toHaveLength(1_000);
    expect(after[0]).toEqual({ id: 1, name: 'item-1-v2', qty: null });
    expect(after[700]).toEqual(once[700]);
  });

  it.skipIf(!run)('writes multi-row batches of batchSize, merging repeated keys within a batch (the last wins)', async () => {
    const table = await createTable();
    const observed = observedPool(dialect);
    try {
      const sink = rdsUpsertSink<Item>({ ...observed.options, table, key: ['id'], columns: COLUMNS, batchSize: 300 });
      await writeAll(items(1_000), sink);
      const inserts = observed.statements.filter((s) => s.sql.startsWith('INSERT'));
      expect(inserts.map((s) => s.params / COLUMNS.length)).toEqual([300, 300, 300, 100]);
      expect(sink.metrics.records).toBe(1_000);

      observed.statements.length = 0;
      await writeAll([{ id: 1, name: 'first', qty: 1 }, { id: 2, name: 'x', qty: 2 }, { id: 1, name: 'last', qty: 3 }], sink);
      expect(observed.statements.filter((s) => s.sql.startsWith('INSERT')).map((s) => s.params)).toEqual([2 * COLUMNS.length]);
      expect((await contents(table))[0]).toEqual({ id: 1, name: 'last', qty: 3 });
    } finally {
      await observed.end();
    }
  });

  it.skipIf(!run)('keeps each statement within the bind-parameter limit', async () => {
    const table = await createTable();
    const observed = observedPool(dialect);
    try {
      const sink = rdsUpsertSink<Item>({ ...observed.options, table, key: ['id'], columns: COLUMNS, batchSize: 100_000 });
      await writeAll(items(25_000), sink);
      const inserts = observed.statements.filter((s) => s.sql.startsWith('INSERT'));
      expect(inserts.length).toBe(2);
      expect(Math.max(...inserts.map((s) => s.params))).toBeLessThanOrEqual(65_535);
      expect(await admin.query(`SELECT COUNT(*) AS n FROM ${q(table)}`)).toEqual([{ n: 25_000 }]);
    } finally {
      await observed.end();
    }
  });

  it.skipIf(!run)('retries an injected transient error (a deadlock) with backoff, writing each row once', async () => {
    const table = await createTable();
    const observed = observedPool(dialect);
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_obj, msg) => void warnings.push(msg ?? '') };
    try {
      const deadlock =
        dialect === 'mysql'
          ? Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { code: 'ER_LOCK_DEADLOCK', errno: 1213 })
          : Object.assign(new Error('deadlock detected'), { code: '40P01' });
      observed.failNext(2, deadlock);
      const sink = rdsUpsertSink<Item>({ ...observed.options, table, key: ['id'], columns: COLUMNS, batchSize: 50, retry: { initialBackoffMs: 5 }, logger });
      const retried = await writeAll(items(120), sink);
      expect(await contents(table)).toEqual(items(120));
      expect(warnings.filter((w) => w.includes('transient error, retrying'))).toHaveLength(2);
      expect(retried).toBe(2 * 50); // the first batch of 50 rows, sent twice more

      expect(observed.statements.filter((s) => s.sql.startsWith('INSERT'))).toHaveLength(3 + 2);

      // Retries run out: the job fails with a retryable error that says so.
      observed.failNext(3, deadlock);
      const impatient = rdsUpsertSink<Item>({ ...observed.options, table, key: ['id'], columns: COLUMNS, retry: { maxAttempts: 3, initialBackoffMs: 1 }, logger });
      await expect(writeAll(items(3), impatient)).rejects.toThrow(/writing 3 rows failed after 3 attempts/);
    } finally {
      await observed.end();
    }
  });

  it.skipIf(!run || dialect !== 'postgres')('retries when the server terminates its connection mid-statement (a real fault)', async () => {
    const table = await createTable();
    await admin.query(`INSERT INTO ${q(table)} (id, name, qty) VALUES (1, 'old', 0)`);
    const app = uniqueTableName('victim_app');
    const locker = new pg.Client(POSTGRES_TEST_CONNECTION);
    await locker.connect();
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_obj, msg) => void warnings.push(msg ?? '') };
    try {
      await locker.query('BEGIN');
      await locker.query(`UPDATE ${q(table)} SET qty = 1 WHERE id = 1`); // holds the row lock
      const sink = rdsUpsertSink<Item>({
        dialect: 'postgres',
        connection: { ...POSTGRES_TEST_CONNECTION, application_name: app },
        table,
        key: ['id'],
        columns: COLUMNS,
        retry: { initialBackoffMs: 20 },
        logger,
      });
      const written = writeAll([{ id: 1, name: 'new', qty: 42 }], sink);
      // Wait until the sink's statement blocks on the lock, then kill its backend.
      let killed = false;
      for (let i = 0; i < 200 && !killed; i++) {
        const rows = await admin.query(`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, [app]);
        killed = rows.length > 0;
        if (!killed) await new Promise((r) => setTimeout(r, 10));
      }
      expect(killed).toBe(true);
      await locker.query('COMMIT');
      await written;
      expect(await contents(table)).toEqual([{ id: 1, name: 'new', qty: 42 }]);
      expect(warnings.some((w) => w.includes('transient error, retrying'))).toBe(true);
    } finally {
      await locker.end();
    }
  });

  it.skipIf(!run)('sends records refused for their data, or without a key, to the dead letters and writes the rest', async () => {
    const table = await createTable();
    const letters: DeadLetter[] = [];
    const records: Array<Partial<Item>> = [...items(30), { id: 31, name: 'x'.repeat(100), qty: 1 }, { name: 'no key', qty: 2 }, { id: 32, name: 'ok', qty: 3 }];
    const sink = rdsUpsertSink<Partial<Item>>({ ...conn, table, key: ['id'], columns: COLUMNS, batchSize: 16, onDeadLetter: (l) => void letters.push(l) });
    await writeAll(records, sink);
    expect(await admin.query(`SELECT COUNT(*) AS n FROM ${q(table)}`)).toEqual([{ n: 31 }]);
    expect(letters.map((l) => (l.record as Item).name)).toEqual(['no key', 'x'.repeat(100)]);
    expect(letters[0]?.reason).toBe('key column id is missing');
    expect(letters[1]?.reason).toMatch(dialect === 'mysql' ? /Data too long for column 'name'/ : /value too long for type character varying\(40\)/);
    expect(sink.metrics.deadLetters).toBe(2);

    // Without a handler the job fails instead of dropping the record.
    const strict = rdsUpsertSink<Partial<Item>>({ ...conn, table, key: ['id'], columns: COLUMNS });
    await expect(writeAll([{ id: 40, name: 'y'.repeat(100), qty: 1 }], strict)).rejects.toThrow(/bad record/);
  });

  it.skipIf(!run)('stores an injection attempt in a value verbatim; one in an identifier fails without side effects', async () => {
    const table = await createTable();
    const victim = await createTable();
    const evilValue = `x'); DROP TABLE ${victim}; --`;
    await writeAll([{ id: 1, name: evilValue, qty: 1 }], rdsUpsertSink<Item>({ ...conn, table, key: ['id'], columns: COLUMNS }));
    expect(await contents(table)).toEqual([{ id: 1, name: evilValue, qty: 1 }]);
    const quote = dialect === 'mysql' ? '`' : '"';
    const evilTable = `${table}${quote} (id) VALUES (1); DROP TABLE ${victim}; --`;
    await expect(writeAll([{ id: 2, name: 'n', qty: 1 }], rdsUpsertSink<Item>({ ...conn, table: evilTable, key: ['id'], columns: COLUMNS }))).rejects.toThrow();
    expect(await contents(victim)).toEqual([]);
  });

  it.skipIf(!run)('flushes on every checkpoint barrier: a completed checkpoint means the rows are in the table', async () => {
    const table = await createTable();
    // An unbounded source that emits 10 records, then idles.
    const source: Source<Item> = {
      boundedness: 'unbounded',
      discoverSplits: () => [{ id: 'once' }],
      createReader: () => {
        let sent = false;
        return {
          addSplits() {},
          pollNext(output) {
            if (!sent) for (const item of items(10)) output.collect('once', item);
            sent = true;
            return 'waiting';
          },
          available: () => new Promise<void>((resolve) => setTimeout(resolve, 50)),
          snapshotState: () => [{ id: 'once' }],
        };
      },
    };
    const env = StreamEnvironment.create({ checkpointInterval: 20, checkpointDir: await mkdtemp(join(tmpdir(), 'tributary-rds-ups-')), logger: silentLogger });
    env.fromSource(source, WatermarkStrategy.noWatermarks(), 'ten').sinkTo(rdsUpsertSink<Item>({ ...conn, table, key: ['id'], columns: COLUMNS, batchSize: 1_000 }));
    const job = env.execute('checkpointed');
    try {
      while (job.checkpointStats().completed < 2) await new Promise((r) => setTimeout(r, 5));
      expect(await admin.query(`SELECT COUNT(*) AS n FROM ${q(table)}`)).toEqual([{ n: 10 }]);
    } finally {
      await job.cancel();
    }
  });

  it.skipIf(!run)('backpressures: a write returns a promise while the previous batch is still being written', async () => {
    const table = await createTable();
    const observed = observedPool(dialect);
    try {
      observed.delay(50);
      const sink = rdsUpsertSink<Item>({ ...observed.options, table, key: ['id'], columns: COLUMNS, batchSize: 10 });
      const writer = sink.createWriter({ subtaskIndex: 0, parallelism: 1, sinkName: 'test', now: () => Date.now() });
      const results = items(20).map((item) => writer.write(item, 0));
      expect(results.slice(0, 19).every((r) => r === undefined)).toBe(true); // the first full batch goes to the background
      expect(results[19]).toBeInstanceOf(Promise); // the second is full while the first is running
      await results[19];
      await writer.flush?.(true);
      await writer.close?.();
      expect(await admin.query(`SELECT COUNT(*) AS n FROM ${q(table)}`)).toEqual([{ n: 20 }]);
    } finally {
      await observed.end();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { shouldRunAgainst } from '@tributary/core/testing';
import { quoteIdentifier, RETAIL_TABLES } from './contracts.js';
import { retailDataset, type RetailDataset, type RetailTableName } from './generator.js';
import { COPY_BATCH_ROWS, csvLine, insertSql, loadRetailData, mysqlTarget, pgliteTarget, postgresTarget, type LoadOptions, type LoadProgress, type SqlTarget } from './load.js';

const mysqlUp = await shouldRunAgainst(3306);
const postgresUp = await shouldRunAgainst(5432);
const unique = (prefix: string): string => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

const data = retailDataset({ customers: 1_500, seed: 21 });
const expected: Record<RetailTableName, number> = Object.fromEntries(
  RETAIL_TABLES.map((t) => {
    let n = 0;
    for (const _ of data.rows(t.name as RetailTableName)) n++;
    return [t.name, n];
  }),
) as Record<RetailTableName, number>;

/** Loads, then checks counts, keys and a few rows against the generator; loads again (idempotent). */
async function checkLoad(target: SqlTarget, dataset: RetailDataset, options: LoadOptions = {}): Promise<void> {
  const progress: LoadProgress[] = [];
  const report = await loadRetailData(dataset, target, { ...options, onProgress: (p) => progress.push(p) });
  expect(report.rows).toEqual(expected);
  const q = (n: string): string => quoteIdentifier(n, target.dialect);
  for (const table of RETAIL_TABLES) {
    const [count] = await target.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${q(table.name)}`);
    expect(Number(count?.n), table.name).toBe(expected[table.name as RetailTableName]);
    // Primary keys hold (the constraint exists and no key repeats).
    const keys = table.primaryKey.map(q).join(', ');
    const [distinct] = await target.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (SELECT DISTINCT ${keys} FROM ${q(table.name)}) k`);
    expect(Number(distinct?.n), `${table.name} keys`).toBe(expected[table.name as RetailTableName]);
  }
  // Progress: per table, increasing, ending with done at the full count.
  for (const table of RETAIL_TABLES) {
    const mine = progress.filter((p) => p.table === table.name);
    expect(mine.at(-1)).toEqual({ table: table.name, rows: expected[table.name as RetailTableName], done: true });
    const counts = mine.map((p) => p.rows);
    expect([...counts].sort((a, b) => a - b)).toEqual(counts);
  }
  const batch = target.copyCsv !== undefined && options.copy !== false ? COPY_BATCH_ROWS : 1000;
  expect(progress.filter((p) => p.table === 'ratings' && !p.done).length).toBeGreaterThanOrEqual(Math.floor(expected.ratings / batch));

  // Rows read back equal the generated ones.
  const customer = dataset.customerAt(17).row;
  const [row] = await target.query<Record<string, unknown>>(`SELECT * FROM ${q('customers')} WHERE ${q('customerNumber')} = ${target.dialect === 'mysql' ? '?' : '$1'}`, [customer.customerNumber]);
  expect({ ...row, creditLimit: Number(row?.['creditLimit']) }).toEqual(customer);
  const first = dataset.orders().next().value!;
  const [order] = await target.query<Record<string, unknown>>(
    target.dialect === 'mysql'
      ? "SELECT DATE_FORMAT(`orderDate`, '%Y-%m-%dT%H:%i:%s.000Z') AS t FROM orders WHERE `orderNumber` = ?"
      : `SELECT to_char("orderDate", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS t FROM orders WHERE "orderNumber" = $1`,
    [first.orderNumber],
  );
  expect(order?.['t']).toBe((first.orderDate as Date).toISOString());
  const [sum] = await target.query<{ s: number | string }>(`SELECT SUM(${q('productRating')}) AS s FROM ${q('ratings')}`);
  let ratingSum = 0;
  for (const r of dataset.ratings()) ratingSum += r.productRating;
  expect(Number(sum?.s)).toBe(ratingSum);

  // Idempotent: again with drop (default) and with truncate.
  expect((await loadRetailData(dataset, target, { ...options, tables: ['ratings'] })).rows).toEqual({ ratings: expected.ratings });
  expect((await loadRetailData(dataset, target, { ...options, mode: 'truncate', batchSize: 333 })).rows).toEqual(expected);
  const [again] = await target.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${q('orderdetails')}`);
  expect(Number(again?.n)).toBe(expected.orderdetails);
}

describe('insertSql', () => {
  it('numbers PostgreSQL placeholders across rows and uses ? for MySQL', () => {
    const table = RETAIL_TABLES.find((t) => t.name === 'ratings')!;
    expect(insertSql(table, 'postgres', 2)).toBe('INSERT INTO "ratings" ("customerNumber", "productCode", "productRating") VALUES ($1, $2, $3), ($4, $5, $6)');
    expect(insertSql(table, 'mysql', 1)).toBe('INSERT INTO `ratings` (`customerNumber`, `productCode`, `productRating`) VALUES (?, ?, ?)');
  });

  it('writes CSV lines for COPY: strings quoted (quotes doubled), NULL empty, instants in UTC', () => {
    const orders = RETAIL_TABLES.find((t) => t.name === 'orders')!;
    expect(
      csvLine(orders, {
        orderNumber: 1,
        orderDate: new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)),
        requiredDate: '2024-01-09',
        shippedDate: null,
        status: 'Shipped',
        comments: 'said "hi", then\nleft',
        customerNumber: 103,
      }),
    ).toBe('1,"2024-01-02 03:04:05.006","2024-01-09",,"Shipped","said ""hi"", then\nleft",103\n');
  });

  it('rejects bad options with messages naming the constraint', async () => {
    const target = pgliteTarget(undefined as unknown as PGlite);
    await expect(loadRetailData(data, target, { batchSize: 0 })).rejects.toThrow('batchSize must be an integer >= 1, got 0');
    await expect(loadRetailData(data, target, { tables: ['nope' as RetailTableName] })).rejects.toThrow("unknown table 'nope'");
  });
});

describe('loading into PGlite through its API', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await PGlite.create();
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('loads every table by COPY; counts match, keys hold, rows read back equal; idempotent', async () => {
    await checkLoad(pgliteTarget(db), data);
  }, 120_000);

  it('loads every table by INSERT when asked', async () => {
    await checkLoad(pgliteTarget(db), data, { copy: false });
  }, 120_000);
});

describe('loading into PGlite over the local stack\'s socket (pg)', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ kinesis: false, s3: false, firehose: false });
  }, 60_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('loads every table; counts match, keys hold, rows read back equal; idempotent', async () => {
    const target = postgresTarget({ url: stack.endpoints.postgres, name: 'pglite' });
    try {
      await checkLoad(target, data);
    } finally {
      await target.close();
    }
  }, 120_000);
});

describe.runIf(postgresUp)('loading into PostgreSQL (127.0.0.1:5432)', () => {
  const schema = unique('examples_load');
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin?.end();
  });

  it('loads every table; counts match, keys hold, rows read back equal; idempotent', async () => {
    const target = postgresTarget({ connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', options: `-c search_path=${schema}` } });
    try {
      await checkLoad(target, data);
    } finally {
      await target.close();
    }
  }, 120_000);
});

describe.runIf(mysqlUp)('loading into MariaDB/MySQL (127.0.0.1:3306)', () => {
  const database = unique('examples_load');
  let admin: mysql.Connection;
  beforeAll(async () => {
    admin = await mysql.createConnection({ host: '127.0.0.1', port: 3306, user: 'root' });
    await admin.query(`CREATE DATABASE ${database}`);
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${database}`);
    await admin?.end();
  });

  it('loads every table; counts match, keys hold, rows read back equal; idempotent', async () => {
    const target = mysqlTarget({ url: `mysql://root@127.0.0.1:3306/${database}`, connection: { decimalNumbers: true } });
    try {
      await checkLoad(target, data);
    } finally {
      await target.close();
    }
  }, 120_000);
});

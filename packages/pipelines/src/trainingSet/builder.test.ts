import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { StreamEnvironment, silentLogger, type Logger } from '@tributary/core';
import { shouldRunAgainst } from '@tributary/core/testing';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { openSqlClient, type RdsConnectionOptions, type RdsRow, type SqlClient } from '@tributary/connectors/rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRAINING_COLUMNS, TRAINING_SCHEMA_VERSION } from '../retail/rows.js';
import { quoteIdentifier } from '../retail/tables.js';
import { buildTrainingSet, type TrainingSetOptions } from './builder.js';
import { toTrainingSetOptions, trainingSetConfigSchema } from './config.js';
import { appendRatings, dropFixture, expectedTrainingSetSql, generateFixture, loadFixture, type Fixture, type FixtureTables } from './fixtures.js';
import type { TrainingSetManifest } from './manifest.js';
import type { QuarantinedRow } from './quality.js';

// DuckDB is a dev dependency of @tributary/connectors: an independent Parquet reader.
interface DuckConnection {
  runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Array<Record<string, unknown>> }>;
  closeSync(): void;
}
interface DuckInstance {
  connect(): Promise<DuckConnection>;
  closeSync(): void;
}
const { DuckDBInstance } = createRequire(new URL('../../../connectors/package.json', import.meta.url))('@duckdb/node-api') as {
  DuckDBInstance: { create(path: string): Promise<DuckInstance> };
};

let stack: LocalStack;
let duck: DuckInstance;
let dir: string;
const BUCKET = 'training-lake';

beforeAll(async () => {
  stack = await startLocalStack({ kinesis: false, firehose: false });
  await stack.createBucket(BUCKET);
  duck = await DuckDBInstance.create(':memory:');
  dir = await mkdtemp(join(tmpdir(), 'tributary-training-set-'));
}, 120_000);

afterAll(async () => {
  duck?.closeSync();
  await stack?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const targets: Array<{ name: string; run: boolean; conn: () => RdsConnectionOptions }> = [
  { name: 'PGlite (local stack)', run: true, conn: () => ({ dialect: 'postgres', connection: { connectionString: stack.endpoints.postgres } }) },
  { name: 'PostgreSQL', run: await shouldRunAgainst(5432), conn: () => ({ dialect: 'postgres', connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } }) },
  { name: 'MariaDB', run: await shouldRunAgainst(3306), conn: () => ({ dialect: 'mysql', connection: { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' } }) },
];

async function listKeys(s3: S3Client, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys.sort();
}

async function getText(s3: S3Client, key: string): Promise<string> {
  const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await response.Body?.transformToString('utf8')) ?? '';
}

let downloaded = 0;
/** Reads Parquet objects with DuckDB (downloaded first: the local S3 has no DuckDB httpfs route). */
async function readParquet(s3: S3Client, keys: readonly string[]): Promise<Array<Record<string, unknown>>> {
  if (keys.length === 0) return [];
  const paths: string[] = [];
  for (const key of keys) {
    const response = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const path = join(dir, `f${downloaded++}.parquet`);
    await writeFile(path, await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    paths.push(path);
  }
  const connection = await duck.connect();
  try {
    const list = paths.map((p) => `'${p}'`).join(', ');
    const codecs = await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata([${list}])`);
    expect(codecs.getRowObjectsJS().map((r) => String(r['compression']))).toEqual(['SNAPPY']);
    const result = await connection.runAndReadAll(`SELECT ${TRAINING_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM read_parquet([${list}], hive_partitioning = false)`);
    return result.getRowObjectsJS();
  } finally {
    connection.closeSync();
  }
}

/** A row with numbers as numbers (DECIMAL comes back from the drivers as text), sortable. */
function normalise(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of TRAINING_COLUMNS) {
    const v = row[c];
    out[c] = v === null || v === undefined ? null : ['customerNumber', 'creditLimit', 'quantityInStock', 'buyPrice', 'MSRP', 'productRating'].includes(c) ? Number(v) : String(v);
  }
  return out;
}
const byKey = (a: Record<string, unknown>, b: Record<string, unknown>): number =>
  Number(a['customerNumber']) - Number(b['customerNumber']) || String(a['productCode']).localeCompare(String(b['productCode']));

describe.each(targets)('training-set builder on $name', ({ name, run, conn }) => {
  let admin: SqlClient;
  let fixture: Fixture;
  let tables: FixtureTables;
  let dialect: 'mysql' | 'postgres';
  const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const unique = (label: string): string => `${name.replace(/\W+/g, '-').toLowerCase()}-${label}-${suffix}/`;

  beforeAll(async () => {
    if (!run) return;
    dialect = conn().dialect;
    admin = openSqlClient(conn());
    tables = { ratings: `ts_ratings_${suffix}`, customers: `ts_customers_${suffix}`, products: `ts_products_${suffix}` };
    fixture = generateFixture(11);
    await loadFixture(admin, dialect, tables, fixture);
  }, 120_000);

  afterAll(async () => {
    if (!run || admin === undefined) return;
    await dropFixture(admin, dialect, tables);
    await admin.close();
  });

  const options = (prefix: string, extra: Partial<TrainingSetOptions> = {}): TrainingSetOptions => ({
    source: { ...conn(), tables, ratingsPartitions: 3, fetchSize: 50 },
    output: { bucket: BUCKET, prefix, client: stack.clients.s3 },
    snapshotTime: Date.UTC(2024, 4, 1, 6, 30),
    logger: silentLogger,
    ...extra,
  });

  it.skipIf(!run)('writes the valid rows as Snappy Parquet equal to the SQL join, the bad rows to the quarantine with their reasons, and a manifest that adds up', { timeout: 120_000 }, async () => {
    const prefix = unique('full');
    const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
    const build = await buildTrainingSet(env, options(prefix, { runId: 'full1', trackingColumn: 'ratingId' }));
    await env.execute('training set').done;
    const manifest = await build.manifest;

    const s3 = stack.clients.s3;
    const keys = await listKeys(s3, prefix);
    const parquetKeys = keys.filter((k) => k.endsWith('.parquet'));
    expect(parquetKeys.length).toBeGreaterThan(0);
    for (const k of parquetKeys) expect(k.startsWith(`${prefix}data/snapshot=2024-05-01/part_full1-`)).toBe(true);
    expect(keys).toContain(`${prefix}manifest.json`);

    // Row for row, the Parquet equals the join and rules computed by SQL in the source database.
    const expected = (await admin.query(expectedTrainingSetSql(dialect, tables))).map(normalise).sort(byKey);
    const actual = (await readParquet(s3, parquetKeys)).map(normalise).sort(byKey);
    expect(actual.length).toBe(fixture.ratings.length - fixture.planted.length);
    expect(actual).toEqual(expected);

    // The quarantine holds exactly the planted rows, each with its reasons.
    const quarantineKeys = keys.filter((k) => k.startsWith(`${prefix}quarantine/snapshot=2024-05-01/`));
    const quarantined: QuarantinedRow[] = [];
    for (const k of quarantineKeys) for (const line of (await getText(s3, k)).split('\n')) if (line !== '') quarantined.push(JSON.parse(line) as QuarantinedRow);
    const summary = (q: { customerNumber: number | null; productCode: string | null; reasons: readonly string[] }): string => `${q.customerNumber}|${q.productCode}|${[...q.reasons].join(',')}`;
    expect(quarantined.map((q) => summary({ ...q.row, reasons: q.reasons })).sort()).toEqual(fixture.planted.map((p) => summary(p)).sort());
    for (const q of quarantined) expect(q.details).toHaveLength(q.reasons.length);
    const danglingCustomer = quarantined.find((q) => q.row.customerNumber === 999);
    expect(danglingCustomer?.row).toMatchObject({ customerNumber: 999, city: null, country: null, productRating: 3 });
    expect(danglingCustomer?.row.productLine).not.toBeNull();

    // The manifest: counts add up, and name the schema, columns, sources, output and files.
    const written = JSON.parse(await getText(s3, `${prefix}manifest.json`)) as TrainingSetManifest;
    expect(written).toEqual(manifest);
    expect(manifest.counts.in).toBe(fixture.ratings.length);
    expect(manifest.counts.valid).toBe(actual.length);
    expect(manifest.counts.rejected).toBe(fixture.planted.length);
    expect(manifest.counts.in).toBe(manifest.counts.valid + manifest.counts.rejected);
    const byReason: Record<string, number> = {};
    for (const p of fixture.planted) for (const r of p.reasons) byReason[r] = (byReason[r] ?? 0) + 1;
    expect(manifest.counts.rejectedByReason).toEqual(byReason);
    expect(manifest).toMatchObject({
      schemaVersion: TRAINING_SCHEMA_VERSION,
      runId: 'full1',
      mode: 'full',
      snapshotTime: '2024-05-01T06:30:00.000Z',
      snapshotDate: '2024-05-01',
      source: { dialect, tables },
      output: { bucket: BUCKET, prefix, data: `s3://${BUCKET}/${prefix}data/`, quarantine: `s3://${BUCKET}/${prefix}quarantine/`, format: 'parquet', compression: 'SNAPPY', partitioning: { by: 'snapshotDate' } },
      incremental: { trackingColumn: 'ratingId', previousHighWaterMark: null, highWaterMark: fixture.ratings.length },
    });
    expect(manifest.columns.map((c) => c.name)).toEqual(TRAINING_COLUMNS);
    expect(manifest.output.files.map((f) => f.key)).toEqual(parquetKeys);
    expect(manifest.output.files.reduce((n, f) => n + f.rows, 0)).toBe(manifest.counts.valid);
    expect(manifest.output.quarantineFiles.reduce((n, f) => n + f.rows, 0)).toBe(manifest.counts.rejected);
    expect(keys.filter((k) => k.startsWith(`${prefix}manifests/`))).toHaveLength(1);
  });

  it.skipIf(!run)('incremental runs read only the ratings above the last manifest\'s high-water mark', { timeout: 120_000 }, async () => {
    const prefix = unique('incr');
    const first = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
    const firstRun = await buildTrainingSet(first, options(prefix, { mode: 'incremental', trackingColumn: 'ratingId', runId: 'i1' }));
    await first.execute('first').done;
    expect((await firstRun.manifest).counts.in).toBe(fixture.ratings.length);

    // New ratings arrive: 3 good ones (pairs not rated before) and one for a missing product.
    const rated = new Set(fixture.ratings.map((r) => `${r.customerNumber}|${r.productCode}`));
    const fresh = fixture.customers
      .filter((c) => c.customerNumber < 900)
      .flatMap((c) => fixture.products.filter((p) => p.buyPrice > 0 && !rated.has(`${c.customerNumber}|${p.productCode}`)).map((p) => ({ customerNumber: c.customerNumber, productCode: p.productCode, productRating: 4 })))
      .slice(0, 3);
    const added = [...fresh, { customerNumber: 101, productCode: 'S00_LATER', productRating: 5 }];
    const tail = fixture.ratings.length + 1;
    await appendRatings(admin, dialect, tables, added, tail);
    try {
      const second = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
      const secondRun = await buildTrainingSet(second, options(prefix, { mode: 'incremental', trackingColumn: 'ratingId', runId: 'i2', snapshotTime: Date.UTC(2024, 4, 2, 6, 30) }));
      await second.execute('second').done;
      const manifest = await secondRun.manifest;
      expect(manifest.counts).toEqual({ in: 4, valid: 3, rejected: 1, rejectedByReason: { product_missing: 1 } });
      expect(manifest.incremental).toEqual({ trackingColumn: 'ratingId', previousHighWaterMark: fixture.ratings.length, highWaterMark: fixture.ratings.length + 4 });
      const rows = (await readParquet(stack.clients.s3, manifest.output.files.map((f) => f.key))).map(normalise).sort(byKey);
      expect(rows.map((r) => `${r['customerNumber']}|${r['productCode']}`)).toEqual(fresh.map((r) => `${r.customerNumber}|${r.productCode}`).sort((a, b) => byKey({ customerNumber: a.split('|')[0], productCode: a.split('|')[1] }, { customerNumber: b.split('|')[0], productCode: b.split('|')[1] })));
      for (const f of manifest.output.files) expect(f.key.startsWith(`${prefix}data/snapshot=2024-05-02/part_i2-`)).toBe(true);

      // Nothing new: an empty increment, the mark stays.
      const third = StreamEnvironment.create({ logger: silentLogger });
      const thirdRun = await buildTrainingSet(third, options(prefix, { mode: 'incremental', trackingColumn: 'ratingId', runId: 'i3' }));
      await third.execute('third').done;
      const empty = await thirdRun.manifest;
      expect(empty.counts).toEqual({ in: 0, valid: 0, rejected: 0, rejectedByReason: {} });
      expect(empty.incremental?.highWaterMark).toBe(fixture.ratings.length + 4);
      expect(empty.output.files).toEqual([]);
    } finally {
      await admin.query(`DELETE FROM ${quoteIdentifier(tables.ratings, dialect)} WHERE ${quoteIdentifier('ratingId', dialect)} >= ${tail}`);
    }
  });

  it.skipIf(!run)('partitions by customerNumber (warning about tiny files) or by customer bucket', { timeout: 120_000 }, async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (_o, msg) => void warnings.push(msg ?? '') };
    const perCustomer = unique('cust');
    const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
    const run1 = await buildTrainingSet(env, { ...options(perCustomer), output: { bucket: BUCKET, prefix: perCustomer, client: stack.clients.s3, partitionBy: 'customerNumber' }, logger });
    await env.execute('per customer').done;
    expect(warnings.some((w) => w.includes('tiny files') && w.includes('customerBuckets'))).toBe(true);
    const m1 = await run1.manifest;
    expect(m1.output.partitioning).toEqual({ by: 'customerNumber' });
    const customersWithRows = new Set((await admin.query(expectedTrainingSetSql(dialect, tables))).map((r: RdsRow) => Number(r['customerNumber'])));
    const folders = new Set(m1.output.files.map((f) => f.key.slice(`${perCustomer}data/`.length).split('/')[0]));
    expect(folders).toEqual(new Set([...customersWithRows].map((c) => `customerNumber=${c}`)));

    const bucketed = unique('bucket');
    const env2 = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
    const run2 = await buildTrainingSet(env2, { ...options(bucketed), output: { bucket: BUCKET, prefix: bucketed, client: stack.clients.s3, partitionBy: 'customerNumber', customerBuckets: 4 } });
    await env2.execute('bucketed').done;
    const m2 = await run2.manifest;
    expect(m2.output.partitioning).toEqual({ by: 'customerBucket', buckets: 4 });
    const rows = await readParquet(stack.clients.s3, m2.output.files.map((f) => f.key));
    expect(rows).toHaveLength(m2.counts.valid);
    for (const f of m2.output.files) {
      const bucket = Number(/customerBucket=(\d+)\//.exec(f.key)?.[1]);
      const inFile = await readParquet(stack.clients.s3, [f.key]);
      for (const r of inFile) expect(Number(r['customerNumber']) % 4).toBe(bucket);
    }
  });

  it.skipIf(!run)('stops before writing anything when a source column was renamed, naming the column', { timeout: 120_000 }, async () => {
    const prefix = unique('renamed');
    const q = (n: string): string => quoteIdentifier(n, dialect);
    await admin.query(`ALTER TABLE ${q(tables.customers)} RENAME COLUMN ${q('city')} TO ${q('town')}`);
    try {
      const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
      await buildTrainingSet(env, options(prefix));
      await expect(env.execute('renamed').done).rejects.toThrow(`Schema check failed for table \`${tables.customers}\`: missing column \`city\` (declared VARCHAR)`);
      expect(await listKeys(stack.clients.s3, prefix)).toEqual([]);
    } finally {
      await admin.query(`ALTER TABLE ${q(tables.customers)} RENAME COLUMN ${q('town')} TO ${q('city')}`);
    }
  });

  it.skipIf(!run)('runs from the pipeline config (endpoint and region by configuration alone)', { timeout: 120_000 }, async () => {
    const prefix = unique('config');
    const c = conn();
    const connection =
      'connection' in c && 'connectionString' in c.connection
        ? { url: String(c.connection.connectionString) }
        : { host: '127.0.0.1', port: dialect === 'mysql' ? 3306 : 5432, user: dialect === 'mysql' ? 'root' : 'postgres', database: 'test' };
    const config = trainingSetConfigSchema.parse({
      source: { dialect, connection, tables },
      output: { bucket: BUCKET, prefix, endpoint: stack.endpoints.s3, region: 'us-east-1' },
      snapshotTime: '2024-05-01T06:30:00Z',
    });
    const env = StreamEnvironment.create({ logger: silentLogger });
    const build = await buildTrainingSet(env, { ...toTrainingSetOptions(config), logger: silentLogger });
    await env.execute('from config').done;
    const manifest = await build.manifest;
    expect(manifest.counts.valid).toBe(fixture.ratings.length - fixture.planted.length);
    expect(manifest.incremental).toBeUndefined();
  });
});

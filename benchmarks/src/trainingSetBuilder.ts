// Training-set builder (issue 6, batch): rows/s of `buildTrainingSet`
// (ratings ⋈ customers ⋈ products read from MariaDB, quality-checked, Snappy
// Parquet on the local S3) against hand-written scripts doing the same join,
// the same quality rules and the same upload: mysql2 query streams into
// Maps and a loop, then
//   - parquetjs-lite (the writer the design first named) + one PutObject, and
//   - the same Parquet encoder the builder's sink uses (hyparquet-writer
//     behind the connectors' `parquet` format) + one PutObject,
// so the second ratio isolates what the engine and its exactly-once sink
// cost. Both scripts must write exactly as many rows as the builder's
// manifest counts as valid, or the benchmark fails. Needs MariaDB on
// 127.0.0.1:3306 (root, no password, database `test`); without it the
// benchmark is skipped with a message.
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2';
import { StreamEnvironment, silentLogger } from '@tributary/core';
import { isPortOpen } from '@tributary/core/testing';
import { parquet } from '../../packages/connectors/src/formats/index.js';
import { startLocalStack } from '../../packages/connectors/src/local/index.js';
import { openSqlClient, type RdsConnectionOptions } from '../../packages/connectors/src/rds/index.js';
import { buildTrainingSet, TRAINING_PARQUET_SCHEMA } from '../../packages/pipelines/src/trainingSet/builder.js';
import { dropFixture, generateFixture, loadFixture, type FixtureTables } from '../../packages/pipelines/src/trainingSet/fixtures.js';
import { checkJoinedRating, type SourceCustomer, type SourceProduct } from '../../packages/pipelines/src/trainingSet/quality.js';
import type { TrainingRow } from '../../packages/pipelines/src/retail/rows.js';
import { median, writeResult } from './common.js';
import { putObjectCommand } from './s3ParquetSink.js';

const quick = process.argv.includes('--quick');
const RATINGS = quick ? 100_000 : 1_000_000;
const RUNS = quick ? 3 : 3;
const MYSQL = { host: '127.0.0.1', port: 3306, user: 'root', database: 'test' } as const;
const TABLES: FixtureTables = { ratings: `bench_ts_ratings_${RATINGS}`, customers: `bench_ts_customers_${RATINGS}`, products: `bench_ts_products_${RATINGS}` };
const BUCKET = 'bench-training-set';
/** The fixture numbers customers from 101 and plants 901 and 902: at most 799 regular customers. */
const FIXTURE_CUSTOMERS = 799;
/** DESIGN.md: ≥ 0.8× a hand-written mysql2 → Parquet script, and under 30 s for 1M ratings. */
const TARGET_RATIO = 0.8;
const TARGET_SECONDS_AT_1M = 30;

type S3Send = (command: object) => Promise<unknown>;

interface ParquetJsWriter {
  appendRow(row: object): Promise<void>;
  close(): Promise<void>;
}
interface ParquetJs {
  ParquetSchema: new (definition: Record<string, object>) => object;
  ParquetWriter: { openFile(schema: object, path: string): Promise<ParquetJsWriter> };
}

/** Streams a query's rows (mysql2's row stream on a plain connection: the promise wrapper has none). */
async function* queryRows(connection: mysql.Connection, sql: string): AsyncGenerator<Record<string, unknown>> {
  for await (const row of connection.query(sql).stream({ highWaterMark: 1000 })) yield row as Record<string, unknown>;
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * The hand-written script's read, join and checks: dimensions into Maps,
 * ratings streamed, each joined row checked with the builder's own quality
 * rules (so both sides apply identical rules); valid rows go to `write`.
 */
async function joinAndCheck(write: (row: TrainingRow) => Promise<void> | void): Promise<number> {
  const connection = mysql.createConnection(MYSQL);
  try {
    const customers = new Map<number, SourceCustomer>();
    for await (const r of queryRows(connection, `SELECT customerNumber, city, state, postalCode, country, creditLimit FROM \`${TABLES.customers}\``)) {
      const c: SourceCustomer = { customerNumber: Number(r['customerNumber']), city: str(r['city']), state: str(r['state']), postalCode: str(r['postalCode']), country: str(r['country']), creditLimit: num(r['creditLimit']) };
      customers.set(c.customerNumber, c);
    }
    const products = new Map<string, SourceProduct>();
    for await (const r of queryRows(connection, `SELECT productCode, productLine, productScale, quantityInStock, buyPrice, MSRP FROM \`${TABLES.products}\``)) {
      const p: SourceProduct = { productCode: String(r['productCode']), productLine: str(r['productLine']), productScale: str(r['productScale']), quantityInStock: num(r['quantityInStock']), buyPrice: num(r['buyPrice']), MSRP: num(r['MSRP']) };
      products.set(p.productCode, p);
    }
    let valid = 0;
    for await (const r of queryRows(connection, `SELECT customerNumber, productCode, productRating FROM \`${TABLES.ratings}\``)) {
      const rating = { customerNumber: Number(r['customerNumber']), productCode: String(r['productCode']), productRating: num(r['productRating']) };
      const checked = checkJoinedRating({ rating, customer: customers.get(rating.customerNumber) ?? null, product: products.get(rating.productCode) ?? null });
      if (!checked.ok) continue;
      valid++;
      const pending = write(checked.row);
      if (pending !== undefined) await pending;
    }
    return valid;
  } finally {
    connection.destroy();
  }
}

/** Script 1: mysql2 → parquetjs-lite (Snappy) → one PutObject. */
async function scriptParquetJs(send: S3Send, PutObject: Awaited<ReturnType<typeof putObjectCommand>>, key: string): Promise<number> {
  const lib = createRequire(import.meta.url)('parquetjs-lite') as ParquetJs;
  const field = (type: string, optional = false): object => ({ type, optional, compression: 'SNAPPY' });
  const schema = new lib.ParquetSchema(
    Object.fromEntries(
      Object.entries(TRAINING_PARQUET_SCHEMA).map(([name, spec]) => [name, typeof spec === 'string' ? field(spec) : field((spec as { type: string }).type, (spec as { optional?: boolean }).optional === true)]),
    ),
  );
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-ts-'));
  try {
    const path = join(dir, 'part.parquet');
    const writer = await lib.ParquetWriter.openFile(schema, path);
    const rows = await joinAndCheck((row) => writer.appendRow(row));
    await writer.close();
    const bytes = await readFile(path);
    await send(new PutObject({ Bucket: BUCKET, Key: key, Body: bytes, ContentLength: bytes.length }));
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Script 2: mysql2 → the builder's Parquet encoder (Snappy), batches of 4,096 rows → one PutObject. */
async function scriptSameEncoder(send: S3Send, PutObject: Awaited<ReturnType<typeof putObjectCommand>>, key: string): Promise<number> {
  const chunks: Uint8Array[] = [];
  const encoder = parquet<TrainingRow>({ schema: TRAINING_PARQUET_SCHEMA, compression: 'SNAPPY' }).open({
    write: (chunk) => chunks.push(chunk),
    reject: (_record, reason) => {
      throw new Error(`the encoder rejected a valid row: ${reason}`);
    },
  });
  let batch: TrainingRow[] = [];
  const rows = await joinAndCheck(async (row) => {
    batch.push(row);
    if (batch.length >= 4096) {
      const full = batch;
      batch = [];
      await encoder.write(full);
    }
  });
  await encoder.write(batch);
  await encoder.finish();
  const body = Buffer.concat(chunks);
  await send(new PutObject({ Bucket: BUCKET, Key: key, Body: body, ContentLength: body.length }));
  return rows;
}

export async function runTrainingSetBenchmark(): Promise<Record<string, unknown> | undefined> {
  if (!(await isPortOpen(MYSQL.port))) {
    console.log(`training-set: MariaDB is not reachable on ${MYSQL.host}:${MYSQL.port}; skipped (no result written)`);
    return undefined;
  }
  const loadBefore = loadavg();
  const connection: RdsConnectionOptions = { dialect: 'mysql', connection: { ...MYSQL } };
  const sql = openSqlClient(connection);
  const stack = await startLocalStack({ kinesis: false, firehose: false, postgres: false });
  try {
    // Data: the pipelines' deterministic fixture (valid rows plus 8 planted bad ones), scaled up. Its
    // customer numbers must stay below 900 (901 and 902 are planted), so the products grow instead:
    // 799 customers × RATINGS / 400 products leaves every (customer, product) pair at most half taken.
    let started = performance.now();
    const fixture = generateFixture(7, { customers: FIXTURE_CUSTOMERS, products: Math.ceil(RATINGS / 400), ratings: RATINGS - 8 });
    await dropFixture(sql, 'mysql', TABLES);
    await loadFixture(sql, 'mysql', TABLES, fixture);
    const loadSeconds = (performance.now() - started) / 1000;
    console.log(`training-set: loaded ${fixture.ratings.length} ratings, ${fixture.customers.length} customers, ${fixture.products.length} products in ${loadSeconds.toFixed(1)} s`);

    await stack.createBucket(BUCKET);
    const s3 = stack.clients.s3;
    const send: S3Send = (command) => s3.send(command as Parameters<typeof s3.send>[0]);
    const PutObject = await putObjectCommand();

    const builder: number[] = [];
    const builderSeconds: number[] = [];
    const parquetJs: number[] = [];
    const sameEncoder: number[] = [];
    let validRows = 0;
    for (let run = 0; run < RUNS; run++) {
      started = performance.now();
      const env = StreamEnvironment.create({ logger: silentLogger });
      const build = await buildTrainingSet(env, {
        source: { ...connection, tables: TABLES },
        output: { bucket: BUCKET, prefix: `builder/run-${run}/`, client: s3 },
        runId: `bench${run}`,
        logger: silentLogger,
      });
      await env.execute('training-set-bench').done;
      const manifest = await build.manifest;
      const seconds = (performance.now() - started) / 1000;
      builderSeconds.push(seconds);
      builder.push(manifest.counts.in / seconds);
      validRows = manifest.counts.valid;
      if (manifest.counts.in !== fixture.ratings.length) throw new Error(`training-set: the builder read ${manifest.counts.in} of ${fixture.ratings.length} ratings`);

      started = performance.now();
      const a = await scriptParquetJs(send, PutObject, `script-parquetjs/run-${run}.parquet`);
      parquetJs.push(fixture.ratings.length / ((performance.now() - started) / 1000));
      started = performance.now();
      const b = await scriptSameEncoder(send, PutObject, `script-encoder/run-${run}.parquet`);
      sameEncoder.push(fixture.ratings.length / ((performance.now() - started) / 1000));
      if (a !== validRows || b !== validRows) throw new Error(`training-set: valid rows differ — builder ${validRows}, parquetjs-lite script ${a}, same-encoder script ${b}`);
    }
    const seconds = median(builderSeconds);
    const ratioParquetJs = median(builder) / median(parquetJs);
    const ratioSameEncoder = median(builder) / median(sameEncoder);
    const result = {
      parameters: { ratings: fixture.ratings.length, validRows, customers: fixture.customers.length, products: fixture.products.length, runs: RUNS, parallelism: 1, compression: 'SNAPPY', database: 'MariaDB 127.0.0.1:3306', quick },
      loadAverage: { before: loadBefore.map((l) => Number(l.toFixed(2))), after: loadavg().map((l) => Number(l.toFixed(2))) },
      loadSeconds: Number(loadSeconds.toFixed(1)),
      builder: { medianRowsPerSecond: Math.round(median(builder)), medianSeconds: Number(seconds.toFixed(2)), runs: builder.map(Math.round) },
      scriptParquetJs: { medianRowsPerSecond: Math.round(median(parquetJs)), runs: parquetJs.map(Math.round) },
      scriptSameEncoder: { medianRowsPerSecond: Math.round(median(sameEncoder)), runs: sameEncoder.map(Math.round) },
      ratioParquetJs,
      ratioSameEncoder,
      targets: { ratio: TARGET_RATIO, secondsAt1M: TARGET_SECONDS_AT_1M },
      targetRatioMet: ratioSameEncoder >= TARGET_RATIO && ratioParquetJs >= TARGET_RATIO,
      // Measured at 1M in the full run; the quick run extrapolates linearly (labelled as such).
      secondsFor1M: Number(((seconds * 1_000_000) / fixture.ratings.length).toFixed(1)),
      secondsFor1MExtrapolated: fixture.ratings.length !== 1_000_000,
      targetTimeMet: (seconds * 1_000_000) / fixture.ratings.length < TARGET_SECONDS_AT_1M,
    };
    const file = await writeResult('training-set', result);
    console.log(
      `training-set (${fixture.ratings.length} ratings): builder ${result.builder.medianRowsPerSecond}/s (${seconds.toFixed(1)} s), ` +
        `parquetjs-lite script ${result.scriptParquetJs.medianRowsPerSecond}/s (ratio ${ratioParquetJs.toFixed(2)}), ` +
        `same-encoder script ${result.scriptSameEncoder.medianRowsPerSecond}/s (ratio ${ratioSameEncoder.toFixed(2)}) → ${file}`,
    );
    return result;
  } finally {
    await dropFixture(sql, 'mysql', TABLES).catch(() => undefined);
    await sql.close?.();
    await stack.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runTrainingSetBenchmark();

// Parquet writers (issue 4): rows/s of the two implementations of the
// connectors' ParquetWriter interface — parquetjs-lite (the design's choice)
// and hyparquet-writer — on the same rows with Snappy, in one run (medians),
// each file read back by DuckDB (an independent reader) and compared with
// the input, plus whether INT64 beyond 2^53 survives. The default writer
// must be the fastest one whose output DuckDB reads back exactly.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DEFAULT_PARQUET_WRITER,
  hyparquetWriter,
  parquetjsLiteWriter,
  writeParquet,
  type ParquetSchemaDefinition,
  type ParquetWriterFactory,
} from '../../packages/connectors/src/formats/index.js';
import { median, writeResult } from './common.js';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 200_000 : 1_000_000;
const RUNS = quick ? 3 : 5;
const ROW_GROUP_ROWS = 100_000;

export const PARQUET_BENCH_SCHEMA: ParquetSchemaDefinition = {
  id: 'INT64',
  n: 'INT32',
  price: { type: 'DOUBLE', optional: true },
  name: 'UTF8',
  note: { type: 'UTF8', optional: true },
  ok: 'BOOLEAN',
  at: 'TIMESTAMP_MILLIS',
};

export interface BenchRow {
  readonly id: bigint;
  readonly n: number;
  readonly price: number | null;
  readonly name: string;
  readonly note: string | null;
  readonly ok: boolean;
  readonly at: Date;
}

/** Rows of the benchmark (INT64 within ±2^53, so both writers can store them). */
export function benchRows(count: number): BenchRow[] {
  const start = Date.UTC(2024, 0, 1);
  return Array.from({ length: count }, (_, i) => ({
    id: BigInt(i) * 1_000_003n,
    n: (i * 7) % 1_000_000,
    price: i % 10 === 0 ? null : (i % 1000) * 0.25,
    name: `customer-${i % 50_000}`,
    note: i % 3 === 0 ? null : `note ${i % 97}`,
    ok: i % 2 === 0,
    at: new Date(start + i * 1_000),
  }));
}

/** DuckDB, resolved from the connectors package (its dev dependency). */
interface Duck {
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  close(): void;
}

export async function openDuckDb(): Promise<Duck> {
  const require = createRequire(new URL('../../packages/connectors/package.json', import.meta.url));
  const api = (await import(pathToFileURL(require.resolve('@duckdb/node-api')).href)) as {
    DuckDBInstance: { create(path: string): Promise<{ connect(): Promise<{ runAndReadAll(sql: string): Promise<{ getRowObjectsJS(): Array<Record<string, unknown>> }>; closeSync(): void }>; closeSync(): void }> };
  };
  const instance = await api.DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  return {
    query: async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS(),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Compares DuckDB's aggregates (and first/last rows) of a file with the input: every column, every null. */
export async function readsBackExactly(duck: Duck, path: string, rows: readonly BenchRow[]): Promise<{ exact: boolean; detail: Record<string, unknown> }> {
  const [agg] = await duck.query(
    `SELECT count(*) AS c, sum(id) AS id, sum(n) AS n, sum(price) AS price, count(price) AS prices, count(note) AS notes,
            sum(length(name)) AS names, count_if(ok) AS oks, sum(epoch_ms("at")) AS at,
            typeof(any_value(id)) AS idtype, typeof(any_value("at")) AS attype
       FROM read_parquet('${path}')`,
  );
  let id = 0n;
  let n = 0;
  let price = 0;
  let prices = 0;
  let notes = 0;
  let names = 0;
  let oks = 0;
  let at = 0n;
  for (const r of rows) {
    id += r.id;
    n += r.n;
    if (r.price !== null) {
      price += r.price;
      prices++;
    }
    if (r.note !== null) notes++;
    names += r.name.length;
    if (r.ok) oks++;
    at += BigInt(r.at.getTime());
  }
  const expected = { c: BigInt(rows.length), id, n: BigInt(n), prices: BigInt(prices), notes: BigInt(notes), names: BigInt(names), oks: BigInt(oks), at, idtype: 'BIGINT', attype: 'TIMESTAMP' };
  const got = agg ?? {};
  const text = (v: unknown): string => (typeof v === 'number' && Number.isInteger(v) ? String(BigInt(v)) : String(v));
  const sameAggregates = Object.entries(expected).every(([k, v]) => text(got[k]) === text(v));
  const samePrice = Math.abs(Number(got.price) - price) <= Math.abs(price) * 1e-12;
  const edges = await duck.query(`SELECT * FROM read_parquet('${path}') WHERE id IN (${rows[0]!.id}, ${rows.at(-1)!.id}) ORDER BY id`);
  const sameEdges = JSON.stringify(edges, jsonBigint) === JSON.stringify([rows[0], rows.at(-1)], jsonBigint);
  return { exact: sameAggregates && samePrice && sameEdges, detail: { sameAggregates, samePrice, sameEdges } };
}

function jsonBigint(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

/** Writes INT64 values beyond 2^53 and checks them in DuckDB as text. */
async function int64Survives(duck: Duck, dir: string, writer: ParquetWriterFactory): Promise<'exact' | 'rejected' | 'rounded'> {
  const ids = [2n ** 62n + 1n, -(2n ** 62n) - 3n, 9_007_199_254_740_993n];
  const { bytes, rejected } = await writeParquet(
    ids.map((id) => ({ id })),
    { schema: { id: 'INT64' }, writer },
  );
  if (rejected.length > 0) return 'rejected';
  const path = join(dir, `int64-${writer.name}.parquet`);
  await writeFile(path, bytes);
  const back = await duck.query(`SELECT CAST(id AS VARCHAR) AS id FROM read_parquet('${path}')`);
  return back.map((r) => r.id).join() === ids.map(String).join() ? 'exact' : 'rounded';
}

export async function runParquetWriterBenchmark(): Promise<Record<string, unknown>> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-bench-parquet-'));
  const duck = await openDuckDb();
  try {
    const rows = benchRows(ROWS);
    const writers = [parquetjsLiteWriter, hyparquetWriter];
    const rates = new Map<string, number[]>(writers.map((w) => [w.name, []]));
    const sizes = new Map<string, number>();
    for (let run = 0; run < RUNS; run++) {
      for (const writer of writers) {
        const started = performance.now();
        const file = await writeParquet(rows, { schema: PARQUET_BENCH_SCHEMA, writer, compression: 'SNAPPY', rowGroupRows: ROW_GROUP_ROWS });
        const seconds = (performance.now() - started) / 1000;
        if (file.rejected.length > 0) throw new Error(`${writer.name} rejected ${file.rejected.length} rows: ${file.rejected[0]?.reason}`);
        rates.get(writer.name)!.push(ROWS / seconds);
        sizes.set(writer.name, file.bytes.length);
        if (run === RUNS - 1) await writeFile(join(dir, `${writer.name}.parquet`), file.bytes);
      }
    }
    const results: Record<string, unknown> = {};
    const candidates: Array<{ name: string; rate: number }> = [];
    for (const writer of writers) {
      const readBack = await readsBackExactly(duck, join(dir, `${writer.name}.parquet`), rows);
      const int64 = await int64Survives(duck, dir, writer);
      const rate = median(rates.get(writer.name)!);
      results[writer.name] = {
        medianRowsPerSecond: Math.round(rate),
        runs: rates.get(writer.name)!.map(Math.round),
        fileBytes: sizes.get(writer.name),
        duckdbReadsBackExactly: readBack.exact,
        readBack: readBack.detail,
        int64Beyond2pow53: int64,
      };
      if (readBack.exact && int64 === 'exact') candidates.push({ name: writer.name, rate });
    }
    const fastestExact = candidates.sort((a, b) => b.rate - a.rate)[0]?.name;
    const hyparquet = median(rates.get(hyparquetWriter.name)!);
    const parquetjs = median(rates.get(parquetjsLiteWriter.name)!);
    const result = {
      parameters: { rows: ROWS, runs: RUNS, rowGroupRows: ROW_GROUP_ROWS, compression: 'SNAPPY', columns: Object.keys(PARQUET_BENCH_SCHEMA).length, quick },
      writers: results,
      speedup: hyparquet / parquetjs,
      fastestExact,
      defaultWriter: DEFAULT_PARQUET_WRITER.name,
      defaultIsFastestExact: fastestExact === DEFAULT_PARQUET_WRITER.name,
    };
    const file = await writeResult('parquet-writers', result);
    console.log(
      `parquet writers (${ROWS} rows, Snappy): hyparquet-writer ${Math.round(hyparquet)}/s, parquetjs-lite ${Math.round(parquetjs)}/s → ${result.speedup.toFixed(1)}×; ` +
        `fastest exact: ${fastestExact}; default: ${result.defaultWriter} → ${file}`,
    );
    if (!result.defaultIsFastestExact) console.warn(`WARNING: the default Parquet writer (${result.defaultWriter}) is not the fastest exact one (${fastestExact})`);
    return result;
  } finally {
    duck.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runParquetWriterBenchmark();
}

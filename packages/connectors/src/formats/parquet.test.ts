import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hyparquetWriter } from './hyparquetWriter.js';
import { DEFAULT_PARQUET_WRITER, parquet, writeParquet } from './parquetFormat.js';
import { parquetjsLiteWriter } from './parquetjsWriter.js';
import { parquetReader } from './parquetReader.js';
import { parquetColumns, type ParquetSchemaDefinition } from './parquetSchema.js';
import type { ParquetWriterFactory } from './parquetWriter.js';
import type { ReadableFile } from './readFormat.js';

interface Row {
  readonly id: bigint;
  readonly n: number;
  readonly price: number | null;
  readonly name: string;
  readonly note: string | null;
  readonly ok: boolean | null;
  readonly at: Date;
}

const schema: ParquetSchemaDefinition = {
  id: 'INT64',
  n: 'INT32',
  price: { type: 'DOUBLE', optional: true },
  name: 'UTF8',
  note: { type: 'STRING', optional: true },
  ok: { type: 'BOOLEAN', optional: true },
  at: 'TIMESTAMP_MILLIS',
};

const BIG = 2n ** 62n + 12345n; // far beyond 2^53: a double would round it

function rows(count: number, big: boolean): Row[] {
  return Array.from({ length: count }, (_, i) => ({
    id: big && i % 3 === 0 ? BIG + BigInt(i) : BigInt(i) - 5n,
    n: i * 7 - 1000,
    price: i % 4 === 0 ? null : i * 0.25,
    name: `name-${i}-ünïcødé, "quoted"`,
    note: i % 5 === 0 ? null : `note ${i}`,
    ok: i % 6 === 0 ? null : i % 2 === 0,
    at: new Date(Date.UTC(2024, 0, 1) + i * 1_000),
  }));
}

let dir: string;
let duck: DuckDBInstance;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-parquet-'));
  duck = await DuckDBInstance.create(':memory:');
});
afterAll(async () => {
  duck.closeSync();
  await rm(dir, { recursive: true, force: true });
});

let files = 0;
/** Reads a Parquet file with DuckDB (an independent reader): rows, column types, and codecs. */
async function readWithDuckDb(bytes: Uint8Array): Promise<{ rows: Array<Record<string, unknown>>; types: Record<string, string>; codecs: string[] }> {
  const path = join(dir, `f${files++}.parquet`);
  await writeFile(path, bytes);
  const connection = await duck.connect();
  try {
    const result = await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${path}')`);
    const codecs = await connection.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${path}')`);
    const types: Record<string, string> = {};
    for (const row of described.getRowObjectsJS()) types[String(row.column_name)] = String(row.column_type);
    return { rows: result.getRowObjectsJS(), types, codecs: codecs.getRowObjectsJS().map((r) => String(r.compression)) };
  } finally {
    connection.closeSync();
  }
}

function memoryFile(bytes: Uint8Array, name = 'mem.parquet'): ReadableFile & { reads: number } {
  const file = {
    name,
    size: bytes.length,
    reads: 0,
    async read(start: number, end: number): Promise<Uint8Array> {
      file.reads++;
      return bytes.slice(start, end);
    },
    async *stream(): AsyncIterable<Uint8Array> {
      yield bytes;
    },
  };
  return file;
}

const expectedDuckRow = (r: Row): Record<string, unknown> => ({ ...r });

describe.each<[string, ParquetWriterFactory]>([
  ['hyparquet-writer', hyparquetWriter],
  ['parquetjs-lite', parquetjsLiteWriter],
])('parquet with %s', (_name, writer) => {
  it('writes rows DuckDB reads back with the same values, types and nulls (Snappy)', async () => {
    const input = rows(2_500, writer.exactInt64);
    const file = await writeParquet(input, { schema, writer, rowGroupRows: 1_000 });
    expect(file.rejected).toEqual([]);
    expect(file.records).toBe(2_500);
    const back = await readWithDuckDb(file.bytes);
    expect(back.types).toEqual({ id: 'BIGINT', n: 'INTEGER', price: 'DOUBLE', name: 'VARCHAR', note: 'VARCHAR', ok: 'BOOLEAN', at: 'TIMESTAMP' });
    expect(back.codecs).toEqual(['SNAPPY']);
    expect(back.rows).toEqual(input.map(expectedDuckRow));
  });

  it('reads back with the Parquet reader, from any row on', async () => {
    const input = rows(2_500, writer.exactInt64);
    const { bytes } = await writeParquet(input, { schema, writer, rowGroupRows: 1_000 });
    const read = async (from: number): Promise<unknown[]> => {
      const out: unknown[] = [];
      for await (const batch of parquetReader().read(memoryFile(bytes), from)) for (const r of batch) out.push(r.ok ? r.value : r);
      return out;
    };
    expect(await read(0)).toEqual(input);
    expect(await read(1_500)).toEqual(input.slice(1_500));
    expect(await read(2_499)).toEqual(input.slice(2_499));
    expect(await read(2_500)).toEqual([]);
  });

  it('rejects records that do not fit the schema, with the reason, and writes the rest', async () => {
    const good = rows(3, writer.exactInt64);
    const bad = [
      { ...good[0]!, id: 'seven' },
      { ...good[0]!, name: null },
      { ...good[0]!, n: 2 ** 31 },
      { ...good[0]!, id: 2 ** 60 },
      { ...good[0]!, at: new Date(Number.NaN) },
      42,
    ];
    const file = await writeParquet<unknown>([good[0], ...bad, good[1], good[2]], { schema, writer });
    expect(file.rejected.map((r) => r.reason)).toEqual([
      `column 'id' (INT64) expects a bigint or a number that is a safe integer (larger numbers have lost digits: pass a bigint), got "seven"`,
      `column 'name' is required but the value is null`,
      `column 'n' (INT32) expects an integer in the 32-bit range, got number 2147483648`,
      `column 'id' (INT64) expects a bigint or a number that is a safe integer (larger numbers have lost digits: pass a bigint), got number 1152921504606847000`,
      `column 'at' (TIMESTAMP_MILLIS) expects a valid Date, got Date(invalid)`,
      'the record is not an object (got number)',
    ]);
    expect((await readWithDuckDb(file.bytes)).rows).toEqual(good.map(expectedDuckRow));
  });

  it('hands out bytes row group by row group, before the footer', async () => {
    const chunks: Uint8Array[] = [];
    const encoder = parquet<Row>({ schema, writer, rowGroupRows: 500 }).open({ write: (c) => chunks.push(c), reject: () => {} });
    await encoder.write(rows(1_200, false));
    const beforeFinish = chunks.reduce((n, c) => n + c.length, 0);
    expect(beforeFinish).toBeGreaterThan(0); // two full row groups are out
    expect(encoder.pendingBytes).toBeGreaterThan(0); // 200 rows wait for the next group
    await encoder.finish();
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBeGreaterThan(beforeFinish);
  });
});

describe('INT64 beyond 2^53', () => {
  it('survives the default writer exactly (checked with DuckDB)', async () => {
    expect(DEFAULT_PARQUET_WRITER).toBe(hyparquetWriter);
    const ids = [BIG, -BIG, 2n ** 63n - 1n, -(2n ** 63n), 9_007_199_254_740_993n];
    const { bytes, rejected } = await writeParquet(
      ids.map((id) => ({ id })),
      { schema: { id: 'INT64' } },
    );
    expect(rejected).toEqual([]);
    const back = await readWithDuckDb(bytes);
    expect(back.rows.map((r) => r.id)).toEqual(ids);
    const connection = await duck.connect();
    try {
      const path = join(dir, 'big.parquet');
      await writeFile(path, bytes);
      // Compared as text inside DuckDB too, so no JavaScript conversion is involved.
      const text = await connection.runAndReadAll(`SELECT CAST(id AS VARCHAR) AS id FROM read_parquet('${path}')`);
      expect(text.getRowObjectsJS().map((r) => r.id)).toEqual(ids.map(String));
    } finally {
      connection.closeSync();
    }
  });

  it('is rejected, not rounded, by parquetjs-lite', async () => {
    const { bytes, rejected } = await writeParquet([{ id: 1n }, { id: 9_007_199_254_740_993n }, { id: 2n }], {
      schema: { id: 'INT64' },
      writer: parquetjsLiteWriter,
    });
    expect(rejected).toEqual([
      { record: { id: 9_007_199_254_740_993n }, reason: "column 'id': parquetjs-lite cannot store INT64 9007199254740993 exactly (beyond ±2^53); use hyparquetWriter" },
    ]);
    expect((await readWithDuckDb(bytes)).rows).toEqual([{ id: 1n }, { id: 2n }]);
  });
});

describe('parquet schema and options', () => {
  it('checks the declared schema and options at once', () => {
    expect(() => parquetColumns({})).toThrow('parquet schema must declare at least one column');
    expect(() => parquetColumns({ a: 'INT8' as 'INT32' })).toThrow(/parquet column 'a' has unknown type "INT8"/);
    expect(() => parquetColumns({ 'a.b': 'INT32' })).toThrow(/contain no '.'/);
    expect(() => parquet({ schema: { a: 'INT32' }, rowGroupRows: 0 })).toThrow('parquet: rowGroupRows must be an integer >= 1, got 0');
    expect(parquetColumns({ a: 'STRING', b: { type: 'INT64', optional: true } })).toEqual([
      { name: 'a', type: 'UTF8', optional: false },
      { name: 'b', type: 'INT64', optional: true },
    ]);
  });

  it('maps records to rows with toRow, and supports GZIP and no compression', async () => {
    const input = [{ user: { id: 3 }, tag: 'x' }];
    for (const compression of ['GZIP', 'UNCOMPRESSED'] as const) {
      for (const writer of [hyparquetWriter, parquetjsLiteWriter]) {
        const { bytes } = await writeParquet(input, { schema: { uid: 'INT32', tag: 'UTF8' }, writer, compression, toRow: (r) => ({ uid: r.user.id, tag: r.tag }) });
        const back = await readWithDuckDb(bytes);
        expect(back.rows).toEqual([{ uid: 3, tag: 'x' }]);
        expect(back.codecs).toEqual([compression]);
      }
    }
  });

  it('fails clearly on a file that is not Parquet', async () => {
    const read = async (): Promise<void> => {
      for await (const _ of parquetReader().read(memoryFile(new TextEncoder().encode('{"not":"parquet"}\n'), 'orders.jsonl'), 0)) {
        // nothing
      }
    };
    await expect(read()).rejects.toMatchObject({ code: 'PARQUET_UNREADABLE', message: expect.stringContaining("'orders.jsonl'") });
  });
});

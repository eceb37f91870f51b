import { csv, jsonLines } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { CsvParser, type CsvRow } from './csvParser.js';
import { textFormat } from './fileFormat.js';
import { concat } from './parquetFormat.js';
import { csvReader, jsonLinesReader, type DecodedRecord, type FileReadFormat, type ReadableFile } from './readFormat.js';

interface Order {
  readonly id: number;
  readonly name: string;
}

/** A file streamed in chunks of `chunkSize` bytes (cut anywhere, even inside a UTF-8 character). */
function file(content: string | Uint8Array, chunkSize = 7): ReadableFile {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    name: 'test',
    size: bytes.length,
    read: async (start, end) => bytes.slice(start, end),
    async *stream() {
      for (let i = 0; i < bytes.length; i += chunkSize) yield bytes.slice(i, i + chunkSize);
    },
  };
}

async function readAll<T>(format: FileReadFormat<T>, f: ReadableFile, from = 0): Promise<Array<DecodedRecord<T>>> {
  const out: Array<DecodedRecord<T>> = [];
  for await (const batch of format.read(f, from)) out.push(...batch);
  return out;
}

function encode<T>(format: ReturnType<typeof textFormat<T>>, records: readonly T[]): { bytes: Uint8Array; rejected: Array<{ record: T; reason: string }> } {
  const chunks: Uint8Array[] = [];
  const rejected: Array<{ record: T; reason: string }> = [];
  const encoder = format.open({ write: (c) => chunks.push(c), reject: (record, reason) => rejected.push({ record, reason }) });
  void encoder.write(records);
  void encoder.finish();
  return { bytes: concat(chunks), rejected };
}

const orders: Order[] = Array.from({ length: 3000 }, (_, i) => ({ id: i, name: i % 7 === 0 ? `Smith, "J" ${i}\nsecond line ünï` : `n${i}` }));

describe('text formats', () => {
  it('JSON Lines round-trips through core jsonLines() and jsonLinesReader()', async () => {
    const format = textFormat(jsonLines<Order>());
    expect(format.extension).toBe('jsonl');
    expect(format.contentType).toBe('application/x-ndjson');
    const { bytes, rejected } = encode(format, orders);
    expect(rejected).toEqual([]);
    const back = await readAll(jsonLinesReader<Order>(), file(bytes, 1000));
    expect(back).toEqual(orders.map((value) => ({ ok: true, value })));
  });

  it('CSV round-trips through core csv() and csvReader(), quotes and line breaks included', async () => {
    const format = textFormat(csv<Order>({ columns: ['id', 'name'], header: true }));
    expect(format.contentType).toBe('text/csv; charset=utf-8');
    const { bytes } = encode(format, orders);
    const reader = csvReader<Order>({ parse: (r) => ({ id: Number(r.id), name: r.name! }) });
    for (const chunkSize of [1, 3, 64, 100_000]) {
      expect(await readAll(reader, file(bytes, chunkSize))).toEqual(orders.map((value) => ({ ok: true, value })));
    }
    // From an offset: the header is still read, the first records are skipped.
    expect((await readAll(reader, file(bytes), 2_990)).map((r) => (r.ok ? r.value.id : -1))).toEqual([2990, 2991, 2992, 2993, 2994, 2995, 2996, 2997, 2998, 2999]);
  });

  it('rejects only the records a batch cannot encode', () => {
    const format = textFormat(jsonLines<{ id: number | bigint }>());
    const { bytes, rejected } = encode(format, [{ id: 1 }, { id: 2n }, { id: 3 }]);
    expect(new TextDecoder().decode(bytes)).toBe('{"id":1}\n{"id":3}\n');
    expect(rejected).toEqual([{ record: { id: 2n }, reason: 'cannot encode as jsonl: Do not know how to serialize a BigInt' }]);
  });

  it('yields undecodable lines and rows with reasons (they still count as positions)', async () => {
    const lines = '{"id":1,"name":"a"}\nnot json\n\n{"id":3}\r\n{"id":4,"name":"d"}';
    const parse = (v: unknown): Order => {
      const o = v as Partial<Order>;
      if (typeof o.name !== 'string') throw new Error('name is missing');
      return o as Order;
    };
    expect(await readAll(jsonLinesReader({ parse }), file(lines))).toEqual([
      { ok: true, value: { id: 1, name: 'a' } },
      { ok: false, reason: expect.stringMatching(/^not JSON: /), raw: 'not json' },
      { ok: false, reason: 'name is missing', raw: '{"id":3}' },
      { ok: true, value: { id: 4, name: 'd' } },
    ]);
    expect(await readAll(jsonLinesReader({ parse }), file(lines), 3)).toEqual([{ ok: true, value: { id: 4, name: 'd' } }]);

    const table = 'id,name\n1,a\n2\n3,"c"x\n4,"open\n';
    expect(await readAll(csvReader(), file(table))).toEqual([
      { ok: true, value: { id: '1', name: 'a' } },
      { ok: false, reason: 'expected 2 fields, got 1', raw: '2' },
      { ok: false, reason: 'malformed CSV: text after the closing quote of a field', raw: '3,"c"x' },
      { ok: false, reason: 'malformed CSV: a quoted field is not closed at the end of the input', raw: '4,"open\n' },
    ]);
  });

  it('reads CSV without a header with declared columns, and checks its options', async () => {
    expect(await readAll(csvReader({ header: false, columns: ['a', 'b'], delimiter: ';' }), file('1;2\n3;4\n'))).toEqual([
      { ok: true, value: { a: '1', b: '2' } },
      { ok: true, value: { a: '3', b: '4' } },
    ]);
    expect(() => csvReader({ header: false })).toThrow('csvReader: without a header row, columns must name the columns');
    expect(() => csvReader({ delimiter: '"' })).toThrow(/delimiter must be one character other than a quote or a line break/);
  });
});

describe('CsvParser', () => {
  const parseAll = (text: string, cuts: readonly number[]): CsvRow[] => {
    const parser = new CsvParser();
    const rows: CsvRow[] = [];
    let at = 0;
    for (const cut of [...cuts, text.length]) {
      rows.push(...parser.push(text.slice(at, cut)));
      at = cut;
    }
    return [...rows, ...parser.end()];
  };

  it('gives the same rows wherever the text is cut', () => {
    const text = 'a,"b ""q"", c",\r\n"multi\r\nline",,"x"\r\n\r\n"",z\rlast,"end"""';
    const expected: CsvRow[] = [{ fields: ['a', 'b "q", c', ''] }, { fields: ['multi\r\nline', '', 'x'] }, { fields: ['', 'z'] }, { fields: ['last', 'end"'] }];
    expect(parseAll(text, [])).toEqual(expected);
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, i + 1, i + 2]) {
        if (j <= text.length) expect(parseAll(text, j === i ? [i] : [i, j])).toEqual(expected);
      }
    }
  });

  it('reports a quote inside an unquoted field', () => {
    expect(parseAll('ab"c,d\nok,1\n', [])).toEqual([
      { error: 'a quote inside an unquoted field', raw: 'ab"c,d' },
      { fields: ['ok', '1'] },
    ]);
  });
});

/**
 * Reading files back into records: the read side of the formats, used by
 * the S3 source. A format reads one file from a record index on (so a
 * restored reader resumes mid-file) and yields decoded records in batches;
 * a record that cannot be decoded is yielded with the reason and its raw
 * text, for the dead letters — it still counts as a position, so offsets
 * stay stable across restarts. JSON Lines and CSV live here; Parquet is
 * `parquetReader()`.
 */
import { CsvParser } from './csvParser.js';

/** A file to read: its name and size, ranged reads, and a stream of the whole content. */
export interface ReadableFile {
  readonly name: string;
  readonly size: number;
  /** Bytes `[start, end)`. */
  read(start: number, end: number): Promise<Uint8Array>;
  /** The whole content, in order. */
  stream(): AsyncIterable<Uint8Array>;
}

/** One decoded record, or why it could not be decoded (with its raw text, shortened). */
export type DecodedRecord<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string; readonly raw: string };

/**
 * Reads records out of a file.
 *
 * ```ts
 * for await (const batch of jsonLinesReader<Order>().read(file, 0)) {
 *   for (const r of batch) r.ok ? handle(r.value) : quarantine(r.reason, r.raw);
 * }
 * ```
 */
export interface FileReadFormat<T> {
  /** The format's name, for messages (`jsonl`, `csv`, `parquet`). */
  readonly name: string;
  /** Yields the file's records from index `from` on (0 = the first), in batches of at most {@link READ_BATCH_RECORDS}. */
  read(file: ReadableFile, from: number): AsyncIterable<Array<DecodedRecord<T>>>;
}

/** Records yielded per batch by the text readers. */
export const READ_BATCH_RECORDS = 1024;
/** Raw text kept with an undecodable record, at most (characters). */
export const MAX_RAW_PREVIEW = 1_000;

/** Options of {@link jsonLinesReader}. */
export interface JsonLinesReaderOptions<T> {
  /** Checks and converts the parsed JSON value; throwing makes the line a dead letter with the message (default: the value as is). */
  readonly parse?: (value: unknown) => T;
}

/**
 * JSON Lines: one JSON document per line; blank lines are skipped (and not
 * counted).
 *
 * ```ts
 * jsonLinesReader<Order>({ parse: (v) => OrderSchema.parse(v) });
 * ```
 * Gotchas: numbers beyond 2^53 lose digits in `JSON.parse` — write them as
 * strings. A line that is not JSON is a dead letter, not a failure.
 */
export function jsonLinesReader<T = unknown>(options: JsonLinesReaderOptions<T> = {}): FileReadFormat<T> {
  const parse = options.parse;
  return {
    name: 'jsonl',
    async *read(file: ReadableFile, from: number): AsyncIterable<Array<DecodedRecord<T>>> {
      let index = 0;
      let batch: Array<DecodedRecord<T>> = [];
      for await (const line of lines(file.stream())) {
        if (line.trim().length === 0) continue;
        if (index++ < from) continue;
        batch.push(decodeJson(line, parse));
        if (batch.length >= READ_BATCH_RECORDS) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },
  };
}

function decodeJson<T>(line: string, parse: ((value: unknown) => T) | undefined): DecodedRecord<T> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return { ok: false, reason: `not JSON: ${messageOf(error)}`, raw: preview(line) };
  }
  if (parse === undefined) return { ok: true, value: value as T };
  try {
    return { ok: true, value: parse(value) };
  } catch (error) {
    return { ok: false, reason: messageOf(error), raw: preview(line) };
  }
}

/** Splits a byte stream into UTF-8 lines (without their `\n` or `\r\n`). */
async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncIterable<string> {
  const decoder = new TextDecoder('utf-8');
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      yield stripCr(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.decode();
  if (rest.length > 0) yield stripCr(rest);
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

/** Options of {@link csvReader}. */
export interface CsvReaderOptions<T> {
  /** The first row holds the column names (default true unless `columns` is given). */
  readonly header?: boolean;
  /** Column names, when the file has no header row (or to rename: they win over the header). */
  readonly columns?: readonly string[];
  /** The field separator (default `,`). */
  readonly delimiter?: string;
  /** Converts a row (column name → text) to a record; throwing makes the row a dead letter (default: the row as is). */
  readonly parse?: (row: Readonly<Record<string, string>>) => T;
}

/**
 * CSV (RFC 4180). Rows become objects keyed by column name, with string
 * values; a row with a different number of fields than there are columns,
 * or that breaks the quoting rules, is a dead letter.
 *
 * ```ts
 * csvReader<Order>({ parse: (r) => ({ id: Number(r.id), name: r.name ?? '' }) });
 * csvReader({ header: false, columns: ['id', 'name'] });
 * ```
 * Gotchas: every value is text (an empty field is `''`): convert in `parse`.
 * The header row is not a record (offsets count data rows only).
 */
export function csvReader<T = Record<string, string>>(options: CsvReaderOptions<T> = {}): FileReadFormat<T> {
  const header = options.header ?? options.columns === undefined;
  if (!header && (options.columns === undefined || options.columns.length === 0)) {
    throw new RangeError('csvReader: without a header row, columns must name the columns');
  }
  const delimiter = options.delimiter ?? ',';
  new CsvParser(delimiter); // checks the delimiter now
  const parse = options.parse;
  return {
    name: 'csv',
    async *read(file: ReadableFile, from: number): AsyncIterable<Array<DecodedRecord<T>>> {
      const parser = new CsvParser(delimiter);
      const decoder = new TextDecoder('utf-8');
      let names: readonly string[] | undefined = header ? undefined : options.columns;
      let index = 0;
      const batch: Array<DecodedRecord<T>> = [];
      const take = (rows: ReturnType<CsvParser['push']>): void => {
        for (const row of rows) {
          if (names === undefined) {
            // The header row (a malformed one is still the header: it is not data).
            names = options.columns ?? row.fields ?? [];
            continue;
          }
          if (index++ < from) continue;
          batch.push(decodeCsvRow(row, names, parse));
        }
      };
      for await (const chunk of file.stream()) {
        take(parser.push(decoder.decode(chunk, { stream: true })));
        while (batch.length >= READ_BATCH_RECORDS) yield batch.splice(0, READ_BATCH_RECORDS);
      }
      take(parser.push(decoder.decode()));
      take(parser.end());
      while (batch.length > 0) yield batch.splice(0, READ_BATCH_RECORDS);
    },
  };
}

function decodeCsvRow<T>(
  row: ReturnType<CsvParser['push']>[number],
  names: readonly string[],
  parse: ((row: Readonly<Record<string, string>>) => T) | undefined,
): DecodedRecord<T> {
  if (row.error !== undefined) return { ok: false, reason: `malformed CSV: ${row.error}`, raw: preview(row.raw) };
  const { fields } = row;
  if (fields.length !== names.length) {
    return { ok: false, reason: `expected ${names.length} fields, got ${fields.length}`, raw: preview(fields.join(',')) };
  }
  const record: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) record[names[i]!] = fields[i]!;
  if (parse === undefined) return { ok: true, value: record as T };
  try {
    return { ok: true, value: parse(record) };
  } catch (error) {
    return { ok: false, reason: messageOf(error), raw: preview(fields.join(',')) };
  }
}

/** Shortens raw text kept with a dead letter. */
export function preview(text: string): string {
  return text.length > MAX_RAW_PREVIEW ? `${text.slice(0, MAX_RAW_PREVIEW)}…` : text;
}

/** An error's message. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

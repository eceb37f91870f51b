/**
 * Record formats for file sinks: how a batch of records becomes the bytes
 * appended to a part file. JSON Lines and CSV (RFC 4180) ship here; any
 * object with an `extension` and an `encode(records)` is a format too.
 */
import { checkArgument } from '../errors.js';

/**
 * Turns records into file content. A file is its optional `header`
 * followed by the output of `encode` for each batch written to it.
 *
 * ```ts
 * const tsv: RecordFormat<{ id: number; name: string }> = {
 *   extension: 'tsv',
 *   encode: (records) => records.map((r) => `${r.id}\t${r.name}\n`).join(''),
 * };
 * ```
 * Gotchas: `encode` receives batches (about a thousand records), not the
 * whole file: each record must come out complete, line ending included.
 */
export interface RecordFormat<T> {
  /** The file name extension, without the dot (`jsonl`, `csv`). */
  readonly extension: string;
  /** Encodes a batch of records, each complete with its line ending. */
  encode(records: readonly T[]): string | Uint8Array;
  /** Written at the start of every file (a CSV header line). */
  readonly header?: string | Uint8Array;
}

/** Options of {@link jsonLines}. */
export interface JsonLinesOptions<T> {
  /** Turns one record into one line of JSON, without the line ending (default `JSON.stringify`). */
  readonly stringify?: (record: T) => string;
}

/**
 * JSON Lines (`.jsonl`): one JSON document per line, `\n`-terminated.
 *
 * ```ts
 * jsonLines<Order>().encode([{ id: 1 }, { id: 2 }]); // '{"id":1}\n{"id":2}\n'
 * fileSink<Order>({ directory: 'out', format: jsonLines() });
 * ```
 * Gotchas: `JSON.stringify` throws on bigint — pass a `stringify` that
 * handles it (and one that strips newlines if yours can produce them).
 */
export function jsonLines<T>(options: JsonLinesOptions<T> = {}): RecordFormat<T> {
  const stringify = options.stringify ?? ((record: T): string => JSON.stringify(record));
  return {
    extension: 'jsonl',
    encode(records: readonly T[]): string {
      let out = '';
      for (const record of records) out += `${stringify(record)}\n`;
      return out;
    },
  };
}

/** A CSV column computed from the record. */
export interface CsvColumn<T> {
  /** The header of the column. */
  readonly name: string;
  /** The value of the column for a record. */
  readonly value: (record: T) => unknown;
}

/** Options of {@link csv}. */
export interface CsvOptions<T> {
  /** The columns in order: a property of the record, or a named function of it. */
  readonly columns: ReadonlyArray<(keyof T & string) | CsvColumn<T>>;
  /** Starts every file with a line of column names (default false). */
  readonly header?: boolean;
  /** The field separator: one character, not a quote or line break (default `,`). */
  readonly delimiter?: string;
  /** The record separator (default `\r\n`, as RFC 4180 says). */
  readonly lineEnding?: '\n' | '\r\n';
}

/**
 * CSV (`.csv`) with RFC 4180 quoting: fields holding the delimiter, a quote
 * or a line break are quoted, and quotes inside doubled.
 *
 * ```ts
 * const format = csv<{ id: number; name: string }>({ columns: ['id', 'name'], header: true });
 * format.header;                               // 'id,name\r\n'
 * format.encode([{ id: 1, name: 'Smith, "J"' }]); // '1,"Smith, ""J"""\r\n'
 * ```
 * Gotchas: null and undefined become empty fields (as does the empty
 * string); Dates are written as ISO 8601, other objects as JSON.
 */
export function csv<T>(options: CsvOptions<T>): RecordFormat<T> {
  const { columns, delimiter = ',', lineEnding = '\r\n' } = options;
  checkArgument(columns.length > 0, 'csv: columns must not be empty');
  checkArgument(
    delimiter.length === 1 && delimiter !== '"' && delimiter !== '\r' && delimiter !== '\n',
    `csv: delimiter must be one character other than a quote or a line break, got ${JSON.stringify(delimiter)}`,
  );
  const needsQuotes = new RegExp(`["\\r\\n${delimiter.replace(/[\\\]^-]/g, '\\$&')}]`);
  const field = (value: unknown): string => {
    const text = fieldText(value);
    return needsQuotes.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const names = columns.map((column) => (typeof column === 'string' ? column : column.name));
  const getters = columns.map((column) =>
    typeof column === 'string' ? (record: T): unknown => record[column as keyof T] : column.value,
  );
  const count = getters.length;
  const format: RecordFormat<T> = {
    extension: 'csv',
    encode(records: readonly T[]): string {
      let out = '';
      for (const record of records) {
        let line = field(getters[0]!(record));
        for (let i = 1; i < count; i++) line += delimiter + field(getters[i]!(record));
        out += line + lineEnding;
      }
      return out;
    },
  };
  return options.header === true ? { ...format, header: names.map(field).join(delimiter) + lineEnding } : format;
}

function fieldText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return '';
    default:
      if (value === null) return '';
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

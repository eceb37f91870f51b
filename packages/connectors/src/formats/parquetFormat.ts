/**
 * Parquet as a file format: records are checked against the declared
 * schema as they arrive (what does not fit is rejected with the reason),
 * buffered column by column, and written one row group at a time by the
 * chosen ParquetWriter — so a file's bytes leave while it is written, and
 * only the footer waits for the end.
 */
import type { EncoderOutput, FileEncoder, FileFormat } from './fileFormat.js';
import { CONTENT_TYPES } from './fileFormat.js';
import { hyparquetWriter } from './hyparquetWriter.js';
import { convertValue, parquetColumns, type ParquetColumn, type ParquetSchemaDefinition } from './parquetSchema.js';
import { DEFAULT_PARQUET_COMPRESSION, type ParquetCompression, type ParquetWriter, type ParquetWriterFactory } from './parquetWriter.js';

/**
 * The default writer: hyparquet-writer — in the benchmark
 * (benchmarks/src/parquetWriters.ts) about 10× faster than parquetjs-lite,
 * exact for INT64 beyond 2^53, and read back exactly by DuckDB.
 */
export const DEFAULT_PARQUET_WRITER: ParquetWriterFactory = hyparquetWriter;

/**
 * Rows per row group (at most). Engines read a row group as a unit; S3
 * readers such as Athena and DuckDB prefer groups of 10^5–10^6 rows.
 */
export const DEFAULT_ROW_GROUP_ROWS = 100_000;

/**
 * A row group is also cut once its buffered values take about this many
 * bytes (an estimate of the uncompressed size), bounding a writer's memory.
 * Above S3's 5 MiB minimum part size, so a multipart upload gets full parts.
 */
export const DEFAULT_ROW_GROUP_BYTES = 32 * 1024 * 1024;

/** The largest safe integer: INT64 values beyond it are exact only with a writer that has `exactInt64`. */
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Options of {@link parquet}. */
export interface ParquetFormatOptions<T> {
  /** The declared columns: name → type (required) or `{ type, optional }`. */
  readonly schema: ParquetSchemaDefinition;
  /** The implementation (default {@link DEFAULT_PARQUET_WRITER}, hyparquet-writer). */
  readonly writer?: ParquetWriterFactory;
  /** The codec (default Snappy). */
  readonly compression?: ParquetCompression;
  /** Rows per row group, at most (default {@link DEFAULT_ROW_GROUP_ROWS}). */
  readonly rowGroupRows?: number;
  /** Estimated bytes per row group, at most (default {@link DEFAULT_ROW_GROUP_BYTES}). */
  readonly rowGroupBytes?: number;
  /** Turns a record into an object keyed by column name (default: the record itself). */
  readonly toRow?: (record: T) => Readonly<Record<string, unknown>>;
}

/**
 * Parquet files with a declared schema, Snappy-compressed by default.
 *
 * ```ts
 * interface Order { id: bigint; customer: string; total: number; note?: string; at: Date }
 * const format = parquet<Order>({
 *   schema: { id: 'INT64', customer: 'UTF8', total: 'DOUBLE', note: { type: 'UTF8', optional: true }, at: 'TIMESTAMP_MILLIS' },
 * });
 * s3FileSink<Order>({ bucket: 'lake', prefix: 'orders', format });
 * ```
 * Gotchas: a value that does not fit its column (wrong type, null in a
 * required column, a number beyond 2^53 for INT64 — pass a bigint) rejects
 * the whole record, with the reason, to the sink's dead letters. Extra
 * properties of a record are ignored.
 */
export function parquet<T>(options: ParquetFormatOptions<T>): FileFormat<T> {
  const columns = parquetColumns(options.schema);
  const rowGroupRows = options.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  const rowGroupBytes = options.rowGroupBytes ?? DEFAULT_ROW_GROUP_BYTES;
  if (!(Number.isSafeInteger(rowGroupRows) && rowGroupRows >= 1)) throw new RangeError(`parquet: rowGroupRows must be an integer >= 1, got ${rowGroupRows}`);
  if (!(Number.isFinite(rowGroupBytes) && rowGroupBytes >= 1)) throw new RangeError(`parquet: rowGroupBytes must be a number >= 1, got ${rowGroupBytes}`);
  const settings: Settings<T> = {
    columns,
    factory: options.writer ?? DEFAULT_PARQUET_WRITER,
    compression: options.compression ?? DEFAULT_PARQUET_COMPRESSION,
    rowGroupRows,
    rowGroupBytes,
    toRow: options.toRow ?? ((record: T) => record as Readonly<Record<string, unknown>>),
  };
  return {
    extension: 'parquet',
    contentType: CONTENT_TYPES.parquet as string,
    open: (output) => new ParquetEncoder(settings, output),
  };
}

interface Settings<T> {
  readonly columns: readonly ParquetColumn[];
  readonly factory: ParquetWriterFactory;
  readonly compression: ParquetCompression;
  readonly rowGroupRows: number;
  readonly rowGroupBytes: number;
  readonly toRow: (record: T) => Readonly<Record<string, unknown>>;
}

class ParquetEncoder<T> implements FileEncoder<T> {
  records = 0;
  pendingBytes = 0;
  private readonly writer: ParquetWriter;
  private buffered: unknown[][];
  private rows = 0;
  /** The row groups still being written by an asynchronous writer (settled: undefined). */
  private pending: Promise<void> | undefined;
  private readonly row: unknown[];

  constructor(
    private readonly settings: Settings<T>,
    private readonly output: EncoderOutput<T>,
  ) {
    this.writer = settings.factory.create({ columns: settings.columns, output: (chunk) => output.write(chunk), compression: settings.compression });
    this.buffered = settings.columns.map(() => []);
    this.row = new Array<unknown>(settings.columns.length);
  }

  write(records: readonly T[]): void | Promise<void> {
    const { columns, rowGroupRows, rowGroupBytes } = this.settings;
    for (const record of records) {
      const reason = this.convert(record);
      if (reason !== undefined) {
        this.output.reject(record, reason);
        continue;
      }
      for (let c = 0; c < columns.length; c++) {
        const value = this.row[c];
        this.buffered[c]!.push(value);
        this.pendingBytes += sizeOf(value);
      }
      this.rows++;
      this.records++;
      if (this.rows >= rowGroupRows || this.pendingBytes >= rowGroupBytes) this.cutRowGroup();
    }
    return this.takePending();
  }

  finish(): void | Promise<void> {
    if (this.rows > 0) this.cutRowGroup();
    this.run(() => this.writer.finish());
    return this.takePending();
  }

  /** Converts a record into `this.row`; returns why it does not fit, if it does not. */
  private convert(record: T): string | undefined {
    let source: Readonly<Record<string, unknown>>;
    try {
      source = this.settings.toRow(record);
    } catch (error) {
      return `toRow failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (typeof source !== 'object' || source === null) return `the record is not an object (got ${source === null ? 'null' : typeof source})`;
    const { columns, factory } = this.settings;
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      const converted = convertValue(column, source[column.name]);
      if (!converted.ok) return converted.reason;
      const value = converted.value;
      if (!factory.exactInt64 && column.type === 'INT64' && typeof value === 'bigint' && (value > SAFE || value < -SAFE)) {
        return `column '${column.name}': ${factory.name} cannot store INT64 ${value} exactly (beyond ±2^53); use hyparquetWriter`;
      }
      this.row[c] = value;
    }
    return undefined;
  }

  private cutRowGroup(): void {
    const batch = { rowCount: this.rows, columns: this.buffered };
    this.buffered = this.settings.columns.map(() => []);
    this.rows = 0;
    this.pendingBytes = 0;
    this.run(() => this.writer.writeRowGroup(batch));
  }

  /** Runs a writer step now, or after the steps still pending (never two at once). */
  private run(step: () => void | Promise<void>): void {
    if (this.pending !== undefined) {
      this.track(this.pending.then(step));
      return;
    }
    const result = step();
    if (result !== undefined) this.track(result);
  }

  private track(work: Promise<void>): void {
    const tracked: Promise<void> = work.finally(() => {
      if (this.pending === tracked) this.pending = undefined;
    });
    // Callers see a failure through the promise `write`/`finish` return; this only keeps it from counting as unhandled.
    tracked.catch(() => {});
    this.pending = tracked;
  }

  private takePending(): Promise<void> | undefined {
    return this.pending;
  }
}

function sizeOf(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 4;
    case 'boolean':
      return 1;
    case 'object':
      return 0; // null
    default:
      return 8;
  }
}

/** What {@link writeParquet} returns. */
export interface ParquetFile<T> {
  /** The complete file. */
  readonly bytes: Uint8Array;
  /** The records written. */
  readonly records: number;
  /** Records that did not fit the schema, with the reasons. */
  readonly rejected: ReadonlyArray<{ readonly record: T; readonly reason: string }>;
}

/**
 * Writes records to one Parquet file in memory — the bare writer, for tests,
 * benchmarks and small exports.
 *
 * ```ts
 * const { bytes, rejected } = await writeParquet([{ id: 1n }, { id: 'x' }], { schema: { id: 'INT64' } });
 * await writeFile('ids.parquet', bytes); // one row; rejected[0].reason names the column
 * ```
 */
export async function writeParquet<T>(records: Iterable<T>, options: ParquetFormatOptions<T>): Promise<ParquetFile<T>> {
  const chunks: Uint8Array[] = [];
  const rejected: Array<{ record: T; reason: string }> = [];
  const encoder = parquet(options).open({ write: (chunk) => chunks.push(chunk), reject: (record, reason) => rejected.push({ record, reason }) });
  const batch: T[] = [];
  for (const record of records) {
    batch.push(record);
    if (batch.length >= 4096) {
      await encoder.write(batch);
      batch.length = 0;
    }
  }
  await encoder.write(batch);
  await encoder.finish();
  return { bytes: concat(chunks), records: encoder.records, rejected };
}

/** Concatenates byte chunks into one array. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = 0;
  for (const chunk of chunks) length += chunk.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

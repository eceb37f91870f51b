/**
 * The Parquet writer interface: one file, written row group by row group
 * from columns already converted to the declared schema, its bytes handed
 * out as they are produced (so a sink can upload a file while writing it).
 * Two implementations: `hyparquetWriter` (the default, measured fastest) and
 * `parquetjsLiteWriter` (the design's original choice).
 */
import type { ParquetColumn } from './parquetSchema.js';

/** Compression codecs both writers support. */
export type ParquetCompression = 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';

/** The default codec: Snappy, fast and read by every engine. */
export const DEFAULT_PARQUET_COMPRESSION: ParquetCompression = 'SNAPPY';

/**
 * One row group's values, column by column in schema order, each array
 * `rowCount` long. INT64 and TIMESTAMP_MILLIS values are bigint, INT32 and
 * DOUBLE numbers, UTF8 strings, BOOLEAN booleans; null for missing values.
 */
export interface ColumnBatch {
  readonly rowCount: number;
  readonly columns: readonly (readonly unknown[])[];
}

/** What a writer is created with. */
export interface ParquetWriterOptions {
  readonly columns: readonly ParquetColumn[];
  /** Receives the file's bytes in order; the writer never touches a chunk again. */
  readonly output: (chunk: Uint8Array) => void;
  readonly compression: ParquetCompression;
}

/**
 * Writes one Parquet file.
 *
 * ```ts
 * const chunks: Uint8Array[] = [];
 * const writer = hyparquetWriter.create({ columns: parquetColumns({ id: 'INT64' }), output: (c) => chunks.push(c), compression: 'SNAPPY' });
 * await writer.writeRowGroup({ rowCount: 2, columns: [[1n, 2n]] });
 * await writer.finish(); // Buffer.concat(chunks) is a complete file
 * ```
 * Gotchas: call `writeRowGroup` and `finish` one after another, never
 * concurrently; nothing may be written after `finish`.
 */
export interface ParquetWriter {
  /** Encodes one row group; its bytes reach the output before the returned promise (if any) settles. */
  writeRowGroup(batch: ColumnBatch): void | Promise<void>;
  /** Writes the footer: the file is complete once this settles. */
  finish(): void | Promise<void>;
}

/**
 * Makes Parquet writers. `exactInt64` says whether INT64 values beyond
 * ±2^53 survive; when false, such values are rejected (dead letters) before
 * they reach the writer instead of being silently rounded.
 *
 * ```ts
 * parquet<Order>({ schema, writer: parquetjsLiteWriter }); // choose the implementation
 * ```
 */
export interface ParquetWriterFactory {
  readonly name: string;
  readonly exactInt64: boolean;
  create(options: ParquetWriterOptions): ParquetWriter;
}

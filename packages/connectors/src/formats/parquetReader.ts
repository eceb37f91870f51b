/**
 * Reading Parquet (hyparquet): the footer first, then one row group at a
 * time through ranged reads — a large object is never loaded whole, and a
 * restored reader seeks straight to its row. INT64 comes back as bigint,
 * TIMESTAMP_MILLIS as Date, UTF8 as string, missing values as null.
 */
import { TributaryError } from '@tributary/core';
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer, type FileMetaData } from 'hyparquet';
import { messageOf, preview, type DecodedRecord, type FileReadFormat, type ReadableFile } from './readFormat.js';

/** Records yielded per batch (a row group is read whole, then handed out in slices of this size). */
export const PARQUET_READ_BATCH_RECORDS = 1024;

/** Options of {@link parquetReader}. */
export interface ParquetReaderOptions<T> {
  /** Only these columns (default all). */
  readonly columns?: readonly string[];
  /** Checks and converts a row (column name → value); throwing makes the row a dead letter (default: the row as is). */
  readonly parse?: (row: Readonly<Record<string, unknown>>) => T;
}

/**
 * Parquet files, row group by row group.
 *
 * ```ts
 * s3Source<Order>({ bucket: 'lake', prefix: 'orders/', format: parquetReader({ parse: (row) => row as Order }) });
 * ```
 * Gotchas: a file that is not Parquet (or is truncated) fails the read with
 * a TributaryError naming it; a file is never half-read silently.
 */
export function parquetReader<T = Record<string, unknown>>(options: ParquetReaderOptions<T> = {}): FileReadFormat<T> {
  const parse = options.parse;
  const columns = options.columns === undefined ? undefined : [...options.columns];
  return {
    name: 'parquet',
    async *read(file: ReadableFile, from: number): AsyncIterable<Array<DecodedRecord<T>>> {
      const buffer = asyncBuffer(file);
      const metadata = await readMetadata(file, buffer);
      let groupStart = 0;
      for (const group of metadata.row_groups) {
        const groupEnd = groupStart + Number(group.num_rows);
        if (groupEnd > from) {
          const rows = await parquetReadObjects({
            file: buffer,
            metadata,
            rowStart: Math.max(from, groupStart),
            rowEnd: groupEnd,
            ...(columns === undefined ? {} : { columns }),
          });
          for (let i = 0; i < rows.length; i += PARQUET_READ_BATCH_RECORDS) {
            yield rows.slice(i, i + PARQUET_READ_BATCH_RECORDS).map((row) => decodeRow(row, parse));
          }
        }
        groupStart = groupEnd;
      }
    },
  };
}

async function readMetadata(file: ReadableFile, buffer: AsyncBuffer): Promise<FileMetaData> {
  try {
    return await parquetMetadataAsync(buffer);
  } catch (error) {
    if (error instanceof TributaryError) throw error;
    throw new TributaryError('PARQUET_UNREADABLE', `cannot read Parquet file '${file.name}': ${messageOf(error)}`, { cause: error });
  }
}

function decodeRow<T>(row: Record<string, unknown>, parse: ((row: Readonly<Record<string, unknown>>) => T) | undefined): DecodedRecord<T> {
  if (parse === undefined) return { ok: true, value: row as T };
  try {
    return { ok: true, value: parse(row) };
  } catch (error) {
    return { ok: false, reason: messageOf(error), raw: preview(rowText(row)) };
  }
}

function rowText(row: Record<string, unknown>): string {
  try {
    return JSON.stringify(row, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value));
  } catch {
    return String(row);
  }
}

/** hyparquet's view of a file: its size and ranged reads. */
function asyncBuffer(file: ReadableFile): AsyncBuffer {
  return {
    byteLength: file.size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const bytes = await file.read(start, end ?? file.size);
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
        ? (bytes.buffer as ArrayBuffer)
        : (bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    },
  };
}

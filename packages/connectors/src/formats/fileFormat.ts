/**
 * File formats for object-store sinks: how records become the bytes of one
 * file, produced incrementally so a sink can upload a file in parts while it
 * is still being written. Row formats (JSON Lines, CSV) come from core's
 * `RecordFormat` through {@link textFormat}; Parquet is `parquet()`.
 */
import type { RecordFormat } from '@tributary/core';

/** Where an encoder sends what it produces. */
export interface EncoderOutput<T> {
  /** Receives the next bytes of the file, in order. The encoder never touches a chunk again. */
  write(chunk: Uint8Array): void;
  /** Receives a record that cannot be encoded, with the reason; nothing of it is in the file. */
  reject(record: T, reason: string): void;
}

/**
 * Encodes the records of one file. Bytes leave through the output given to
 * {@link FileFormat.open}; a row format emits them per batch, Parquet per
 * row group and the footer on `finish`.
 */
export interface FileEncoder<T> {
  /**
   * Encodes (or buffers) a batch of records. A returned promise must settle
   * before the next call (an asynchronous Parquet writer encoding a row group).
   */
  write(records: readonly T[]): void | Promise<void>;
  /** Ends the file: everything still buffered, then any footer, goes to the output. */
  finish(): void | Promise<void>;
  /** About how many bytes the encoder holds that have not reached the output yet (for rolling by size). */
  readonly pendingBytes: number;
  /** Records accepted so far (rejected ones excluded). */
  readonly records: number;
}

/**
 * A file format: a name extension, a content type, and a way to encode one
 * file.
 *
 * ```ts
 * const format = textFormat(jsonLines<Order>());
 * const chunks: Uint8Array[] = [];
 * const encoder = format.open({ write: (c) => chunks.push(c), reject: (r, why) => console.warn(why) });
 * encoder.write([{ id: 1 }]);
 * await encoder.finish(); // chunks hold '{"id":1}\n'
 * ```
 */
export interface FileFormat<T> {
  /** The file name extension, without the dot (`jsonl`, `csv`, `parquet`). */
  readonly extension: string;
  /** The MIME type stored with uploaded objects. */
  readonly contentType: string;
  /** Starts a new file. */
  open(output: EncoderOutput<T>): FileEncoder<T>;
}

/** Content types of the formats Tributary ships (others default to `application/octet-stream`). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  jsonl: 'application/x-ndjson',
  csv: 'text/csv; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

/** Content type for extensions without an entry in {@link CONTENT_TYPES}. */
export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

const utf8 = new TextEncoder();

/**
 * Adapts a row format of core (`jsonLines()`, `csv({...})`, or your own
 * `RecordFormat`) to a {@link FileFormat}: the header starts the file and
 * each batch is encoded as a whole. A batch whose encoding throws (a bigint
 * under `JSON.stringify`, a throwing column function) is encoded again
 * record by record, so only the records that fail are rejected.
 *
 * ```ts
 * import { csv, jsonLines } from '@tributary/core';
 * const lines = textFormat(jsonLines<Order>());
 * const table = textFormat(csv<Order>({ columns: ['id', 'total'], header: true }));
 * ```
 * Gotchas: a file is only its header when no record was accepted — sinks
 * avoid opening files for no records.
 */
export function textFormat<T>(format: RecordFormat<T>): FileFormat<T> {
  return {
    extension: format.extension,
    contentType: CONTENT_TYPES[format.extension] ?? DEFAULT_CONTENT_TYPE,
    open(output: EncoderOutput<T>): FileEncoder<T> {
      return new TextEncoderImpl(format, output);
    },
  };
}

class TextEncoderImpl<T> implements FileEncoder<T> {
  readonly pendingBytes = 0;
  records = 0;

  constructor(
    private readonly format: RecordFormat<T>,
    private readonly output: EncoderOutput<T>,
  ) {
    if (format.header !== undefined) this.emit(format.header);
  }

  write(records: readonly T[]): void {
    if (records.length === 0) return;
    let encoded: string | Uint8Array;
    try {
      encoded = this.format.encode(records);
    } catch {
      for (const record of records) this.writeOne(record);
      return;
    }
    this.records += records.length;
    this.emit(encoded);
  }

  finish(): void {}

  private writeOne(record: T): void {
    let encoded: string | Uint8Array;
    try {
      encoded = this.format.encode([record]);
    } catch (error) {
      this.output.reject(record, `cannot encode as ${this.format.extension}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.records++;
    this.emit(encoded);
  }

  private emit(content: string | Uint8Array): void {
    const bytes = typeof content === 'string' ? utf8.encode(content) : content;
    if (bytes.length > 0) this.output.write(bytes);
  }
}

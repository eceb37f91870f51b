/**
 * The Parquet writer over parquetjs-lite 0.8.7 — the design's original
 * choice, kept selectable. It is row-oriented and about 10× slower than
 * hyparquet-writer here, and it stores INT64 through `parseInt`, which
 * rounds values beyond ±2^53: such values are rejected before they reach it
 * (`exactInt64: false`) rather than silently changed.
 */
import { createRequire } from 'node:module';
import type { ParquetColumn } from './parquetSchema.js';
import type { ColumnBatch, ParquetWriter, ParquetWriterFactory, ParquetWriterOptions } from './parquetWriter.js';

/** The part of parquetjs-lite's (untyped, CommonJS) API used here. */
interface ParquetjsModule {
  ParquetSchema: new (fields: Record<string, { type: string; optional?: boolean; compression?: string }>) => object;
  ParquetEnvelopeWriter: new (
    schema: object,
    write: (buffer: Buffer) => void,
    close: () => void,
    offset: number,
    options: Record<string, unknown>,
  ) => object;
  ParquetWriter: new (schema: object, envelope: object, options: { rowGroupSize: number }) => ParquetjsFileWriter;
}

interface ParquetjsFileWriter {
  appendRow(row: Record<string, unknown>): Promise<void>;
  setRowGroupSize(rows: number): void;
  close(): Promise<void>;
}

const parquetjs = createRequire(import.meta.url)('parquetjs-lite') as ParquetjsModule;

/**
 * Parquet writers over parquetjs-lite.
 *
 * ```ts
 * const format = parquet<Order>({ schema: { id: 'INT64' }, writer: parquetjsLiteWriter });
 * ```
 * Gotchas: INT64 values beyond ±2^53 are dead-lettered (the library would
 * round them); every row group is built row by row, asynchronously.
 */
export const parquetjsLiteWriter: ParquetWriterFactory = {
  name: 'parquetjs-lite',
  exactInt64: false,
  create: (options) => new ParquetjsLiteWriter(options),
};

class ParquetjsLiteWriter implements ParquetWriter {
  private readonly writer: ParquetjsFileWriter;

  constructor(private readonly options: ParquetWriterOptions) {
    const fields: Record<string, { type: string; optional: boolean; compression: string }> = {};
    for (const column of options.columns) fields[column.name] = { type: column.type, optional: column.optional, compression: options.compression };
    const schema = new parquetjs.ParquetSchema(fields);
    const envelope = new parquetjs.ParquetEnvelopeWriter(schema, (buffer) => options.output(buffer), () => {}, 0, {});
    this.writer = new parquetjs.ParquetWriter(schema, envelope, { rowGroupSize: Number.MAX_SAFE_INTEGER });
  }

  async writeRowGroup(batch: ColumnBatch): Promise<void> {
    if (batch.rowCount === 0) return;
    const { columns } = this.options;
    // The writer emits a row group when it holds this many rows: exactly this batch.
    this.writer.setRowGroupSize(batch.rowCount);
    for (let row = 0; row < batch.rowCount; row++) {
      const record: Record<string, unknown> = {};
      for (let c = 0; c < columns.length; c++) {
        const value = batch.columns[c]![row];
        if (value !== null && value !== undefined) record[columns[c]!.name] = toParquetjs(columns[c]!, value);
      }
      await this.writer.appendRow(record);
    }
  }

  async finish(): Promise<void> {
    await this.writer.close();
  }
}

function toParquetjs(column: ParquetColumn, value: unknown): unknown {
  switch (column.type) {
    case 'INT64':
      return Number(value as bigint);
    case 'TIMESTAMP_MILLIS':
      // parquetjs-lite refuses negative numbers but takes any Date.
      return new Date(Number(value as bigint));
    default:
      return value;
  }
}

/**
 * @tributary/connectors/formats — file formats for object stores: writing
 * (JSON Lines and CSV from core through `textFormat`, Parquet through one
 * writer interface with two implementations) and reading back (JSON Lines,
 * CSV, Parquet) with undecodable records kept for the dead letters.
 *
 * ```ts
 * import { jsonLines, parquet, textFormat } from '@tributary/connectors/formats';
 * const lines = textFormat(jsonLines<Order>());
 * const table = parquet<Order>({ schema: { id: 'INT64', total: 'DOUBLE' } });
 * ```
 */
export { jsonLines, csv, type RecordFormat, type CsvColumn, type CsvOptions, type JsonLinesOptions } from '@tributary/core';
export { textFormat, CONTENT_TYPES, DEFAULT_CONTENT_TYPE, type FileFormat, type FileEncoder, type EncoderOutput } from './fileFormat.js';
export {
  parquetColumns,
  convertValue,
  MAX_PARQUET_COLUMNS,
  type ParquetType,
  type ParquetField,
  type ParquetSchemaDefinition,
  type ParquetColumn,
  type Converted,
} from './parquetSchema.js';
export {
  DEFAULT_PARQUET_COMPRESSION,
  type ParquetCompression,
  type ParquetWriter,
  type ParquetWriterFactory,
  type ParquetWriterOptions,
  type ColumnBatch,
} from './parquetWriter.js';
export { hyparquetWriter, HYPARQUET_CREATED_BY } from './hyparquetWriter.js';
export { parquetjsLiteWriter } from './parquetjsWriter.js';
export {
  parquet,
  writeParquet,
  concat,
  DEFAULT_PARQUET_WRITER,
  DEFAULT_ROW_GROUP_ROWS,
  DEFAULT_ROW_GROUP_BYTES,
  type ParquetFormatOptions,
  type ParquetFile,
} from './parquetFormat.js';
export { CsvParser, type CsvRow } from './csvParser.js';
export {
  jsonLinesReader,
  csvReader,
  READ_BATCH_RECORDS,
  MAX_RAW_PREVIEW,
  type ReadableFile,
  type DecodedRecord,
  type FileReadFormat,
  type JsonLinesReaderOptions,
  type CsvReaderOptions,
} from './readFormat.js';
export { parquetReader, PARQUET_READ_BATCH_RECORDS, type ParquetReaderOptions } from './parquetReader.js';

/**
 * Declared Parquet schemas: column name → type and optionality, checked up
 * front, and the conversion of record values to what Parquet stores — with
 * a reason for every value that does not fit (it goes to the dead letters,
 * never silently into the file).
 */

/**
 * The column types a declared schema may use. `STRING` is an alias of
 * `UTF8`; `TIMESTAMP_MILLIS` is an INT64 of milliseconds since the epoch
 * (UTC), read back as a timestamp by DuckDB, Spark and Athena.
 */
export type ParquetType = 'INT32' | 'INT64' | 'DOUBLE' | 'UTF8' | 'STRING' | 'BOOLEAN' | 'TIMESTAMP_MILLIS';

/** A column with its optionality (required unless `optional: true`). */
export interface ParquetField {
  readonly type: ParquetType;
  /** Whether the column may hold nulls (default false: null or undefined is rejected). */
  readonly optional?: boolean;
}

/** A declared schema: column name → a type (required) or a field. Column order is the object's key order. */
export type ParquetSchemaDefinition = Readonly<Record<string, ParquetType | ParquetField>>;

/** A checked column: `STRING` normalised to `UTF8`. */
export interface ParquetColumn {
  readonly name: string;
  readonly type: Exclude<ParquetType, 'STRING'>;
  readonly optional: boolean;
}

/** The largest number of columns a declared schema may have (a sanity bound, far below Parquet's own). */
export const MAX_PARQUET_COLUMNS = 10_000;

const TYPES: ReadonlySet<string> = new Set(['INT32', 'INT64', 'DOUBLE', 'UTF8', 'STRING', 'BOOLEAN', 'TIMESTAMP_MILLIS']);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Checks a declared schema and returns its columns in order.
 *
 * ```ts
 * parquetColumns({ id: 'INT64', name: { type: 'UTF8', optional: true }, at: 'TIMESTAMP_MILLIS' });
 * // [{ name: 'id', type: 'INT64', optional: false }, { name: 'name', type: 'UTF8', optional: true }, …]
 * parquetColumns({}); // RangeError: parquet schema must declare at least one column
 * ```
 */
export function parquetColumns(schema: ParquetSchemaDefinition): ParquetColumn[] {
  const entries = Object.entries(schema);
  if (entries.length === 0) throw new RangeError('parquet schema must declare at least one column');
  if (entries.length > MAX_PARQUET_COLUMNS) throw new RangeError(`parquet schema must declare at most ${MAX_PARQUET_COLUMNS} columns, got ${entries.length}`);
  return entries.map(([name, spec]) => {
    if (name.length === 0 || name.includes('.')) {
      throw new RangeError(`parquet column names must be non-empty and contain no '.', got ${JSON.stringify(name)}`);
    }
    const field: ParquetField = typeof spec === 'string' ? { type: spec } : spec;
    if (!TYPES.has(field.type)) {
      throw new RangeError(`parquet column '${name}' has unknown type ${JSON.stringify(field.type)} (one of ${[...TYPES].join(', ')})`);
    }
    return { name, type: field.type === 'STRING' ? 'UTF8' : field.type, optional: field.optional === true } as ParquetColumn;
  });
}

/** A converted value, or why the value does not fit its column. */
export type Converted = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string };

const NULL: Converted = { ok: true, value: null };

/**
 * Converts a record's value to what a column stores: INT64 and
 * TIMESTAMP_MILLIS as bigint, INT32 and DOUBLE as number, UTF8 as string,
 * BOOLEAN as boolean; null for a missing optional value.
 *
 * Accepted: INT32 an integer in the 32-bit range; INT64 a bigint, or a
 * number that is a safe integer (a larger number has already lost digits);
 * DOUBLE any number; TIMESTAMP_MILLIS a valid Date, or integer milliseconds
 * (number or bigint).
 *
 * ```ts
 * convertValue({ name: 'id', type: 'INT64', optional: false }, 9007199254740993n); // { ok: true, value: 9007199254740993n }
 * convertValue({ name: 'id', type: 'INT64', optional: false }, 2 ** 60);           // { ok: false, reason: '… not a safe integer …' }
 * ```
 */
export function convertValue(column: ParquetColumn, value: unknown): Converted {
  if (value === null || value === undefined) {
    return column.optional ? NULL : { ok: false, reason: `column '${column.name}' is required but the value is ${String(value)}` };
  }
  switch (column.type) {
    case 'INT32':
      if (typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX) return { ok: true, value };
      if (typeof value === 'bigint' && value >= BigInt(INT32_MIN) && value <= BigInt(INT32_MAX)) return { ok: true, value: Number(value) };
      return mismatch(column, value, 'an integer in the 32-bit range');
    case 'INT64':
      if (typeof value === 'bigint') return value >= INT64_MIN && value <= INT64_MAX ? { ok: true, value } : mismatch(column, value, 'a bigint in the 64-bit range');
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value: BigInt(value) };
      return mismatch(column, value, 'a bigint or a number that is a safe integer (larger numbers have lost digits: pass a bigint)');
    case 'DOUBLE':
      return typeof value === 'number' ? { ok: true, value } : mismatch(column, value, 'a number');
    case 'UTF8':
      return typeof value === 'string' ? { ok: true, value } : mismatch(column, value, 'a string');
    case 'BOOLEAN':
      return typeof value === 'boolean' ? { ok: true, value } : mismatch(column, value, 'a boolean');
    case 'TIMESTAMP_MILLIS':
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? mismatch(column, value, 'a valid Date') : { ok: true, value: BigInt(value.getTime()) };
      if (typeof value === 'number' && Number.isSafeInteger(value)) return { ok: true, value: BigInt(value) };
      if (typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX) return { ok: true, value };
      return mismatch(column, value, 'a Date or integer milliseconds since the epoch');
  }
}

function mismatch(column: ParquetColumn, value: unknown, expected: string): Converted {
  return { ok: false, reason: `column '${column.name}' (${column.type}) expects ${expected}, got ${describe(value)}` };
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}

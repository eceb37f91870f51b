/**
 * Parquet record → TrainingRow, with the types checked: the reader hands out
 * INT32 and DOUBLE as numbers, INT64 as bigint (converted when it fits in a
 * double exactly), UTF8 as strings and missing optional values as null.
 * Anything else throws a TypeError naming the column, which the Parquet
 * reader turns into an undecodable record.
 */
import type { TrainingRow } from '../retail/rows.js';

/** The TrainingRow columns that hold integers. */
const INTEGER_COLUMNS = ['customerNumber', 'quantityInStock', 'productRating'] as const;
/** The TrainingRow columns that hold any finite number. */
const DECIMAL_COLUMNS = ['creditLimit', 'buyPrice', 'MSRP'] as const;
/** The TrainingRow columns that hold text (never null). */
const TEXT_COLUMNS = ['city', 'country', 'productCode', 'productLine', 'productScale'] as const;
/** The TrainingRow columns that hold text or null. */
const OPTIONAL_TEXT_COLUMNS = ['state', 'postalCode'] as const;

/**
 * Converts one Parquet record of the training set into a {@link TrainingRow}.
 *
 * ```ts
 * toTrainingRow({ customerNumber: 103, city: 'Nantes', state: null, …, productRating: 4n }).productRating; // 4
 * ```
 * @throws TypeError naming the column when a value is missing or of the wrong type.
 */
export function toTrainingRow(record: Readonly<Record<string, unknown>>): TrainingRow {
  const row: Record<string, number | string | null> = {};
  for (const column of INTEGER_COLUMNS) row[column] = integerOf(record, column);
  for (const column of DECIMAL_COLUMNS) row[column] = numberOf(record, column);
  for (const column of TEXT_COLUMNS) row[column] = textOf(record, column);
  for (const column of OPTIONAL_TEXT_COLUMNS) {
    const value = record[column];
    row[column] = value === null || value === undefined ? null : textOf(record, column);
  }
  return row as unknown as TrainingRow;
}

function numberOf(record: Readonly<Record<string, unknown>>, column: string): number {
  const value = record[column];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') {
    const n = Number(value);
    if (BigInt(n) === value) return n;
    throw new TypeError(`column ${column}: ${value} does not fit in a number exactly`);
  }
  throw new TypeError(`column ${column}: expected a finite number, got ${describe(value)}`);
}

function integerOf(record: Readonly<Record<string, unknown>>, column: string): number {
  const n = numberOf(record, column);
  if (!Number.isSafeInteger(n)) throw new TypeError(`column ${column}: expected an integer, got ${n}`);
  return n;
}

function textOf(record: Readonly<Record<string, unknown>>, column: string): string {
  const value = record[column];
  if (typeof value === 'string') return value;
  throw new TypeError(`column ${column}: expected text, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return `${typeof value} ${JSON.stringify(value) ?? String(value)}`.slice(0, 80);
}

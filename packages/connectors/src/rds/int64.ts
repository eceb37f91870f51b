/**
 * BIGINT conversion: the drivers hand int8 values out as decimal strings;
 * this turns them into numbers when that is exact and into bigints
 * otherwise (or keeps them, per `Int64Mode`).
 */
import type { Int64Mode } from './options.js';

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);

/**
 * Converts the decimal text of a BIGINT.
 *
 * ```ts
 * parseInt64('42', 'number'); // 42
 * parseInt64('9007199254740993', 'number'); // 9007199254740993n (a number would round it)
 * parseInt64('42', 'bigint'); // 42n
 * ```
 */
export function parseInt64(text: string, mode: Int64Mode): number | bigint | string {
  if (mode === 'string') return text;
  if (mode === 'bigint') return BigInt(text);
  // Up to 15 digits always fits a double exactly; longer ones are checked.
  if (text.length <= 15) return Number(text);
  const big = BigInt(text);
  return big <= MAX_SAFE && big >= MIN_SAFE ? Number(big) : big;
}

/** Converts a value already parsed by a driver (string, number or bigint) per the mode; other values pass through. */
export function convertInt64(value: unknown, mode: Int64Mode): unknown {
  if (typeof value === 'string') return parseInt64(value, mode);
  if (typeof value === 'number' && mode !== 'number') return mode === 'bigint' ? BigInt(value) : String(value);
  if (typeof value === 'bigint' && mode !== 'bigint') return mode === 'string' ? value.toString() : value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : value;
  return value;
}

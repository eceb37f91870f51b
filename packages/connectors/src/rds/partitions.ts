/**
 * Numeric range partitioning for parallel scans, as Flink's JDBC
 * `JdbcNumericBetweenParametersProvider`: the values min..max are cut into
 * N contiguous ranges whose sizes differ by at most one. The first range is
 * open below and the last open above, so the bounds shape the ranges but
 * never filter a row out (rows outside a user-given lowerBound/upperBound,
 * or inserted beyond the discovered max, are still read).
 */

/** One range of partition values: `lower <= v <= upper`; `undefined` means unbounded on that side. */
export interface PartitionRange {
  readonly lower: bigint | undefined;
  readonly upper: bigint | undefined;
}

/** Converts a bound (number, bigint or integral decimal text) to a bigint, or fails naming the option. */
export function toBigIntBound(value: unknown, what: string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return BigInt(value.trim());
  if (typeof value === 'string' && /^-?\d+\.0*$/.test(value.trim())) return BigInt(value.trim().split('.')[0] as string);
  throw new RangeError(`${what} must be an integer (the partition column must be integral), got ${JSON.stringify(typeof value === 'bigint' ? String(value) : value)}`);
}

/**
 * Cuts `min..max` (inclusive) into at most `count` ranges; fewer when there
 * are fewer values than ranges. The first range has no lower bound and the
 * last no upper bound.
 *
 * ```ts
 * partitionRanges(1n, 10n, 3);
 * // [{ lower: undefined, upper: 4n }, { lower: 5n, upper: 7n }, { lower: 8n, upper: undefined }]
 * ```
 */
export function partitionRanges(min: bigint, max: bigint, count: number): PartitionRange[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`numPartitions must be an integer >= 1, got ${count}`);
  if (max < min) throw new RangeError(`the partition upper bound (${max}) must be >= the lower bound (${min})`);
  const values = max - min + 1n;
  const n = values < BigInt(count) ? values : BigInt(count);
  const size = values / n;
  const bigger = values - size * n; // the first `bigger` ranges take one value more
  const ranges: PartitionRange[] = [];
  let start = min;
  for (let i = 0n; i < n; i++) {
    const end = start + size - 1n + (i < bigger ? 1n : 0n);
    ranges.push({ lower: i === 0n ? undefined : start, upper: i === n - 1n ? undefined : end });
    start = end + 1n;
  }
  return ranges;
}

/**
 * Partitioning of the S3 file sink: a function from a record (and its event
 * time) to the key path it is written under — Hive-style, so Athena, Spark
 * and DuckDB (`hive_partitioning`) see the partition columns: by event time
 * `dt=YYYY-MM-DD/hour=HH` (UTC), or by a field `key=value`.
 */
import { NO_TIMESTAMP } from '@tributary/core';

/**
 * Returns the partition path of a record (`''` for none). Throwing — or an
 * invalid path — sends the record to the sink's dead letters.
 */
export type Partitioner<T> = (record: T, timestamp: number) => string;

/** The value Hive uses for a null partition value. */
export const HIVE_NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/** Options of {@link eventTimePartitioning}. */
export interface EventTimePartitioningOptions<T> {
  /** `hour` (default): `dt=…/hour=HH`; `day`: `dt=…`. */
  readonly granularity?: 'day' | 'hour';
  /** The event time of a record in ms (default: the record's stream timestamp). */
  readonly timestamp?: (record: T, timestamp: number) => number;
}

/**
 * Hive-style partitions by event time, in UTC: `dt=2024-05-01/hour=07`.
 *
 * ```ts
 * s3FileSink<Order>({ bucket: 'lake', prefix: 'orders', format, partitioning: eventTimePartitioning() });
 * // s3://lake/orders/dt=2024-05-01/hour=07/part-0-1a2b3c4d-0.jsonl
 * eventTimePartitioning<Order>({ granularity: 'day', timestamp: (o) => o.placedAt.getTime() });
 * ```
 * Gotchas: a record without event time (no timestamp assigner upstream)
 * cannot be placed and goes to the dead letters.
 */
export function eventTimePartitioning<T>(options: EventTimePartitioningOptions<T> = {}): Partitioner<T> {
  const hourly = (options.granularity ?? 'hour') === 'hour';
  const timeOf = options.timestamp;
  return (record, timestamp) => {
    const time = timeOf === undefined ? timestamp : timeOf(record, timestamp);
    if (time === NO_TIMESTAMP || !Number.isFinite(time)) throw new Error('the record has no event time to partition by (assign timestamps upstream)');
    const date = new Date(time);
    if (Number.isNaN(date.getTime())) throw new Error(`event time ${time} is not a valid date`);
    const day = `dt=${date.toISOString().slice(0, 10)}`;
    return hourly ? `${day}/hour=${String(date.getUTCHours()).padStart(2, '0')}` : day;
  };
}

/**
 * Hive-style partitions by a field: `country=DE`. Values are URL-encoded
 * (`/` and `=` cannot break the layout); null and undefined become
 * `__HIVE_DEFAULT_PARTITION__`.
 *
 * ```ts
 * fieldPartitioning<Order>('country');                          // country=DE
 * fieldPartitioning<Order>('tier', (o) => (o.total > 100 ? 'big' : 'small'));
 * ```
 */
export function fieldPartitioning<T>(name: string, value?: (record: T) => unknown): Partitioner<T> {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name)) {
    throw new RangeError(`fieldPartitioning: name must be letters, digits, '_', '.', '-' (not starting with '.' or '-'), got ${JSON.stringify(name)}`);
  }
  const get = value ?? ((record: T): unknown => (record as Record<string, unknown>)[name]);
  return (record) => `${name}=${partitionValue(get(record))}`;
}

/**
 * Nests partitionings in order: `combinePartitioning(fieldPartitioning('country'), eventTimePartitioning())`
 * gives `country=DE/dt=2024-05-01/hour=07`.
 *
 * ```ts
 * const partitioning = combinePartitioning<Order>(fieldPartitioning('country'), eventTimePartitioning({ granularity: 'day' }));
 * ```
 */
export function combinePartitioning<T>(...partitioners: ReadonlyArray<Partitioner<T>>): Partitioner<T> {
  return (record, timestamp) =>
    partitioners
      .map((p) => p(record, timestamp))
      .filter((path) => path !== '')
      .join('/');
}

function partitionValue(value: unknown): string {
  if (value === null || value === undefined) return HIVE_NULL_PARTITION;
  const text = value instanceof Date ? value.toISOString() : String(value);
  return text === '' ? HIVE_NULL_PARTITION : encodeURIComponent(text);
}

/** Why a partition path is unusable, or undefined when it is fine: relative segments, empty segments, leading or trailing `/`. */
export function checkPartitionPath(path: string): string | undefined {
  if (path === '') return undefined;
  if (typeof path !== 'string') return `the partitioner returned ${typeof path}, not a string`;
  const segments = path.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return `partition path ${JSON.stringify(path)} has an empty, '.' or '..' segment`;
  return undefined;
}

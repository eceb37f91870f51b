/**
 * Options of the Kinesis Data Streams source and sink, and the service
 * limits their defaults respect. Each default is a named constant next to
 * the AWS limit it stays within; `resolve…` functions apply them and reject
 * values outside the limits with a RangeError naming the constraint.
 */
import type { KinesisClient, KinesisClientConfig } from '@aws-sdk/client-kinesis';
import type { AsyncSinkLimits, AsyncSinkTuning, SinkDeadLetter } from '../batching/index.js';

// --- AWS limits ---------------------------------------------------------

/** PutRecords: records per request (AWS limit). */
export const PUT_RECORDS_MAX_RECORDS = 500;
/** PutRecords: bytes per request, data plus partition keys (AWS limit: 5 MiB). */
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
/** PutRecords: bytes per record, data plus partition key (AWS limit: 1 MiB). */
export const PUT_RECORDS_MAX_RECORD_BYTES = 1024 * 1024;
/** The limits the Kinesis sink hands to the batching base. */
export const KINESIS_PUT_RECORDS_LIMITS: AsyncSinkLimits = Object.freeze({
  maxBatchSize: PUT_RECORDS_MAX_RECORDS,
  maxBatchSizeBytes: PUT_RECORDS_MAX_BYTES,
  maxRecordSizeBytes: PUT_RECORDS_MAX_RECORD_BYTES,
});
/**
 * The limits with `aggregate`: records per request counted before packing
 * (the packed request holds a few aggregated records per shard), and room
 * left within 5 MiB for the aggregation format's framing.
 */
export const KINESIS_AGGREGATED_PUT_RECORDS_LIMITS: AsyncSinkLimits = Object.freeze({
  maxBatchSize: 5_000,
  maxBatchSizeBytes: 4 * 1024 * 1024,
  maxRecordSizeBytes: PUT_RECORDS_MAX_RECORD_BYTES,
});
/** A partition key is 1 to 256 Unicode characters (AWS limit). */
export const PARTITION_KEY_MAX_LENGTH = 256;
/** GetRecords: calls per second per shard (AWS limit; more are throttled). */
export const GET_RECORDS_MAX_CALLS_PER_SECOND = 5;
/** The shortest allowed interval between two GetRecords calls on a shard: 1000 ms / 5. */
export const MIN_POLL_INTERVAL_MS = 1000 / GET_RECORDS_MAX_CALLS_PER_SECOND;
/** GetRecords: records per call (AWS limit for `Limit`). */
export const GET_RECORDS_MAX_LIMIT = 10_000;
/** A shard iterator expires this long after it was issued (AWS). */
export const SHARD_ITERATOR_TTL_MS = 300_000;

// --- Source defaults ----------------------------------------------------

/** Interval between GetRecords calls on one shard: the fastest the 5-calls/s limit allows. */
export const DEFAULT_POLL_INTERVAL_MS = MIN_POLL_INTERVAL_MS;
/** Records asked for per GetRecords call: the AWS maximum. */
export const DEFAULT_GET_RECORDS_LIMIT = GET_RECORDS_MAX_LIMIT;
/**
 * How often the shard list is re-read to find shards created by resharding
 * (Flink's default too). ListShards allows 1,000 calls/s per stream, so this
 * is far from the limit; it bounds how late a child shard starts.
 */
export const DEFAULT_DISCOVERY_INTERVAL_MS = 10_000;
/** GetRecords responses fetched ahead per shard and not yet emitted (bounds memory: ≤ 2 × 10 MiB per shard). */
export const DEFAULT_PREFETCH_BATCHES = 2;
/** Records a reader emits per poll before yielding (keeps checkpoints and other sources responsive). */
export const RECORDS_PER_POLL = 1_000;
/** Consecutive failed calls of a retryable kind (not throttling) per shard before the job fails. */
export const DEFAULT_SOURCE_MAX_ATTEMPTS = 10;
/** First backoff after a throttled or failed call; doubles (with jitter) per retry. */
export const DEFAULT_SOURCE_INITIAL_BACKOFF_MS = MIN_POLL_INTERVAL_MS;
/** Longest backoff between calls on one shard. */
export const DEFAULT_SOURCE_MAX_BACKOFF_MS = 10_000;

// --- Types --------------------------------------------------------------

/**
 * Where a shard is read from when the job starts without a checkpoint.
 * `'TRIM_HORIZON'`: the oldest record kept; `'LATEST'`: records arriving
 * from now on; `{ atTimestamp }`: the first record that arrived at or after
 * the time (ms since the epoch, or a Date).
 */
export type KinesisStartPosition = 'TRIM_HORIZON' | 'LATEST' | { readonly atTimestamp: number | Date };

/** Facts about a record, passed to the deserializer and kept in dead letters. */
export interface KinesisRecordInfo {
  readonly stream: string;
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** The record's partition key; for a user record of an aggregated record, the user record's own. */
  readonly partitionKey: string;
  /** When Kinesis received the record (ms since the epoch); the record's source timestamp. */
  readonly approximateArrivalTimestamp: number;
  /** Set for a user record of a KPL-aggregated record: its index there (`sequenceNumber` is the aggregated record's). */
  readonly subSequenceNumber?: number;
}

/** Turns a record's bytes into a value; throw for bad input. */
export type KinesisDeserializer<T> = (data: Uint8Array, record: KinesisRecordInfo) => T;

/** How a connector gets its client: an injected one (never destroyed by the connector) or one built from a config. */
export interface KinesisClientOptions {
  /** A client to use; the connector never destroys it. */
  readonly client?: KinesisClient;
  /**
   * Configuration for clients the connector creates (and destroys when
   * done). Omit for the SDK defaults: region and credentials from the
   * default provider chain. Ignored when `client` is given.
   */
  readonly clientConfig?: KinesisClientConfig;
}

/** Options of {@link KinesisSource}. */
export interface KinesisSourceOptions<T> extends KinesisClientOptions {
  /** The stream's name, or its ARN (`arn:aws:kinesis:…:stream/name`). */
  readonly stream: string;
  /** Where to start without a checkpoint (default `'LATEST'`, as Flink). Shards created later are read from their start. */
  readonly startPosition?: KinesisStartPosition;
  /** Bytes → value (default: UTF-8 JSON). */
  readonly deserializer?: KinesisDeserializer<T>;
  /** Minimum ms between GetRecords calls on a shard, >= {@link MIN_POLL_INTERVAL_MS} (default {@link DEFAULT_POLL_INTERVAL_MS}). */
  readonly pollIntervalMs?: number;
  /** Records per GetRecords call, 1..{@link GET_RECORDS_MAX_LIMIT} (default {@link DEFAULT_GET_RECORDS_LIMIT}). */
  readonly maxRecordsPerCall?: number;
  /** How often to look for new shards, ms (default {@link DEFAULT_DISCOVERY_INTERVAL_MS}). */
  readonly discoveryIntervalMs?: number;
  /** Backoff for throttled and failed calls. Throttling is retried for as long as it lasts; other faults `maxAttempts` times in a row. */
  readonly retry?: {
    readonly maxAttempts?: number;
    readonly initialBackoffMs?: number;
    readonly maxBackoffMs?: number;
  };
}

/** Options of {@link KinesisSink}. */
export interface KinesisSinkOptions<T> extends KinesisClientOptions, AsyncSinkTuning {
  /** The stream's name, or its ARN. */
  readonly stream: string;
  /** The record's partition key, 1–256 characters (default: a random key per record, spreading load evenly). */
  readonly partitionKey?: (value: T) => string;
  /** An explicit hash key overriding the partition key's hash (optional). */
  readonly explicitHashKey?: (value: T) => string | undefined;
  /** Value → bytes (default: UTF-8 JSON). A string is encoded as UTF-8. */
  readonly serializer?: (value: T) => Uint8Array | string;
  /** Receives records that cannot be sent (over 1 MiB, serializer threw, bad partition key), counted; without it they fail the job. */
  readonly onDeadLetter?: (letter: SinkDeadLetter<T>) => void;
  /**
   * Packs each request's records into KPL-aggregated records, one per open
   * shard (each record still lands on its own key's shard), as the Kinesis
   * Producer Library does: a shard takes 1,000 records/s but 1 MiB/s, so
   * small records at high rates need it. Consumers must deaggregate (the
   * KinesisSource, the KCL and Lambda's Kinesis handlers here do). Default false.
   * Gotcha: as with the KPL, the shard map is listed again only once a
   * request shows it stale, so right after a split or merge one request's
   * records may land on the shard covering their aggregate's hash key
   * rather than each on its key's new shard.
   */
  readonly aggregate?: boolean;
}

/** Source options with defaults applied. */
export interface ResolvedKinesisSourceOptions {
  readonly pollIntervalMs: number;
  readonly maxRecordsPerCall: number;
  readonly discoveryIntervalMs: number;
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly startPosition: KinesisStartPosition;
}

/**
 * Applies the source defaults and checks the values.
 *
 * ```ts
 * resolveKinesisSourceOptions({ stream: 'clicks', pollIntervalMs: 100 });
 * // RangeError: pollIntervalMs must be >= 200 (Kinesis allows 5 GetRecords calls/s per shard), got 100
 * ```
 */
export function resolveKinesisSourceOptions<T>(options: KinesisSourceOptions<T>): ResolvedKinesisSourceOptions {
  checkStream(options.stream);
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs >= MIN_POLL_INTERVAL_MS)) {
    throw new RangeError(
      `pollIntervalMs must be >= ${MIN_POLL_INTERVAL_MS} (Kinesis allows ${GET_RECORDS_MAX_CALLS_PER_SECOND} GetRecords calls/s per shard), got ${pollIntervalMs}`,
    );
  }
  const maxRecordsPerCall = options.maxRecordsPerCall ?? DEFAULT_GET_RECORDS_LIMIT;
  if (!(Number.isInteger(maxRecordsPerCall) && maxRecordsPerCall >= 1 && maxRecordsPerCall <= GET_RECORDS_MAX_LIMIT)) {
    throw new RangeError(`maxRecordsPerCall must be an integer from 1 to ${GET_RECORDS_MAX_LIMIT}, got ${maxRecordsPerCall}`);
  }
  const discoveryIntervalMs = options.discoveryIntervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS;
  if (!(Number.isFinite(discoveryIntervalMs) && discoveryIntervalMs > 0)) {
    throw new RangeError(`discoveryIntervalMs must be a number of ms > 0, got ${discoveryIntervalMs}`);
  }
  const maxAttempts = options.retry?.maxAttempts ?? DEFAULT_SOURCE_MAX_ATTEMPTS;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  const initialBackoffMs = options.retry?.initialBackoffMs ?? DEFAULT_SOURCE_INITIAL_BACKOFF_MS;
  const maxBackoffMs = options.retry?.maxBackoffMs ?? Math.max(DEFAULT_SOURCE_MAX_BACKOFF_MS, initialBackoffMs);
  if (!(Number.isFinite(initialBackoffMs) && initialBackoffMs >= 0)) {
    throw new RangeError(`retry.initialBackoffMs must be a finite number of ms >= 0, got ${initialBackoffMs}`);
  }
  if (!(Number.isFinite(maxBackoffMs) && maxBackoffMs >= initialBackoffMs)) {
    throw new RangeError(`retry.maxBackoffMs must be a finite number of ms >= initialBackoffMs (${initialBackoffMs}), got ${maxBackoffMs}`);
  }
  const startPosition = options.startPosition ?? 'LATEST';
  if (typeof startPosition === 'object') {
    const at = startPosition.atTimestamp instanceof Date ? startPosition.atTimestamp.getTime() : startPosition.atTimestamp;
    if (!Number.isFinite(at)) throw new RangeError(`startPosition.atTimestamp must be a valid time, got ${String(startPosition.atTimestamp)}`);
  } else if (startPosition !== 'LATEST' && startPosition !== 'TRIM_HORIZON') {
    throw new RangeError(`startPosition must be 'TRIM_HORIZON', 'LATEST' or { atTimestamp }, got ${JSON.stringify(startPosition)}`);
  }
  return { pollIntervalMs, maxRecordsPerCall, discoveryIntervalMs, maxAttempts, initialBackoffMs, maxBackoffMs, startPosition };
}

/** Checks a stream name or ARN. */
export function checkStream(stream: string): void {
  if (typeof stream !== 'string' || stream.length === 0) throw new RangeError(`stream must be a stream name or ARN, got ${JSON.stringify(stream)}`);
}

/** The request fields naming a stream: `StreamARN` for an ARN, `StreamName` otherwise. */
export function streamParameter(stream: string): { StreamName: string } | { StreamARN: string } {
  return stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream };
}

/**
 * The errors of the Kinesis connectors, and how Kinesis' own error codes are
 * classified: which GetRecords errors mean "refresh the iterator", which
 * PutRecords entry errors are worth retrying. Messages name the stream and
 * shard, never credentials.
 */
import { ConnectorError } from '../shared/connectorError.js';

/** The codes a {@link KinesisError} carries. */
export type KinesisErrorCode =
  /** Reading a shard failed for a reason retrying cannot fix, or after every retry. */
  | 'KINESIS_READ_FAILED'
  /** Listing the stream's shards failed. */
  | 'KINESIS_DISCOVERY_FAILED'
  /** A record's bytes could not be deserialized (use `kinesisSourceWithDeadLetters` to divert such records). */
  | 'KINESIS_DESERIALIZATION_FAILED';

/**
 * An error of the Kinesis source.
 *
 * ```ts
 * const result = await env.execute('clicks').done.catch((error: Error) => error);
 * if (result instanceof Error && result.cause instanceof KinesisError) console.error(result.cause.code);
 * ```
 * `retryable` is true when running the job again may succeed (throttling or
 * an outage that outlasted the retries).
 */
export class KinesisError extends ConnectorError<KinesisErrorCode> {
  override name = 'KinesisError';
}

/**
 * Whether a GetRecords error means the iterator is too old (they live 5
 * minutes): get a new one after the last sequence number read.
 *
 * ```ts
 * if (isExpiredIteratorError(error)) iterator = await iteratorAfter(lastSequenceNumber);
 * ```
 */
export function isExpiredIteratorError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ExpiredIteratorException';
}

/**
 * PutRecords entry error codes that may succeed when the entry is sent
 * again: throttling of the shard or of KMS, and internal failures. Others
 * (KMS key disabled, access denied…) fail the job.
 */
export const RETRYABLE_PUT_RECORDS_ERROR_CODES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'InternalFailure',
  'InternalFailureException',
  'KMSThrottlingException',
]);

/**
 * Errors of the S3 connectors: one class with a code per failure, and the
 * wrapping of SDK errors that keeps whether retrying may help (decided in
 * one place, the batching module's `isRetryableError`). Messages name the
 * bucket and key, never credentials.
 */
import { ConnectorError } from '../shared/connectorError.js';
import { errorMessage, isRetryableError } from '../batching/errors.js';

/** The codes an {@link S3ConnectorError} carries. */
export type S3ErrorCode =
  /** An S3 request failed (see `cause`; `retryable` says whether trying again may help). */
  | 'S3_REQUEST_FAILED'
  /** A record could not be written (partition or format rejected it) and no `onDeadLetter` took it. */
  | 'S3_RECORD_REJECTED'
  /** A record could not be decoded and no `onDeadLetter` took it. */
  | 'S3_RECORD_UNDECODABLE'
  /** A committable or location is not what this connector writes. */
  | 'S3_BAD_COMMITTABLE'
  /** The writer was used after `close()`. */
  | 'S3_WRITER_CLOSED';

/**
 * An error of an S3 connector.
 *
 * ```ts
 * try {
 *   await env.execute('to the lake');
 * } catch (error) {
 *   const cause = (error as Error).cause;
 *   if (cause instanceof S3ConnectorError && cause.retryable) scheduleRetry();
 * }
 * ```
 */
export class S3ConnectorError extends ConnectorError<S3ErrorCode> {
  override name = 'S3ConnectorError';
}

/**
 * Wraps an SDK error of an S3 call: the operation and object in the message,
 * the SDK error as `cause`, `retryable` for throttling, 5xx and network
 * faults.
 *
 * ```ts
 * throw s3RequestFailed('UploadPart', 'lake', 'orders/part-0-…', error);
 * ```
 */
export function s3RequestFailed(operation: string, bucket: string, key: string | undefined, error: unknown): S3ConnectorError {
  if (error instanceof S3ConnectorError) return error;
  const where = key === undefined ? `s3://${bucket}` : `s3://${bucket}/${key}`;
  return new S3ConnectorError('S3_REQUEST_FAILED', `${operation} ${where} failed: ${errorMessage(error)}`, {
    cause: error,
    retryable: isRetryableError(error),
  });
}

/** Whether an SDK error says the object or upload does not exist (404, NoSuchKey, NotFound, NoSuchUpload). */
export function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.name === 'NoSuchUpload' || e.Code === 'NoSuchUpload' || e.$metadata?.httpStatusCode === 404;
}

export { errorMessage };

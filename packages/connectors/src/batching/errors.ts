/**
 * The errors of async sinks built on the batching base, and the one place
 * that decides whether an AWS SDK error is worth retrying. Messages name the
 * sink and the reason; they never contain credentials or record contents
 * beyond a short preview.
 */
import { TributaryError } from '@tributary/core';
import { ConnectorError } from '../shared/connectorError.js';

/** The codes an {@link AsyncSinkError} carries. */
export type AsyncSinkErrorCode =
  /** A record is larger than the service accepts in one entry (and no `onDeadLetter` took it). */
  | 'SINK_RECORD_TOO_LARGE'
  /** Turning a record into a request entry threw (and no `onDeadLetter` took it). */
  | 'SINK_RECORD_INVALID'
  /** Entries were still rejected after the last retry attempt. */
  | 'SINK_RETRIES_EXHAUSTED'
  /** The service rejected entries for a reason retrying cannot fix. */
  | 'SINK_ENTRY_REJECTED'
  /** A whole request failed for a reason retrying cannot fix (missing stream, access denied…). */
  | 'SINK_REQUEST_FAILED'
  /** The writer was used after `close()`. */
  | 'SINK_CLOSED';

/**
 * An error of an async sink writer.
 *
 * ```ts
 * try {
 *   await env.execute('to kinesis');
 * } catch (error) {
 *   const cause = (error as Error).cause;
 *   if (cause instanceof AsyncSinkError && cause.code === 'SINK_RECORD_TOO_LARGE') shrinkRecords();
 * }
 * ```
 * `retryable` says whether running the job again may succeed (throttling
 * that outlasted the retries) or not (a record that is simply too large).
 */
export class AsyncSinkError extends ConnectorError<AsyncSinkErrorCode> {
  override name = 'AsyncSinkError';
}

/** Error names (SDK `name` / service `__type`) that mean "slow down", always worth retrying. */
export const THROTTLING_ERROR_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'LimitExceededException',
  'KMSThrottlingException',
]);

/** Error names of transient service or network faults, worth retrying. */
export const TRANSIENT_ERROR_NAMES: ReadonlySet<string> = new Set([
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/**
 * Whether an error thrown by an SDK call may succeed if the call is made
 * again: throttling, server-side (5xx) faults, timeouts and dropped
 * connections — and any `TributaryError` marked `retryable`.
 *
 * ```ts
 * try {
 *   await client.send(new PutRecordsCommand(input));
 * } catch (error) {
 *   if (!isRetryableError(error)) throw error; // a missing stream will not appear by itself
 * }
 * ```
 * Gotcha: the SDK has already retried transient errors (3 attempts by
 * default) before the error reaches you; this decides about retrying again.
 */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof TributaryError) return error.retryable;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; code?: unknown; $retryable?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (e.name === 'AbortError') return false;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (typeof e.name === 'string' && (THROTTLING_ERROR_NAMES.has(e.name) || TRANSIENT_ERROR_NAMES.has(e.name))) return true;
  if (typeof e.code === 'string' && TRANSIENT_ERROR_NAMES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number') return status === 429 || status >= 500;
  return e.$fault === 'server';
}

/**
 * Whether an error means "slow down" (throttling) rather than a fault:
 * callers back off and keep trying instead of counting it as a failure.
 *
 * ```ts
 * if (isThrottlingError(error)) await sleep(backoffDelay(++throttles, 200, 10_000));
 * ```
 */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; $retryable?: { throttling?: unknown } };
  return (typeof e.name === 'string' && THROTTLING_ERROR_NAMES.has(e.name)) || e.$retryable?.throttling === true;
}

/**
 * The message of any thrown value, prefixed with the error's name when it
 * says more than `Error` (SDK errors: `ResourceNotFoundException: …`).
 *
 * ```ts
 * errorMessage(new Error('boom')); // 'boom'
 * errorMessage(Object.assign(new Error('Stream x not found'), { name: 'ResourceNotFoundException' })); // 'ResourceNotFoundException: Stream x not found'
 * ```
 */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.name !== 'Error' && !error.message.startsWith(error.name) ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

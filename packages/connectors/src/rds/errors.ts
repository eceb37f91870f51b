/**
 * The errors the RDS connectors throw: one class, `RdsError`, a
 * `TributaryError` with a stable code and a `retryable` flag. Messages name
 * the table and the operation, never a password or a full connection string.
 */
import { ConnectorError } from '../shared/connectorError.js';

/** The codes an {@link RdsError} carries. */
export type RdsErrorCode =
  /** The declared schema does not match the table (see `SchemaMismatchError`). */
  | 'RDS_SCHEMA_MISMATCH'
  /** The table the pipeline names does not exist (or is not visible to the user). */
  | 'RDS_TABLE_NOT_FOUND'
  /** A query failed. `retryable` says whether the cause was transient (deadlock, lost connection). */
  | 'RDS_QUERY_FAILED'
  /** A batch could not be written after every retry, or failed for a non-transient reason. */
  | 'RDS_WRITE_FAILED'
  /** A row or record was bad and no `onDeadLetter` handler was configured to take it. */
  | 'RDS_BAD_RECORD'
  /** A checkpointed split or high-water mark could not be used. */
  | 'RDS_INVALID_STATE';

/**
 * An error of the RDS connectors.
 *
 * ```ts
 * try {
 *   await env.execute('load customers');
 * } catch (error) {
 *   if (error instanceof RdsError && error.retryable) scheduleRetry();
 * }
 * ```
 * `retryable` is true when the same operation may succeed later (a deadlock,
 * a connection reset); the upsert sink retries those itself before giving up.
 */
export class RdsError extends ConnectorError<RdsErrorCode> {
  override name = 'RdsError';
}

/** The message of any thrown value, for wrapping errors into readable ones. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

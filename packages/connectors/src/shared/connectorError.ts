/**
 * The one base of the connectors' error classes (`AsyncSinkError`,
 * `KinesisError`, `RdsError`, `S3ConnectorError`): a core `TributaryError`
 * whose `code` is narrowed to the connector's own codes, with a `cause` and
 * a `retryable` flag. Each connector's class only names itself.
 */
import { TributaryError } from '@tributary/core';

/** What a connector error carries besides its code and message. */
export interface ConnectorErrorOptions {
  /** The error that caused this one (an SDK or driver error). */
  readonly cause?: unknown;
  /** Whether running the operation (or the job) again may succeed. Default false. */
  readonly retryable?: boolean;
}

/**
 * A `TributaryError` with a connector's code type.
 *
 * ```ts
 * export class QueueError extends ConnectorError<'QUEUE_FULL' | 'QUEUE_CLOSED'> {
 *   override name = 'QueueError';
 * }
 * throw new QueueError('QUEUE_FULL', "queue 'jobs' is full", { retryable: true });
 * ```
 * Gotcha: a subclass sets `name` as a field, so it is in place as soon as the
 * constructor returns (as `this.name = …` in a constructor would be).
 */
export class ConnectorError<Code extends string> extends TributaryError {
  declare readonly code: Code;

  constructor(code: Code, message: string, options: ConnectorErrorOptions = {}) {
    super(code, message, options);
  }
}

/**
 * The error classes Tributary throws. Each has a stable `code`, a `name`,
 * and (where one exists) a `cause`. Errors raised by user functions name the
 * operator they happened in and carry the record that triggered them.
 */

/** Base class of every error Tributary throws on purpose. */
export class TributaryError extends Error {
  /** Stable machine-readable code, e.g. `USER_FUNCTION_FAILED`. */
  readonly code: string;
  /** Whether retrying the same operation may succeed (connectors set this). */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TributaryError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Describes an operator in messages: its name and, when set, its uid. */
export function describeOperator(name: string, uid: string | undefined): string {
  return uid === undefined || uid === name ? `'${name}'` : `'${name}' (uid '${uid}')`;
}

/** Renders a record for an error message, shortened to keep logs readable. */
export function previewRecord(record: unknown, max = 200): string {
  let text: string;
  try {
    text = typeof record === 'string' ? JSON.stringify(record) : JSON.stringify(record, bigintReplacer) ?? String(record);
  } catch {
    text = String(record);
  }
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}

/** A user function (map, filter, process, window function…) threw while handling a record. */
export class UserFunctionError extends TributaryError {
  /** The operator's name. */
  readonly operator: string;
  /** The operator's uid, when one was set. */
  readonly uid: string | undefined;
  /** The record being processed when the function threw (undefined for timers and watermarks). */
  readonly record: unknown;

  constructor(operator: string, uid: string | undefined, record: unknown, cause: unknown, what = 'record') {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'USER_FUNCTION_FAILED',
      `Operator ${describeOperator(operator, uid)} failed on ${what} ${previewRecord(record)}: ${reason}`,
      { cause },
    );
    this.name = 'UserFunctionError';
    this.operator = operator;
    this.uid = uid;
    this.record = record;
  }
}

/** The job failed; `cause` holds the first error. */
export class JobFailedError extends TributaryError {
  readonly jobName: string;
  constructor(jobName: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('JOB_FAILED', `Job '${jobName}' failed: ${reason}`, { cause });
    this.name = 'JobFailedError';
    this.jobName = jobName;
  }
}

/** The job was cancelled through its handle before it finished. */
export class JobCancelledError extends TributaryError {
  constructor(jobName: string) {
    super('JOB_CANCELLED', `Job '${jobName}' was cancelled`);
    this.name = 'JobCancelledError';
  }
}

/** The program is not valid: a misuse of the API found when building or planning the job. */
export class InvalidProgramError extends TributaryError {
  constructor(message: string) {
    super('INVALID_PROGRAM', message);
    this.name = 'InvalidProgramError';
  }
}

/** Throws a RangeError naming the broken constraint unless `ok` holds. */
export function checkArgument(ok: boolean, message: string): asserts ok {
  if (!ok) throw new RangeError(message);
}

/**
 * The runner's exit codes and the error class that carries one. Commands
 * return a code instead of calling `process.exit`, so they can be tested;
 * only the `tributary` bin (cli.ts) exits the process.
 */

/** Exit codes of the `tributary` command. */
export const EXIT_CODES = {
  /** The job finished (bounded input), or was stopped on request (SIGTERM/SIGINT, `tributary stop`) after its savepoint. */
  OK: 0,
  /** The job failed (a restart strategy gave up, a user function threw, the pipeline's build threw), or a stop's savepoint failed. */
  JOB_FAILED: 1,
  /** Invalid usage: an unknown option, a bad value, a module that is not a pipeline, or a config that does not validate. */
  USAGE: 2,
  /** The checkpoint or savepoint to restore from (`--from-checkpoint`) is unreadable or incompatible with the job. */
  RESTORE_FAILED: 3,
  /** A second SIGTERM/SIGINT while stopping: the runner exits at once, without waiting for the savepoint (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** The exit codes as help text (shown by `tributary --help` and `tributary run --help`). */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  `  ${EXIT_CODES.OK}    the job finished, or was stopped (SIGTERM/SIGINT, tributary stop) with a savepoint`,
  `  ${EXIT_CODES.JOB_FAILED}    the job failed (or the savepoint taken on stop failed)`,
  `  ${EXIT_CODES.USAGE}    invalid usage or config (every config problem is listed with its path)`,
  `  ${EXIT_CODES.RESTORE_FAILED}    the checkpoint to restore from is unreadable or incompatible`,
  `  ${EXIT_CODES.INTERRUPTED}  a second stop signal arrived before the savepoint completed`,
].join('\n');

/**
 * An error the runner reports as one message (no stack trace) and turns
 * into an exit code.
 */
export class RunnerError extends Error {
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RunnerError';
    this.exitCode = exitCode;
  }
}

/** A usage error: exit code 2. */
export function usageError(message: string, cause?: unknown): RunnerError {
  return new RunnerError(EXIT_CODES.USAGE, message, cause === undefined ? {} : { cause });
}

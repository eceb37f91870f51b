/**
 * runToCompletion: executes a stream's job and returns its records, failing
 * with a clear error if the job does not finish within the timeout (an
 * unbounded source left open is the usual cause).
 *
 * ```ts
 * const out = await runToCompletion(env.fromElements(1, 2, 3).map((x) => x * 2));
 * // [2, 4, 6]
 * ```
 */
import type { DataStream } from '../api/DataStream.js';
import { TributaryError } from '../errors.js';

export interface RunOptions {
  /** Milliseconds to wait before cancelling the job and failing (default 30 s). */
  readonly timeoutMs?: number;
  readonly jobName?: string;
}

/** Runs the job, returning the stream's records with their timestamps. */
export async function runToCompletionWithTimestamps<T>(
  stream: DataStream<T>,
  options: RunOptions = {},
): Promise<Array<{ value: T; timestamp: number }>> {
  const out: Array<{ value: T; timestamp: number }> = [];
  stream
    .sinkTo((value, timestamp) => {
      out.push({ value, timestamp });
    })
    .name('Test Collect')
    .setParallelism(1);
  const job = stream.environment.execute(options.jobName ?? 'test job');
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void job.cancel();
      reject(new TributaryError('TEST_TIMEOUT', `job did not finish within ${timeoutMs} ms (is a source unbounded?)`));
    }, timeoutMs);
  });
  try {
    await Promise.race([job.done, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return out;
}

/** Runs the job and returns the stream's records. */
export async function runToCompletion<T>(stream: DataStream<T>, options: RunOptions = {}): Promise<T[]> {
  return (await runToCompletionWithTimestamps(stream, options)).map((r) => r.value);
}

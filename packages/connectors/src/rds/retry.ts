/**
 * Retries of transient database errors (deadlocks, lock timeouts, lost
 * connections) with exponential backoff and jitter, shared by the upsert
 * sink and the source readers.
 */

/** Attempts per operation, the first included. */
export const DEFAULT_RETRY_MAX_ATTEMPTS = 5;
/** Delay before the first retry (ms); doubles with each retry. */
export const DEFAULT_RETRY_INITIAL_BACKOFF_MS = 100;
/** Upper bound of a retry delay (ms). */
export const DEFAULT_RETRY_MAX_BACKOFF_MS = 5_000;

/**
 * How transient errors are retried.
 *
 * ```ts
 * rdsUpsertSink({ ...conn, table: 'totals', key: ['id'], columns: ['id', 'total'], retry: { maxAttempts: 8, maxBackoffMs: 10_000 } });
 * ```
 */
export interface RdsRetryOptions {
  /** Attempts at most, the first included (>= 1; default {@link DEFAULT_RETRY_MAX_ATTEMPTS}). */
  readonly maxAttempts?: number;
  /** First delay in ms (default {@link DEFAULT_RETRY_INITIAL_BACKOFF_MS}). */
  readonly initialBackoffMs?: number;
  /** Largest delay in ms (default {@link DEFAULT_RETRY_MAX_BACKOFF_MS}). */
  readonly maxBackoffMs?: number;
}

/** Retry options with defaults filled in and checked (a RangeError names a bad one). */
export function resolveRetry(options: RdsRetryOptions = {}): Required<RdsRetryOptions> {
  const resolved = {
    maxAttempts: options.maxAttempts ?? DEFAULT_RETRY_MAX_ATTEMPTS,
    initialBackoffMs: options.initialBackoffMs ?? DEFAULT_RETRY_INITIAL_BACKOFF_MS,
    maxBackoffMs: options.maxBackoffMs ?? DEFAULT_RETRY_MAX_BACKOFF_MS,
  };
  if (!Number.isInteger(resolved.maxAttempts) || resolved.maxAttempts < 1) throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${resolved.maxAttempts}`);
  if (!(resolved.initialBackoffMs >= 0)) throw new RangeError(`retry.initialBackoffMs must be >= 0, got ${resolved.initialBackoffMs}`);
  if (!(resolved.maxBackoffMs >= resolved.initialBackoffMs)) {
    throw new RangeError(`retry.maxBackoffMs must be >= initialBackoffMs (${resolved.initialBackoffMs}), got ${resolved.maxBackoffMs}`);
  }
  return resolved;
}

/**
 * The delay after failed attempt `attempt` (1-based): exponential, capped,
 * with "equal jitter" (half fixed, half random) so that writers that failed
 * together do not retry together, yet always wait a little.
 *
 * ```ts
 * backoffDelayMs(3, { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 5_000 }, () => 0); // 200
 * ```
 */
export function backoffDelayMs(attempt: number, retry: Required<RdsRetryOptions>, random: () => number = Math.random): number {
  const cap = Math.min(retry.maxBackoffMs, retry.initialBackoffMs * 2 ** (attempt - 1));
  return cap / 2 + random() * (cap / 2);
}

/**
 * Runs `operation`, retrying while `isTransient(error)` and attempts remain.
 *
 * ```ts
 * await withRetry(() => client.query(sql, params), (e) => dialect.isTransient(e), resolveRetry());
 * ```
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  isTransient: (error: unknown) => boolean,
  retry: Required<RdsRetryOptions>,
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= retry.maxAttempts || !isTransient(error)) throw error;
      const delay = backoffDelayMs(attempt, retry);
      onRetry?.(error, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

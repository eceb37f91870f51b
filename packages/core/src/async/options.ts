/**
 * The async I/O function type and the options of `AsyncDataStream.orderedWait`
 * / `unorderedWait`, with their defaults and the checks run when the
 * operator is added (a bad option fails at once with a RangeError naming it).
 */
import { checkArgument } from '../errors.js';

/**
 * Records in flight at once per parallel instance, unless `capacity` says
 * otherwise (Flink's default). Lower it for rate-limited services: with
 * parallelism p at most p × capacity calls run at once.
 */
export const DEFAULT_ASYNC_CAPACITY = 100;

/**
 * What an async call gets besides the record.
 *
 * ```ts
 * const lookup: AsyncFunction<Click, Profile> = (click, { signal }) =>
 *   fetch(`${API}/users/${click.user}`, { signal }).then((r) => r.json());
 * ```
 */
export interface AsyncCallContext {
  /** Aborted when the call times out or the job stops: pass it on to fetch / the SDK. */
  readonly signal: AbortSignal;
  /** 1 for the first call of a record, 2 for its first retry, … */
  readonly attempt: number;
}

/**
 * An async call per record: returns the result, or rejects (retried per
 * `retry`, then failing the job or going to the dead letters).
 *
 * ```ts
 * const price: AsyncFunction<Order, number> = async (order) => (await pricing.quote(order.sku)).amount;
 * ```
 */
export type AsyncFunction<IN, OUT> = (input: IN, ctx: AsyncCallContext) => Promise<OUT>;

/**
 * Retries of a failed call: attempt n+1 starts `backoffMs × 2^(n−1)` ms after
 * attempt n failed, capped at `maxBackoffMs`.
 *
 * ```ts
 * const retry: AsyncRetryOptions = { maxAttempts: 4, backoffMs: 100, maxBackoffMs: 1_000, retryOn: (e) => isThrottling(e) };
 * ```
 * The operator's `timeout` covers all attempts of a record, backoff included.
 */
export interface AsyncRetryOptions {
  /** Calls per record at most, the first included (>= 1). */
  readonly maxAttempts: number;
  /** Delay before the first retry, ms (>= 0); doubles with each retry. */
  readonly backoffMs: number;
  /** Upper bound of the delay, ms (default: no bound). */
  readonly maxBackoffMs?: number;
  /** Whether an error is worth retrying (default: every error). */
  readonly retryOn?: (error: unknown) => boolean;
}

/**
 * Options of an async I/O operator.
 *
 * ```ts
 * AsyncDataStream.orderedWait(orders, quote, { timeout: 2_000, capacity: 50, onTimeout: (o) => ({ ...o, price: undefined }) });
 * ```
 */
export interface AsyncWaitOptions<IN, OUT> {
  /** Milliseconds a record may take, all attempts included (> 0; `Infinity` for none). */
  readonly timeout: number;
  /**
   * Records in flight at most per parallel instance (default 100): a slot is
   * taken when a record's first call starts and freed when its result is
   * emitted. When all are taken the operator backpressures its sources.
   */
  readonly capacity?: number;
  /** Retry failed calls (default: no retries). */
  readonly retry?: AsyncRetryOptions;
  /** Result for a record that timed out, instead of failing (degrade: return a fallback). */
  readonly onTimeout?: (input: IN) => OUT;
}

/**
 * Checks the options and returns them with defaults filled in; a broken
 * constraint throws a RangeError naming it.
 *
 * ```ts
 * checkAsyncOptions({ timeout: 1_000 }).capacity; // 100
 * checkAsyncOptions({ timeout: 0 }); // RangeError: async I/O timeout must be a number of milliseconds > 0 (or Infinity), got 0
 * ```
 */
export function checkAsyncOptions<IN, OUT>(options: AsyncWaitOptions<IN, OUT>): AsyncWaitOptions<IN, OUT> & { readonly capacity: number } {
  checkArgument(typeof options === 'object' && options !== null, 'async I/O options are required: { timeout, capacity?, retry?, onTimeout? }');
  const { timeout, retry, onTimeout } = options;
  const capacity = options.capacity ?? DEFAULT_ASYNC_CAPACITY;
  checkArgument(typeof timeout === 'number' && timeout > 0, `async I/O timeout must be a number of milliseconds > 0 (or Infinity), got ${timeout}`);
  checkArgument(Number.isInteger(capacity) && capacity >= 1, `async I/O capacity must be an integer >= 1, got ${capacity}`);
  checkArgument(onTimeout === undefined || typeof onTimeout === 'function', 'async I/O onTimeout must be a function');
  if (retry !== undefined) {
    checkArgument(
      Number.isInteger(retry.maxAttempts) && retry.maxAttempts >= 1,
      `async I/O retry.maxAttempts must be an integer >= 1, got ${retry.maxAttempts}`,
    );
    checkArgument(
      Number.isFinite(retry.backoffMs) && retry.backoffMs >= 0,
      `async I/O retry.backoffMs must be a finite number >= 0, got ${retry.backoffMs}`,
    );
    checkArgument(
      retry.maxBackoffMs === undefined || (typeof retry.maxBackoffMs === 'number' && retry.maxBackoffMs >= retry.backoffMs),
      `async I/O retry.maxBackoffMs must be >= backoffMs (${retry.backoffMs}), got ${retry.maxBackoffMs}`,
    );
    checkArgument(retry.retryOn === undefined || typeof retry.retryOn === 'function', 'async I/O retry.retryOn must be a function');
  }
  return { ...options, capacity };
}

/**
 * The delay before attempt `attempt + 1`, after attempt `attempt` (1-based) failed.
 *
 * ```ts
 * backoffDelay({ maxAttempts: 5, backoffMs: 100, maxBackoffMs: 250 }, 1); // 100
 * backoffDelay({ maxAttempts: 5, backoffMs: 100, maxBackoffMs: 250 }, 3); // 250 (400, capped)
 * ```
 */
export function backoffDelay(retry: AsyncRetryOptions, attempt: number): number {
  const delay = retry.backoffMs * 2 ** (attempt - 1);
  return Math.min(delay, retry.maxBackoffMs ?? Number.POSITIVE_INFINITY);
}

/**
 * Exponential backoff with jitter, and an abortable sleep: how connectors
 * wait before retrying throttled or failed calls, so many writers or shard
 * readers that failed together do not retry in lockstep.
 */

/**
 * The wait before retry number `retry` (1 = the first retry): the base
 * `initialMs · 2^(retry-1)`, capped at `maxMs`, then "equal jitter" — a
 * uniformly random value between half the base and the base.
 *
 * ```ts
 * backoffDelay(1, 100, 10_000); // 50..100
 * backoffDelay(4, 100, 10_000); // 400..800
 * backoffDelay(20, 100, 10_000); // 5_000..10_000
 * ```
 * `random` is injectable for tests (default Math.random).
 */
export function backoffDelay(retry: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const base = Math.min(maxMs, initialMs * 2 ** exponent);
  return base / 2 + random() * (base / 2);
}

/**
 * Resolves after `ms`, or at once when `signal` aborts (it never rejects;
 * callers check `signal.aborted` after waking).
 *
 * ```ts
 * await sleep(backoffDelay(attempt, 100, 10_000), controller.signal);
 * if (controller.signal.aborted) return;
 * ```
 * The timer keeps the process alive (an unref'd one could let a script
 * awaiting a retrying job exit early); abort the signal to cancel it.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });
}

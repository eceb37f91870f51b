/**
 * waitUntil: polls a condition on the wall clock until it holds, for tests
 * that watch a running job (or a server, or a child process) from outside.
 *
 * ```ts
 * const job = env.execute();
 * await waitUntil(() => sink.values().length >= 100, 10_000, 'all records');
 * ```
 *
 * Gotchas: it checks at once, then every `intervalMs` (real time, not a
 * `TestClock`: with a virtual clock, move the clock instead). On timeout it
 * rejects with an Error naming `what` and the timeout; a condition that
 * throws (or rejects) rejects it with that error at once.
 */
import { checkArgument } from '../errors.js';

/** Default {@link waitUntil} timeout (ms). */
export const WAIT_UNTIL_DEFAULT_TIMEOUT_MS = 10_000;
/** Default pause between two checks of a {@link waitUntil} condition (ms). */
export const WAIT_UNTIL_DEFAULT_INTERVAL_MS = 10;

export interface WaitUntilOptions {
  /** What is awaited, for the timeout message (default `'the condition'`). */
  readonly what?: string;
  /** Pause between two checks (ms, default {@link WAIT_UNTIL_DEFAULT_INTERVAL_MS}). */
  readonly intervalMs?: number;
}

/**
 * Resolves once `condition()` returns (or resolves to) true; rejects when it
 * has not within `timeoutMs`. `options` may be just the `what` of the
 * timeout message.
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number = WAIT_UNTIL_DEFAULT_TIMEOUT_MS,
  options: WaitUntilOptions | string = {},
): Promise<void> {
  const { what = 'the condition', intervalMs = WAIT_UNTIL_DEFAULT_INTERVAL_MS } = typeof options === 'string' ? { what: options } : options;
  checkArgument(Number.isFinite(timeoutMs) && timeoutMs >= 0, `waitUntil: timeoutMs must be a finite number >= 0, got ${timeoutMs}`);
  checkArgument(Number.isFinite(intervalMs) && intervalMs >= 0, `waitUntil: intervalMs must be a finite number >= 0, got ${intervalMs}`);
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

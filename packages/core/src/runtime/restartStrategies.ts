/**
 * The restart strategies a job can be given (`restartStrategy` in the
 * StreamEnvironment options): never restart, a fixed number of attempts
 * with a fixed delay, an exponential backoff with jitter, or restart until
 * failures come too often (Flink's failure-rate strategy).
 *
 * A strategy counts the failures it is told about, so it belongs to one
 * job: create one per job.
 */
import { checkArgument } from '../errors.js';
import type { RestartStrategy } from './RestartStrategy.js';

/** Options of {@link RestartStrategies.exponentialDelay}. */
export interface ExponentialDelayOptions {
  /** Delay before the first restart (ms, > 0). */
  readonly initialDelayMs: number;
  /** The delay never grows beyond this (ms, >= initialDelayMs), jitter aside. */
  readonly maxDelayMs: number;
  /** Each further failure multiplies the delay by this (>= 1, default 2). */
  readonly multiplier?: number;
  /** Each delay is moved by up to ± this fraction of itself, at random, so restarts of many jobs spread out (0..1, default 0.1). */
  readonly jitterFactor?: number;
  /** Once the job has run this long (ms) without failing since its last restart, the backoff starts again from `initialDelayMs`. Default: never. */
  readonly resetAfterMs?: number;
  /** Gives up after this many restarts without a reset (default: never gives up). */
  readonly maxAttempts?: number;
  /** Random numbers in [0, 1) for the jitter (default `Math.random`; tests inject their own). */
  readonly random?: () => number;
}

/** Options of {@link RestartStrategies.failureRate}. */
export interface FailureRateOptions {
  /** The most failures tolerated within `intervalMs` (integer >= 1); one more and the job fails. */
  readonly maxFailures: number;
  /** The sliding window failures are counted in (ms, > 0). */
  readonly intervalMs: number;
  /** Delay before each restart (ms, >= 0). */
  readonly delayMs: number;
}

const DEFAULT_MULTIPLIER = 2;
const DEFAULT_JITTER_FACTOR = 0.1;

/**
 * Factories of {@link RestartStrategy}.
 *
 * ```ts
 * StreamEnvironment.create({ restartStrategy: RestartStrategies.fixedDelay(3, 1_000) });
 * StreamEnvironment.create({
 *   restartStrategy: RestartStrategies.exponentialDelay({ initialDelayMs: 100, maxDelayMs: 60_000, resetAfterMs: 600_000 }),
 * });
 * ```
 * Gotchas: arguments are checked at once (a RangeError names the broken
 * constraint); strategies are stateful, so give each job its own.
 */
export const RestartStrategies = {
  /**
   * Never restarts: the first failure fails the job (the default).
   *
   * ```ts
   * RestartStrategies.none().onFailure(Date.now(), new Error('boom')); // undefined
   * ```
   */
  none(): RestartStrategy {
    return { description: 'none', onFailure: () => undefined };
  },

  /**
   * Restarts up to `maxAttempts` times in the job's life, each after `delayMs`.
   *
   * ```ts
   * const strategy = RestartStrategies.fixedDelay(2, 1_000);
   * strategy.onFailure(0, error); // 1000
   * strategy.onFailure(5, error); // 1000
   * strategy.onFailure(9, error); // undefined: the third failure fails the job
   * ```
   * Gotchas: `maxAttempts` is an integer >= 0 (or Infinity), `delayMs` finite and >= 0.
   */
  fixedDelay(maxAttempts: number, delayMs: number): RestartStrategy {
    checkAttempts('fixedDelay', 'maxAttempts', maxAttempts);
    checkDelay('fixedDelay', 'delayMs', delayMs);
    let attempts = 0;
    return {
      description: `fixed-delay(${maxAttempts} attempts, ${delayMs} ms)`,
      onFailure(): number | undefined {
        if (attempts >= maxAttempts) return undefined;
        attempts++;
        return delayMs;
      },
    };
  },

  /**
   * Restarts after a delay that starts at `initialDelayMs` and is multiplied
   * by `multiplier` on each further failure, up to `maxDelayMs`, each moved
   * by a random jitter of up to ± `jitterFactor` of itself. After
   * `resetAfterMs` of running without failure the delay starts over.
   *
   * ```ts
   * const strategy = RestartStrategies.exponentialDelay({ initialDelayMs: 100, maxDelayMs: 1_000, jitterFactor: 0 });
   * [0, 1, 2, 3, 4, 5].map((i) => strategy.onFailure(i, error)); // [100, 200, 400, 800, 1000, 1000]
   * ```
   * Gotchas: delays are whole milliseconds; with jitter a delay may exceed
   * `maxDelayMs` by up to `jitterFactor` of it.
   */
  exponentialDelay(options: ExponentialDelayOptions): RestartStrategy {
    const { initialDelayMs, maxDelayMs, resetAfterMs, random = Math.random } = options;
    const multiplier = options.multiplier ?? DEFAULT_MULTIPLIER;
    const jitterFactor = options.jitterFactor ?? DEFAULT_JITTER_FACTOR;
    const maxAttempts = options.maxAttempts ?? Infinity;
    const name = 'exponentialDelay';
    checkArgument(Number.isFinite(initialDelayMs) && initialDelayMs > 0, `${name}: initialDelayMs must be finite and > 0, got ${initialDelayMs}`);
    checkArgument(
      Number.isFinite(maxDelayMs) && maxDelayMs >= initialDelayMs,
      `${name}: maxDelayMs must be finite and >= initialDelayMs (${initialDelayMs}), got ${maxDelayMs}`,
    );
    checkArgument(Number.isFinite(multiplier) && multiplier >= 1, `${name}: multiplier must be finite and >= 1, got ${multiplier}`);
    checkArgument(jitterFactor >= 0 && jitterFactor <= 1, `${name}: jitterFactor must be between 0 and 1, got ${jitterFactor}`);
    checkArgument(
      resetAfterMs === undefined || (Number.isFinite(resetAfterMs) && resetAfterMs > 0),
      `${name}: resetAfterMs must be finite and > 0, got ${resetAfterMs}`,
    );
    checkAttempts(name, 'maxAttempts', maxAttempts);

    let attempts = 0;
    let nextDelay = initialDelayMs;
    /** When the job was last restarted (the last failure plus its delay). */
    let restartedAt = -Infinity;
    return {
      description:
        `exponential-delay(${initialDelayMs} ms to ${maxDelayMs} ms, x${multiplier}, jitter ${jitterFactor}` +
        `${resetAfterMs === undefined ? '' : `, reset after ${resetAfterMs} ms`}` +
        `${maxAttempts === Infinity ? '' : `, ${maxAttempts} attempts`})`,
      onFailure(now: number): number | undefined {
        if (resetAfterMs !== undefined && now - restartedAt >= resetAfterMs) {
          attempts = 0;
          nextDelay = initialDelayMs;
        }
        if (attempts >= maxAttempts) return undefined;
        attempts++;
        const base = nextDelay;
        nextDelay = Math.min(nextDelay * multiplier, maxDelayMs);
        const delay = Math.max(0, Math.round(base + base * jitterFactor * (2 * random() - 1)));
        restartedAt = now + delay;
        return delay;
      },
    };
  },

  /**
   * Restarts after `delayMs` unless more than `maxFailures` failures
   * (this one included) happened within the last `intervalMs`: then the
   * job fails.
   *
   * ```ts
   * const strategy = RestartStrategies.failureRate({ maxFailures: 2, intervalMs: 60_000, delayMs: 1_000 });
   * strategy.onFailure(0, error);      // 1000
   * strategy.onFailure(30_000, error); // 1000
   * strategy.onFailure(70_000, error); // 1000: the failure at 0 has left the window
   * strategy.onFailure(80_000, error); // undefined: 3 failures within 60 s
   * ```
   * Gotchas: a failure exactly `intervalMs` ago still counts (as in Flink).
   */
  failureRate(options: FailureRateOptions): RestartStrategy {
    const { maxFailures, intervalMs, delayMs } = options;
    const name = 'failureRate';
    checkArgument(Number.isSafeInteger(maxFailures) && maxFailures >= 1, `${name}: maxFailures must be an integer >= 1, got ${maxFailures}`);
    checkArgument(Number.isFinite(intervalMs) && intervalMs > 0, `${name}: intervalMs must be finite and > 0, got ${intervalMs}`);
    checkDelay(name, 'delayMs', delayMs);
    // The times of the last failures, oldest first; never more than maxFailures + 1.
    const failures: number[] = [];
    return {
      description: `failure-rate(${maxFailures} failures per ${intervalMs} ms, ${delayMs} ms)`,
      onFailure(now: number): number | undefined {
        failures.push(now);
        while (failures.length > 0 && now - failures[0]! > intervalMs) failures.shift();
        if (failures.length > maxFailures) {
          failures.shift();
          return undefined;
        }
        return delayMs;
      },
    };
  },
} as const;

function checkAttempts(factory: string, name: string, value: number): void {
  checkArgument(
    (Number.isSafeInteger(value) || value === Infinity) && value >= 0,
    `${factory}: ${name} must be an integer >= 0 (or Infinity), got ${value}`,
  );
}

function checkDelay(factory: string, name: string, value: number): void {
  checkArgument(Number.isFinite(value) && value >= 0, `${factory}: ${name} must be finite and >= 0, got ${value}`);
}

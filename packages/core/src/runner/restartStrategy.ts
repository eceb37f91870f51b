/**
 * `--restart-strategy` on the command line: `none`, `fixed:ATTEMPTS[:DELAY]`,
 * `exponential[:INITIAL:MAX]` or `failure-rate:MAX_FAILURES:INTERVAL:DELAY`,
 * with durations such as `1s` or `5m`, to a RestartStrategy.
 *
 * ```ts
 * parseRestartStrategy('fixed:3:1s');          // RestartStrategies.fixedDelay(3, 1000)
 * parseRestartStrategy('failure-rate:5:1m:1s'); // at most 5 failures per minute, 1 s apart
 * ```
 */
import type { RestartStrategy } from '../runtime/RestartStrategy.js';
import { RestartStrategies } from '../runtime/restartStrategies.js';
import { parseDuration } from './durations.js';

/** `fixed:ATTEMPTS` without a delay waits this long (ms). */
export const DEFAULT_FIXED_DELAY_MS = 1_000;
/** `exponential` without arguments: the first delay (ms). */
export const DEFAULT_EXPONENTIAL_INITIAL_MS = 1_000;
/** `exponential` without arguments: the largest delay (ms). */
export const DEFAULT_EXPONENTIAL_MAX_MS = 300_000;
/** `exponential`: after this long (ms) without a failure the backoff starts over. */
export const DEFAULT_EXPONENTIAL_RESET_MS = 3_600_000;

/** The accepted forms, for help and error messages. */
export const RESTART_STRATEGY_FORMS = 'none | fixed:ATTEMPTS[:DELAY] | exponential[:INITIAL:MAX] | failure-rate:MAX_FAILURES:INTERVAL:DELAY';

/**
 * Parses a `--restart-strategy` value.
 *
 * @throws RangeError naming the bad value and the accepted forms.
 */
export function parseRestartStrategy(text: string): RestartStrategy {
  const [kind = '', ...args] = text.trim().split(':');
  const bad = (why: string): RangeError => new RangeError(`invalid restart strategy '${text}': ${why} (expected ${RESTART_STRATEGY_FORMS})`);
  const count = (value: string | undefined, what: string): number => {
    if (value === undefined || !/^\d+$/.test(value)) throw bad(`${what} must be a whole number, got '${value ?? ''}'`);
    return Number(value);
  };
  const duration = (value: string | undefined, what: string): number => {
    if (value === undefined) throw bad(`${what} is missing`);
    try {
      return parseDuration(value);
    } catch (error) {
      throw bad(`${what}: ${(error as Error).message}`);
    }
  };
  const arity = (allowed: readonly number[]): void => {
    if (!allowed.includes(args.length)) throw bad(`'${kind}' takes ${allowed.join(' or ')} argument${allowed.at(-1) === 1 ? '' : 's'}`);
  };
  try {
    switch (kind) {
      case 'none':
        arity([0]);
        return RestartStrategies.none();
      case 'fixed':
      case 'fixed-delay':
        arity([1, 2]);
        return RestartStrategies.fixedDelay(count(args[0], 'ATTEMPTS'), args[1] === undefined ? DEFAULT_FIXED_DELAY_MS : duration(args[1], 'DELAY'));
      case 'exponential':
      case 'exponential-delay':
        arity([0, 2]);
        return RestartStrategies.exponentialDelay({
          initialDelayMs: args[0] === undefined ? DEFAULT_EXPONENTIAL_INITIAL_MS : duration(args[0], 'INITIAL'),
          maxDelayMs: args[1] === undefined ? DEFAULT_EXPONENTIAL_MAX_MS : duration(args[1], 'MAX'),
          resetAfterMs: DEFAULT_EXPONENTIAL_RESET_MS,
        });
      case 'failure-rate':
        arity([3]);
        return RestartStrategies.failureRate({
          maxFailures: count(args[0], 'MAX_FAILURES'),
          intervalMs: duration(args[1], 'INTERVAL'),
          delayMs: duration(args[2], 'DELAY'),
        });
      default:
        throw bad(`unknown kind '${kind}'`);
    }
  } catch (error) {
    // The factories' own RangeErrors (e.g. MAX below INITIAL) get the value in front.
    if (error instanceof RangeError && !error.message.startsWith('invalid restart strategy')) throw bad(error.message);
    throw error;
  }
}

import { describe, expect, it } from 'vitest';
import { RestartStrategies } from './restartStrategies.js';

const error = new Error('boom');

describe('RestartStrategies.none', () => {
  it('never restarts', () => {
    const strategy = RestartStrategies.none();
    expect(strategy.description).toBe('none');
    expect(strategy.onFailure(Date.now(), error)).toBeUndefined();
  });
});

describe('RestartStrategies.fixedDelay', () => {
  it('restarts maxAttempts times after the delay, then gives up', () => {
    const strategy = RestartStrategies.fixedDelay(2, 1_000);
    expect(strategy.description).toBe('fixed-delay(2 attempts, 1000 ms)');
    expect(strategy.onFailure(0, error)).toBe(1_000);
    expect(strategy.onFailure(5, error)).toBe(1_000);
    expect(strategy.onFailure(9, error)).toBeUndefined();
    expect(strategy.onFailure(100_000, error)).toBeUndefined();
  });

  it('accepts zero and infinite attempts', () => {
    expect(RestartStrategies.fixedDelay(0, 10).onFailure(0, error)).toBeUndefined();
    const forever = RestartStrategies.fixedDelay(Infinity, 0);
    for (let i = 0; i < 1_000; i++) expect(forever.onFailure(i, error)).toBe(0);
  });

  it('checks its arguments', () => {
    expect(() => RestartStrategies.fixedDelay(-1, 10)).toThrow(new RangeError('fixedDelay: maxAttempts must be an integer >= 0 (or Infinity), got -1'));
    expect(() => RestartStrategies.fixedDelay(1.5, 10)).toThrow(RangeError);
    expect(() => RestartStrategies.fixedDelay(1, -5)).toThrow(new RangeError('fixedDelay: delayMs must be finite and >= 0, got -5'));
    expect(() => RestartStrategies.fixedDelay(1, NaN)).toThrow(RangeError);
  });
});

describe('RestartStrategies.exponentialDelay', () => {
  it('doubles the delay up to the maximum', () => {
    const strategy = RestartStrategies.exponentialDelay({ initialDelayMs: 100, maxDelayMs: 1_000, jitterFactor: 0 });
    expect([0, 1, 2, 3, 4, 5].map((i) => strategy.onFailure(i, error))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(strategy.description).toBe('exponential-delay(100 ms to 1000 ms, x2, jitter 0)');
  });

  it('uses the given multiplier', () => {
    const strategy = RestartStrategies.exponentialDelay({ initialDelayMs: 10, maxDelayMs: 10_000, multiplier: 3, jitterFactor: 0 });
    expect([0, 1, 2, 3].map((i) => strategy.onFailure(i, error))).toEqual([10, 30, 90, 270]);
  });

  it('keeps jitter within ± jitterFactor of the delay', () => {
    const at = (r: number): number | undefined =>
      RestartStrategies.exponentialDelay({ initialDelayMs: 1_000, maxDelayMs: 8_000, jitterFactor: 0.25, random: () => r }).onFailure(0, error);
    expect(at(0)).toBe(750);
    expect(at(0.5)).toBe(1_000);
    expect(at(0.999_999)).toBe(1_250);

    // The default jitter (0.1), over many draws and backoff steps.
    let seed = 42;
    const random = (): number => ((seed = (seed * 16_807) % 2_147_483_647) - 1) / 2_147_483_646;
    const strategy = RestartStrategies.exponentialDelay({ initialDelayMs: 100, maxDelayMs: 6_400, random });
    for (let i = 0; i < 50; i++) {
      const base = Math.min(100 * 2 ** i, 6_400);
      const delay = strategy.onFailure(i, error)!;
      expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.9));
      expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.1));
    }
  });

  it('starts over after running quietly for resetAfterMs since the last restart', () => {
    const strategy = RestartStrategies.exponentialDelay({ initialDelayMs: 100, maxDelayMs: 10_000, jitterFactor: 0, resetAfterMs: 5_000 });
    expect(strategy.onFailure(0, error)).toBe(100); // restarted at 100
    expect(strategy.onFailure(1_000, error)).toBe(200); // restarted at 1200
    expect(strategy.onFailure(6_199, error)).toBe(400); // 4999 ms of quiet: not enough
    expect(strategy.onFailure(6_599 + 5_000, error)).toBe(100); // restarted at 6599, quiet for 5000 ms
    expect(strategy.onFailure(11_700, error)).toBe(200);
  });

  it('gives up after maxAttempts unless reset', () => {
    const strategy = RestartStrategies.exponentialDelay({ initialDelayMs: 10, maxDelayMs: 100, jitterFactor: 0, maxAttempts: 2, resetAfterMs: 1_000 });
    expect(strategy.onFailure(0, error)).toBe(10);
    expect(strategy.onFailure(20, error)).toBe(20);
    expect(strategy.onFailure(50, error)).toBeUndefined();
    expect(strategy.onFailure(5_000, error)).toBe(10);
  });

  it('checks its arguments', () => {
    const make = (options: Partial<Parameters<typeof RestartStrategies.exponentialDelay>[0]>) => () =>
      RestartStrategies.exponentialDelay({ initialDelayMs: 100, maxDelayMs: 1_000, ...options });
    expect(make({ initialDelayMs: 0 })).toThrow(new RangeError('exponentialDelay: initialDelayMs must be finite and > 0, got 0'));
    expect(make({ maxDelayMs: 50 })).toThrow(new RangeError('exponentialDelay: maxDelayMs must be finite and >= initialDelayMs (100), got 50'));
    expect(make({ multiplier: 0.5 })).toThrow(new RangeError('exponentialDelay: multiplier must be finite and >= 1, got 0.5'));
    expect(make({ jitterFactor: 1.5 })).toThrow(new RangeError('exponentialDelay: jitterFactor must be between 0 and 1, got 1.5'));
    expect(make({ jitterFactor: NaN })).toThrow(RangeError);
    expect(make({ resetAfterMs: 0 })).toThrow(new RangeError('exponentialDelay: resetAfterMs must be finite and > 0, got 0'));
    expect(make({ maxAttempts: -1 })).toThrow(/maxAttempts must be an integer >= 0/);
  });
});

describe('RestartStrategies.failureRate', () => {
  it('fails when more than maxFailures happen within the sliding interval', () => {
    const strategy = RestartStrategies.failureRate({ maxFailures: 2, intervalMs: 60_000, delayMs: 1_000 });
    expect(strategy.description).toBe('failure-rate(2 failures per 60000 ms, 1000 ms)');
    expect(strategy.onFailure(0, error)).toBe(1_000);
    expect(strategy.onFailure(30_000, error)).toBe(1_000);
    expect(strategy.onFailure(70_000, error)).toBe(1_000); // the failure at 0 has left the window
    expect(strategy.onFailure(80_000, error)).toBeUndefined(); // 30 s, 70 s, 80 s: three within 60 s
  });

  it('counts a failure exactly intervalMs ago as within the window', () => {
    const strategy = RestartStrategies.failureRate({ maxFailures: 1, intervalMs: 1_000, delayMs: 0 });
    expect(strategy.onFailure(0, error)).toBe(0);
    expect(strategy.onFailure(1_000, error)).toBeUndefined();
    const other = RestartStrategies.failureRate({ maxFailures: 1, intervalMs: 1_000, delayMs: 0 });
    expect(other.onFailure(0, error)).toBe(0);
    expect(other.onFailure(1_001, error)).toBe(0);
  });

  it('keeps restarting at a tolerable rate forever', () => {
    const strategy = RestartStrategies.failureRate({ maxFailures: 3, intervalMs: 1_000, delayMs: 5 });
    for (let t = 0; t < 100_000; t += 400) expect(strategy.onFailure(t, error)).toBe(5); // at most 3 per second
  });

  it('checks its arguments', () => {
    expect(() => RestartStrategies.failureRate({ maxFailures: 0, intervalMs: 1, delayMs: 0 })).toThrow(
      new RangeError('failureRate: maxFailures must be an integer >= 1, got 0'),
    );
    expect(() => RestartStrategies.failureRate({ maxFailures: 1, intervalMs: 0, delayMs: 0 })).toThrow(
      new RangeError('failureRate: intervalMs must be finite and > 0, got 0'),
    );
    expect(() => RestartStrategies.failureRate({ maxFailures: 1, intervalMs: 1, delayMs: -1 })).toThrow(
      new RangeError('failureRate: delayMs must be finite and >= 0, got -1'),
    );
  });
});

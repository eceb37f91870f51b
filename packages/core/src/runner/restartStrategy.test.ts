import { describe, expect, it } from 'vitest';
import { parseRestartStrategy } from './restartStrategy.js';

const error = new Error('boom');

describe('parseRestartStrategy', () => {
  it('parses none', () => {
    const s = parseRestartStrategy('none');
    expect(s.description).toBe('none');
    expect(s.onFailure(0, error)).toBeUndefined();
  });

  it('parses fixed:ATTEMPTS:DELAY and fixed:ATTEMPTS', () => {
    const s = parseRestartStrategy('fixed:2:1s');
    expect(s.description).toBe('fixed-delay(2 attempts, 1000 ms)');
    expect([s.onFailure(0, error), s.onFailure(1, error), s.onFailure(2, error)]).toEqual([1000, 1000, undefined]);
    expect(parseRestartStrategy('fixed:5').description).toBe('fixed-delay(5 attempts, 1000 ms)');
  });

  it('parses exponential with defaults or INITIAL:MAX', () => {
    expect(parseRestartStrategy('exponential').description).toContain('exponential-delay(1000 ms to 300000 ms');
    expect(parseRestartStrategy('exponential:100ms:10s').description).toContain('exponential-delay(100 ms to 10000 ms');
  });

  it('parses failure-rate:MAX:INTERVAL:DELAY', () => {
    const s = parseRestartStrategy('failure-rate:5:1m:1s');
    expect(s.description).toBe('failure-rate(5 failures per 60000 ms, 1000 ms)');
  });

  it.each([
    ['sometimes', "unknown kind 'sometimes'"],
    ['fixed', "'fixed' takes 1 or 2 arguments"],
    ['fixed:x:1s', "ATTEMPTS must be a whole number, got 'x'"],
    ['fixed:3:soon', "DELAY: invalid duration 'soon'"],
    ['failure-rate:5:1m', "'failure-rate' takes 3 arguments"],
    ['exponential:10s:1s', 'maxDelayMs must be finite and >= initialDelayMs'],
  ])('rejects %s, naming the problem', (text, message) => {
    expect(() => parseRestartStrategy(text)).toThrow(RangeError);
    expect(() => parseRestartStrategy(text)).toThrow(`invalid restart strategy '${text}'`);
    expect(() => parseRestartStrategy(text)).toThrow(message);
  });
});

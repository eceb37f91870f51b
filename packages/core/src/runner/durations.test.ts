import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './durations.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['10s', 10_000],
    ['1.5s', 1_500],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['0s', 0],
    [' 2m ', 120_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['10', '10x', 's', '-1s', '1 s', '', '1e3ms', '10sec'])('rejects %j, naming the value', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
    expect(() => parseDuration(text)).toThrow(`invalid duration '${text}': expected a number followed by ms, s, m, h or d`);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [850, '850ms'],
    [4_250, '4.2s'],
    [42_000, '42s'],
    [95_000, '1m35s'],
    [7_500_000, '2h05m'],
    [2 * 86_400_000 + 3 * 3_600_000, '2d03h'],
    [-5, '0ms'],
    [Number.POSITIVE_INFINITY, '∞'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

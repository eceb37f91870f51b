import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { baselineOf, judgeHour, resolveSpikeOptions } from './spikes.js';

const options = resolveSpikeOptions();

describe('spike judgement', () => {
  it('never flags an hour that follows its flat baseline, at any point of the hour', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 3, max: 24 }), fc.double({ min: 0, max: 1, noNaN: true }), (level, hours, elapsed) => {
        const baseline = baselineOf(Array.from({ length: hours }, () => level));
        // What a flat hour has accumulated by `elapsed`, at most the full hour's level.
        const observed = Math.floor(level * Math.min(1, Math.max(elapsed, options.minElapsedFraction)));
        return judgeHour(observed, elapsed, baseline, options) === undefined;
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('flags a clear spike with the numbers that triggered it', () => {
    const baseline = baselineOf([10, 12, 8, 10]);
    expect(baseline).toEqual({ mean: 10, stddev: Math.sqrt(2), hours: 4 });
    const judged = judgeHour(30, 0.5, baseline, options);
    expect(judged).toMatchObject({ observed: 30, expected: 5, baseline_mean: 10, baseline_hours: 4, elapsed_fraction: 0.5, ratio: 6 });
    expect(judged?.z_score).toBeCloseTo(25 / Math.sqrt(0.5 * 2), 9);
    // Below the deviation, ratio or minimum thresholds: no spike.
    expect(judgeHour(12, 1, baselineOf([10, 2, 18, 10]), options)).toBeUndefined();
    expect(judgeHour(9, 0.1, baselineOf([0, 0, 0]), options)).toBeUndefined();
    expect(judgeHour(19, 1, baselineOf([10, 10, 10]), options)).toBeUndefined();
    expect(judgeHour(20, 1, baselineOf([10, 10, 10]), options)).toBeDefined();
  });

  it('checks its options and names the broken constraint', () => {
    expect(() => resolveSpikeOptions({ baselineHours: 0 })).toThrow('spikes.baselineHours must be an integer >= 1, got 0');
    expect(() => resolveSpikeOptions({ baselineHours: 4, minBaselineHours: 5 })).toThrow('spikes.minBaselineHours must be an integer in [1, baselineHours], got 5');
    expect(() => resolveSpikeOptions({ minRatio: 0.5 })).toThrow('spikes.minRatio must be a number >= 1, got 0.5');
    expect(() => resolveSpikeOptions({ minElapsedFraction: 0 })).toThrow('spikes.minElapsedFraction must be in (0, 1], got 0');
  });
});

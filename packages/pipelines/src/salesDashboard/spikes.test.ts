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

  it('computes the baseline: mean, population standard deviation and the metric per order', () => {
    expect(baselineOf([100, 120, 80], [50, 60, 40])).toEqual({ mean: 100, stddev: Math.sqrt(800 / 3), hours: 3, perOrder: 2 });
    expect(baselineOf([0, 0, 0], [0, 0, 0]).perOrder).toBe(1);
    expect(baselineOf([4, 6]).perOrder).toBe(1);
  });

  it('flags a clear spike with the numbers that triggered it', () => {
    const baseline = baselineOf([10, 12, 8, 10]);
    expect(baseline).toEqual({ mean: 10, stddev: Math.sqrt(2), hours: 4, perOrder: 1 });
    const judged = judgeHour(30, 0.5, baseline, options);
    // e = 0.5·10 = 5; s = √(0.5·2 + 1·5) = √6.
    expect(judged).toMatchObject({ observed: 30, expected: 5, baseline_mean: 10, baseline_hours: 4, baseline_per_order: 1, elapsed_fraction: 0.5, ratio: 6 });
    expect(judged?.z_score).toBeCloseTo(25 / Math.sqrt(6), 9);
    // Below the deviation, ratio or minimum thresholds: no spike.
    expect(judgeHour(12, 1, baselineOf([10, 2, 18, 10]), options)).toBeUndefined();
    expect(judgeHour(9, 0.1, baselineOf([0, 0, 0]), options)).toBeUndefined();
    expect(judgeHour(19, 1, baselineOf([10, 10, 10]), options)).toBeUndefined();
  });

  it('allows for the counting noise of the elapsed part of the hour, growing with the size of an order', () => {
    // Twice the baseline is not enough while it is within the noise of twice the expectation: 2·e + 3·√(k·2·e).
    const flat = baselineOf([10, 10, 10], [10, 10, 10]); // σ = 0, k = 1
    expect(judgeHour(20, 1, flat, options)).toBeUndefined();
    expect(judgeHour(33, 1, flat, options)).toBeUndefined(); // 20 + 3·√20 ≈ 33.4
    expect(judgeHour(34, 1, flat, options)).toMatchObject({ observed: 34, expected: 10, z_score: 24 / Math.sqrt(10) });
    // The documented example: the z test passes at 70, the ratio test only from 80.
    const baseline = baselineOf([100, 110, 90], [50, 55, 45]);
    expect(baseline.perOrder).toBe(2);
    expect(judgeHour(70, 0.25, baseline, options)).toBeUndefined();
    const spike = judgeHour(90, 0.25, baseline, options);
    expect(spike?.z_score).toBeCloseTo(65 / Math.sqrt(0.25 * (200 / 3) + 2 * 25), 9);
    expect(spike?.ratio).toBeCloseTo(3.6, 9);
    // Larger orders mean noisier counts: the same units from 5-unit orders are no spike.
    expect(judgeHour(90, 0.25, baselineOf([100, 110, 90], [20, 22, 18]), options)).toBeUndefined();
  });

  it('checks its options and names the broken constraint', () => {
    expect(() => resolveSpikeOptions({ baselineHours: 0 })).toThrow('spikes.baselineHours must be an integer >= 1, got 0');
    expect(() => resolveSpikeOptions({ baselineHours: 4, minBaselineHours: 5 })).toThrow('spikes.minBaselineHours must be an integer in [1, baselineHours], got 5');
    expect(() => resolveSpikeOptions({ minRatio: 0.5 })).toThrow('spikes.minRatio must be a number >= 1, got 0.5');
    expect(() => resolveSpikeOptions({ minElapsedFraction: 0 })).toThrow('spikes.minElapsedFraction must be in (0, 1], got 0');
  });
});

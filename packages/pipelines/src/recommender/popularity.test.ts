import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { PopularityTracker } from './popularity.js';

/** The decayed count the obvious way: every observation weighed by 2^(−age/halfLife). */
function oracleCount(observations: ReadonlyArray<{ code: string; weight: number; time: number }>, code: string, now: number, halfLife: number): number {
  let sum = 0;
  for (const o of observations) if (o.code === code && o.weight > 0) sum += o.weight * 2 ** (-(now - o.time) / halfLife);
  return sum;
}

const observation = fc.record({
  code: fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F'),
  weight: fc.integer({ min: 0, max: 5 }),
  gap: fc.integer({ min: 0, max: 400_000 }),
});

describe('PopularityTracker', () => {
  test.prop([fc.array(observation, { maxLength: 80 }), fc.integer({ min: 1_000, max: 100_000 })])(
    'decayed counts and the ranking equal the oracle, including across rescaling',
    (steps, halfLife) => {
      const tracker = new PopularityTracker({ halfLifeMs: halfLife, refreshMs: 0 });
      const seen: Array<{ code: string; weight: number; time: number }> = [];
      let time = 1_700_000_000_000;
      for (const step of steps) {
        time += step.gap;
        tracker.observe(step.code, step.weight, time);
        seen.push({ code: step.code, weight: step.weight, time });
      }
      const codes = ['A', 'B', 'C', 'D', 'E', 'F'];
      for (const code of codes) {
        const expected = oracleCount(seen, code, time, halfLife);
        expect(tracker.count(code, time)).toBeCloseTo(expected, 6);
      }
      const expectedTop = codes
        .map((code) => ({ code, count: oracleCount(seen, code, time, halfLife) }))
        .filter((c) => seen.some((o) => o.code === c.code && o.weight > 0))
        .sort((a, b) => b.count - a.count || (a.code < b.code ? -1 : 1));
      const top = tracker.top(6, undefined, time);
      // Equal counts may order either way after floating-point rounding: compare counts, not codes.
      expect(top.map((c) => tracker.count(c, time))).toEqual(expectedTop.map((c) => expect.closeTo(c.count, 6)));
      expect(new Set(top)).toEqual(new Set(expectedTop.map((c) => c.code)));
    },
  );

  it('halves a count after one half-life and lets a newer favourite overtake', () => {
    const t = 1_000_000;
    const tracker = new PopularityTracker({ halfLifeMs: 60_000, refreshMs: 0 });
    tracker.observe('old', 10, t);
    expect(tracker.count('old', t + 60_000)).toBeCloseTo(5, 9);
    tracker.observe('new', 6, t + 60_000);
    expect(tracker.top(2, undefined, t + 60_000)).toEqual(['new', 'old']);
  });

  it('excludes products and refreshes the ranking at most once per refreshMs', () => {
    const tracker = new PopularityTracker({ refreshMs: 1_000 });
    tracker.observe('a', 2, 0);
    tracker.observe('b', 1, 0);
    expect(tracker.top(2, new Set(['a']), 0)).toEqual(['b']);
    tracker.observe('b', 5, 10);
    expect(tracker.top(2, undefined, 10)).toEqual(['a', 'b']); // cached
    expect(tracker.top(2, undefined, 1_010)).toEqual(['b', 'a']);
  });

  it('seeds a starting ranking that real observations outweigh', () => {
    const tracker = new PopularityTracker({ refreshMs: 0 });
    tracker.seed(['x', 'y', 'z'], 0);
    expect(tracker.top(3, undefined, 0)).toEqual(['x', 'y', 'z']);
    tracker.observe('z', 1, 0);
    expect(tracker.top(1, undefined, 0)).toEqual(['z']);
  });

  it('forgets the least popular beyond maxProducts', () => {
    const tracker = new PopularityTracker({ maxProducts: 10, refreshMs: 0 });
    for (let i = 0; i < 11; i++) tracker.observe(`p${i}`, i + 1, 0);
    expect(tracker.size).toBe(9);
    expect(tracker.top(1, undefined, 0)).toEqual(['p10']);
    expect(tracker.count('p0', 0)).toBe(0);
  });

  it('rejects bad options with the constraint in the message', () => {
    expect(() => new PopularityTracker({ halfLifeMs: 0 })).toThrow('halfLifeMs must be a positive number, got 0');
    expect(() => new PopularityTracker({ refreshMs: -1 })).toThrow('refreshMs must be a number >= 0, got -1');
  });
});

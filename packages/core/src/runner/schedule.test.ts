import { describe, expect, it } from 'vitest';
import { nextCronTime, nextRunTime, parseCron, parseInterval, parseSchedule, runOnSchedule } from './schedule.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

describe('intervals', () => {
  it('parses --every style intervals', () => {
    expect(parseInterval('1d')).toEqual({ kind: 'interval', everyMs: 86_400_000, text: '1d' });
    expect(parseSchedule('6h')).toMatchObject({ kind: 'interval', everyMs: 6 * 3_600_000 });
    expect(parseSchedule(' 90s ')).toMatchObject({ kind: 'interval', everyMs: 90_000 });
    expect(parseSchedule('1.5m')).toMatchObject({ kind: 'interval', everyMs: 90_000 });
  });

  it('rejects intervals without a unit or too short, naming the constraint', () => {
    expect(() => parseSchedule('10')).toThrow("invalid interval '10': expected a number followed by ms, s, m, h or d (e.g. 30m, 6h, 1d)");
    expect(() => parseInterval('5ms')).toThrow("invalid interval '5ms': must be at least 1000 ms");
    expect(() => parseInterval('1w')).toThrow(/invalid interval '1w'/);
  });

  it('plans from the previous start, runs at once the first time, and never makes up missed slots', () => {
    const every = parseInterval('1h');
    expect(nextRunTime(every, undefined, 1_000)).toBe(1_000);
    expect(nextRunTime(every, 1_000, 2_000)).toBe(3_601_000);
    expect(nextRunTime(every, 1_000, 10 * 3_600_000)).toBe(10 * 3_600_000);
  });
});

describe('cron expressions', () => {
  it('parses fields, lists, ranges, steps and names', () => {
    const c = parseCron('*/15 9-17 1,15 jan-mar mon-fri');
    expect([...c.minutes]).toEqual([0, 15, 30, 45]);
    expect([...c.hours]).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...c.daysOfMonth]).toEqual([1, 15]);
    expect([...c.months]).toEqual([1, 2, 3]);
    expect([...c.daysOfWeek]).toEqual([1, 2, 3, 4, 5]);
    expect([...parseCron('0 0 * * 7').daysOfWeek]).toEqual([0]);
    expect([...parseCron('10-50/20 * * * *').minutes]).toEqual([10, 30, 50]);
    expect([...parseCron('5/20 * * * *').minutes]).toEqual([5, 25, 45]);
    expect(parseCron('@daily')).toMatchObject({ text: '@daily' });
    expect([...parseCron('@daily').hours]).toEqual([0]);
  });

  it('rejects malformed expressions with a message naming the field', () => {
    expect(() => parseCron('0 3 * *')).toThrow("invalid cron expression '0 3 * *': expected 5 fields (minute hour day-of-month month day-of-week), got 4");
    expect(() => parseCron('60 * * * *')).toThrow("invalid cron expression '60 * * * *': minute field '60' has 60 out of range (allowed 0-59)");
    expect(() => parseCron('* 5-2 * * *')).toThrow(/hour field '5-2' has a backwards range 5-2/);
    expect(() => parseCron('*/0 * * * *')).toThrow(/minute field '\*\/0' has step '0', not a positive integer/);
    expect(() => parseCron('* * * foo *')).toThrow(/month field 'foo' has 'foo', not a number/);
    expect(() => parseCron('* * 0 * *')).toThrow(/day-of-month field '0' has 0 out of range \(allowed 1-31\)/);
  });

  it('finds the next matching minute, strictly after the given time (UTC)', () => {
    const daily = parseCron('0 3 * * *');
    expect(iso(nextCronTime(daily, at('2024-05-01T02:59:30Z')))).toBe('2024-05-01T03:00:00.000Z');
    expect(iso(nextCronTime(daily, at('2024-05-01T03:00:00Z')))).toBe('2024-05-02T03:00:00.000Z');
    expect(iso(nextCronTime(parseCron('*/15 * * * *'), at('2024-05-01T10:07:00Z')))).toBe('2024-05-01T10:15:00.000Z');
    expect(iso(nextCronTime(parseCron('30 23 31 12 *'), at('2024-05-01T00:00:00Z')))).toBe('2024-12-31T23:30:00.000Z');
    // 2024-05-04 is a Saturday.
    expect(iso(nextCronTime(parseCron('0 9 * * mon-fri'), at('2024-05-04T12:00:00Z')))).toBe('2024-05-06T09:00:00.000Z');
    // Both day fields restricted: either matches (the 1st, or any Friday).
    const either = parseCron('0 0 1 * fri');
    expect(iso(nextCronTime(either, at('2024-05-01T00:00:00Z')))).toBe('2024-05-03T00:00:00.000Z');
    expect(iso(nextCronTime(either, at('2024-05-31T00:00:00Z')))).toBe('2024-06-01T00:00:00.000Z');
    // Leap day.
    expect(iso(nextCronTime(parseCron('0 0 29 2 *'), at('2024-03-01T00:00:00Z')))).toBe('2028-02-29T00:00:00.000Z');
    expect(() => nextCronTime(parseCron('0 0 30 2 *'), at('2024-01-01T00:00:00Z'))).toThrow("cron expression '0 0 30 2 *' never matches within 5 years");
  });
});

describe('runOnSchedule', () => {
  /** A virtual clock: sleeping advances it. */
  function virtualTime(start: number): { now: () => number; sleep: (ms: number) => Promise<void>; slept: number[] } {
    let t = start;
    const slept: number[] = [];
    return {
      now: () => t,
      slept,
      sleep: async (ms) => {
        slept.push(ms);
        t += ms;
      },
    };
  }

  it('runs on an interval without overlapping, until maxRuns', async () => {
    const clock = virtualTime(0);
    const starts: number[] = [];
    const runs = await runOnSchedule(
      async () => {
        starts.push(clock.now());
        await clock.sleep(10_000); // each run takes 10 s
      },
      parseSchedule('1m'),
      { now: clock.now, sleep: clock.sleep, maxRuns: 3 },
    );
    expect(runs).toBe(3);
    expect(starts).toEqual([0, 60_000, 120_000]);
  });

  it('runs at cron times', async () => {
    const clock = virtualTime(at('2024-05-01T02:00:00Z'));
    const starts: string[] = [];
    await runOnSchedule(() => void starts.push(iso(clock.now())), parseSchedule('0 3 * * *'), { now: clock.now, sleep: clock.sleep, maxRuns: 2 });
    expect(starts).toEqual(['2024-05-01T03:00:00.000Z', '2024-05-02T03:00:00.000Z']);
  });

  it('keeps going after a failed run by default, and stops on one with onError: stop', async () => {
    const clock = virtualTime(0);
    const failures: number[] = [];
    let n = 0;
    const fn = (): void => {
      n++;
      if (n === 1) throw new Error('database down');
    };
    expect(await runOnSchedule(fn, parseSchedule('1h'), { now: clock.now, sleep: clock.sleep, maxRuns: 2, onRunError: (_e, run) => void failures.push(run) })).toBe(2);
    expect(failures).toEqual([1]);
    n = 0;
    await expect(runOnSchedule(fn, parseSchedule('1h'), { now: clock.now, sleep: clock.sleep, onError: 'stop' })).rejects.toThrow('database down');
  });

  it('stops waiting at once when the signal aborts', async () => {
    const controller = new AbortController();
    let runs = 0;
    const done = runOnSchedule(() => void runs++, parseSchedule('1d'), { signal: controller.signal });
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    expect(await done).toBe(1); // the first run happens at once, the second would be a day later
    expect(runs).toBe(1);
  });
});

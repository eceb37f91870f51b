import { describe, expect, it } from 'vitest';
import { GlobalWindow, TimeWindow, reviveWindow } from './windows.js';

describe('TimeWindow', () => {
  it('covers [start, end) with maxTimestamp end - 1 and a start:end key', () => {
    const w = new TimeWindow(0, 10);
    expect(w.maxTimestamp()).toBe(9);
    expect(w.key).toBe('0:10');
    expect(w.toString()).toBe('TimeWindow[0, 10)');
    expect(w.equals(new TimeWindow(0, 10))).toBe(true);
    expect(w.equals(new TimeWindow(0, 11))).toBe(false);
  });

  it('intersects inclusively at both ends (touching windows merge), as in Flink', () => {
    const w = new TimeWindow(10, 20);
    expect(w.intersects(new TimeWindow(20, 30))).toBe(true);
    expect(w.intersects(new TimeWindow(0, 10))).toBe(true);
    expect(w.intersects(new TimeWindow(21, 30))).toBe(false);
    expect(w.intersects(new TimeWindow(0, 9))).toBe(false);
    expect(w.intersects(new TimeWindow(12, 15))).toBe(true);
  });

  it('cover spans both windows', () => {
    expect(new TimeWindow(5, 8).cover(new TimeWindow(0, 6))).toEqual(new TimeWindow(0, 8));
  });

  it('getWindowStartWithOffset uses a non-negative modulo (negative timestamps and offsets)', () => {
    expect(TimeWindow.getWindowStartWithOffset(7, 0, 5)).toBe(5);
    expect(TimeWindow.getWindowStartWithOffset(5, 0, 5)).toBe(5);
    expect(TimeWindow.getWindowStartWithOffset(-1, 0, 5)).toBe(-5);
    expect(TimeWindow.getWindowStartWithOffset(-5, 0, 5)).toBe(-5);
    expect(TimeWindow.getWindowStartWithOffset(-6, 0, 5)).toBe(-10);
    expect(TimeWindow.getWindowStartWithOffset(7, 3, 5)).toBe(3);
    expect(TimeWindow.getWindowStartWithOffset(2, 3, 5)).toBe(-2);
    expect(TimeWindow.getWindowStartWithOffset(7, -2, 5)).toBe(3);
    expect(TimeWindow.getWindowStartWithOffset(-7, -2, 5)).toBe(-7);
  });

  it('mergeWindows reports each group of overlapping windows with its cover', () => {
    const merges: Array<[string[], string]> = [];
    TimeWindow.mergeWindows(
      [new TimeWindow(10, 15), new TimeWindow(0, 5), new TimeWindow(4, 8), new TimeWindow(20, 25), new TimeWindow(15, 18)],
      (merged, result) => merges.push([merged.map(String), String(result)]),
    );
    expect(merges).toEqual([
      [['TimeWindow[0, 5)', 'TimeWindow[4, 8)'], 'TimeWindow[0, 8)'],
      [['TimeWindow[10, 15)', 'TimeWindow[15, 18)'], 'TimeWindow[10, 18)'],
    ]);
  });

  it('mergeWindows counts equal windows once', () => {
    const merges: unknown[] = [];
    TimeWindow.mergeWindows([new TimeWindow(0, 5), new TimeWindow(0, 5)], (m, r) => merges.push([m, r]));
    expect(merges).toEqual([]);
  });
});

describe('GlobalWindow', () => {
  it('is a singleton that never ends', () => {
    expect(GlobalWindow.get()).toBe(GlobalWindow.get());
    expect(GlobalWindow.get().maxTimestamp()).toBe(Number.POSITIVE_INFINITY);
    expect(GlobalWindow.get().key).toBe('global');
  });
});

describe('reviveWindow', () => {
  it('rebuilds windows from JSON and structured clones', () => {
    const time = new TimeWindow(0, 10);
    expect(reviveWindow(time)).toBe(time);
    expect(reviveWindow(JSON.parse(JSON.stringify(time)))).toEqual(time);
    expect(reviveWindow(structuredClone(time)).key).toBe('0:10');
    expect(reviveWindow(structuredClone(GlobalWindow.get()))).toBe(GlobalWindow.get());
    expect(reviveWindow(JSON.parse(JSON.stringify(GlobalWindow.get())))).toBe(GlobalWindow.get());
    expect(() => reviveWindow(42)).toThrow(TypeError);
  });
});

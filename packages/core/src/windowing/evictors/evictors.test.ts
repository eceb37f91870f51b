import { describe, expect, it } from 'vitest';
import { NO_TIMESTAMP } from '../../time/watermark.js';
import { GlobalWindow } from '../windows.js';
import { CountEvictor } from './CountEvictor.js';
import type { EvictorContext, TimestampedValue } from './Evictor.js';
import { TimeEvictor } from './TimeEvictor.js';

const ctx: EvictorContext = { currentProcessingTime: () => 0, currentWatermark: () => 0 };
const g = GlobalWindow.get();
const elements = (...timestamps: number[]): Array<TimestampedValue<string>> => timestamps.map((t, i) => ({ value: `e${i}`, timestamp: t }));
const values = (es: Array<TimestampedValue<string>>): string[] => es.map((e) => e.value);

describe('CountEvictor', () => {
  it('keeps the last n elements, before the function by default', () => {
    const es = elements(1, 2, 3, 4, 5);
    const e = CountEvictor.of(3);
    e.evictAfter(es, g, ctx);
    expect(es).toHaveLength(5);
    e.evictBefore(es, g, ctx);
    expect(values(es)).toEqual(['e2', 'e3', 'e4']);
    expect(String(e)).toBe('CountEvictor(3)');
  });

  it('evicts after the function when asked', () => {
    const es = elements(1, 2, 3);
    const e = CountEvictor.of(1, true);
    e.evictBefore(es, g, ctx);
    expect(es).toHaveLength(3);
    e.evictAfter(es, g, ctx);
    expect(values(es)).toEqual(['e2']);
  });

  it('validates its count', () => {
    expect(() => CountEvictor.of(0)).toThrow(new RangeError('CountEvictor: count must be a whole number > 0, got 0'));
  });
});

describe('TimeEvictor', () => {
  it('keeps the elements newer than max timestamp - size', () => {
    const es = elements(1000, 5000, 3000, 4000, 2000);
    const e = TimeEvictor.of(2000);
    e.evictBefore(es, g, ctx);
    expect(values(es)).toEqual(['e1', 'e3']);
    expect(es.map((x) => x.timestamp)).toEqual([5000, 4000]);
    expect(String(e)).toBe('TimeEvictor(2000)');
  });

  it('evicts after the function when asked, and never evicts elements without timestamps', () => {
    const es = elements(1, 10);
    const e = TimeEvictor.of(5, true);
    e.evictBefore(es, g, ctx);
    expect(es).toHaveLength(2);
    e.evictAfter(es, g, ctx);
    expect(values(es)).toEqual(['e1']);
    const none = elements(NO_TIMESTAMP, NO_TIMESTAMP);
    TimeEvictor.of(0).evictBefore(none, g, ctx);
    expect(none).toHaveLength(2);
    expect(() => TimeEvictor.of(-1)).toThrow(/TimeEvictor: window size must be >= 0/);
  });
});

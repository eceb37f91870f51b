import { describe, expect, it } from 'vitest';
import { NO_TIMESTAMP } from '../../time/watermark.js';
import { EventTimeTrigger } from '../triggers/EventTimeTrigger.js';
import { ProcessingTimeTrigger } from '../triggers/ProcessingTimeTrigger.js';
import { GlobalWindow, TimeWindow } from '../windows.js';
import { EventTimeSessionWindows } from './EventTimeSessionWindows.js';
import { GlobalWindows } from './GlobalWindows.js';
import { ProcessingTimeSessionWindows } from './ProcessingTimeSessionWindows.js';
import { SlidingEventTimeWindows } from './SlidingEventTimeWindows.js';
import { SlidingProcessingTimeWindows } from './SlidingProcessingTimeWindows.js';
import { TumblingEventTimeWindows } from './TumblingEventTimeWindows.js';
import { TumblingProcessingTimeWindows } from './TumblingProcessingTimeWindows.js';
import type { WindowAssignerContext } from './WindowAssigner.js';

const noClock: WindowAssignerContext = { currentProcessingTime: () => 0 };
const clockAt = (now: number): WindowAssignerContext => ({ currentProcessingTime: () => now });
const spans = (windows: readonly TimeWindow[]): Array<[number, number]> => windows.map((w) => [w.start, w.end]);

describe('factory validation', () => {
  it('rejects sizes <= 0', () => {
    expect(() => TumblingEventTimeWindows.of(0)).toThrow(new RangeError('TumblingEventTimeWindows: size must be > 0 (a whole number of milliseconds), got 0'));
    expect(() => TumblingProcessingTimeWindows.of(-5)).toThrow(/TumblingProcessingTimeWindows: size must be > 0/);
    expect(() => SlidingEventTimeWindows.of(0, 1)).toThrow(/SlidingEventTimeWindows: size must be > 0/);
    expect(() => SlidingProcessingTimeWindows.of(-1, 1)).toThrow(/SlidingProcessingTimeWindows: size must be > 0/);
    expect(() => TumblingEventTimeWindows.of(1.5)).toThrow(RangeError);
    expect(() => TumblingEventTimeWindows.of(Number.NaN)).toThrow(RangeError);
  });

  it('rejects |offset| >= size (tumbling) and |offset| >= slide (sliding)', () => {
    expect(() => TumblingEventTimeWindows.of(10, 10)).toThrow(
      new RangeError('TumblingEventTimeWindows: |offset| must be < size (offset 10, size 10)'),
    );
    expect(() => TumblingEventTimeWindows.of(10, -10)).toThrow(/\|offset\| must be < size/);
    expect(() => TumblingProcessingTimeWindows.of(10, 11)).toThrow(/\|offset\| must be < size/);
    expect(() => SlidingEventTimeWindows.of(10, 5, 5)).toThrow(
      new RangeError('SlidingEventTimeWindows: |offset| must be < slide (offset 5, slide 5)'),
    );
    expect(() => TumblingEventTimeWindows.of(10, 9)).not.toThrow();
    expect(() => TumblingEventTimeWindows.of(10, -9)).not.toThrow();
  });

  it('rejects slide <= 0 and slide > size', () => {
    expect(() => SlidingEventTimeWindows.of(10, 0)).toThrow(
      new RangeError('SlidingEventTimeWindows: slide must be > 0 (a whole number of milliseconds), got 0'),
    );
    expect(() => SlidingProcessingTimeWindows.of(10, -1)).toThrow(/slide must be > 0/);
    expect(() => SlidingEventTimeWindows.of(10, 11)).toThrow(
      new RangeError('SlidingEventTimeWindows: slide must be <= size (slide 11, size 10)'),
    );
    expect(() => SlidingProcessingTimeWindows.of(10, 20)).toThrow(/slide must be <= size/);
    expect(() => SlidingEventTimeWindows.of(10, 10)).not.toThrow();
  });

  it('rejects session gaps <= 0', () => {
    expect(() => EventTimeSessionWindows.withGap(-1)).toThrow(
      new RangeError('EventTimeSessionWindows: gap must be > 0 (a whole number of milliseconds), got -1'),
    );
    expect(() => EventTimeSessionWindows.withGap(0)).toThrow(/gap must be > 0/);
    expect(() => ProcessingTimeSessionWindows.withGap(-10)).toThrow(/ProcessingTimeSessionWindows: gap must be > 0/);
  });
});

describe('TumblingEventTimeWindows', () => {
  it('assigns the one window containing the timestamp, also for negative timestamps and offsets', () => {
    const a = TumblingEventTimeWindows.of(5000);
    expect(spans(a.assignWindows(null, 0, noClock))).toEqual([[0, 5000]]);
    expect(spans(a.assignWindows(null, 4999, noClock))).toEqual([[0, 5000]]);
    expect(spans(a.assignWindows(null, 5000, noClock))).toEqual([[5000, 10000]]);
    expect(spans(a.assignWindows(null, -1, noClock))).toEqual([[-5000, 0]]);
    expect(spans(a.assignWindows(null, -5000, noClock))).toEqual([[-5000, 0]]);
    const shifted = TumblingEventTimeWindows.of(5000, 100);
    expect(spans(shifted.assignWindows(null, 0, noClock))).toEqual([[-4900, 100]]);
    expect(spans(shifted.assignWindows(null, 100, noClock))).toEqual([[100, 5100]]);
    const negative = TumblingEventTimeWindows.of(5000, -100);
    expect(spans(negative.assignWindows(null, 4899, noClock))).toEqual([[-100, 4900]]);
    expect(spans(negative.assignWindows(null, -101, noClock))).toEqual([[-5100, -100]]);
  });

  it('hands back the same window objects for consecutive records of one window', () => {
    const a = TumblingEventTimeWindows.of(1000);
    const first = a.assignWindows(null, 10, noClock);
    expect(a.assignWindows(null, 999, noClock)).toBe(first);
    expect(a.assignWindows(null, 1000, noClock)).not.toBe(first);
  });

  it('describes itself and its defaults', () => {
    const a = TumblingEventTimeWindows.of(60000);
    expect(String(a)).toBe('TumblingEventTimeWindows(60000)');
    expect(String(TumblingEventTimeWindows.of(60000, 10))).toBe('TumblingEventTimeWindows(60000, 10)');
    expect(a.isEventTime()).toBe(true);
    expect(a.isMerging()).toBe(false);
    expect(a.getDefaultTrigger()).toBe(EventTimeTrigger.create());
  });

  it('fails on a record without a timestamp, pointing at WatermarkStrategy', () => {
    const a = TumblingEventTimeWindows.of(1000);
    a.assignWindows(null, 5, noClock);
    expect(() => a.assignWindows(null, NO_TIMESTAMP, noClock)).toThrow(/record has no timestamp/);
    expect(() => a.assignWindows(null, NO_TIMESTAMP, noClock)).toThrow(/WatermarkStrategy/);
    expect(() => a.assignWindows(null, NO_TIMESTAMP, noClock)).toThrow(/assignTimestampsAndWatermarks/);
    expect(() => SlidingEventTimeWindows.of(10, 5).assignWindows(null, NO_TIMESTAMP, noClock)).toThrow(/no timestamp/);
    expect(() => EventTimeSessionWindows.withGap(10).assignWindows(null, NO_TIMESTAMP, noClock)).toThrow(/no timestamp/);
  });
});

describe('SlidingEventTimeWindows', () => {
  it('assigns size/slide windows, latest first', () => {
    const a = SlidingEventTimeWindows.of(5000, 1000);
    expect(spans(a.assignWindows(null, 0, noClock))).toEqual([
      [0, 5000],
      [-1000, 4000],
      [-2000, 3000],
      [-3000, 2000],
      [-4000, 1000],
    ]);
    expect(spans(a.assignWindows(null, 4999, noClock))).toEqual([
      [4000, 9000],
      [3000, 8000],
      [2000, 7000],
      [1000, 6000],
      [0, 5000],
    ]);
    expect(spans(a.assignWindows(null, -1, noClock))).toEqual([
      [-1000, 4000],
      [-2000, 3000],
      [-3000, 2000],
      [-4000, 1000],
      [-5000, 0],
    ]);
  });

  it('handles offsets and sizes that are not a multiple of the slide', () => {
    const a = SlidingEventTimeWindows.of(5000, 1000, 100);
    expect(spans(a.assignWindows(null, 100, noClock))).toEqual([
      [100, 5100],
      [-900, 4100],
      [-1900, 3100],
      [-2900, 2100],
      [-3900, 1100],
    ]);
    const odd = SlidingEventTimeWindows.of(10, 3);
    expect(spans(odd.assignWindows(null, 9, noClock))).toEqual([
      [9, 19],
      [6, 16],
      [3, 13],
      [0, 10],
    ]);
    expect(spans(odd.assignWindows(null, 10, noClock))).toEqual([
      [9, 19],
      [6, 16],
      [3, 13],
    ]);
    expect(spans(odd.assignWindows(null, 9, noClock))).toHaveLength(4);
  });

  it('reuses the window array within a slide and window objects across slides', () => {
    const a = SlidingEventTimeWindows.of(3000, 1000);
    const first = a.assignWindows(null, 1000, noClock);
    expect(a.assignWindows(null, 1999, noClock)).toBe(first);
    const next = a.assignWindows(null, 2000, noClock);
    expect(next).not.toBe(first);
    expect(next[1]).toBe(first[0]);
    expect(next[2]).toBe(first[1]);
    expect(String(a)).toBe('SlidingEventTimeWindows(3000, 1000)');
  });
});

describe('session windows', () => {
  it('EventTimeSessionWindows opens [ts, ts + gap) and merges overlapping windows', () => {
    const a = EventTimeSessionWindows.withGap(3000);
    expect(spans(a.assignWindows(null, 1000, noClock))).toEqual([[1000, 4000]]);
    expect(spans(a.assignWindows(null, -1000, noClock))).toEqual([[-1000, 2000]]);
    expect(a.isMerging()).toBe(true);
    expect(a.isEventTime()).toBe(true);
    expect(String(a)).toBe('EventTimeSessionWindows(3000)');
    const merges: Array<[Array<[number, number]>, [number, number]]> = [];
    a.mergeWindows([new TimeWindow(0, 3000), new TimeWindow(2000, 5000), new TimeWindow(6000, 9000)], (m, r) =>
      merges.push([spans(m), [r.start, r.end]]),
    );
    expect(merges).toEqual([
      [
        [
          [0, 3000],
          [2000, 5000],
        ],
        [0, 5000],
      ],
    ]);
  });

  it('withDynamicGap computes the gap per record and rejects gaps <= 0', () => {
    const a = EventTimeSessionWindows.withDynamicGap((e: { gap: number }) => e.gap);
    expect(spans(a.assignWindows({ gap: 10 }, 5, noClock))).toEqual([[5, 15]]);
    expect(() => a.assignWindows({ gap: 0 }, 5, noClock)).toThrow(
      new RangeError('EventTimeSessionWindows: a dynamic gap must be > 0, got 0'),
    );
    expect(String(a)).toBe('EventTimeSessionWindows(dynamic gap)');
  });

  it('ProcessingTimeSessionWindows opens [now, now + gap)', () => {
    const a = ProcessingTimeSessionWindows.withGap(10);
    expect(spans(a.assignWindows(null, NO_TIMESTAMP, clockAt(100)))).toEqual([[100, 110]]);
    expect(a.isEventTime()).toBe(false);
    expect(a.getDefaultTrigger()).toBe(ProcessingTimeTrigger.create());
    const dynamic = ProcessingTimeSessionWindows.withDynamicGap((e: number) => e);
    expect(spans(dynamic.assignWindows(7, NO_TIMESTAMP, clockAt(100)))).toEqual([[100, 107]]);
  });
});

describe('processing-time assigners', () => {
  it('use the current processing time, not the record timestamp', () => {
    const tumbling = TumblingProcessingTimeWindows.of(1000);
    expect(spans(tumbling.assignWindows(null, NO_TIMESTAMP, clockAt(1500)))).toEqual([[1000, 2000]]);
    expect(spans(tumbling.assignWindows(null, 99999, clockAt(-1)))).toEqual([[-1000, 0]]);
    expect(tumbling.isEventTime()).toBe(false);
    expect(tumbling.getDefaultTrigger()).toBe(ProcessingTimeTrigger.create());
    const sliding = SlidingProcessingTimeWindows.of(2000, 1000);
    expect(spans(sliding.assignWindows(null, NO_TIMESTAMP, clockAt(1500)))).toEqual([
      [1000, 3000],
      [0, 2000],
    ]);
    expect(String(sliding)).toBe('SlidingProcessingTimeWindows(2000, 1000)');
  });
});

describe('GlobalWindows', () => {
  it('assigns every record to the global window and never fires by default', () => {
    const a = GlobalWindows.create();
    expect(a.assignWindows(null, NO_TIMESTAMP, noClock)).toEqual([GlobalWindow.get()]);
    expect(a.isEventTime()).toBe(false);
    expect(a.isMerging()).toBe(false);
    const trigger = a.getDefaultTrigger();
    expect(String(trigger)).toBe('NeverTrigger');
    expect(String(a)).toBe('GlobalWindows');
  });
});

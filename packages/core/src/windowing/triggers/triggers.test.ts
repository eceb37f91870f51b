import { describe, expect, it } from 'vitest';
import type { StateDescriptor } from '../../state/descriptors.js';
import { TimeWindow, type Window } from '../windows.js';
import { ContinuousEventTimeTrigger } from './ContinuousEventTimeTrigger.js';
import { ContinuousProcessingTimeTrigger } from './ContinuousProcessingTimeTrigger.js';
import { CountTrigger } from './CountTrigger.js';
import { EventTimeTrigger } from './EventTimeTrigger.js';
import { ProcessingTimeTrigger } from './ProcessingTimeTrigger.js';
import { PurgingTrigger } from './PurgingTrigger.js';
import type { OnMergeContext, Trigger } from './Trigger.js';
import { TriggerResult } from './TriggerResult.js';

/** A trigger context over in-memory reducing state and timer sets (per window). */
class FakeContext implements OnMergeContext {
  watermark = Number.NEGATIVE_INFINITY;
  now = 0;
  window: Window = new TimeWindow(0, 0);
  mergedWindows: Window[] = [];
  readonly eventTimers = new Set<string>();
  readonly processingTimers = new Set<string>();
  readonly state = new Map<string, unknown>();

  currentWatermark(): number {
    return this.watermark;
  }
  currentProcessingTime(): number {
    return this.now;
  }
  registerEventTimeTimer(time: number): void {
    this.eventTimers.add(`${this.window.key}@${time}`);
  }
  registerProcessingTimeTimer(time: number): void {
    this.processingTimers.add(`${this.window.key}@${time}`);
  }
  deleteEventTimeTimer(time: number): void {
    this.eventTimers.delete(`${this.window.key}@${time}`);
  }
  deleteProcessingTimeTimer(time: number): void {
    this.processingTimers.delete(`${this.window.key}@${time}`);
  }
  getPartitionedState(descriptor: StateDescriptor): any {
    if (descriptor.kind !== 'reducing') throw new Error('only reducing state in this fake');
    const id = (w: Window): string => `${descriptor.name}/${w.key}`;
    return {
      get: () => this.state.get(id(this.window)),
      add: (v: unknown) => {
        const old = this.state.get(id(this.window));
        this.state.set(id(this.window), old === undefined ? v : descriptor.reduce(old, v));
      },
      clear: () => this.state.delete(id(this.window)),
    };
  }
  mergePartitionedState(descriptor: StateDescriptor): void {
    const target = this.getPartitionedState(descriptor);
    const window = this.window;
    for (const merged of this.mergedWindows) {
      this.window = merged;
      const value = this.getPartitionedState(descriptor).get();
      this.getPartitionedState(descriptor).clear();
      this.window = window;
      if (value !== undefined) target.add(value);
    }
  }
  in(window: Window): this {
    this.window = window;
    return this;
  }
}

const w = new TimeWindow(0, 10);

describe('TriggerResult', () => {
  it('exports its four values as constants', () => {
    expect(TriggerResult).toEqual({ CONTINUE: 'CONTINUE', FIRE: 'FIRE', PURGE: 'PURGE', FIRE_AND_PURGE: 'FIRE_AND_PURGE' });
  });
});

describe('EventTimeTrigger', () => {
  const t = EventTimeTrigger.create();

  it('registers a timer at the window end and fires on it', () => {
    const ctx = new FakeContext().in(w);
    expect(t.onElement(null, 3, w, ctx)).toBe('CONTINUE');
    expect([...ctx.eventTimers]).toEqual(['0:10@9']);
    expect(t.onEventTime(8, w, ctx)).toBe('CONTINUE');
    expect(t.onEventTime(9, w, ctx)).toBe('FIRE');
    expect(t.onProcessingTime(9, w, ctx)).toBe('CONTINUE');
    t.clear(w, ctx);
    expect(ctx.eventTimers.size).toBe(0);
  });

  it('fires at once for an element of a window the watermark has passed', () => {
    const ctx = new FakeContext().in(w);
    ctx.watermark = 9;
    expect(t.onElement(null, 3, w, ctx)).toBe('FIRE');
    expect(ctx.eventTimers.size).toBe(0);
  });

  it('re-registers the merged window end unless the watermark passed it', () => {
    const ctx = new FakeContext().in(w);
    expect(t.canMerge()).toBe(true);
    t.onMerge(w, ctx);
    expect([...ctx.eventTimers]).toEqual(['0:10@9']);
    const late = new FakeContext().in(w);
    late.watermark = 9;
    t.onMerge(w, late);
    expect(late.eventTimers.size).toBe(0);
    expect(String(t)).toBe('EventTimeTrigger');
  });
});

describe('ProcessingTimeTrigger', () => {
  const t = ProcessingTimeTrigger.create();

  it('registers a processing-time timer at the window end and fires on it', () => {
    const ctx = new FakeContext().in(w);
    expect(t.onElement(null, 3, w, ctx)).toBe('CONTINUE');
    expect([...ctx.processingTimers]).toEqual(['0:10@9']);
    expect(t.onProcessingTime(9, w, ctx)).toBe('FIRE');
    expect(t.onEventTime(9, w, ctx)).toBe('CONTINUE');
    t.clear(w, ctx);
    expect(ctx.processingTimers.size).toBe(0);
    ctx.now = 20;
    t.onMerge(w, ctx);
    expect(ctx.processingTimers.size).toBe(0);
    expect(String(t)).toBe('ProcessingTimeTrigger');
  });
});

describe('CountTrigger', () => {
  it('validates its count', () => {
    expect(() => CountTrigger.of(0)).toThrow(new RangeError('CountTrigger: count must be a whole number > 0, got 0'));
  });

  it('fires every n elements and restarts the count', () => {
    const t = CountTrigger.of(3);
    const ctx = new FakeContext().in(w);
    const results = [1, 2, 3, 4, 5, 6, 7].map((i) => t.onElement(i, i, w, ctx));
    expect(results).toEqual(['CONTINUE', 'CONTINUE', 'FIRE', 'CONTINUE', 'CONTINUE', 'FIRE', 'CONTINUE']);
    expect(ctx.state.get('count/0:10')).toBe(1);
    t.clear(w, ctx);
    expect(ctx.state.size).toBe(0);
    expect(String(t)).toBe('CountTrigger(3)');
  });

  it('adds up the counts of merged windows', () => {
    const t = CountTrigger.of(3);
    const ctx = new FakeContext();
    const a = new TimeWindow(0, 5);
    const b = new TimeWindow(4, 9);
    t.onElement(1, 1, a, ctx.in(a));
    t.onElement(2, 4, b, ctx.in(b));
    const merged = new TimeWindow(0, 9);
    ctx.in(merged).mergedWindows = [a, b];
    t.onMerge(merged, ctx);
    expect(ctx.state.get('count/0:9')).toBe(2);
    expect(t.onElement(3, 5, merged, ctx)).toBe('FIRE');
  });
});

describe('ContinuousEventTimeTrigger', () => {
  it('validates its interval', () => {
    expect(() => ContinuousEventTimeTrigger.of(0)).toThrow(/ContinuousEventTimeTrigger: interval must be > 0/);
  });

  it('fires every interval of event time and at the window end', () => {
    const t = ContinuousEventTimeTrigger.of(3);
    const window = new TimeWindow(0, 10);
    const ctx = new FakeContext().in(window);
    expect(t.onElement(null, 1, window, ctx)).toBe('CONTINUE');
    expect([...ctx.eventTimers].sort()).toEqual(['0:10@3', '0:10@9']);
    expect(t.onElement(null, 5, window, ctx)).toBe('CONTINUE');
    expect([...ctx.eventTimers].sort()).toEqual(['0:10@3', '0:10@9']);
    expect(t.onEventTime(3, window, ctx)).toBe('FIRE');
    expect(ctx.eventTimers.has('0:10@6')).toBe(true);
    expect(t.onEventTime(4, window, ctx)).toBe('CONTINUE');
    expect(t.onEventTime(6, window, ctx)).toBe('FIRE');
    // the next early firing is clamped to the window end
    expect(ctx.state.get('fire-time/0:10')).toBe(9);
    expect(t.onEventTime(9, window, ctx)).toBe('FIRE');
    t.clear(window, ctx);
    expect(ctx.state.size).toBe(0);
    expect(String(t)).toBe('ContinuousEventTimeTrigger(3)');
  });

  it('aligns the first firing to multiples of the interval, also for negative timestamps', () => {
    const t = ContinuousEventTimeTrigger.of(4);
    const window = new TimeWindow(-20, 0);
    const ctx = new FakeContext().in(window);
    t.onElement(null, -7, window, ctx);
    expect(ctx.state.get('fire-time/-20:0')).toBe(-4);
  });

  it('fires at once when the watermark passed the window', () => {
    const t = ContinuousEventTimeTrigger.of(3);
    const ctx = new FakeContext().in(w);
    ctx.watermark = 100;
    expect(t.onElement(null, 1, w, ctx)).toBe('FIRE');
  });

  it('keeps the earliest pending firing when windows merge', () => {
    const t = ContinuousEventTimeTrigger.of(3);
    const ctx = new FakeContext();
    const a = new TimeWindow(0, 5);
    const b = new TimeWindow(4, 12);
    t.onElement(null, 1, a, ctx.in(a));
    t.onElement(null, 7, b, ctx.in(b));
    const merged = new TimeWindow(0, 12);
    ctx.in(merged).mergedWindows = [a, b];
    t.onMerge(merged, ctx);
    expect(ctx.state.get('fire-time/0:12')).toBe(3);
    expect(ctx.eventTimers.has('0:12@3')).toBe(true);
  });
});

describe('ContinuousProcessingTimeTrigger', () => {
  it('fires every interval of processing time, aligned to the interval', () => {
    const t = ContinuousProcessingTimeTrigger.of(100);
    const window = new TimeWindow(0, 1000);
    const ctx = new FakeContext().in(window);
    ctx.now = 150;
    expect(t.onElement(null, 0, window, ctx)).toBe('CONTINUE');
    expect([...ctx.processingTimers]).toEqual(['0:1000@200']);
    expect(t.onProcessingTime(200, window, ctx)).toBe('FIRE');
    expect(ctx.processingTimers.has('0:1000@300')).toBe(true);
    expect(t.onProcessingTime(250, window, ctx)).toBe('CONTINUE');
    expect(t.onEventTime(300, window, ctx)).toBe('CONTINUE');
    t.clear(window, ctx);
    expect(ctx.state.size).toBe(0);
    expect(ctx.processingTimers.has('0:1000@300')).toBe(false);
    expect(String(t)).toBe('ContinuousProcessingTimeTrigger(100)');
    expect(() => ContinuousProcessingTimeTrigger.of(-1)).toThrow(/interval must be > 0/);
  });
});

describe('PurgingTrigger', () => {
  it('turns FIRE into FIRE_AND_PURGE and delegates everything else', () => {
    const calls: string[] = [];
    const nested: Trigger<number, Window> = {
      onElement: (e) => (e === 1 ? 'FIRE' : e === 2 ? 'PURGE' : 'CONTINUE'),
      onEventTime: () => 'FIRE',
      onProcessingTime: () => 'FIRE_AND_PURGE',
      canMerge: () => true,
      onMerge: () => void calls.push('merge'),
      clear: () => void calls.push('clear'),
      toString: () => 'Nested',
    };
    const t = PurgingTrigger.of(nested);
    const ctx = new FakeContext().in(w);
    expect(t.onElement(1, 0, w, ctx)).toBe('FIRE_AND_PURGE');
    expect(t.onElement(2, 0, w, ctx)).toBe('PURGE');
    expect(t.onElement(3, 0, w, ctx)).toBe('CONTINUE');
    expect(t.onEventTime(0, w, ctx)).toBe('FIRE_AND_PURGE');
    expect(t.onProcessingTime(0, w, ctx)).toBe('FIRE_AND_PURGE');
    expect(t.canMerge()).toBe(true);
    t.onMerge(w, ctx);
    t.clear(w, ctx);
    expect(calls).toEqual(['merge', 'clear']);
    expect(String(PurgingTrigger.of(CountTrigger.of(5)))).toBe('PurgingTrigger(CountTrigger(5))');
  });
});

/**
 * Shared by the time-window assigners: argument checks with messages that
 * name the broken constraint, the "record has no timestamp" error, window
 * caches that hand back the same window array for consecutive records of the
 * same window (so the hot path allocates nothing per record), and the base
 * classes that make an assigner's event-time and processing-time variants
 * differ only in their time domain — which time places a record (its
 * timestamp or the clock) and which trigger closes the windows.
 */
import type { TimeDomain } from '../../api/functions.js';
import { TributaryError, checkArgument } from '../../errors.js';
import { EventTimeTrigger } from '../triggers/EventTimeTrigger.js';
import { ProcessingTimeTrigger } from '../triggers/ProcessingTimeTrigger.js';
import type { Trigger } from '../triggers/Trigger.js';
import { TimeWindow } from '../windows.js';
import type { MergeCallback, MergingWindowAssigner, WindowAssigner, WindowAssignerContext } from './WindowAssigner.js';

/** Checks that `size` (named `what`) is a whole number of milliseconds > 0. */
export function checkPositiveMillis(assigner: string, what: string, value: number): void {
  checkArgument(
    Number.isSafeInteger(value) && value > 0,
    `${assigner}: ${what} must be > 0 (a whole number of milliseconds), got ${value}`,
  );
}

/** Checks `|offset| < bound` where the bound is the window `size` or `slide` (named `boundName`). */
export function checkOffset(assigner: string, offset: number, bound: number, boundName: string): void {
  checkArgument(Number.isSafeInteger(offset), `${assigner}: offset must be a whole number of milliseconds, got ${offset}`);
  checkArgument(
    Math.abs(offset) < bound,
    `${assigner}: |offset| must be < ${boundName} (offset ${offset}, ${boundName} ${bound})`,
  );
}

/** Checks the arguments of a sliding assigner: `size` > 0, 0 < `slide` <= `size`, `|offset| < slide`. */
export function checkSliding(assigner: string, size: number, slide: number, offset: number): void {
  checkPositiveMillis(assigner, 'size', size);
  checkPositiveMillis(assigner, 'slide', slide);
  checkArgument(slide <= size, `${assigner}: slide must be <= size (slide ${slide}, size ${size})`);
  checkOffset(assigner, offset, slide, 'slide');
}

/** Checks that a dynamic session gap `extractor` is a function. */
export function checkGapExtractor(assigner: string, extractor: unknown): void {
  checkArgument(typeof extractor === 'function', `${assigner}: the gap extractor must be a function`);
}

/** The error an event-time assigner throws for a record without a timestamp. */
export function missingTimestamp(assigner: string, timestamp: number): TributaryError {
  return new TributaryError(
    'MISSING_TIMESTAMP',
    `${assigner}: the record has no timestamp (${timestamp}), but event-time windows need one. ` +
      'Assign timestamps and watermarks with a WatermarkStrategy: ' +
      'env.fromSource(source, WatermarkStrategy...withTimestampAssigner(...)) or stream.assignTimestampsAndWatermarks(strategy), ' +
      'or use processing-time windows.',
  );
}

/**
 * The window array of the last time asked for, reused while later times fall
 * into the same interval `[validFrom, validTo)`.
 */
export abstract class WindowArrayCache {
  protected validFrom = Number.POSITIVE_INFINITY;
  protected validTo = Number.NEGATIVE_INFINITY;
  protected last: readonly TimeWindow[] = [];

  /** True when `time` falls into the cached interval (the caller may skip its checks). */
  hits(time: number): boolean {
    return time >= this.validFrom && time < this.validTo;
  }

  /** The cached window array (valid when `hits(time)`). */
  get cached(): readonly TimeWindow[] {
    return this.last;
  }

  /** The window array for `time`; `time` must be finite. */
  windowsFor(time: number): readonly TimeWindow[] {
    if (this.hits(time)) return this.last;
    this.last = this.compute(time);
    return this.last;
  }

  /** The windows for `time`, setting `validFrom` and `validTo` to the times they hold for. */
  protected abstract compute(time: number): readonly TimeWindow[];
}

/**
 * Tumbling windows of one size and offset, interned: the array for the last
 * window is reused while records fall into it.
 */
export class TumblingWindowCache extends WindowArrayCache {
  constructor(
    private readonly size: number,
    private readonly offset: number,
  ) {
    super();
  }

  protected compute(time: number): readonly TimeWindow[] {
    const start = TimeWindow.getWindowStartWithOffset(time, this.offset, this.size);
    this.validFrom = start;
    this.validTo = start + this.size;
    return [new TimeWindow(start, start + this.size)];
  }
}

/**
 * Sliding windows of one size, slide and offset, interned: the same array is
 * reused while records fall into the same set of windows, and window objects
 * are carried over when the set moves on by one slide.
 */
export class SlidingWindowCache extends WindowArrayCache {
  constructor(
    private readonly size: number,
    private readonly slide: number,
    private readonly offset: number,
  ) {
    super();
  }

  /** The windows (latest start first) that contain `time`. */
  protected compute(time: number): readonly TimeWindow[] {
    const { size, slide } = this;
    const lastStart = TimeWindow.getWindowStartWithOffset(time, this.offset, slide);
    const previous = this.last;
    const windows: TimeWindow[] = [];
    for (let start = lastStart; start > time - size; start -= slide) {
      windows.push(reuse(previous, start, start + size) ?? new TimeWindow(start, start + size));
    }
    // the same array holds for every time that has the same latest and earliest window
    const minStart = windows.length > 0 ? windows[windows.length - 1]!.start : lastStart + slide;
    this.validFrom = Math.max(lastStart, minStart - slide + size);
    this.validTo = Math.min(lastStart + slide, minStart + size);
    return windows;
  }
}

function reuse(windows: readonly TimeWindow[], start: number, end: number): TimeWindow | undefined {
  for (const w of windows) if (w.start === start && w.end === end) return w;
  return undefined;
}

/**
 * Computes the session gap (ms, > 0) for one record.
 *
 * ```ts
 * const gapOf: SessionGapExtractor<Click> = (c) => (c.premium ? 60_000 : 10_000);
 * ```
 */
export type SessionGapExtractor<T> = (element: T) => number;

/** The gap for `element`: the fixed gap, or the extractor's (checked to be > 0). */
export function sessionGap<T>(name: string, gap: number, gapOf: SessionGapExtractor<T> | undefined, element: T): number {
  if (gapOf === undefined) return gap;
  const dynamic = gapOf(element);
  checkArgument(Number.isFinite(dynamic) && dynamic > 0, `${name}: a dynamic gap must be > 0, got ${dynamic}`);
  return dynamic;
}

/**
 * What a time-window assigner's time domain decides: which time places a
 * record, the default trigger, and `isEventTime`.
 */
export abstract class TimeWindowAssigner<T> implements WindowAssigner<T, TimeWindow> {
  protected constructor(
    protected readonly name: string,
    protected readonly domain: TimeDomain,
  ) {}

  abstract assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[];

  abstract isMerging(): this is MergingWindowAssigner<T, TimeWindow>;

  getDefaultTrigger(): Trigger<T, TimeWindow> {
    return this.domain === 'event-time' ? EventTimeTrigger.create() : ProcessingTimeTrigger.create();
  }

  isEventTime(): boolean {
    return this.domain === 'event-time';
  }

  /** The time that places a record: its timestamp (which it must have) or the clock. */
  protected timeOf(timestamp: number, ctx: WindowAssignerContext): number {
    if (this.domain === 'processing-time') return ctx.currentProcessingTime();
    if (!Number.isFinite(timestamp)) throw missingTimestamp(this.name, timestamp);
    return timestamp;
  }
}

/**
 * Tumbling and sliding windows: fixed windows aligned to the epoch (plus an
 * offset), looked up in a cache.
 */
export abstract class AlignedWindowAssigner extends TimeWindowAssigner<unknown> {
  protected constructor(
    name: string,
    domain: TimeDomain,
    private readonly cache: WindowArrayCache,
  ) {
    super(name, domain);
  }

  assignWindows(_element: unknown, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
    if (this.domain === 'event-time' && this.cache.hits(timestamp)) return this.cache.cached;
    return this.cache.windowsFor(this.timeOf(timestamp, ctx));
  }

  isMerging(): this is MergingWindowAssigner<unknown, TimeWindow> {
    return false;
  }

  /** `Name(size[, slide][, offset])` for `toString`: the offset only when it is not 0. */
  protected describe(sizes: readonly number[], offset: number): string {
    const args = offset === 0 ? sizes : [...sizes, offset];
    return `${this.name}(${args.join(', ')})`;
  }
}

/**
 * Session windows: each record opens `[time, time + gap)`, and windows of a
 * key that overlap or touch merge.
 */
export abstract class SessionWindowAssigner<T> extends TimeWindowAssigner<T> implements MergingWindowAssigner<T, TimeWindow> {
  protected constructor(
    name: string,
    domain: TimeDomain,
    private readonly gap: number,
    private readonly gapOf: SessionGapExtractor<T> | undefined,
  ) {
    super(name, domain);
  }

  assignWindows(element: T, timestamp: number, ctx: WindowAssignerContext): readonly TimeWindow[] {
    const start = this.sessionStart(timestamp, ctx);
    return [new TimeWindow(start, start + this.sessionGap(element))];
  }

  /** The start of the session window a record opens (what `assignWindows` returns, without allocating it). */
  sessionStart(timestamp: number, ctx: WindowAssignerContext): number {
    return this.timeOf(timestamp, ctx);
  }

  /** The length of the session window a record opens: the gap (checked when dynamic). */
  sessionGap(element: T): number {
    return sessionGap(this.name, this.gap, this.gapOf, element);
  }

  mergeWindows(windows: readonly TimeWindow[], callback: MergeCallback<TimeWindow>): void {
    TimeWindow.mergeWindows(windows, callback);
  }

  isMerging(): this is MergingWindowAssigner<T, TimeWindow> {
    return true;
  }

  override toString(): string {
    return this.gapOf === undefined ? `${this.name}(${this.gap})` : `${this.name}(dynamic gap)`;
  }
}

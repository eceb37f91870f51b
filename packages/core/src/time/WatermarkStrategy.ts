/**
 * WatermarkStrategy: how a source (or `assignTimestampsAndWatermarks`) finds
 * each record's event time and how far event time has progressed.
 *
 * ```ts
 * WatermarkStrategy.forBoundedOutOfOrderness<Order>(5_000)
 *   .withTimestampAssigner((order) => order.createdAt)
 *   .withIdleness(30_000);
 * ```
 *
 * Watermarks are tracked per source split (Kinesis shard, file, row range…)
 * and combined by minimum; a split idle for longer than the idleness timeout
 * is left out of the minimum so it cannot hold event time back.
 */
import { checkArgument } from '../errors.js';
import { MIN_WATERMARK } from './watermark.js';

/** Extracts a record's event time in milliseconds. `previous` is the timestamp the source attached, if any. */
export type TimestampAssigner<T> = (element: T, previous: number) => number;

/** Observes records and says how far event time has progressed. One instance per split. */
export interface WatermarkGenerator<T> {
  /** Called for every record with its assigned timestamp. */
  onEvent(element: T, timestamp: number): void;
  /** The current watermark (called after every source poll and periodically). */
  currentWatermark(): number;
}

/** A factory of watermark generators and timestamp assigners. Immutable: `with…` returns a new strategy. */
export class WatermarkStrategy<T> {
  private constructor(
    private readonly generatorFactory: () => WatermarkGenerator<T>,
    /** The timestamp assigner, or undefined to keep the source's own timestamps. */
    readonly timestampAssigner: TimestampAssigner<T> | undefined,
    /** Milliseconds without records after which a split counts as idle; undefined: never idle. */
    readonly idleTimeout: number | undefined,
  ) {}

  /**
   * Watermark = highest timestamp seen − `maxOutOfOrderness` − 1: records up to
   * `maxOutOfOrderness` ms older than the newest one are still on time.
   */
  static forBoundedOutOfOrderness<T>(maxOutOfOrderness: number): WatermarkStrategy<T> {
    checkArgument(
      Number.isFinite(maxOutOfOrderness) && maxOutOfOrderness >= 0,
      `maxOutOfOrderness must be a finite number >= 0, got ${maxOutOfOrderness}`,
    );
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessGenerator<T>(maxOutOfOrderness), undefined, undefined);
  }

  /** For timestamps that never decrease within a split: watermark = highest timestamp seen − 1. */
  static forMonotonousTimestamps<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new BoundedOutOfOrdernessGenerator<T>(0), undefined, undefined);
  }

  /** No watermarks: event-time windows and timers fire only at the end of a bounded input. */
  static noWatermarks<T>(): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(() => new NoWatermarksGenerator<T>(), undefined, undefined);
  }

  /** A custom generator, created once per split. */
  static forGenerator<T>(factory: () => WatermarkGenerator<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(factory, undefined, undefined);
  }

  /** Sets how each record's event time is extracted. */
  withTimestampAssigner(assigner: TimestampAssigner<T>): WatermarkStrategy<T> {
    return new WatermarkStrategy<T>(this.generatorFactory, assigner, this.idleTimeout);
  }

  /** Marks a split idle after `timeoutMs` without records, so it does not hold the watermark back. */
  withIdleness(timeoutMs: number): WatermarkStrategy<T> {
    checkArgument(Number.isFinite(timeoutMs) && timeoutMs > 0, `idleness timeout must be a finite number > 0, got ${timeoutMs}`);
    return new WatermarkStrategy<T>(this.generatorFactory, this.timestampAssigner, timeoutMs);
  }

  /** Creates the generator for one split. */
  createGenerator(): WatermarkGenerator<T> {
    return this.generatorFactory();
  }
}

class BoundedOutOfOrdernessGenerator<T> implements WatermarkGenerator<T> {
  private maxTimestamp = MIN_WATERMARK;
  constructor(private readonly outOfOrderness: number) {}

  onEvent(_element: T, timestamp: number): void {
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
  }

  currentWatermark(): number {
    return this.maxTimestamp === MIN_WATERMARK ? MIN_WATERMARK : this.maxTimestamp - this.outOfOrderness - 1;
  }
}

class NoWatermarksGenerator<T> implements WatermarkGenerator<T> {
  onEvent(): void {}
  currentWatermark(): number {
    return MIN_WATERMARK;
  }
}

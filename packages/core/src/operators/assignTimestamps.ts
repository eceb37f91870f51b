/**
 * assignTimestampsAndWatermarks inside a pipeline: assigns event time to each
 * record and generates watermarks with one generator per subtask. Upstream
 * watermarks are swallowed (this operator becomes the event-time source),
 * except the final +Infinity one at the end of a bounded input.
 */
import type { WatermarkGenerator, WatermarkStrategy } from '../time/WatermarkStrategy.js';
import { MAX_WATERMARK } from '../time/watermark.js';
import type { OperatorContext, Output, StreamOperator } from './StreamOperator.js';

/** How often the operator checks its generator for a new watermark, in records. */
const WATERMARK_CHECK_EVERY = 64;

export class TimestampsAndWatermarksOperator<T> implements StreamOperator<T> {
  private out!: Output<T>;
  private generator!: WatermarkGenerator<T>;
  private emitted = Number.NEGATIVE_INFINITY;
  private sinceCheck = 0;

  constructor(private readonly strategy: WatermarkStrategy<T>) {}

  open(ctx: OperatorContext<T>): void {
    this.out = ctx.output;
    this.generator = this.strategy.createGenerator();
  }

  processElement(value: unknown, timestamp: number): void {
    const assigner = this.strategy.timestampAssigner;
    const ts = assigner === undefined ? timestamp : assigner(value as T, timestamp);
    this.generator.onEvent(value as T, ts);
    this.out.collect(value as T, ts);
    if (++this.sinceCheck >= WATERMARK_CHECK_EVERY) this.emitIfAdvanced();
  }

  processWatermark(watermark: number): void {
    if (watermark === MAX_WATERMARK) {
      this.emitted = MAX_WATERMARK;
      this.out.emitWatermark(MAX_WATERMARK);
      return;
    }
    // An upstream watermark marks the end of an upstream batch: a good moment to emit ours.
    this.emitIfAdvanced();
  }

  endOfBatch(): void {
    this.emitIfAdvanced();
  }

  private emitIfAdvanced(): void {
    this.sinceCheck = 0;
    const wm = this.generator.currentWatermark();
    if (wm > this.emitted) {
      this.emitted = wm;
      this.out.emitWatermark(wm);
    }
  }
}

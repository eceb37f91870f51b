/**
 * The Output an operator instance writes to: routes records to the main
 * targets, side-output records to the targets of their tag, and control
 * elements (watermarks, idleness, end of input) to every target once.
 */
import type { OutputTag } from '../api/OutputTag.js';
import type { OperatorMetrics } from '../metrics/OperatorMetrics.js';
import type { Output } from '../operators/StreamOperator.js';
import type { RecordTarget } from './RecordTarget.js';

export class RecordOutput implements Output<unknown> {
  private main: RecordTarget[] = [];
  private single: RecordTarget | undefined;
  private readonly side = new Map<string, RecordTarget[]>();
  private readonly all: RecordTarget[] = [];

  constructor(
    private readonly metrics: OperatorMetrics,
    /** Called when a record is emitted outside a runtime-driven call (an async callback): schedules a flush. */
    private readonly onEmitOutsideScope: () => void,
    private readonly inScope: () => boolean,
  ) {}

  addTarget(target: RecordTarget, tag: OutputTag<unknown> | undefined): void {
    if (tag === undefined) {
      this.main.push(target);
      this.single = this.main.length === 1 ? target : undefined;
    } else {
      const list = this.side.get(tag.id) ?? [];
      list.push(target);
      this.side.set(tag.id, list);
    }
    if (!this.all.includes(target)) this.all.push(target);
  }

  /** True when someone consumes the side output `tag`. */
  hasSideTarget(tag: OutputTag<unknown>): boolean {
    return this.side.has(tag.id);
  }

  collect(value: unknown, timestamp: number): void {
    this.metrics.recordsOut++;
    const single = this.single;
    if (single !== undefined) single.record(value, timestamp);
    else for (const target of this.main) target.record(value, timestamp);
    if (!this.inScope()) this.onEmitOutsideScope();
  }

  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void {
    const targets = this.side.get(tag.id);
    if (targets === undefined) return;
    for (const target of targets) target.record(value, timestamp);
    if (!this.inScope()) this.onEmitOutsideScope();
  }

  emitWatermark(watermark: number): void {
    for (const target of this.all) target.watermark(watermark);
  }

  emitIdle(idle: boolean): void {
    for (const target of this.all) target.idle(idle);
  }

  emitBarrier(checkpointId: number): void {
    for (const target of this.all) target.barrier(checkpointId);
  }

  endOfInput(): void {
    for (const target of this.all) target.endOfInput();
  }

  flush(): void {
    for (const target of this.all) target.flush();
  }
}

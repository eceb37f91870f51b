/** process: runs a ProcessFunction (side outputs, no keyed state) over a non-keyed stream. */
import type { ProcessFunction } from '../api/functions.js';
import { ProcessSupport, UserFunctionOperator } from './processInternals.js';
import type { OperatorContext } from './StreamOperator.js';

export class ProcessOperator<IN, OUT> extends UserFunctionOperator<ProcessFunction<IN, OUT>, OUT> {
  private support!: ProcessSupport<OUT>;

  processElement(value: unknown, timestamp: number): void {
    this.support.beforeElement(timestamp);
    this.fn.processElement(value as IN, this.support.context, this.support.collector);
  }

  protected setUp(ctx: OperatorContext<OUT>): void {
    this.support = new ProcessSupport(ctx);
  }
}

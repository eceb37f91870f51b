/**
 * coProcess: runs a CoProcessFunction over two connected, non-keyed streams
 * (`a.connect(b).process(fn)`; also backs `connect(...).map` and `flatMap`).
 * Records of the first input go to `processElement1`, of the second to
 * `processElement2`; output records carry the input record's timestamp.
 */
import type { CoProcessFunction } from '../api/functions.js';
import { ProcessSupport, UserFunctionOperator } from './processInternals.js';
import type { OperatorContext } from './StreamOperator.js';

/**
 * The two-input operator behind `ConnectedStreams.process(CoProcessFunction)`.
 *
 * ```ts
 * const op = new CoProcessOperator<Order, Refund, string>({
 *   processElement1: (order, _ctx, out) => out.collect(`order ${order.id}`),
 *   processElement2: (refund, _ctx, out) => out.collect(`refund ${refund.id}`),
 * });
 * ```
 */
export class CoProcessOperator<IN1, IN2, OUT> extends UserFunctionOperator<CoProcessFunction<IN1, IN2, OUT>, OUT> {
  private support!: ProcessSupport<OUT>;

  processElement(value: unknown, timestamp: number, input: number): void {
    const support = this.support;
    support.beforeElement(timestamp);
    if (input === 0) this.fn.processElement1(value as IN1, support.context, support.collector);
    else this.fn.processElement2(value as IN2, support.context, support.collector);
  }

  protected setUp(ctx: OperatorContext<OUT>): void {
    this.support = new ProcessSupport(ctx);
  }
}

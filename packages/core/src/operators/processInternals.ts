/**
 * Shared by the process operators (process, coProcess, broadcastProcess and,
 * through keyedProcessInternals.ts, their keyed variants): the lifecycle of
 * the user function — each subtask runs its own copy, opened with a
 * RuntimeContext once the operator has set itself up, closed with the
 * operator — and the collector and `ProcessContext` handed to it, made once
 * per operator and reused for every call.
 */
import type { ProcessContext, RichFunction } from '../api/functions.js';
import type { OutputTag } from '../api/OutputTag.js';
import { copyForSubtask } from './functionCopy.js';
import { createRuntimeContext } from './RuntimeContextImpl.js';
import { TimestampedCollector } from './TimestampedCollector.js';
import type { OperatorContext, StreamOperator } from './StreamOperator.js';

/**
 * An operator that runs a user function `F`: subclasses set up what the
 * function sees in `setUp` and call it in `processElement`.
 *
 * ```ts
 * class MapLike<IN, OUT> extends UserFunctionOperator<ProcessFunction<IN, OUT>, OUT> {
 *   private support!: ProcessSupport<OUT>;
 *   protected setUp(ctx: OperatorContext<OUT>): void { this.support = new ProcessSupport(ctx); }
 *   processElement(value: unknown, timestamp: number): void { … }
 * }
 * ```
 */
export abstract class UserFunctionOperator<F extends RichFunction, OUT> implements StreamOperator<OUT> {
  protected readonly fn: F;

  constructor(fn: F) {
    this.fn = copyForSubtask(fn);
  }

  open(ctx: OperatorContext<OUT>): void {
    this.setUp(ctx);
    this.fn.open?.(createRuntimeContext(ctx));
  }

  abstract processElement(value: unknown, timestamp: number, input: number): void;

  close(): void {
    this.fn.close?.();
  }

  /** Creates the per-run objects (collector, contexts) before the function opens. */
  protected abstract setUp(ctx: OperatorContext<OUT>): void;
}

/** The `ProcessContext` of a function whose output `collector` stamps: timestamp, time and side outputs. */
export function createProcessContext<OUT>(ctx: OperatorContext<OUT>, collector: TimestampedCollector<OUT>): ProcessContext {
  return {
    timestamp: () => collector.timestamp,
    currentProcessingTime: () => ctx.clock.now(),
    currentWatermark: () => ctx.currentWatermark(),
    output<X>(tag: OutputTag<X>, value: X): void {
      ctx.output.collectSide(tag, value, collector.timestamp);
    },
  };
}

/**
 * The collector and context of a non-keyed process function: output records
 * carry the input record's timestamp.
 */
export class ProcessSupport<OUT> {
  readonly collector: TimestampedCollector<OUT>;
  readonly context: ProcessContext;

  constructor(ctx: OperatorContext<OUT>) {
    this.collector = new TimestampedCollector(ctx.output);
    this.context = createProcessContext(ctx, this.collector);
  }

  /** Prepares the collector and context for a record. */
  beforeElement(timestamp: number): void {
    this.collector.timestamp = timestamp;
  }
}

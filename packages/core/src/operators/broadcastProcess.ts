/**
 * broadcastProcess: connects a non-keyed stream with a broadcast stream
 * (`events.connect(rules.broadcast(rulesDescriptor)).process(fn)`). Every
 * parallel instance receives every broadcast record in
 * `processBroadcastElement`, which may write broadcast state; records of the
 * other stream go to `processElement`, which may only read it.
 */
import type { Collector, ProcessContext, RichFunction } from '../api/functions.js';
import type { BroadcastState, ReadOnlyBroadcastState } from '../state/BroadcastState.js';
import type { MapStateDescriptor } from '../state/descriptors.js';
import { BroadcastStateStore } from './broadcastInternals.js';
import { ProcessSupport, UserFunctionOperator } from './processInternals.js';
import type { OperatorContext } from './StreamOperator.js';

/**
 * What `processElement` of a broadcast function sees: read-only broadcast state.
 *
 * ```ts
 * processElement(event, ctx, out) {
 *   const limit = ctx.getBroadcastState(limits).get(event.account);
 *   if (limit !== undefined && event.amount > limit) out.collect(event);
 * }
 * ```
 */
export interface BroadcastReadOnlyContext extends ProcessContext {
  /** A read-only view of the broadcast state declared with `descriptor`; writing it throws. */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): ReadOnlyBroadcastState<K, V>;
}

/**
 * What `processBroadcastElement` sees: writable broadcast state.
 *
 * ```ts
 * processBroadcastElement(limit, ctx) {
 *   ctx.getBroadcastState(limits).put(limit.account, limit.amount);
 * }
 * ```
 */
export interface BroadcastContext extends ProcessContext {
  /** The broadcast state declared with `descriptor` (one of those passed to `broadcast(...)`). */
  getBroadcastState<K, V>(descriptor: MapStateDescriptor<K, V>): BroadcastState<K, V>;
}

/**
 * A function over a non-keyed stream connected with a broadcast stream.
 *
 * ```ts
 * const blocked = new MapStateDescriptor<string, true>('blocked');
 * const allowed = logins.connect(blocklist.broadcast(blocked)).process<Login>({
 *   processBroadcastElement: (user, ctx) => ctx.getBroadcastState(blocked).put(user, true),
 *   processElement: (login, ctx, out) => {
 *     if (!ctx.getBroadcastState(blocked).contains(login.user)) out.collect(login);
 *   },
 * });
 * ```
 * Gotcha: there is no order between the two inputs — a record may arrive
 * before the broadcast record it needs. Buffer such records yourself
 * (keyed broadcast functions can use keyed state for it).
 */
export interface BroadcastProcessFunction<IN1, IN2, OUT> extends RichFunction {
  processElement(value: IN1, ctx: BroadcastReadOnlyContext, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: BroadcastContext, out: Collector<OUT>): void;
}

/**
 * The two-input operator behind `connect(broadcastStream).process(fn)` on a
 * non-keyed stream. Input 1 (index 1) is the broadcast input.
 *
 * ```ts
 * const op = new BroadcastProcessOperator(fn, [rulesDescriptor]);
 * ```
 * Its broadcast state is snapshotted by `snapshotState` (JSON-friendly).
 */
export class BroadcastProcessOperator<IN1, IN2, OUT> extends UserFunctionOperator<BroadcastProcessFunction<IN1, IN2, OUT>, OUT> {
  /** Broadcast state is the same in every subtask: each restored subtask gets it. */
  readonly operatorStateMode = 'union' as const;
  private readonly store: BroadcastStateStore;
  private support!: ProcessSupport<OUT>;
  private readOnlyContext!: BroadcastReadOnlyContext;
  private context!: BroadcastContext;

  constructor(
    fn: BroadcastProcessFunction<IN1, IN2, OUT>,
    descriptors: readonly MapStateDescriptor<any, any>[],
  ) {
    super(fn);
    this.store = new BroadcastStateStore(descriptors);
  }

  processElement(value: unknown, timestamp: number, input: number): void {
    const support = this.support;
    support.beforeElement(timestamp);
    if (input === 0) this.fn.processElement(value as IN1, this.readOnlyContext, support.collector);
    else this.fn.processBroadcastElement(value as IN2, this.context, support.collector);
  }

  snapshotState(): unknown {
    return this.store.snapshot();
  }

  initializeState(state: unknown): void {
    this.store.restore(state);
  }

  protected setUp(ctx: OperatorContext<OUT>): void {
    const store = this.store;
    store.operatorName = ctx.name;
    this.support = new ProcessSupport(ctx);
    const base = this.support.context;
    this.readOnlyContext = { ...base, getBroadcastState: (d) => store.readOnly(d) };
    this.context = { ...base, getBroadcastState: (d) => store.writable(d) };
  }
}

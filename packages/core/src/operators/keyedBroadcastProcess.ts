/**
 * keyedBroadcastProcess: connects a keyed stream with a broadcast stream
 * (`events.keyBy(k).connect(rules.broadcast(rulesDescriptor)).process(fn)`).
 * Keyed records see keyed state, timers and read-only broadcast state;
 * broadcast records see writable broadcast state and can visit the keyed
 * state of every key with `applyToKeyedState` (e.g. to apply a new rule to
 * what each key has accumulated).
 */
import type { Collector, Key, KeyedProcessContext, RichFunction, TimeDomain } from '../api/functions.js';
import { InvalidProgramError } from '../errors.js';
import type { KeyedStateAccess } from '../state/KeyedStateAccess.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  StateDescriptor,
  ValueStateDescriptor,
} from '../state/descriptors.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/State.js';
import { BroadcastStateStore } from './broadcastInternals.js';
import type { BroadcastContext, BroadcastReadOnlyContext } from './broadcastProcess.js';
import { KeyedUserFunctionOperator } from './keyedProcessInternals.js';
import type { OperatorContext } from './StreamOperator.js';

/**
 * The keyed state a descriptor describes: `ValueStateDescriptor<T>` → `ValueState<T>`, and so on.
 *
 * ```ts
 * type S = KeyedStateOf<ListStateDescriptor<Event>>; // ListState<Event>
 * ```
 */
export type KeyedStateOf<D> =
  D extends ValueStateDescriptor<infer T>
    ? ValueState<T>
    : D extends ListStateDescriptor<infer T>
      ? ListState<T>
      : D extends MapStateDescriptor<infer UK, infer UV>
        ? MapState<UK, UV>
        : D extends ReducingStateDescriptor<infer T>
          ? ReducingState<T>
          : D extends AggregatingStateDescriptor<infer IN, any, infer OUT>
            ? AggregatingState<IN, OUT>
            : never;

/**
 * What `processElement` (and `onTimer`) of a keyed broadcast function sees:
 * the current key, its timers, keyed state through `open`, and read-only
 * broadcast state.
 *
 * ```ts
 * processElement(event, ctx, out) {
 *   const rule = ctx.getBroadcastState(rules).get(event.type);
 *   if (rule !== undefined) ctx.timerService().registerEventTimeTimer(ctx.timestamp() + rule.windowMs);
 * }
 * ```
 */
export interface KeyedBroadcastReadOnlyContext<K> extends BroadcastReadOnlyContext, KeyedProcessContext<K> {}

/**
 * The context of `onTimer` in a keyed broadcast function: which timer fired.
 *
 * ```ts
 * onTimer(time, ctx, out) { if (ctx.timeDomain() === 'event-time') out.collect({ key: ctx.getCurrentKey(), time }); }
 * ```
 */
export interface KeyedBroadcastOnTimerContext<K> extends KeyedBroadcastReadOnlyContext<K> {
  timeDomain(): TimeDomain;
}

/**
 * What `processBroadcastElement` of a keyed broadcast function sees:
 * writable broadcast state, and the keyed state of every key. There is no
 * current key (a broadcast record belongs to no key), hence no timers.
 *
 * ```ts
 * processBroadcastElement(rule, ctx) {
 *   ctx.getBroadcastState(rules).put(rule.id, rule);
 *   ctx.applyToKeyedState(counts, (key, count) => { if (rule.resets) count.clear(); });
 * }
 * ```
 */
export interface KeyedBroadcastContext<K> extends BroadcastContext {
  /**
   * Calls `fn` for every key of this parallel instance that has an entry in
   * the keyed state `descriptor`, with that key's state (reads and writes
   * go to that key). Keys whose state `fn` clears are still visited once.
   */
  applyToKeyedState<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: KeyedStateOf<D>) => void): void;
}

/**
 * A function over a keyed stream connected with a broadcast stream
 * (Flink's KeyedBroadcastProcessFunction).
 *
 * ```ts
 * const thresholds = new MapStateDescriptor<string, number>('thresholds');
 * const alerts = readings
 *   .keyBy((r) => r.sensor)
 *   .connect(thresholdUpdates.broadcast(thresholds))
 *   .process<Alert>({
 *     processBroadcastElement: (t, ctx) => ctx.getBroadcastState(thresholds).put(t.kind, t.max),
 *     processElement: (r, ctx, out) => {
 *       const max = ctx.getBroadcastState(thresholds).get(r.kind);
 *       if (max !== undefined && r.value > max) out.collect({ sensor: ctx.getCurrentKey(), value: r.value });
 *     },
 *   });
 * ```
 * Gotcha: the two inputs are not ordered against each other; keep keyed
 * records that arrive before their rule in keyed state and handle them in
 * `processBroadcastElement` with `applyToKeyedState`.
 */
export interface KeyedBroadcastProcessFunction<K, IN1, IN2, OUT> extends RichFunction {
  processElement(value: IN1, ctx: KeyedBroadcastReadOnlyContext<K>, out: Collector<OUT>): void;
  processBroadcastElement(value: IN2, ctx: KeyedBroadcastContext<K>, out: Collector<OUT>): void;
  /** Called when a timer registered for the current key fires. */
  onTimer?(timestamp: number, ctx: KeyedBroadcastOnTimerContext<K>, out: Collector<OUT>): void;
}

function keyedState(keyed: KeyedStateAccess, descriptor: StateDescriptor): unknown {
  switch (descriptor.kind) {
    case 'value':
      return keyed.getValueState(descriptor);
    case 'list':
      return keyed.getListState(descriptor);
    case 'map':
      return keyed.getMapState(descriptor);
    case 'reducing':
      return keyed.getReducingState(descriptor);
    case 'aggregating':
      return keyed.getAggregatingState(descriptor);
  }
}

function currentKeyOf(keyed: KeyedStateAccess): Key | undefined {
  try {
    return keyed.getCurrentKey();
  } catch {
    return undefined;
  }
}

/**
 * The two-input keyed operator behind `keyedStream.connect(broadcastStream).process(fn)`.
 * Input 0 is keyed (the runtime sets its key); input 1 is the broadcast input.
 *
 * ```ts
 * const op = new KeyedBroadcastProcessOperator(fn, [rulesDescriptor]);
 * ```
 * Broadcast state is snapshotted by `snapshotState`; keyed state by the runtime.
 */
export class KeyedBroadcastProcessOperator<K extends Key, IN1, IN2, OUT> extends KeyedUserFunctionOperator<
  K,
  KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>,
  OUT
> {
  /** Broadcast state is the same in every subtask: each restored subtask gets it. */
  readonly operatorStateMode = 'union' as const;
  private readonly store: BroadcastStateStore;
  private readOnlyContext!: KeyedBroadcastOnTimerContext<K>;
  private context!: KeyedBroadcastContext<K>;

  constructor(
    fn: KeyedBroadcastProcessFunction<K, IN1, IN2, OUT>,
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

  protected override setUp(ctx: OperatorContext<OUT>): void {
    super.setUp(ctx);
    const keyed = ctx.keyed as KeyedStateAccess;
    const store = this.store;
    store.operatorName = ctx.name;
    const keyedContext = this.support.context;
    this.readOnlyContext = { ...keyedContext, getBroadcastState: (d) => store.readOnly(d) };
    this.context = {
      timestamp: keyedContext.timestamp,
      currentProcessingTime: keyedContext.currentProcessingTime,
      currentWatermark: keyedContext.currentWatermark,
      output: keyedContext.output,
      getBroadcastState: (d) => store.writable(d),
      applyToKeyedState<D extends StateDescriptor>(descriptor: D, fn: (key: K, state: KeyedStateOf<D>) => void): void {
        if (descriptor === undefined || descriptor === null || typeof descriptor.name !== 'string') {
          throw new InvalidProgramError('applyToKeyedState needs a keyed state descriptor');
        }
        const state = keyedState(keyed, descriptor) as KeyedStateOf<D>;
        const previous = currentKeyOf(keyed);
        const keys = [...keyed.keys(descriptor.name)];
        try {
          for (const key of keys) {
            keyed.setCurrentKey(key);
            fn(key as K, state);
          }
        } finally {
          if (previous !== undefined) keyed.setCurrentKey(previous);
        }
      },
    };
  }

  protected override timerContext(): KeyedBroadcastOnTimerContext<K> {
    return this.readOnlyContext;
  }
}

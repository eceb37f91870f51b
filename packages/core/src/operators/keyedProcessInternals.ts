/**
 * Shared by the keyed process operators (KeyedProcessFunction,
 * KeyedCoProcessFunction and KeyedBroadcastProcessFunction): the context
 * objects handed to user functions, user timers on a timer service in the
 * void namespace, and `onTimer` dispatch. One context object per operator,
 * reused for every call. The non-keyed part is processInternals.ts.
 */
import type { Collector, Key, OnTimerContext, RichFunction, TimeDomain, TimerService } from '../api/functions.js';
import { VOID_NAMESPACE } from '../state/KeyedStateAccess.js';
import type { InternalTimerService } from '../state/InternalTimerService.js';
import { InvalidProgramError } from '../errors.js';
import { UserFunctionOperator, createProcessContext } from './processInternals.js';
import { TimestampedCollector } from './TimestampedCollector.js';
import type { InternalTimer, OperatorContext } from './StreamOperator.js';

/** The name of the timer service user timers live in. */
export const USER_TIMERS = 'user-timers';

export class KeyedProcessSupport<K extends Key, OUT> {
  readonly collector: TimestampedCollector<OUT>;
  readonly context: OnTimerContext<K>;
  private domain: TimeDomain = 'event-time';
  private readonly timers: InternalTimerService<number>;

  constructor(private readonly ctx: OperatorContext<OUT>) {
    const keyed = ctx.keyed;
    if (keyed === undefined) throw new InvalidProgramError(`Operator '${ctx.name}' needs a keyed stream: call keyBy() first`);
    this.collector = new TimestampedCollector(ctx.output);
    this.timers = ctx.timerService<number>(USER_TIMERS);
    const timers = this.timers;
    const timerService: TimerService = {
      currentProcessingTime: () => ctx.clock.now(),
      currentWatermark: () => ctx.currentWatermark(),
      registerEventTimeTimer: (time) => timers.registerEventTimeTimer(VOID_NAMESPACE, time),
      registerProcessingTimeTimer: (time) => timers.registerProcessingTimeTimer(VOID_NAMESPACE, time),
      deleteEventTimeTimer: (time) => timers.deleteEventTimeTimer(VOID_NAMESPACE, time),
      deleteProcessingTimeTimer: (time) => timers.deleteProcessingTimeTimer(VOID_NAMESPACE, time),
    };
    const self = this;
    this.context = {
      ...createProcessContext(ctx, this.collector),
      getCurrentKey: () => keyed.getCurrentKey() as K,
      timerService: () => timerService,
      timeDomain: () => self.domain,
    };
  }

  /** Prepares the collector and context for a record. */
  beforeElement(timestamp: number): void {
    this.collector.timestamp = timestamp;
  }

  /** Prepares for a timer callback: event-time output carries the timer's time, processing-time none. */
  beforeTimer(timer: InternalTimer, domain: TimeDomain): Collector<OUT> {
    this.domain = domain;
    this.collector.timestamp = domain === 'event-time' ? timer.timestamp : Number.NEGATIVE_INFINITY;
    return this.collector;
  }
}

/** A keyed user function with timers. */
export interface KeyedTimerFunction<K, OUT> extends RichFunction {
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/**
 * An operator that runs a keyed user function `F`: sets up a
 * KeyedProcessSupport and calls `onTimer` for the user timers that fire;
 * subclasses call the function in `processElement`.
 */
export abstract class KeyedUserFunctionOperator<K extends Key, F extends KeyedTimerFunction<K, OUT>, OUT> extends UserFunctionOperator<F, OUT> {
  protected support!: KeyedProcessSupport<K, OUT>;

  onEventTime(timer: InternalTimer): void {
    const out = this.support.beforeTimer(timer, 'event-time');
    this.fn.onTimer?.(timer.timestamp, this.timerContext(), out);
  }

  onProcessingTime(timer: InternalTimer): void {
    const out = this.support.beforeTimer(timer, 'processing-time');
    this.fn.onTimer?.(timer.timestamp, this.timerContext(), out);
  }

  protected setUp(ctx: OperatorContext<OUT>): void {
    this.support = new KeyedProcessSupport<K, OUT>(ctx);
  }

  /** The context `onTimer` gets (a function with a richer `onTimer` context returns that). */
  protected timerContext(): OnTimerContext<K> {
    return this.support.context;
  }
}

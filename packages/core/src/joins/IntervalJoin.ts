/**
 * The interval join builder: `keyedA.intervalJoin(keyedB).between(lower, upper)
 * [.lowerBoundExclusive()][.upperBoundExclusive()].process(fn)`. Joins each
 * left record at `lt` with every right record of the same key at `rt` where
 * `lt + lower <= rt <= lt + upper`. Each stage is a new immutable object;
 * only the bounded stage (`IntervalJoined`) can `process`. The operator is
 * `IntervalJoinOperator`.
 */
import type { DataStream } from '../api/DataStream.js';
import type { Key } from '../api/functions.js';
import type { KeyedStream } from '../api/KeyedStream.js';
import type { OutputTag } from '../api/OutputTag.js';
import { InvalidProgramError, checkArgument } from '../errors.js';
import { copyForSubtask } from '../operators/functionCopy.js';
import { IntervalJoinOperator, type IntervalJoinFunction, type IntervalJoinSettings } from './IntervalJoinOperator.js';

/**
 * An interval join of two keyed streams, waiting for its bounds.
 *
 * ```ts
 * // payments within one hour after their order
 * const paid = orders.keyBy((o) => o.id)
 *   .intervalJoin(payments.keyBy((p) => p.orderId))
 *   .between(0, 3_600_000)
 *   .process<PaidOrder>({
 *     processElement(order, payment, ctx, out) {
 *       out.collect({ ...order, paidAt: ctx.rightTimestamp() });
 *     },
 *   });
 * ```
 * Gotchas: both streams need event-time timestamps; both key selectors must
 * give the same key for records that should meet.
 */
export class IntervalJoin<K extends Key, L, R> {
  constructor(
    readonly left: KeyedStream<K, L>,
    readonly right: KeyedStream<K, R>,
  ) {
    if (left.environment !== right.environment) {
      throw new InvalidProgramError('Streams from different StreamEnvironments cannot be combined');
    }
  }

  /**
   * Sets the interval, relative to the left record's timestamp: a right
   * record at `rt` matches a left record at `lt` when
   * `lt + lowerBoundMs <= rt <= lt + upperBoundMs`. Bounds may be negative.
   *
   * ```ts
   * a.intervalJoin(b).between(-5_000, 5_000); // within five seconds either way
   * ```
   * Gotcha: throws a RangeError unless both bounds are finite and `lowerBoundMs <= upperBoundMs`.
   */
  between(lowerBoundMs: number, upperBoundMs: number): IntervalJoined<K, L, R> {
    checkArgument(
      typeof lowerBoundMs === 'number' && Number.isFinite(lowerBoundMs),
      `interval join lower bound must be a finite number of milliseconds, got ${String(lowerBoundMs)}`,
    );
    checkArgument(
      typeof upperBoundMs === 'number' && Number.isFinite(upperBoundMs),
      `interval join upper bound must be a finite number of milliseconds, got ${String(upperBoundMs)}`,
    );
    checkArgument(
      lowerBoundMs <= upperBoundMs,
      `interval join bounds need lowerBound <= upperBound, got lowerBound ${lowerBoundMs} > upperBound ${upperBoundMs}`,
    );
    return new IntervalJoined<K, L, R>(this.left, this.right, {
      lowerBound: lowerBoundMs,
      upperBound: upperBoundMs,
      lowerBoundInclusive: true,
      upperBoundInclusive: true,
    });
  }
}

/**
 * An interval join with its bounds: optionally make a bound exclusive or
 * send late records to a side output, then `process`.
 *
 * ```ts
 * const lateOrders = new OutputTag<Order>('late-orders');
 * const joined = orders.keyBy((o) => o.id)
 *   .intervalJoin(payments.keyBy((p) => p.orderId))
 *   .between(0, 60_000)
 *   .upperBoundExclusive()
 *   .sideOutputLeftLateData(lateOrders)
 *   .process<string>({ processElement: (o, p, _ctx, out) => out.collect(`${o.id} paid by ${p.id}`) });
 * joined.getSideOutput(lateOrders).sinkTo(console.log);
 * ```
 * Gotchas: each method returns a new stage (the old one is unchanged); a
 * record older than the watermark when it arrives is late: counted in
 * `metrics.lateRecords` and dropped, or sent to the late side output.
 */
export class IntervalJoined<K extends Key, L, R> {
  /** @internal Use `IntervalJoin.between`. */
  constructor(
    readonly left: KeyedStream<K, L>,
    readonly right: KeyedStream<K, R>,
    /** The bounds and options collected so far. */
    readonly settings: IntervalJoinSettings<L, R>,
  ) {}

  /** Excludes the lower bound: a right record matches only when `rt > lt + lower`. */
  lowerBoundExclusive(): IntervalJoined<K, L, R> {
    this.checkNotEmptyWhenExclusive('lowerBoundExclusive');
    return this.with({ lowerBoundInclusive: false });
  }

  /** Excludes the upper bound: a right record matches only when `rt < lt + upper`. */
  upperBoundExclusive(): IntervalJoined<K, L, R> {
    this.checkNotEmptyWhenExclusive('upperBoundExclusive');
    return this.with({ upperBoundInclusive: false });
  }

  /** Sends left records that arrive late (older than the watermark) to `tag` instead of dropping them. */
  sideOutputLeftLateData(tag: OutputTag<L>): IntervalJoined<K, L, R> {
    return this.with({ leftLateDataTag: tag });
  }

  /** Sends right records that arrive late (older than the watermark) to `tag` instead of dropping them. */
  sideOutputRightLateData(tag: OutputTag<R>): IntervalJoined<K, L, R> {
    return this.with({ rightLateDataTag: tag });
  }

  /**
   * Runs `fn` for every matching pair; outputs carry `max(lt, rt)`.
   *
   * ```ts
   * joined.process<[Order, Payment]>({ processElement: (o, p, _ctx, out) => out.collect([o, p]) });
   * ```
   * Gotcha: `fn` may define `open(runtimeContext)` and `close()` (each
   * parallel subtask gets its own shallow copy of `fn`); keyed state from
   * `open` is scoped to the pair's key.
   */
  process<OUT>(fn: IntervalJoinFunction<L, R, OUT>): DataStream<OUT> {
    checkArgument(
      typeof fn === 'object' && fn !== null && typeof fn.processElement === 'function',
      'interval join process() needs a ProcessJoinFunction: an object with a processElement(left, right, ctx, out) method',
    );
    const env = this.left.environment;
    const settings = this.settings;
    return env.stream<OUT>({
      kind: 'twoInput',
      id: env.newId(),
      name: 'IntervalJoin',
      uid: undefined,
      parallelism: undefined,
      input1: this.left.transformation,
      input2: this.right.transformation,
      factory: () => new IntervalJoinOperator<L, R, OUT>(settings, copyForSubtask(fn)),
      keyed: true,
      deadLetters: false,
    });
  }

  private with(changes: Partial<IntervalJoinSettings<L, R>>): IntervalJoined<K, L, R> {
    return new IntervalJoined<K, L, R>(this.left, this.right, { ...this.settings, ...changes });
  }

  private checkNotEmptyWhenExclusive(method: string): void {
    const { lowerBound, upperBound } = this.settings;
    checkArgument(
      lowerBound < upperBound,
      `${method}() needs lowerBound < upperBound (got both ${lowerBound}): an exclusive bound would leave an empty interval`,
    );
  }
}

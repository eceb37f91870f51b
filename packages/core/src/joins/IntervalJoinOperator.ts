/**
 * The interval join operator (Flink's IntervalJoinOperator): a two-input
 * keyed operator that buffers each side's records per key in
 * `MapState<timestamp, records[]>` and joins every new record with the
 * other side's buffered records whose timestamps fall in the interval.
 *
 * For a left record at `lt` and a right record at `rt` the pair matches when
 * `lt + lower <= rt <= lt + upper` (either end strict when exclusive). Each
 * pair is emitted once, by whichever record arrives second, with the
 * timestamp `max(lt, rt)`. Records older than the current watermark are late:
 * they are counted in `metrics.lateRecords` and dropped (or sent to a late
 * side output). Event-time cleanup timers remove buffered records once no
 * future record can match them: a left record at `t` at `t + upper` (when
 * `upper > 0`, else at `t`), a right record at `t` at `t - lower` (when
 * `lower < 0`, else at `t`) — with exclusive bounds shifted by 1 ms first,
 * exactly as Flink does (timestamps are integer milliseconds there).
 */
import type { Collector, ProcessJoinContext, ProcessJoinFunction, RichFunction } from '../api/functions.js';
import type { OutputTag } from '../api/OutputTag.js';
import { InvalidProgramError, checkArgument } from '../errors.js';
import { createRuntimeContext } from '../operators/RuntimeContextImpl.js';
import { TimestampedCollector } from '../operators/TimestampedCollector.js';
import type { InternalTimer, OperatorContext, StreamOperator } from '../operators/StreamOperator.js';
import { MapStateDescriptor } from '../state/descriptors.js';
import type { InternalTimerService } from '../state/InternalTimerService.js';
import type { MapState } from '../state/State.js';
import { hasTimestamp } from '../time/watermark.js';

/** Name of the state buffering left records (timestamp → records). */
export const LEFT_BUFFER_STATE = 'interval-join-left-buffer';
/** Name of the state buffering right records (timestamp → records). */
export const RIGHT_BUFFER_STATE = 'interval-join-right-buffer';
/** Name of the operator's cleanup timer service. */
export const CLEANUP_TIMERS = 'interval-join-cleanup';

/** The bounds and options of an interval join, as the builder collected them. */
export interface IntervalJoinSettings<L, R> {
  /** Lowest `rightTimestamp - leftTimestamp` that matches (ms, may be negative). */
  readonly lowerBound: number;
  /** Highest `rightTimestamp - leftTimestamp` that matches (ms, >= lowerBound). */
  readonly upperBound: number;
  readonly lowerBoundInclusive: boolean;
  readonly upperBoundInclusive: boolean;
  /** Where late left records go; dropped when unset. */
  readonly leftLateDataTag?: OutputTag<L> | undefined;
  /** Where late right records go; dropped when unset. */
  readonly rightLateDataTag?: OutputTag<R> | undefined;
}

/** A user join function, with the optional rich-function hooks. */
export type IntervalJoinFunction<L, R, OUT> = ProcessJoinFunction<L, R, OUT> & RichFunction;

type Side = 'L' | 'R';

/** Cleanup timers live in namespace `L:<ts>` / `R:<ts>`: the side and the buffered timestamp. */
function cleanupNamespace(side: Side, timestamp: number): string {
  return `${side}:${timestamp}`;
}

/**
 * Runs an interval join. Built by `IntervalJoined.process`; both inputs must
 * be keyed the same way (the runtime sets the current key before each record).
 *
 * ```ts
 * const op = new IntervalJoinOperator<Order, Payment, string>(
 *   { lowerBound: 0, upperBound: 60_000, lowerBoundInclusive: true, upperBoundInclusive: true },
 *   { processElement: (o, p, _ctx, out) => out.collect(`${o.id}:${p.id}`) },
 * );
 * const harness = new OperatorTestHarness(op, { keySelector: (o: Order) => o.id, keySelector2: (p: Payment) => p.orderId });
 * ```
 * Gotchas: records need event-time timestamps (a WatermarkStrategy), else
 * the record fails with a message saying so; an output may be older than
 * the current watermark (it carries `max(lt, rt)`), so a downstream
 * event-time window may treat it as late unless it allows lateness.
 */
export class IntervalJoinOperator<L, R, OUT> implements StreamOperator<OUT> {
  private readonly lower: number;
  private readonly upper: number;
  private readonly lowerInclusive: boolean;
  private readonly upperInclusive: boolean;

  private ctx!: OperatorContext<OUT>;
  private leftBuffer!: MapState<number, L[]>;
  private rightBuffer!: MapState<number, R[]>;
  private timers!: InternalTimerService<string>;
  private collector!: TimestampedCollector<OUT>;
  private joinContext!: ProcessJoinContext;
  private leftTs = 0;
  private rightTs = 0;

  constructor(
    private readonly settings: IntervalJoinSettings<L, R>,
    private readonly fn: IntervalJoinFunction<L, R, OUT>,
  ) {
    const { lowerBound, upperBound } = settings;
    checkArgument(Number.isFinite(lowerBound), `interval join lower bound must be a finite number of milliseconds, got ${lowerBound}`);
    checkArgument(Number.isFinite(upperBound), `interval join upper bound must be a finite number of milliseconds, got ${upperBound}`);
    checkArgument(
      lowerBound <= upperBound,
      `interval join bounds need lowerBound <= upperBound, got lowerBound ${lowerBound} > upperBound ${upperBound}`,
    );
    this.lower = lowerBound;
    this.upper = upperBound;
    this.lowerInclusive = settings.lowerBoundInclusive;
    this.upperInclusive = settings.upperBoundInclusive;
  }

  open(ctx: OperatorContext<OUT>): void {
    if (ctx.keyed === undefined) {
      throw new InvalidProgramError(`Operator '${ctx.name}' needs two keyed inputs: call keyBy() on both streams`);
    }
    this.ctx = ctx;
    this.leftBuffer = ctx.keyed.getMapState(new MapStateDescriptor<number, L[]>(LEFT_BUFFER_STATE));
    this.rightBuffer = ctx.keyed.getMapState(new MapStateDescriptor<number, R[]>(RIGHT_BUFFER_STATE));
    this.timers = ctx.timerService<string>(CLEANUP_TIMERS);
    this.collector = new TimestampedCollector(ctx.output);
    const self = this;
    this.joinContext = {
      leftTimestamp: () => self.leftTs,
      rightTimestamp: () => self.rightTs,
      timestamp: () => self.collector.timestamp,
      output<X>(tag: OutputTag<X>, value: X): void {
        ctx.output.collectSide(tag, value, self.collector.timestamp);
      },
    };
    this.fn.open?.(createRuntimeContext(ctx));
  }

  processElement(value: unknown, timestamp: number, input: number): void {
    if (!hasTimestamp(timestamp)) {
      throw new InvalidProgramError(
        `interval join needs event-time timestamps, but a record of the ${input === 0 ? 'left' : 'right'} input has none: ` +
          'assign them with a WatermarkStrategy (fromSource or assignTimestampsAndWatermarks)',
      );
    }
    if (input === 0) this.processLeft(value as L, timestamp);
    else this.processRight(value as R, timestamp);
  }

  onEventTime(timer: InternalTimer): void {
    const namespace = timer.namespace as string;
    const timestamp = Number(namespace.slice(2));
    if (namespace.startsWith('L')) this.leftBuffer.remove(timestamp);
    else this.rightBuffer.remove(timestamp);
  }

  close(): void {
    this.fn.close?.();
  }

  private processLeft(value: L, lt: number): void {
    if (this.isLate(lt)) {
      this.late(this.settings.leftLateDataTag, value, lt);
      return;
    }
    addToBuffer(this.leftBuffer, value, lt);
    for (const [rt, rights] of this.rightBuffer.entries()) {
      if (!this.matches(lt, rt)) continue;
      for (const right of rights) this.emit(value, right, lt, rt);
    }
    // Flink's cleanup times use the bounds shifted by 1 ms for exclusive ends (integer ms).
    const upper = this.upperInclusive ? this.upper : this.upper - 1;
    const cleanupTime = upper > 0 ? lt + upper : lt;
    this.timers.registerEventTimeTimer(cleanupNamespace('L', lt), cleanupTime);
  }

  private processRight(value: R, rt: number): void {
    if (this.isLate(rt)) {
      this.late(this.settings.rightLateDataTag, value, rt);
      return;
    }
    addToBuffer(this.rightBuffer, value, rt);
    for (const [lt, lefts] of this.leftBuffer.entries()) {
      if (!this.matches(lt, rt)) continue;
      for (const left of lefts) this.emit(left, value, lt, rt);
    }
    const lower = this.lowerInclusive ? this.lower : this.lower + 1;
    const cleanupTime = lower < 0 ? rt - lower : rt;
    this.timers.registerEventTimeTimer(cleanupNamespace('R', rt), cleanupTime);
  }

  /** True when `rt - lt` lies within the bounds (respecting exclusivity). */
  private matches(lt: number, rt: number): boolean {
    const lowest = lt + this.lower;
    const highest = lt + this.upper;
    const aboveLower = this.lowerInclusive ? rt >= lowest : rt > lowest;
    const belowUpper = this.upperInclusive ? rt <= highest : rt < highest;
    return aboveLower && belowUpper;
  }

  private isLate(timestamp: number): boolean {
    return timestamp < this.ctx.currentWatermark();
  }

  private late<X>(tag: OutputTag<X> | undefined, value: X, timestamp: number): void {
    this.ctx.metrics.lateRecords++;
    if (tag !== undefined) this.ctx.output.collectSide(tag, value, timestamp);
  }

  private emit(left: L, right: R, lt: number, rt: number): void {
    this.leftTs = lt;
    this.rightTs = rt;
    this.collector.timestamp = Math.max(lt, rt);
    this.fn.processElement(left, right, this.joinContext, this.collector as Collector<OUT>);
  }
}

/** Appends `value` to the records buffered at `timestamp`. */
function addToBuffer<T>(buffer: MapState<number, T[]>, value: T, timestamp: number): void {
  const records = buffer.get(timestamp);
  if (records === undefined) {
    buffer.put(timestamp, [value]);
  } else {
    records.push(value);
    buffer.put(timestamp, records);
  }
}

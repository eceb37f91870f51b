/**
 * The user-function interfaces. Simple transformations take plain functions;
 * functions that need state, timers or side outputs are objects with a
 * required `processElement` (or `process`) method and optional `open` /
 * `onTimer` / `close` hooks.
 */
import type { OutputTag } from './OutputTag.js';
import type {
  AggregatingStateDescriptor,
  ListStateDescriptor,
  MapStateDescriptor,
  ReducingStateDescriptor,
  ValueStateDescriptor,
} from '../state/descriptors.js';
import type { AggregatingState, ListState, MapState, ReducingState, ValueState } from '../state/State.js';

/** A key: what `keyBy` extracts. Composite keys are written as strings (e.g. `${line}|${country}`). */
export type Key = string | number | bigint | boolean;

export type MapFunction<T, R> = (value: T) => R;
export type FilterFunction<T> = (value: T) => boolean;
export type FlatMapFunction<T, R> = (value: T, out: Collector<R>) => void;
export type KeySelector<T, K extends Key> = (value: T) => K;
export type ReduceFunction<T> = (accumulated: T, value: T) => T;

/** Receives a function's output records. */
export interface Collector<T> {
  collect(value: T): void;
}

/** Incremental aggregation: fold records into an accumulator, read a result, merge two accumulators. */
export interface AggregateFunction<IN, ACC, OUT> {
  createAccumulator(): ACC;
  /** Adds a value; may mutate and return `accumulator`. */
  add(value: IN, accumulator: ACC): ACC;
  getResult(accumulator: ACC): OUT;
  /** Merges two accumulators (session windows merge). May mutate and return `a`. */
  merge(a: ACC, b: ACC): ACC;
}

/** Access to keyed state from a function's `open`. Only keyed operators may call the state getters. */
export interface RuntimeContext {
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  getState<T>(descriptor: ValueStateDescriptor<T>): ValueState<T>;
  getListState<T>(descriptor: ListStateDescriptor<T>): ListState<T>;
  getMapState<UK, UV>(descriptor: MapStateDescriptor<UK, UV>): MapState<UK, UV>;
  getReducingState<T>(descriptor: ReducingStateDescriptor<T>): ReducingState<T>;
  getAggregatingState<IN, ACC, OUT>(descriptor: AggregatingStateDescriptor<IN, ACC, OUT>): AggregatingState<IN, OUT>;
}

/** Lifecycle hooks shared by the object-style functions. */
export interface RichFunction {
  /** Called once per parallel instance before any record; acquire state here. */
  open?(context: RuntimeContext): void;
  /** Called once when the instance shuts down. */
  close?(): void;
}

/** Timers of a keyed function. Timers are per key and deduplicated by (key, time). */
export interface TimerService {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(time: number): void;
  registerProcessingTimeTimer(time: number): void;
  deleteEventTimeTimer(time: number): void;
  deleteProcessingTimeTimer(time: number): void;
}

/** What a ProcessFunction sees besides the record. */
export interface ProcessContext {
  /** The record's event time, or `-Infinity` when it has none. */
  timestamp(): number;
  currentProcessingTime(): number;
  currentWatermark(): number;
  /** Emits a record to a side output. */
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** A low-level function over a non-keyed stream: side outputs, no timers. */
export interface ProcessFunction<IN, OUT> extends RichFunction {
  processElement(value: IN, ctx: ProcessContext, out: Collector<OUT>): void;
}

export type TimeDomain = 'event-time' | 'processing-time';

/** What a KeyedProcessFunction sees: the current key and its timers. */
export interface KeyedProcessContext<K> extends ProcessContext {
  getCurrentKey(): K;
  timerService(): TimerService;
}

/** The context of `onTimer`: which timer fired. */
export interface OnTimerContext<K> extends KeyedProcessContext<K> {
  timeDomain(): TimeDomain;
}

/** A function over a keyed stream with keyed state and timers. */
export interface KeyedProcessFunction<K, IN, OUT> extends RichFunction {
  processElement(value: IN, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  /** Called when a timer registered for the current key fires. Output records carry the timer's time (event time). */
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/** A function over two connected, non-keyed streams. */
export interface CoProcessFunction<IN1, IN2, OUT> extends RichFunction {
  processElement1(value: IN1, ctx: ProcessContext, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: ProcessContext, out: Collector<OUT>): void;
}

/** A function over two connected streams keyed the same way, with shared keyed state and timers. */
export interface KeyedCoProcessFunction<K, IN1, IN2, OUT> extends RichFunction {
  processElement1(value: IN1, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  processElement2(value: IN2, ctx: KeyedProcessContext<K>, out: Collector<OUT>): void;
  onTimer?(timestamp: number, ctx: OnTimerContext<K>, out: Collector<OUT>): void;
}

/** Joins one pair of matching records (window join). */
export type JoinFunction<L, R, OUT> = (left: L, right: R) => OUT;

/** Gets all records of both sides for one key and window (coGroup; outer joins). */
export type CoGroupFunction<L, R, OUT> = (left: readonly L[], right: readonly R[], out: Collector<OUT>) => void;

/** The context of an interval-join match. */
export interface ProcessJoinContext {
  leftTimestamp(): number;
  rightTimestamp(): number;
  /** max(leftTimestamp, rightTimestamp): the timestamp the output carries. */
  timestamp(): number;
  output<X>(tag: OutputTag<X>, value: X): void;
}

/** Processes one matching pair of an interval join. */
export interface ProcessJoinFunction<L, R, OUT> {
  processElement(left: L, right: R, ctx: ProcessJoinContext, out: Collector<OUT>): void;
}

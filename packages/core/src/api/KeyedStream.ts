/**
 * KeyedStream<K, T>: a stream partitioned by key (from `keyBy`). Operators
 * on it get keyed state and timers scoped to each record's key.
 *
 * ```ts
 * events.keyBy((e) => e.productCode)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .aggregate(countAggregate, (key, window, count) => ({ key, start: window.start, count }));
 * ```
 * A KeyedStream is also a DataStream: `map`, `filter`, … work on it but
 * are not keyed.
 */
import { checkArgument } from '../errors.js';
import { KeyedAggregateOperator, reduceAsAggregate } from '../operators/keyedAggregate.js';
import { KeyedProcessOperator } from '../operators/keyedProcess.js';
import type { StreamOperator } from '../operators/StreamOperator.js';
import { GlobalWindows } from '../windowing/assigners/GlobalWindows.js';
import type { WindowAssigner } from '../windowing/assigners/WindowAssigner.js';
import { CountEvictor } from '../windowing/evictors/CountEvictor.js';
import { CountTrigger } from '../windowing/triggers/CountTrigger.js';
import { PurgingTrigger } from '../windowing/triggers/PurgingTrigger.js';
import type { GlobalWindow, Window } from '../windowing/windows.js';
import { DataStream, type TransformOptions } from './DataStream.js';
import type { AggregateFunction, Key, KeyedProcessFunction, KeySelector, ReduceFunction } from './functions.js';
import { registerKeyedStreamFactory } from './keyedStreamFactory.js';
import type { StreamEnvironment } from './StreamEnvironment.js';
import type { Transformation } from './Transformation.js';
import { WindowedStream } from './WindowedStream.js';
import { IntervalJoin } from '../joins/IntervalJoin.js';
import { BroadcastStream } from './BroadcastStream.js';
import type { ConnectedStreams, KeyedBroadcastConnectedStreams } from './ConnectedStreams.js';

export class KeyedStream<K extends Key, T> extends DataStream<T> {
  /** @internal */
  constructor(
    environment: StreamEnvironment,
    transformation: Transformation,
    /** The function that extracts each record's key. */
    readonly keySelector: KeySelector<T, K>,
  ) {
    super(environment, transformation);
  }

  /** Rolling reduce: for every record, emits the key's reduced value so far. */
  reduce(fn: ReduceFunction<T>): DataStream<T> {
    return this.transformKeyed<T>('Keyed Reduce', () => new KeyedAggregateOperator(reduceAsAggregate(fn)) as StreamOperator<T>);
  }

  /** Rolling aggregate: for every record, emits the key's aggregate result so far. */
  aggregate<ACC, R>(fn: AggregateFunction<T, ACC, R>): DataStream<R> {
    return this.transformKeyed<R>('Keyed Aggregate', () => new KeyedAggregateOperator<T, ACC, R>(fn));
  }

  /** Runs a KeyedProcessFunction: keyed state, event- and processing-time timers, side outputs. */
  override process<R>(fn: KeyedProcessFunction<K, T, R>): DataStream<R> {
    return this.transformKeyed<R>('Keyed Process', () => new KeyedProcessOperator<K, T, R>(fn));
  }

  /** Groups each key's records into windows: configure, then reduce / aggregate / process. */
  window<W extends Window>(assigner: WindowAssigner<T, W>): WindowedStream<K, T, W> {
    return new WindowedStream<K, T, W>(this, assigner);
  }

  /**
   * Count windows: every `size` records of a key (tumbling), or with `slide`,
   * every `slide` records the last `size` records of the key (sliding).
   */
  countWindow(size: number, slide?: number): WindowedStream<K, T, GlobalWindow> {
    checkArgument(Number.isInteger(size) && size > 0, `count window size must be an integer > 0, got ${size}`);
    const windows = this.window(GlobalWindows.create() as WindowAssigner<T, GlobalWindow>);
    if (slide === undefined) return windows.trigger(PurgingTrigger.of(CountTrigger.of(size)));
    checkArgument(Number.isInteger(slide) && slide > 0, `count window slide must be an integer > 0, got ${slide}`);
    return windows.evictor(CountEvictor.of(size)).trigger(CountTrigger.of(slide));
  }

  /** Connects to another stream (CoProcessFunction) or to a BroadcastStream (KeyedBroadcastProcessFunction). */
  override connect<T2>(other: BroadcastStream<T2>): KeyedBroadcastConnectedStreams<K, T, T2>;
  override connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  override connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> | KeyedBroadcastConnectedStreams<K, T, T2> {
    return other instanceof BroadcastStream ? super.connect(other) : super.connect(other);
  }

  /** Starts an interval join with another keyed stream: `.between(lower, upper).process(fn)`. */
  intervalJoin<R>(other: KeyedStream<K, R>): IntervalJoin<K, T, R> {
    return new IntervalJoin<K, T, R>(this, other);
  }

  /** Adds a custom keyed operator (it gets keyed state and timers). */
  override transform<R>(name: string, factory: () => StreamOperator<R>, options: TransformOptions = {}): DataStream<R> {
    if (options.isSink === true) return super.transform(name, factory, options);
    return this.transformKeyed(name, factory);
  }

  private transformKeyed<R>(name: string, factory: () => StreamOperator<R>): DataStream<R> {
    return this.environment.stream<R>({
      kind: 'oneInput',
      id: this.environment.newId(),
      name,
      uid: undefined,
      parallelism: undefined,
      input: this.transformation,
      factory,
      keyed: true,
      deadLetters: false,
      isSink: false,
    });
  }
}

registerKeyedStreamFactory((env, t, keySelector) => new KeyedStream(env, t, keySelector));

/**
 * DataStream<T>: a stream of records of type T and the transformations on
 * it. Every method returns a new stream; nothing runs until the
 * environment's `execute` (or `executeAndCollect`).
 *
 * ```ts
 * env.fromCollection(orders)
 *   .filter((o): o is PaidOrder => o.status === 'paid') // narrows the type
 *   .map((o) => ({ line: o.productLine, revenue: o.total }))
 *   .name('revenue')
 *   .sinkTo(console.log);
 * ```
 * `name`, `uid` and `setParallelism` configure the operator that produced
 * this stream; `getSideOutput(tag)` and `deadLetters()` give its side
 * outputs.
 */
import { Observable, Subject } from 'rxjs';
import { InvalidProgramError, checkArgument } from '../errors.js';
import { FilterOperator } from '../operators/filter.js';
import { FlatMapOperator } from '../operators/flatMap.js';
import { MapOperator } from '../operators/map.js';
import { ProcessOperator } from '../operators/process.js';
import { SinkOperator } from '../operators/sink.js';
import { TimestampsAndWatermarksOperator } from '../operators/assignTimestamps.js';
import type { StreamOperator } from '../operators/StreamOperator.js';
import type { Sink, SinkFunction } from '../sinks/Sink.js';
import type { WatermarkStrategy } from '../time/WatermarkStrategy.js';
import { DEAD_LETTER_TAG, type DeadLetter } from './DeadLetter.js';
import type { FlatMapFunction, Key, KeySelector, MapFunction, ProcessFunction } from './functions.js';
import type { OutputTag } from './OutputTag.js';
import type { StreamEnvironment } from './StreamEnvironment.js';
import type { KeyedStream } from './KeyedStream.js';
import { createKeyedStream } from './keyedStreamFactory.js';
import { ConnectedStreams, type BroadcastConnectedStreams } from './ConnectedStreams.js';
import { BroadcastStream } from './BroadcastStream.js';
import type { MapStateDescriptor } from '../state/descriptors.js';
import { JoinedStreams } from '../joins/JoinedStreams.js';
import { CoGroupedStreams } from '../joins/CoGroupedStreams.js';
import type { OneInputTransformation, OperatorTransformation, Partitioner, Transformation } from './Transformation.js';

/** Options of a custom operator added with `transform`. */
export interface TransformOptions {
  /** The operator consumes records and emits none (a sink). */
  readonly isSink?: boolean;
}

export class DataStream<T> {
  /** @internal */
  constructor(
    readonly environment: StreamEnvironment,
    /** @internal The node behind this stream. */
    readonly transformation: Transformation,
  ) {}

  /** Applies `fn` to every record. */
  map<R>(fn: MapFunction<T, R>): DataStream<R> {
    return this.transform<R>('Map', () => new MapOperator<T, R>(fn));
  }

  /** Keeps the records for which `predicate` holds; a type guard narrows the stream's type. */
  filter<S extends T>(predicate: (value: T) => value is S): DataStream<S>;
  filter(predicate: (value: T) => boolean): DataStream<T>;
  filter(predicate: (value: T) => boolean): DataStream<T> {
    return this.transform<T>('Filter', () => new FilterOperator<T>(predicate));
  }

  /** Emits zero or more records per record through the collector. */
  flatMap<R>(fn: FlatMapFunction<T, R>): DataStream<R> {
    return this.transform<R>('FlatMap', () => new FlatMapOperator<T, R>(fn));
  }

  /** Runs a ProcessFunction: full control, side outputs through `ctx.output(tag, value)`. */
  process<R>(fn: ProcessFunction<T, R>): DataStream<R> {
    return this.transform<R>('Process', () => new ProcessOperator<T, R>(fn));
  }

  /** Partitions the stream by key: records with equal keys go to the same subtask and share keyed state. */
  keyBy<K extends Key>(keySelector: KeySelector<T, K>): KeyedStream<K, T> {
    const partition = this.partition({ kind: 'hash', keySelector }, 'KeyBy');
    return createKeyedStream<K, T>(this.environment, partition.transformation, keySelector);
  }

  /** Merges streams of the same type. */
  union(...others: DataStream<T>[]): DataStream<T> {
    for (const other of others) this.checkSameEnvironment(other);
    return this.environment.stream<T>({
      kind: 'union',
      id: this.environment.newId(),
      name: 'Union',
      uid: undefined,
      parallelism: undefined,
      inputs: [this.transformation, ...others.map((o) => o.transformation)],
    });
  }

  /**
   * Connects two streams for a CoProcessFunction (shared keyed state when both
   * are keyed), or this stream with a BroadcastStream (broadcast state).
   */
  connect<T2>(other: BroadcastStream<T2>): BroadcastConnectedStreams<T, T2>;
  connect<T2>(other: DataStream<T2>): ConnectedStreams<T, T2>;
  connect<T2>(other: DataStream<T2> | BroadcastStream<T2>): ConnectedStreams<T, T2> {
    if (other instanceof BroadcastStream) {
      this.checkSameEnvironment(other.stream);
      return new ConnectedStreams<T, T2>(this, other.stream, other.descriptors);
    }
    this.checkSameEnvironment(other);
    return new ConnectedStreams<T, T2>(this, other, undefined);
  }

  /**
   * Sends every record to every downstream subtask. With state descriptors,
   * returns a BroadcastStream to `connect` to, whose records are kept in
   * broadcast state (rules, model versions).
   */
  broadcast(): DataStream<T>;
  broadcast(...descriptors: [MapStateDescriptor<any, any>, ...MapStateDescriptor<any, any>[]]): BroadcastStream<T>;
  broadcast(...descriptors: MapStateDescriptor<any, any>[]): DataStream<T> | BroadcastStream<T> {
    const stream = this.partition({ kind: 'broadcast' }, 'Broadcast');
    return descriptors.length === 0 ? stream : new BroadcastStream<T>(stream, descriptors);
  }

  /** Starts a window join with `other`: `.where(k).equalTo(k).window(assigner).apply(fn)`. */
  join<T2>(other: DataStream<T2>): JoinedStreams<T, T2> {
    this.checkSameEnvironment(other);
    return new JoinedStreams<T, T2>(this, other);
  }

  /** Starts a window coGroup with `other` (outer joins): `.where(k).equalTo(k).window(assigner).apply(fn)`. */
  coGroup<T2>(other: DataStream<T2>): CoGroupedStreams<T, T2> {
    this.checkSameEnvironment(other);
    return new CoGroupedStreams<T, T2>(this, other);
  }

  /** Distributes records round-robin over the downstream subtasks. */
  rebalance(): DataStream<T> {
    return this.partition({ kind: 'rebalance' }, 'Rebalance');
  }

  /** Sends every record to the first downstream subtask. */
  global(): DataStream<T> {
    return this.partition({ kind: 'global' }, 'Global');
  }

  /** Assigns event time and generates watermarks here (instead of at the source). */
  assignTimestampsAndWatermarks(strategy: WatermarkStrategy<T>): DataStream<T> {
    return this.transform<T>('Timestamps/Watermarks', () => new TimestampsAndWatermarksOperator<T>(strategy));
  }

  /** Writes the stream to a sink (or a function called per record). */
  sinkTo(sink: Sink<T> | SinkFunction<T>): DataStreamSink {
    const stream = this.transform<never>('Sink', () => new SinkOperator<T>(sink), { isSink: true });
    const t = stream.transformation as OneInputTransformation;
    this.environment.addSink(t);
    return new DataStreamSink(t);
  }

  /**
   * An Observable of this stream's records. Subscribe before `execute`:
   * records emitted while nobody is subscribed are not kept. Completes when
   * the job finishes and errors when it fails. (rxjs cannot push back, so a
   * slow subscriber does not slow the job.)
   */
  toObservable(): Observable<T> {
    const subject = new Subject<T>();
    this.sinkTo({
      createWriter: (context) => ({
        write: (value) => subject.next(value),
        close: () => {
          if (context.subtaskIndex === 0) subject.complete();
        },
      }),
    }).setParallelism(1);
    return subject.asObservable();
  }

  /**
   * Runs the job and returns every record of this stream (bounded inputs).
   * Order follows arrival at the collecting sink.
   */
  async executeAndCollect(jobName = 'Collect Job'): Promise<T[]> {
    const collected: T[] = [];
    this.sinkTo((value) => {
      collected.push(value);
    }).name('Collect Sink').setParallelism(1);
    await this.environment.execute(jobName);
    return collected;
  }

  /** Names the operator that produced this stream (shown in metrics, errors and `describe`). */
  name(name: string): this {
    checkArgument(typeof name === 'string' && name.length > 0, 'operator name must be a non-empty string');
    this.operatorTransformation('name').name = name;
    return this;
  }

  /** Gives the operator a stable id: its state is matched by uid when restoring a savepoint. */
  uid(uid: string): this {
    checkArgument(typeof uid === 'string' && uid.length > 0, 'uid must be a non-empty string');
    this.operatorTransformation('uid').uid = uid;
    return this;
  }

  /** Sets how many parallel subtasks run the operator. */
  setParallelism(parallelism: number): this {
    checkArgument(Number.isInteger(parallelism) && parallelism >= 1, `parallelism must be an integer >= 1, got ${parallelism}`);
    this.operatorTransformation('setParallelism').parallelism = parallelism;
    return this;
  }

  /** The records the operator sent to side output `tag`. */
  getSideOutput<X>(tag: OutputTag<X>): DataStream<X> {
    const t = this.operatorTransformation('getSideOutput');
    return this.environment.stream<X>({
      kind: 'sideOutput',
      id: this.environment.newId(),
      name: `SideOutput(${tag.id})`,
      uid: undefined,
      parallelism: undefined,
      input: t,
      tag,
    });
  }

  /**
   * Routes records whose user function throws to a dead-letter stream instead
   * of failing the job, and returns that stream.
   */
  deadLetters(): DataStream<DeadLetter> {
    const t = this.operatorTransformation('deadLetters');
    if (t.kind === 'source') throw new InvalidProgramError('deadLetters() applies to operators, not to sources');
    t.deadLetters = true;
    return this.getSideOutput(DEAD_LETTER_TAG);
  }

  /** Adds a custom operator after this stream. */
  transform<R>(name: string, factory: () => StreamOperator<R>, options: TransformOptions = {}): DataStream<R> {
    return this.environment.stream<R>({
      kind: 'oneInput',
      id: this.environment.newId(),
      name,
      uid: undefined,
      parallelism: undefined,
      input: this.transformation,
      factory,
      keyed: false,
      deadLetters: false,
      isSink: options.isSink ?? false,
    });
  }

  /** @internal */
  protected partition(partitioner: Partitioner, name: string): DataStream<T> {
    return this.environment.stream<T>({
      kind: 'partition',
      id: this.environment.newId(),
      name,
      uid: undefined,
      parallelism: undefined,
      input: this.transformation,
      partitioner,
    });
  }

  private operatorTransformation(method: string): OperatorTransformation {
    const t = this.transformation;
    if (t.kind === 'source' || t.kind === 'oneInput' || t.kind === 'twoInput') return t;
    throw new InvalidProgramError(`${method}() applies to the output of an operator, not to a ${t.name} stream`);
  }

  private checkSameEnvironment(other: { readonly environment: StreamEnvironment }): void {
    if (other.environment !== this.environment) {
      throw new InvalidProgramError('Streams from different StreamEnvironments cannot be combined');
    }
  }
}

/** The end of a stream: configure the sink operator. */
export class DataStreamSink {
  /** @internal */
  constructor(private readonly t: OneInputTransformation) {}

  name(name: string): this {
    this.t.name = name;
    return this;
  }

  uid(uid: string): this {
    this.t.uid = uid;
    return this;
  }

  setParallelism(parallelism: number): this {
    checkArgument(Number.isInteger(parallelism) && parallelism >= 1, `parallelism must be an integer >= 1, got ${parallelism}`);
    this.t.parallelism = parallelism;
    return this;
  }
}

/**
 * StreamEnvironment: where a program starts. Create one, add sources, build
 * the dataflow with DataStream methods, add sinks, then `execute`.
 *
 * ```ts
 * const env = StreamEnvironment.create({ parallelism: 2 });
 * const counts = env
 *   .fromCollection(clicks)
 *   .assignTimestampsAndWatermarks(WatermarkStrategy.forMonotonousTimestamps<Click>().withTimestampAssigner((c) => c.at))
 *   .keyBy((c) => c.page)
 *   .window(TumblingEventTimeWindows.of(60_000))
 *   .aggregate(countAggregate);
 * console.log(await counts.executeAndCollect());
 * ```
 * The same program runs on bounded input (batch: at the end the watermark
 * goes to +Infinity and every window fires) and on unbounded input.
 */
import type { Observable } from 'rxjs';
import { checkArgument } from '../errors.js';
import { buildJobGraph, type JobGraph } from '../runtime/JobGraph.js';
import { JobMaster } from '../runtime/JobMaster.js';
import { defaultLogger } from '../runtime/Logger.js';
import { LocalCheckpointStorage } from '../checkpoint/LocalCheckpointStorage.js';
import { AsyncIterableSource } from '../sources/AsyncIterableSource.js';
import { CollectionSource } from '../sources/CollectionSource.js';
import { ObservableSource } from '../sources/ObservableSource.js';
import type { Source, SourceSplit } from '../sources/Source.js';
import { systemClock, type Clock } from '../time/clock.js';
import { WatermarkStrategy } from '../time/WatermarkStrategy.js';
import { DEFAULT_MAX_PARALLELISM } from '../state/KeyGroups.js';
import type { CheckpointStorage } from '../checkpoint/CheckpointData.js';
import type { RestartStrategy } from '../runtime/RestartStrategy.js';
import type { Logger } from '../runtime/Logger.js';
import { DataStream } from './DataStream.js';
import './KeyedStream.js'; // registers keyBy's KeyedStream factory
import { JobHandle } from './JobHandle.js';
import type { OperatorTransformation, Transformation } from './Transformation.js';

/** Records per exchange buffer: the capacity of a channel between tasks. */
export const DEFAULT_BUFFER_SIZE = 512;
/** A checkpoint not complete after this long is abandoned. */
export const DEFAULT_CHECKPOINT_TIMEOUT_MS = 600_000;
/** Complete checkpoints kept in the storage. */
export const DEFAULT_CHECKPOINTS_RETAINED = 3;

export interface StreamEnvironmentOptions {
  /** Default parallelism of operators (default 1). */
  readonly parallelism?: number;
  /** Number of key groups: the upper bound for any keyed operator's parallelism (default 128). */
  readonly maxParallelism?: number;
  /** Processing-time clock (default: the system clock; tests pass a TestClock). */
  readonly clock?: Clock;
  /** Records per exchange buffer (default 512). */
  readonly bufferSize?: number;
  /** Take a checkpoint every this many ms (default: no periodic checkpoints). */
  readonly checkpointInterval?: number;
  /** Finer checkpoint settings. */
  readonly checkpointing?: CheckpointingOptions;
  /** Where checkpoints and savepoints go (default: a LocalCheckpointStorage in `checkpointDir`). */
  readonly checkpointStorage?: CheckpointStorage;
  /** Directory for the default local checkpoint storage. */
  readonly checkpointDir?: string;
  /** Start from this checkpoint: 'latest' (the newest complete one in the storage, if any) or a location. */
  readonly restoreFrom?: 'latest' | string;
  /** Skip state of operators that no longer exist instead of failing the restore (default false). */
  readonly allowNonRestoredState?: boolean;
  /** What to do when the job fails (default: no restart). */
  readonly restartStrategy?: RestartStrategy;
  /** Where the engine logs (default: warnings and errors to stderr). A pino logger fits. */
  readonly logger?: Logger;
}

export interface CheckpointingOptions {
  /** Least time between the end of one checkpoint and the start of the next (default 0). */
  readonly minPauseMs?: number;
  /** A checkpoint not complete after this long is abandoned (default 10 minutes). */
  readonly timeoutMs?: number;
  /** Complete checkpoints kept in the storage (default 3). */
  readonly retain?: number;
}

export class StreamEnvironment {
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly clock: Clock;
  readonly bufferSize: number;
  private nextId = 1;
  private sinks: OperatorTransformation[] = [];

  private constructor(private readonly options: StreamEnvironmentOptions) {
    this.parallelism = options.parallelism ?? 1;
    this.maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    this.clock = options.clock ?? systemClock;
    this.bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    checkArgument(Number.isInteger(this.parallelism) && this.parallelism >= 1, `parallelism must be an integer >= 1, got ${this.parallelism}`);
    checkArgument(
      Number.isInteger(this.maxParallelism) && this.maxParallelism >= this.parallelism,
      `maxParallelism must be an integer >= parallelism (${this.parallelism}), got ${this.maxParallelism}`,
    );
    checkArgument(Number.isInteger(this.bufferSize) && this.bufferSize >= 1, `bufferSize must be an integer >= 1, got ${this.bufferSize}`);
    const interval = options.checkpointInterval;
    checkArgument(interval === undefined || (Number.isFinite(interval) && interval > 0), `checkpointInterval must be a number of milliseconds > 0, got ${interval}`);
    checkArgument(
      interval === undefined || options.checkpointStorage !== undefined || options.checkpointDir !== undefined,
      'checkpointInterval needs somewhere to write checkpoints: set checkpointDir or checkpointStorage',
    );
  }

  static create(options: StreamEnvironmentOptions = {}): StreamEnvironment {
    return new StreamEnvironment(options);
  }

  /**
   * Where this environment's jobs log (the `logger` option, else the default).
   * Pipelines pass it on to their own code, so that under `tributary run`
   * everything logs through the runner's logger.
   */
  get logger(): Logger {
    return this.options.logger ?? defaultLogger;
  }

  /** Adds a source. Timestamps and watermarks come from `watermarkStrategy`, tracked per split. */
  fromSource<T, S extends SourceSplit = SourceSplit>(
    source: Source<T, S>,
    watermarkStrategy: WatermarkStrategy<T>,
    name: string,
  ): DataStream<T> {
    return new DataStream<T>(this, {
      kind: 'source',
      id: this.newId(),
      name,
      uid: undefined,
      parallelism: undefined,
      source,
      watermarkStrategy,
    });
  }

  /** A bounded stream of the given items, in order (parallelism 1). */
  fromCollection<T>(items: readonly T[], name = 'Collection Source'): DataStream<T> {
    return this.fromSource(new CollectionSource(items), WatermarkStrategy.noWatermarks<T>(), name);
  }

  /** A bounded stream of the given items. */
  fromElements<T>(...items: T[]): DataStream<T> {
    return this.fromCollection(items, 'Elements Source');
  }

  /** A stream pulled from an (async) iterable; bounded when the iterable ends. */
  fromAsyncIterable<T>(iterable: AsyncIterable<T> | Iterable<T>, name = 'Iterable Source'): DataStream<T> {
    return this.fromSource(new AsyncIterableSource(iterable), WatermarkStrategy.noWatermarks<T>(), name);
  }

  /** A stream of an rxjs Observable's values; ends when it completes, fails the job when it errors. */
  fromObservable<T>(observable: Observable<T>, name = 'Observable Source'): DataStream<T> {
    return this.fromSource(new ObservableSource(observable), WatermarkStrategy.noWatermarks<T>(), name);
  }

  /** Plans the job for the sinks added so far (for `describe` and tests). */
  plan(): JobGraph {
    return buildJobGraph(this.sinks, { defaultParallelism: this.parallelism, maxParallelism: this.maxParallelism });
  }

  /**
   * Starts the job made of every sink added since the last execute. Returns
   * at once with a handle; `await` it to wait for the end.
   */
  execute(name = 'Tributary Job'): JobHandle {
    const graph = this.plan();
    this.sinks = [];
    const o = this.options;
    const logger = o.logger ?? defaultLogger;
    const storage = o.checkpointStorage ?? (o.checkpointDir === undefined ? undefined : new LocalCheckpointStorage(o.checkpointDir, { logger }));
    const master = new JobMaster(graph, {
      name,
      clock: this.clock,
      bufferSize: this.bufferSize,
      logger,
      checkpointStorage: storage,
      checkpointInterval: o.checkpointInterval,
      minPauseMs: o.checkpointing?.minPauseMs ?? 0,
      checkpointTimeoutMs: o.checkpointing?.timeoutMs ?? DEFAULT_CHECKPOINT_TIMEOUT_MS,
      retain: o.checkpointing?.retain ?? DEFAULT_CHECKPOINTS_RETAINED,
      restoreFrom: o.restoreFrom,
      allowNonRestoredState: o.allowNonRestoredState ?? false,
      restartStrategy: o.restartStrategy,
    });
    return new JobHandle(master);
  }

  /** @internal Allocates a transformation id. */
  newId(): number {
    return this.nextId++;
  }

  /** @internal Registers a sink transformation. */
  addSink(sink: OperatorTransformation): void {
    this.sinks.push(sink);
  }

  /** @internal Wraps a transformation in a DataStream of this environment. */
  stream<T>(transformation: Transformation): DataStream<T> {
    return new DataStream<T>(this, transformation);
  }
}

/**
 * The source contract (after Flink's FLIP-27, simplified): a source splits
 * its input into splits (Kinesis shards, files, row ranges…), and one reader
 * per parallel subtask reads the splits assigned to it. Readers emit records
 * per split, so watermarks are tracked per split; they snapshot their split
 * positions for checkpoints.
 */

/** Whether a source ends on its own (batch) or runs until cancelled. */
export type Boundedness = 'bounded' | 'unbounded';

/** A unit of work a reader reads: it has a stable id and a JSON-friendly position. */
export interface SourceSplit {
  readonly id: string;
}

/** What `pollNext` tells the runtime. */
export type ReaderStatus =
  /** More records may be available at once: poll again. */
  | 'more'
  /** Nothing available right now: call again after `available()` (or a short pause). */
  | 'waiting'
  /** Every assigned split is finished and no more will come. */
  | 'end';

/** Receives what a reader reads. Synchronous; call it from within `pollNext`. */
export interface ReaderOutput<T> {
  /**
   * Emits a record of a split. `timestamp` is the source's own event time for
   * the record (e.g. Kinesis arrival time), used when the WatermarkStrategy
   * has no timestamp assigner.
   */
  collect(splitId: string, value: T, timestamp?: number): void;
  /** Emits an explicit watermark for a split (sources that know event-time progress, test sources). */
  emitWatermark(splitId: string, watermark: number): void;
  /** The split is exhausted: it no longer holds the watermark back. */
  finishSplit(splitId: string): void;
}

/** What a reader knows about where it runs. */
export interface SourceReaderContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** The source's name, for messages. */
  readonly sourceName: string;
  /** Milliseconds since the epoch (the job's clock). */
  now(): number;
}

/** Reads the splits assigned to one subtask. */
export interface SourceReader<T, S extends SourceSplit = SourceSplit> {
  /** Called with the splits this reader owns (at start, after discovery, after restore). */
  addSplits(splits: readonly S[]): void;
  /** Emits what is available now into `output`; never blocks for long. */
  pollNext(output: ReaderOutput<T>): ReaderStatus | Promise<ReaderStatus>;
  /** After 'waiting': resolves when data may be available. Without it the runtime waits `idlePollIntervalMs`. */
  available?(): Promise<void>;
  /** The current position of every split this reader still owns. */
  snapshotState(checkpointId: number): S[];
  /** A checkpoint containing this reader's positions is complete. */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

/** What the split discovery gets. */
export interface SplitDiscoveryContext {
  /** The number of parallel readers. */
  readonly parallelism: number;
  /** Ids of splits that have been read to the end (for parent-before-child ordering). */
  readonly finishedSplitIds: ReadonlySet<string>;
}

/** A source of records of type T. */
export interface Source<T, S extends SourceSplit = SourceSplit> {
  readonly boundedness: Boundedness;
  /** Lists the splits to read. Called once at start and, with `discoveryIntervalMs`, periodically; splits whose id was seen before are ignored. */
  discoverSplits(context: SplitDiscoveryContext): readonly S[] | Promise<readonly S[]>;
  /** Re-run discovery this often (ms), e.g. to pick up new Kinesis shards. */
  readonly discoveryIntervalMs?: number;
  /** The number of records the source will emit, when known (progress bars show an ETA). */
  readonly sizeHint?: number;
  /** The largest parallelism this source supports (1 for non-parallel sources). */
  readonly maxParallelism?: number;
  createReader(context: SourceReaderContext): SourceReader<T, S>;
}

/**
 * The Kinesis Data Streams source: one split per shard, read by polling
 * (GetRecords). Discovery lists the shards (and re-lists them every
 * `discoveryIntervalMs` to find shards created by resharding; a child is
 * handed out only after its parents are read to their end). Each reader
 * fetches its shards in the background and emits their records with the
 * approximate arrival time as timestamp, so watermarks are tracked per
 * shard. Records in the KPL aggregation format are emitted user record by
 * user record (`subSequenceNumber` in their info), as the KCL does. The
 * sequence number of the last record emitted per shard (and within an
 * aggregated record, the index of the last user record) is the checkpointed
 * position: a restored job resumes right after it.
 */
import type { KinesisClient, _Record } from '@aws-sdk/client-kinesis';
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceReaderContext, SplitDiscoveryContext } from '@tributary/core';
import { backoffDelay, sleep } from '../batching/backoff.js';
import { errorMessage, isRetryableError } from '../batching/errors.js';
import { deaggregate, type UserRecord } from './aggregation.js';
import { KinesisClientHandle } from './client.js';
import { listShards, readySplits, type ShardInfo } from './discovery.js';
import { KinesisError } from './errors.js';
import {
  DEFAULT_PREFETCH_BATCHES,
  RECORDS_PER_POLL,
  resolveKinesisSourceOptions,
  type KinesisDeserializer,
  type KinesisRecordInfo,
  type KinesisSourceOptions,
  type ResolvedKinesisSourceOptions,
} from './options.js';
import { jsonDeserializer } from './serde.js';
import { ShardFetcher } from './shardFetcher.js';
import type { KinesisShardSplit, ShardStart } from './split.js';

/**
 * Reads a Kinesis data stream.
 *
 * ```ts
 * const source = new KinesisSource<Click>({ stream: 'clicks', startPosition: 'TRIM_HORIZON' });
 * const clicks = env.fromSource(
 *   source,
 *   WatermarkStrategy.forBoundedOutOfOrderness<Click>(5_000).withIdleness(60_000),
 *   'clicks',
 * ).uid('clicks');
 * ```
 * Each record's timestamp is its approximate arrival time unless the
 * watermark strategy has a timestamp assigner; watermarks are per shard, so
 * an idle shard holds event time back until the strategy's idleness timeout.
 *
 * Gotchas: a record the deserializer cannot handle fails the job (naming
 * shard and sequence number) — use {@link kinesisSourceWithDeadLetters} to
 * divert such records instead. `'LATEST'` means "latest when the shard is
 * first read", also after a restore from a checkpoint taken before the
 * shard's first record. After a split or merge, a parent and its children
 * can be read by different subtasks, so strict per-key order across the
 * reshard holds only with source parallelism 1.
 */
export class KinesisSource<T> implements Source<T, KinesisShardSplit> {
  readonly boundedness = 'unbounded' as const;
  readonly discoveryIntervalMs: number;
  private readonly settings: ResolvedKinesisSourceOptions;
  private readonly deserializer: KinesisDeserializer<T>;
  private readonly clients: KinesisClientHandle;
  /** Shards handed to readers in the current run (including restored ones), for parent-before-child ordering. */
  private readonly assigned = new Set<string>();

  constructor(private readonly options: KinesisSourceOptions<T>) {
    this.settings = resolveKinesisSourceOptions(options);
    this.discoveryIntervalMs = this.settings.discoveryIntervalMs;
    this.deserializer = options.deserializer ?? (jsonDeserializer as KinesisDeserializer<T>);
    this.clients = new KinesisClientHandle(options);
  }

  /** The stream this source reads. */
  get stream(): string {
    return this.options.stream;
  }

  async discoverSplits(context: SplitDiscoveryContext): Promise<KinesisShardSplit[]> {
    const client = this.clients.acquire();
    try {
      const shards = await this.listShardsWithRetry(client);
      const start = this.shardStart();
      const ready = readySplits({ stream: this.options.stream, shards, finished: context.finishedSplitIds, assigned: this.assigned, startPosition: start });
      for (const split of ready) this.assigned.add(split.id);
      return ready;
    } finally {
      this.clients.release();
    }
  }

  createReader(context: SourceReaderContext): SourceReader<T, KinesisShardSplit> {
    // Readers are created when a run (or a restart) begins, before any split is
    // assigned: forget the previous run's assignments. Restored splits register
    // again through addSplits; a child assigned after the restored checkpoint is
    // discovered again once its parents are finished.
    if (context.subtaskIndex === 0) this.assigned.clear();
    return new KinesisSourceReader<T>(this.clients, this.settings, this.deserializer, context, (id) => this.assigned.add(id));
  }

  private shardStart(): ShardStart {
    const start = this.settings.startPosition;
    if (typeof start !== 'object') return start;
    return { atTimestamp: start.atTimestamp instanceof Date ? start.atTimestamp.getTime() : start.atTimestamp };
  }

  private async listShardsWithRetry(client: KinesisClient): Promise<ShardInfo[]> {
    const { maxAttempts, initialBackoffMs, maxBackoffMs } = this.settings;
    for (let attempt = 1; ; attempt++) {
      try {
        return await listShards(client, this.options.stream);
      } catch (error) {
        const retryable = isRetryableError(error);
        if (!retryable || attempt >= maxAttempts) {
          throw new KinesisError(
            'KINESIS_DISCOVERY_FAILED',
            `Listing the shards of Kinesis stream ${this.options.stream} failed${retryable ? ` after ${attempt} attempts` : ''}: ${errorMessage(error)}`,
            { cause: error, retryable },
          );
        }
        await sleep(backoffDelay(attempt, initialBackoffMs, maxBackoffMs));
      }
    }
  }
}

/**
 * The first-call delay of a reader's `n`th fetcher: `n` times the golden
 * ratio, modulo 1, of the poll interval — however many shards a reader gets
 * (and later gets more), their calls stay spread over the interval.
 */
export function staggeredPhase(n: number, pollIntervalMs: number): number {
  const GOLDEN = 0.6180339887498949;
  return Math.floor(((n * GOLDEN) % 1) * pollIntervalMs);
}

/** One shard being read by a reader. */
interface ShardState {
  readonly split: KinesisShardSplit;
  readonly fetcher: ShardFetcher;
  /** The sequence number of the last record emitted (the checkpointed position). */
  lastEmitted: string | undefined;
  /** When that record is an aggregated one: the index of its last user record emitted. */
  lastEmittedSub: number | undefined;
  /** The next record to emit in the fetcher's first queued batch. */
  cursor: number;
  /** The user records of the aggregated record at `cursor`, once unpacked. */
  userRecords: UserRecord[] | undefined;
  /** The next of `userRecords` to emit. */
  subCursor: number;
  /** A restored position inside an aggregated record: its user records up to `sub` were emitted before. */
  resumeInside: { readonly sequenceNumber: string; readonly sub: number } | undefined;
}

/** Reads the shards assigned to one subtask. */
class KinesisSourceReader<T> implements SourceReader<T, KinesisShardSplit> {
  private readonly shards = new Map<string, ShardState>();
  private readonly client: KinesisClient;
  private wake: (() => void) | undefined;
  private closed = false;
  private nextShard = 0;
  /** Fetchers started so far: numbers their phases. */
  private fetchersStarted = 0;

  constructor(
    private readonly clients: KinesisClientHandle,
    private readonly settings: ResolvedKinesisSourceOptions,
    private readonly deserializer: KinesisDeserializer<T>,
    private readonly context: SourceReaderContext,
    private readonly onAssigned: (shardId: string) => void,
  ) {
    this.client = clients.acquire();
  }

  addSplits(splits: readonly KinesisShardSplit[]): void {
    for (const split of splits) {
      this.onAssigned(split.id);
      if (this.shards.has(split.id) || this.closed) continue;
      const phase = staggeredPhase(this.fetchersStarted++, this.settings.pollIntervalMs);
      const fetcher = new ShardFetcher(this.client, split, { ...this.settings, prefetchBatches: DEFAULT_PREFETCH_BATCHES }, () => this.notify(), phase);
      const { sequenceNumber, subSequenceNumber } = split;
      this.shards.set(split.id, {
        split,
        fetcher,
        lastEmitted: sequenceNumber,
        lastEmittedSub: subSequenceNumber,
        cursor: 0,
        userRecords: undefined,
        subCursor: 0,
        resumeInside: sequenceNumber !== undefined && subSequenceNumber !== undefined ? { sequenceNumber, sub: subSequenceNumber } : undefined,
      });
      fetcher.start();
    }
  }

  pollNext(output: ReaderOutput<T>): ReaderStatus {
    let budget = RECORDS_PER_POLL;
    const states = [...this.shards.values()];
    // Rotate the starting shard so a busy shard cannot starve the others.
    const offset = states.length === 0 ? 0 : this.nextShard++ % states.length;
    for (let i = 0; i < states.length && budget > 0; i++) {
      const state = states[(offset + i) % states.length] as ShardState;
      if (state.fetcher.failure !== undefined) throw state.fetcher.failure;
      budget = this.emitShard(state, output, budget);
    }
    if (this.shards.size === 0) return 'end';
    for (const state of this.shards.values()) {
      if (state.fetcher.failure !== undefined) throw state.fetcher.failure;
      if (state.fetcher.queue.length > 0) return 'more';
    }
    return 'waiting';
  }

  available(): Promise<void> {
    for (const state of this.shards.values()) {
      if (state.fetcher.queue.length > 0 || state.fetcher.failure !== undefined) return Promise.resolve();
    }
    return new Promise<void>((resolve) => (this.wake = resolve));
  }

  snapshotState(): KinesisShardSplit[] {
    return [...this.shards.values()].map(({ split, lastEmitted, lastEmittedSub }) => {
      const { sequenceNumber: _previous, subSequenceNumber: _previousSub, ...rest } = split;
      if (lastEmitted === undefined) return rest;
      return lastEmittedSub === undefined ? { ...rest, sequenceNumber: lastEmitted } : { ...rest, sequenceNumber: lastEmitted, subSequenceNumber: lastEmittedSub };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.shards.values()].map((s) => s.fetcher.stop()));
    this.shards.clear();
    this.notify();
    this.clients.release();
  }

  /** Emits up to `budget` records (user records of aggregated ones) of one shard; returns what is left of the budget. */
  private emitShard(state: ShardState, output: ReaderOutput<T>, budget: number): number {
    const queue = state.fetcher.queue;
    const shardId = state.split.id;
    while (budget > 0) {
      const batch = queue[0];
      if (batch === undefined) return budget;
      const records = batch.records;
      while (state.cursor < records.length && budget > 0) {
        const record = records[state.cursor] as _Record;
        const userRecords = state.userRecords ?? this.unpack(state, record);
        if (userRecords === undefined) {
          state.cursor++;
          budget--;
          this.emit(state, output, record.Data ?? new Uint8Array(0), this.infoOf(state, record, record.PartitionKey ?? '', undefined));
          continue;
        }
        while (state.subCursor < userRecords.length && budget > 0) {
          const sub = state.subCursor++;
          budget--;
          const user = userRecords[sub] as UserRecord;
          this.emit(state, output, user.data, this.infoOf(state, record, user.partitionKey, sub));
        }
        if (state.subCursor < userRecords.length) return budget;
        state.cursor++;
        state.userRecords = undefined;
        state.subCursor = 0;
      }
      if (state.cursor < records.length) return budget;
      queue.shift();
      state.cursor = 0;
      state.fetcher.consumed();
      if (batch.end) {
        this.shards.delete(shardId);
        void state.fetcher.stop();
        output.finishSplit(shardId);
        return budget;
      }
    }
    return budget;
  }

  /**
   * The user records of an aggregated record (skipping those a restored
   * position says were emitted), or undefined for a plain record — and for
   * a malformed aggregate, which then reaches the deserializer whole (and
   * its dead letters) rather than being dropped.
   */
  private unpack(state: ShardState, record: _Record): UserRecord[] | undefined {
    let userRecords: UserRecord[] | undefined;
    try {
      userRecords = deaggregate(record.Data ?? new Uint8Array(0));
    } catch {
      userRecords = undefined;
    }
    const resume = state.resumeInside;
    state.resumeInside = undefined; // the fetcher restarts at that record: it is the first one
    if (userRecords === undefined) return undefined;
    state.userRecords = userRecords;
    state.subCursor = resume !== undefined && resume.sequenceNumber === record.SequenceNumber ? resume.sub + 1 : 0;
    return userRecords;
  }

  /** Deserializes and emits one record (or user record), which becomes the shard's checkpointed position. */
  private emit(state: ShardState, output: ReaderOutput<T>, data: Uint8Array, info: KinesisRecordInfo): void {
    const shardId = state.split.id;
    let value: T;
    try {
      value = this.deserializer(data, info);
    } catch (error) {
      const which = info.subSequenceNumber === undefined ? `record ${info.sequenceNumber}` : `user record ${info.subSequenceNumber} of aggregated record ${info.sequenceNumber}`;
      throw new KinesisError(
        'KINESIS_DESERIALIZATION_FAILED',
        `Kinesis source '${this.context.sourceName}': ${which} of shard ${shardId} (stream ${info.stream}) could not be deserialized: ${errorMessage(error)} (use kinesisSourceWithDeadLetters to divert such records)`,
        { cause: error },
      );
    }
    state.lastEmitted = info.sequenceNumber;
    state.lastEmittedSub = info.subSequenceNumber;
    output.collect(shardId, value, info.approximateArrivalTimestamp);
  }

  private infoOf(state: ShardState, record: _Record, partitionKey: string, subSequenceNumber: number | undefined): KinesisRecordInfo {
    const info = {
      stream: state.split.stream,
      shardId: state.split.shardId,
      sequenceNumber: record.SequenceNumber ?? '',
      partitionKey,
      approximateArrivalTimestamp: record.ApproximateArrivalTimestamp?.getTime() ?? this.context.now(),
    };
    return subSequenceNumber === undefined ? info : { ...info, subSequenceNumber };
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * Reads one shard in the background: GetShardIterator once, then GetRecords
 * at most every `pollIntervalMs` (Kinesis allows 5 calls/s per shard),
 * keeping at most a few responses ahead of what the reader has emitted.
 * The first call waits `phaseMs`: a reader staggers its shards' calls over
 * the interval, so their responses (and the work of emitting them) arrive
 * spread out rather than all at once.
 * Throttling (ProvisionedThroughputExceeded) backs off exponentially with
 * jitter for as long as it lasts; an expired iterator is replaced by one
 * starting after the last sequence number fetched; other transient faults
 * are retried `maxAttempts` times in a row; anything else stops the fetcher
 * with a KinesisError the reader rethrows.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
  type KinesisClient,
  type _Record,
} from '@aws-sdk/client-kinesis';
import { backoffDelay, sleep } from '../batching/backoff.js';
import { errorMessage, isRetryableError, isThrottlingError } from '../batching/errors.js';
import { isExpiredIteratorError, KinesisError } from './errors.js';
import { streamParameter, type ResolvedKinesisSourceOptions } from './options.js';
import type { KinesisShardSplit } from './split.js';

/** One GetRecords response waiting to be emitted. */
export interface FetchedBatch {
  readonly records: readonly _Record[];
  /** The shard is closed and this was its last response. */
  readonly end: boolean;
}

/** Counters of one shard's fetcher. */
export interface ShardFetcherStats {
  readonly getRecordsCalls: number;
  readonly throttled: number;
  readonly expiredIterators: number;
  readonly retries: number;
}

export class ShardFetcher {
  /** Responses fetched and not yet taken by the reader, oldest first. */
  readonly queue: FetchedBatch[] = [];
  /** Set when the fetcher stopped for good on an error. */
  failure: KinesisError | undefined;
  private iterator: string | undefined;
  private lastFetchedSequence: string | undefined;
  /** The restored position is inside the aggregated record at `lastFetchedSequence`: fetch that record again. */
  private refetchLast: boolean;
  private lastCallAt = Number.NEGATIVE_INFINITY;
  private readonly abort = new AbortController();
  private wakeConsumed: (() => void) | undefined;
  private counters = { getRecordsCalls: 0, throttled: 0, expiredIterators: 0, retries: 0 };
  private done: Promise<void> | undefined;

  constructor(
    private readonly client: KinesisClient,
    private readonly split: KinesisShardSplit,
    private readonly settings: ResolvedKinesisSourceOptions & { readonly prefetchBatches: number },
    /** Called whenever a batch was queued or the fetcher failed. */
    private readonly onReady: () => void,
    /** Delay of the first GetRecords call, ms (0 ≤ phase < pollIntervalMs). */
    private readonly phaseMs = 0,
  ) {
    this.lastFetchedSequence = split.sequenceNumber;
    this.refetchLast = split.sequenceNumber !== undefined && split.subSequenceNumber !== undefined;
  }

  start(): void {
    if (this.done !== undefined) return;
    this.lastCallAt = Date.now() - this.settings.pollIntervalMs + this.phaseMs;
    this.done = this.run();
  }

  /** Tells the fetcher the reader took a batch: there is room to fetch ahead again. */
  consumed(): void {
    const wake = this.wakeConsumed;
    this.wakeConsumed = undefined;
    wake?.();
  }

  /** Stops fetching (aborting a call in flight); resolves when the loop has exited. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.consumed();
    await this.done;
  }

  stats(): ShardFetcherStats {
    return { ...this.counters };
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const { pollIntervalMs, maxRecordsPerCall, maxAttempts, initialBackoffMs, maxBackoffMs } = this.settings;
    let faults = 0;
    let throttles = 0;
    while (!signal.aborted) {
      while (this.queue.length >= this.settings.prefetchBatches && !signal.aborted) {
        await new Promise<void>((resolve) => (this.wakeConsumed = resolve));
      }
      const wait = this.lastCallAt + pollIntervalMs - Date.now();
      if (wait > 0) await sleep(wait, signal);
      if (signal.aborted) return;
      try {
        this.iterator ??= await this.getIterator(signal);
        this.lastCallAt = Date.now();
        this.counters.getRecordsCalls++;
        const out = await this.client.send(new GetRecordsCommand({ ShardIterator: this.iterator, Limit: maxRecordsPerCall }), { abortSignal: signal });
        faults = 0;
        throttles = 0;
        const records = out.Records ?? [];
        const last = records.at(-1)?.SequenceNumber;
        if (last !== undefined) {
          this.lastFetchedSequence = last;
          this.refetchLast = false;
        }
        const next = out.NextShardIterator;
        const end = next === undefined || next === null || next === '';
        this.iterator = end ? undefined : next;
        if (records.length > 0 || end) {
          this.queue.push({ records, end });
          this.onReady();
        }
        if (end) return;
      } catch (error) {
        if (signal.aborted) return;
        if (isExpiredIteratorError(error)) {
          // Iterators live 5 minutes; continue right after the last record fetched.
          this.counters.expiredIterators++;
          this.iterator = undefined;
          continue;
        }
        if (isThrottlingError(error)) {
          this.counters.throttled++;
          throttles++;
          await sleep(backoffDelay(throttles, initialBackoffMs, maxBackoffMs), signal);
          continue;
        }
        if (isRetryableError(error) && ++faults < maxAttempts) {
          this.counters.retries++;
          await sleep(backoffDelay(faults, initialBackoffMs, maxBackoffMs), signal);
          continue;
        }
        const retryable = isRetryableError(error);
        this.failure = new KinesisError(
          'KINESIS_READ_FAILED',
          `Reading shard ${this.split.shardId} of Kinesis stream ${this.split.stream} failed${retryable ? ` after ${maxAttempts} attempts` : ''}: ${errorMessage(error)}`,
          { cause: error, retryable },
        );
        this.onReady();
        return;
      }
    }
  }

  /** An iterator after the last record fetched, or at the split's start position. */
  private async getIterator(signal: AbortSignal): Promise<string> {
    const base = { ...streamParameter(this.split.stream), ShardId: this.split.shardId };
    let input: GetShardIteratorCommandInput;
    const start = this.split.start;
    if (this.lastFetchedSequence !== undefined) {
      const type = this.refetchLast ? 'AT_SEQUENCE_NUMBER' : 'AFTER_SEQUENCE_NUMBER';
      input = { ...base, ShardIteratorType: type, StartingSequenceNumber: this.lastFetchedSequence };
    } else if (typeof start === 'object') {
      input = { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: new Date(start.atTimestamp) };
    } else {
      input = { ...base, ShardIteratorType: start };
    }
    const out = await this.client.send(new GetShardIteratorCommand(input), { abortSignal: signal });
    if (out.ShardIterator === undefined) {
      throw new KinesisError('KINESIS_READ_FAILED', `GetShardIterator returned no iterator for shard ${this.split.shardId} of stream ${this.split.stream}`);
    }
    return out.ShardIterator;
  }
}

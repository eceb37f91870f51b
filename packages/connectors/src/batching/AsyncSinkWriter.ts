/**
 * AsyncSinkWriter: the batching base of the at-least-once sinks that write
 * through a batch API (Kinesis PutRecords, Firehose PutRecordBatch), after
 * Flink's AsyncSinkBase. It owns everything the services share — buffering,
 * forming requests within the service's limits, bounded in-flight requests,
 * backpressure, retrying only the entries a service rejected (exponential
 * backoff with jitter), dead letters for records no request can carry, and
 * flushing on checkpoints — and asks the service for four things: how a
 * record becomes an entry, an entry's size, how to send a request, and which
 * entries of a response failed.
 */
import { setMaxListeners } from 'node:events';
import type { SinkWriter } from '@tributary/core';
import { backoffDelay, sleep } from './backoff.js';
import { AsyncSinkError, errorMessage, isRetryableError } from './errors.js';
import { resolveAsyncSinkOptions, type AsyncSinkLimits, type AsyncSinkTuning, type ResolvedAsyncSinkOptions } from './options.js';

/** One entry of a response the service did not accept. */
export interface EntryFailure {
  /** The entry's position in the request (the `entries` passed to `submit`). */
  readonly index: number;
  /** The service's error code, e.g. `ProvisionedThroughputExceededException`. */
  readonly code: string;
  readonly message: string;
  /** Whether sending the entry again may succeed (default true). */
  readonly retryable?: boolean;
}

/**
 * What a service contributes to an {@link AsyncSinkWriter}.
 *
 * ```ts
 * const service: AsyncSinkService<Order, PutRecordsRequestEntry> = {
 *   toEntry: (order) => ({ Data: encode(order), PartitionKey: order.customerId }),
 *   sizeOf: (entry) => entry.Data!.byteLength + Buffer.byteLength(entry.PartitionKey!),
 *   async submit(entries, signal) {
 *     const out = await client.send(new PutRecordsCommand({ StreamName: 'orders', Records: [...entries] }), { abortSignal: signal });
 *     return (out.Records ?? []).flatMap((r, index) => (r.ErrorCode ? [{ index, code: r.ErrorCode, message: r.ErrorMessage ?? '' }] : []));
 *   },
 * };
 * ```
 */
export interface AsyncSinkService<T, E> {
  /** Builds the request entry of one record. Throwing sends the record to `onDeadLetter` (or fails the job). */
  toEntry(value: T, timestamp: number): E;
  /** The entry's size in bytes as the service counts it against its limits. */
  sizeOf(entry: E): number;
  /**
   * Sends `entries` as one request. Resolves with the entries the service
   * rejected (empty when it accepted all); throws when the request failed as
   * a whole. Pass `signal` to the client so `close()` can abort the call.
   */
  submit(entries: readonly E[], signal: AbortSignal): Promise<readonly EntryFailure[]>;
  /** Whether an error thrown by `submit` may succeed on retry (default {@link isRetryableError}). */
  isRetryable?(error: unknown): boolean;
  /** Releases what the service holds, e.g. destroys a client it created (never an injected one). */
  close?(): void | Promise<void>;
}

/** A record the sink could not send, handed to `onDeadLetter` instead of failing the job. */
export interface SinkDeadLetter<T> {
  readonly record: T;
  readonly timestamp: number;
  readonly code: 'SINK_RECORD_TOO_LARGE' | 'SINK_RECORD_INVALID';
  readonly reason: string;
  /** The sink's name. */
  readonly sink: string;
}

/** Options of an {@link AsyncSinkWriter}: the service's limits plus optional tuning. */
export interface AsyncSinkWriterOptions<T> extends AsyncSinkTuning {
  readonly limits: AsyncSinkLimits;
  /** Names the sink in messages (default `async sink`). */
  readonly name?: string;
  /**
   * Receives records that no request can carry (too large, or `toEntry`
   * threw); each is counted in `stats().deadLetters`. Without it such a
   * record fails the job with an {@link AsyncSinkError}.
   */
  readonly onDeadLetter?: (letter: SinkDeadLetter<T>) => void;
}

/** Counters of one writer. */
export interface AsyncSinkStats {
  /** Entries the service accepted. */
  readonly recordsWritten: number;
  /** Requests sent, retries included. */
  readonly requests: number;
  /** Entries sent again after the service rejected them or their request failed. */
  readonly retriedEntries: number;
  /** Records handed to `onDeadLetter`. */
  readonly deadLetters: number;
  /** Entries waiting in the buffer now. */
  readonly bufferedRecords: number;
  /** Requests in flight now (including ones waiting to retry). */
  readonly inFlightRequests: number;
}

interface BufferedEntry<E> {
  readonly entry: E;
  readonly size: number;
}

/**
 * A SinkWriter that batches records into requests of a batch API.
 *
 * ```ts
 * const sink: Sink<Order> = {
 *   createWriter: (context) =>
 *     new AsyncSinkWriter(service, { limits: { maxBatchSize: 500, maxBatchSizeBytes: 5 * 2 ** 20, maxRecordSizeBytes: 2 ** 20 }, name: context.sinkName }),
 * };
 * orders.sinkTo(sink);
 * ```
 * Behaviour: a request is sent as soon as the buffer holds a full one
 * (records or bytes) and fewer than `maxInFlightRequests` are in flight; a
 * partial one after `maxTimeInBufferMs`. `write` returns a promise
 * (backpressure) while `maxBufferedRecords` entries are waiting. When the
 * service rejects some entries of a request, only those are sent again,
 * after a backoff, until `maxAttempts`; then the job fails. `flush` (every
 * checkpoint, and at the end) resolves once every entry written before it
 * has been accepted: at-least-once.
 *
 * Gotchas: requests in flight may complete out of order, so two records of
 * the same key can swap places — set `maxInFlightRequests: 1` when order per
 * key matters. A failure of a request surfaces on the next `write` or
 * `flush` (checkpoints bound how late that is).
 */
export class AsyncSinkWriter<T, E> implements SinkWriter<T> {
  private readonly settings: ResolvedAsyncSinkOptions;
  private readonly name: string;
  private readonly onDeadLetter: ((letter: SinkDeadLetter<T>) => void) | undefined;
  private buffer: BufferedEntry<E>[] = [];
  private head = 0;
  private bufferedBytes = 0;
  private inFlight = 0;
  private readonly requests = new Set<Promise<void>>();
  private failure: Error | undefined;
  private closed = false;
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private waiters: Array<() => void> = [];
  private recordsWritten = 0;
  private requestCount = 0;
  private retriedEntries = 0;
  private deadLetters = 0;

  constructor(
    private readonly service: AsyncSinkService<T, E>,
    options: AsyncSinkWriterOptions<T>,
  ) {
    this.settings = resolveAsyncSinkOptions(options.limits, options);
    this.name = options.name ?? 'async sink';
    this.onDeadLetter = options.onDeadLetter;
    // Every request in flight (and every backoff) listens on the one signal: no leak, just many.
    setMaxListeners(0, this.abort.signal);
  }

  /** The settings in force (defaults applied). */
  get options(): ResolvedAsyncSinkOptions {
    return this.settings;
  }

  write(value: T, timestamp: number): void | Promise<void> {
    this.checkUsable();
    let entry: E;
    let size: number;
    try {
      entry = this.service.toEntry(value, timestamp);
      size = this.service.sizeOf(entry);
    } catch (error) {
      this.deadLetter(value, timestamp, 'SINK_RECORD_INVALID', `could not build a request entry: ${errorMessage(error)}`, error);
      return undefined;
    }
    if (size > this.settings.maxRecordSizeBytes) {
      this.deadLetter(
        value,
        timestamp,
        'SINK_RECORD_TOO_LARGE',
        `a record of ${size} bytes exceeds the limit of ${this.settings.maxRecordSizeBytes} bytes per record`,
      );
      return undefined;
    }
    this.buffer.push({ entry, size });
    this.bufferedBytes += size;
    this.sendFullBatches();
    if (this.bufferedCount() >= this.settings.maxBufferedRecords) return this.waitForRoom();
    this.armTimer();
    return undefined;
  }

  /** Sends everything buffered and resolves once the service has accepted all of it. */
  async flush(_endOfInput: boolean): Promise<void> {
    this.checkUsable();
    this.clearTimer();
    for (;;) {
      this.throwIfFailed();
      if (this.bufferedCount() > 0 && this.inFlight < this.settings.maxInFlightRequests) {
        this.send(this.takeBatch());
        continue;
      }
      if (this.bufferedCount() === 0 && this.requests.size === 0) break;
      await this.nextCompletion();
    }
    this.throwIfFailed();
  }

  /** Aborts requests in flight, drops what is buffered, and releases the service. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clearTimer();
    this.abort.abort();
    this.wake();
    await Promise.allSettled([...this.requests]);
    this.buffer = [];
    this.head = 0;
    this.bufferedBytes = 0;
    await this.service.close?.();
  }

  /** Entries sent again so far (the operator's `retriedRecords` metric). */
  retriedRecords(): number {
    return this.retriedEntries;
  }

  /** This writer's counters. */
  stats(): AsyncSinkStats {
    return {
      recordsWritten: this.recordsWritten,
      requests: this.requestCount,
      retriedEntries: this.retriedEntries,
      deadLetters: this.deadLetters,
      bufferedRecords: this.bufferedCount(),
      inFlightRequests: this.inFlight,
    };
  }

  private bufferedCount(): number {
    return this.buffer.length - this.head;
  }

  private checkUsable(): void {
    if (this.closed) throw new AsyncSinkError('SINK_CLOSED', `${this.name}: the writer is closed`);
    this.throwIfFailed();
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  private deadLetter(record: T, timestamp: number, code: SinkDeadLetter<T>['code'], reason: string, cause?: unknown): void {
    if (this.onDeadLetter === undefined) {
      throw new AsyncSinkError(code, `${this.name}: ${reason} (set onDeadLetter to divert such records instead of failing)`, {
        cause,
        retryable: false,
      });
    }
    this.deadLetters++;
    this.onDeadLetter({ record, timestamp, code, reason, sink: this.name });
  }

  private hasFullBatch(): boolean {
    return this.bufferedCount() >= this.settings.maxBatchSize || this.bufferedBytes >= this.settings.maxBatchSizeBytes;
  }

  private sendFullBatches(): void {
    while (this.failure === undefined && !this.closed && this.inFlight < this.settings.maxInFlightRequests && this.hasFullBatch()) {
      this.send(this.takeBatch());
    }
  }

  /** Takes the next request's entries from the head of the buffer: at least one, within both limits. */
  private takeBatch(): BufferedEntry<E>[] {
    const batch: BufferedEntry<E>[] = [];
    let bytes = 0;
    const { maxBatchSize, maxBatchSizeBytes } = this.settings;
    while (this.head < this.buffer.length && batch.length < maxBatchSize) {
      const next = this.buffer[this.head] as BufferedEntry<E>;
      if (batch.length > 0 && bytes + next.size > maxBatchSizeBytes) break;
      batch.push(next);
      bytes += next.size;
      this.head++;
    }
    this.bufferedBytes -= bytes;
    if (this.head === this.buffer.length) {
      this.buffer = [];
      this.head = 0;
    } else if (this.head >= 4096 && this.head * 2 >= this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private send(batch: BufferedEntry<E>[]): void {
    this.inFlight++;
    const request: Promise<void> = this.deliver(batch)
      .catch((error: unknown) => {
        if (!this.closed) this.failure ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => {
        this.inFlight--;
        this.requests.delete(request);
        this.sendFullBatches();
        this.armTimer();
        this.wake();
      });
    this.requests.add(request);
  }

  /** Sends a batch until every entry is accepted, retrying only the rejected ones. */
  private async deliver(batch: readonly BufferedEntry<E>[]): Promise<void> {
    const { maxAttempts, initialBackoffMs, maxBackoffMs } = this.settings;
    const signal = this.abort.signal;
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      let failures: readonly EntryFailure[];
      this.requestCount++;
      try {
        failures = await this.service.submit(
          pending.map((b) => b.entry),
          signal,
        );
      } catch (error) {
        if (this.closed) return;
        const retryable = this.service.isRetryable?.(error) ?? isRetryableError(error);
        if (!retryable) {
          throw new AsyncSinkError('SINK_REQUEST_FAILED', `${this.name}: a request of ${pending.length} entries failed: ${errorMessage(error)}`, {
            cause: error,
            retryable: false,
          });
        }
        if (attempt >= maxAttempts) {
          throw new AsyncSinkError(
            'SINK_RETRIES_EXHAUSTED',
            `${this.name}: a request of ${pending.length} entries still failed after ${maxAttempts} attempts: ${errorMessage(error)}`,
            { cause: error, retryable: true },
          );
        }
        this.retriedEntries += pending.length;
        await sleep(backoffDelay(attempt, initialBackoffMs, maxBackoffMs), signal);
        if (this.closed) return;
        continue;
      }
      if (failures.length === 0) {
        this.recordsWritten += pending.length;
        return;
      }
      const failed = this.failedEntries(pending, failures);
      const fatal = failures.find((f) => f.retryable === false);
      if (fatal !== undefined) {
        throw new AsyncSinkError(
          'SINK_ENTRY_REJECTED',
          `${this.name}: the service rejected ${failures.length} of ${pending.length} entries (${fatal.code}: ${fatal.message})`,
          { retryable: false },
        );
      }
      this.recordsWritten += pending.length - failed.length;
      if (attempt >= maxAttempts) {
        const last = failures[0] as EntryFailure;
        throw new AsyncSinkError(
          'SINK_RETRIES_EXHAUSTED',
          `${this.name}: ${failed.length} entries were still rejected after ${maxAttempts} attempts (${last.code}: ${last.message})`,
          { retryable: true },
        );
      }
      this.retriedEntries += failed.length;
      pending = failed;
      await sleep(backoffDelay(attempt, initialBackoffMs, maxBackoffMs), signal);
      if (this.closed) return;
    }
  }

  /** The rejected entries, in their original order; checks the service's indexes. */
  private failedEntries(pending: readonly BufferedEntry<E>[], failures: readonly EntryFailure[]): BufferedEntry<E>[] {
    const indexes = new Set<number>();
    for (const f of failures) {
      if (!Number.isInteger(f.index) || f.index < 0 || f.index >= pending.length || indexes.has(f.index)) {
        throw new AsyncSinkError(
          'SINK_REQUEST_FAILED',
          `${this.name}: the service reported a failure for entry ${f.index} of a request of ${pending.length} entries (out of range or repeated)`,
        );
      }
      indexes.add(f.index);
    }
    return [...indexes].sort((a, b) => a - b).map((i) => pending[i] as BufferedEntry<E>);
  }

  private async waitForRoom(): Promise<void> {
    while (this.bufferedCount() >= this.settings.maxBufferedRecords) {
      this.throwIfFailed();
      if (this.closed) throw new AsyncSinkError('SINK_CLOSED', `${this.name}: the writer was closed while a write waited for room`);
      if (this.inFlight < this.settings.maxInFlightRequests) {
        this.send(this.takeBatch());
        continue;
      }
      await this.nextCompletion();
    }
    this.throwIfFailed();
    this.armTimer();
  }

  private nextCompletion(): Promise<void> {
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Sends partial batches once the oldest buffered entry has waited `maxTimeInBufferMs`. */
  private armTimer(): void {
    if (this.timer !== undefined || this.bufferedCount() === 0 || this.closed || this.failure !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed || this.failure !== undefined) return;
      while (this.bufferedCount() > 0 && this.inFlight < this.settings.maxInFlightRequests) this.send(this.takeBatch());
      this.armTimer();
    }, this.settings.maxTimeInBufferMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

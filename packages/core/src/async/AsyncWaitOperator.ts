/**
 * The async I/O operator (Flink's AsyncWaitOperator): calls an async
 * function per record with at most `capacity` records in flight, and emits
 * the results — in input order (ordered) or as they complete without
 * crossing a watermark (unordered) — stamped with the input record's
 * timestamp. Watermarks are held until every record before them is emitted.
 *
 * Flow control: a slot is taken when a record's first call starts and freed
 * when its result is emitted. When every slot is taken the operator calls
 * `ctx.backpressure`, which pauses the sources; records that still arrive in
 * the current batch wait in a queue and are issued as slots free. That queue
 * is therefore bounded by what the sources emit in one poll: in flight plus
 * waiting never exceeds `capacity` plus one batch.
 *
 * Failures: a call that rejects is retried per `retry`; a record that times
 * out (all attempts included) is aborted (its AbortSignal fires) and gets
 * `onTimeout(record)` when given. A record that still fails goes to the dead
 * letters when the operator has them enabled, else it fails the job with a
 * UserFunctionError naming the operator and the record.
 *
 * Checkpoints: `snapshotState` returns the records not yet emitted (in
 * flight, completed but held, waiting); `initializeState` re-issues them, as
 * Flink re-sends in-flight records after recovery. Downstream state stays
 * exactly-once, but the external service may see a record's call again
 * after a failure (make calls idempotent, or accept at-least-once there).
 */
import { DEAD_LETTER_TAG, type DeadLetter } from '../api/DeadLetter.js';
import { TributaryError, UserFunctionError } from '../errors.js';
import type { OperatorContext, StreamOperator } from '../operators/StreamOperator.js';
import { NO_TIMESTAMP } from '../time/watermark.js';
import { backoffDelay, checkAsyncOptions, type AsyncFunction, type AsyncWaitOptions } from './options.js';
import { createElementQueue, type QueueOutput, type StreamElementQueue } from './StreamElementQueue.js';

/**
 * In which order results leave the operator.
 *
 * ```ts
 * const mode: AsyncOutputMode = latencyMatters ? 'unordered' : 'ordered';
 * ```
 */
export type AsyncOutputMode = 'ordered' | 'unordered';

/**
 * What `AsyncWaitOperator.snapshotState` returns (JSON-friendly: a missing timestamp is `null`).
 *
 * ```ts
 * const snapshot: AsyncWaitSnapshot = { records: [{ value: { orderId: 'o-1' }, timestamp: 1_700_000_000_000 }] };
 * ```
 */
export interface AsyncWaitSnapshot {
  readonly records: ReadonlyArray<{ readonly value: unknown; readonly timestamp: number | null }>;
}

type Outcome<OUT> = { readonly kind: 'result'; readonly value: OUT } | { readonly kind: 'dead'; readonly error: unknown };

/** One input record from arrival until its result is emitted. */
class Entry<IN, OUT> {
  /** Calls started so far (0 while waiting for a slot). */
  attempt = 0;
  outcome: Outcome<OUT> | undefined = undefined;
  controller: AbortController | undefined = undefined;
  cancelTimeout: (() => void) | undefined = undefined;
  cancelRetry: (() => void) | undefined = undefined;

  constructor(
    readonly value: IN,
    readonly timestamp: number,
  ) {}

  get completed(): boolean {
    return this.outcome !== undefined;
  }

  /** Aborts the running call (its signal fires with `reason`) and cancels the timers. */
  stop(reason: unknown): void {
    this.controller?.abort(reason);
    this.settle();
  }

  /** Forgets the call (it completed) and cancels the timers. */
  settle(): void {
    this.controller = undefined;
    this.cancelTimeout?.();
    this.cancelTimeout = undefined;
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }
}

/**
 * Runs an AsyncFunction per record (see the module comment). Added by
 * `AsyncDataStream.orderedWait` / `unorderedWait`.
 *
 * ```ts
 * stream.transform('Async Lookup', () => new AsyncWaitOperator(lookup, { timeout: 1_000 }, 'ordered'));
 * ```
 */
export class AsyncWaitOperator<IN, OUT> implements StreamOperator<OUT> {
  private ctx: OperatorContext<OUT> | undefined;
  private readonly options: AsyncWaitOptions<IN, OUT> & { readonly capacity: number };
  private readonly queue: StreamElementQueue<Entry<IN, OUT>>;
  /** Every entry not yet emitted, in arrival order. */
  private readonly entries = new Set<Entry<IN, OUT>>();
  /** Entries that arrived while every slot was taken, in arrival order. */
  private readonly waiting: Entry<IN, OUT>[] = [];
  /** Entries issued and not yet emitted (the slots taken). */
  private issued = 0;
  private releaseBackpressure: (() => void) | undefined;
  private finishing: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  private stopped = false;
  /** The error the operator failed the job with, if it did. */
  private failure: UserFunctionError | undefined;
  private restored: AsyncWaitSnapshot['records'] | undefined;
  private readonly output: QueueOutput<Entry<IN, OUT>>;

  constructor(
    private readonly fn: AsyncFunction<IN, OUT>,
    options: AsyncWaitOptions<IN, OUT>,
    readonly mode: AsyncOutputMode,
  ) {
    this.options = checkAsyncOptions(options);
    this.queue = createElementQueue<Entry<IN, OUT>>(mode);
    this.output = {
      entry: (entry) => this.emit(entry),
      watermark: (watermark) => this.context().output.emitWatermark(watermark),
    };
  }

  open(ctx: OperatorContext<OUT>): void {
    this.ctx = ctx;
    const restored = this.restored;
    this.restored = undefined;
    if (restored !== undefined) this.reissue(restored);
  }

  processElement(value: unknown, timestamp: number): void {
    if (this.stopped) return;
    this.add(new Entry<IN, OUT>(value as IN, timestamp));
  }

  processWatermark(watermark: number): void {
    if (this.stopped) return;
    if (this.queue.isEmpty()) this.context().output.emitWatermark(watermark);
    else this.queue.addWatermark(watermark);
  }

  /** Resolves once every record is emitted (and the held final watermark has passed). */
  finish(): void | Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.queue.isEmpty()) return;
    return new Promise<void>((resolve, reject) => {
      this.finishing = { resolve, reject };
    });
  }

  snapshotState(): AsyncWaitSnapshot {
    const records = [...this.entries].map((e) => ({
      value: e.value as unknown,
      timestamp: Number.isFinite(e.timestamp) ? e.timestamp : null,
    }));
    return { records };
  }

  initializeState(state: unknown): void {
    if (state === undefined || state === null) return;
    if (Array.isArray(state)) {
      for (const one of state) this.initializeState(one);
      return;
    }
    const records = (state as Partial<AsyncWaitSnapshot>).records;
    if (!Array.isArray(records)) {
      throw new TributaryError(
        'INVALID_SNAPSHOT',
        `Async I/O operator cannot restore from ${JSON.stringify(state)}: expected { records: [{ value, timestamp }, …] }`,
      );
    }
    // Called once per restored subtask state (several after a rescale); keep them all.
    if (this.ctx === undefined) this.restored = [...(this.restored ?? []), ...records];
    else this.reissue(records);
  }

  close(): void {
    this.stopped = true;
    const reason = new TributaryError('ASYNC_CANCELLED', 'The job stopped before the async call completed');
    for (const entry of this.entries) entry.stop(reason);
    this.waiting.length = 0;
    this.release();
  }

  private context(): OperatorContext<OUT> {
    if (this.ctx === undefined) throw new TributaryError('OPERATOR_NOT_OPEN', 'The async I/O operator was used before open()');
    return this.ctx;
  }

  private reissue(records: AsyncWaitSnapshot['records']): void {
    for (const r of records) this.add(new Entry<IN, OUT>(r.value as IN, r.timestamp ?? NO_TIMESTAMP));
  }

  private add(entry: Entry<IN, OUT>): void {
    this.entries.add(entry);
    this.queue.add(entry);
    if (this.waiting.length === 0 && this.issued < this.options.capacity) this.issue(entry);
    else this.waiting.push(entry);
    if (this.issued >= this.options.capacity) this.holdBack();
  }

  /** Tells the runtime to pause the sources until a slot is free and nothing waits. */
  private holdBack(): void {
    if (this.releaseBackpressure !== undefined) return;
    const until = new Promise<void>((resolve) => {
      this.releaseBackpressure = resolve;
    });
    this.context().backpressure(until);
  }

  private release(): void {
    const release = this.releaseBackpressure;
    this.releaseBackpressure = undefined;
    release?.();
  }

  private issue(entry: Entry<IN, OUT>): void {
    const ctx = this.context();
    this.issued++;
    const timeout = this.options.timeout;
    if (Number.isFinite(timeout)) {
      entry.cancelTimeout = ctx.scheduleProcessingTime(ctx.clock.now() + timeout, () => {
        entry.cancelTimeout = undefined;
        this.timedOut(entry);
      });
    }
    this.call(entry);
  }

  private call(entry: Entry<IN, OUT>): void {
    const attempt = ++entry.attempt;
    const controller = new AbortController();
    entry.controller = controller;
    let pending: Promise<OUT>;
    try {
      pending = Promise.resolve(this.fn(entry.value, { signal: controller.signal, attempt }));
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (value) => {
        if (this.isCurrent(entry, attempt)) this.complete(entry, { kind: 'result', value });
      },
      (error: unknown) => {
        if (this.isCurrent(entry, attempt)) this.failed(entry, error);
      },
    );
  }

  private isCurrent(entry: Entry<IN, OUT>, attempt: number): boolean {
    return !this.stopped && entry.outcome === undefined && entry.attempt === attempt && entry.controller !== undefined;
  }

  private failed(entry: Entry<IN, OUT>, error: unknown): void {
    entry.controller = undefined;
    const retry = this.options.retry;
    let again = false;
    if (retry !== undefined && entry.attempt < retry.maxAttempts) {
      try {
        again = retry.retryOn?.(error) ?? true;
      } catch (retryOnError) {
        this.giveUp(entry, retryOnError, 'retryOn');
        return;
      }
    }
    if (!again || retry === undefined) {
      const reason =
        entry.attempt > 1
          ? new TributaryError('ASYNC_RETRIES_EXHAUSTED', `async call failed after ${entry.attempt} attempts: ${messageOf(error)}`, {
              cause: error,
            })
          : error;
      this.giveUp(entry, reason, 'record');
      return;
    }
    const delay = backoffDelay(retry, entry.attempt);
    if (delay <= 0) {
      this.call(entry);
      return;
    }
    const ctx = this.context();
    entry.cancelRetry = ctx.scheduleProcessingTime(ctx.clock.now() + delay, () => {
      entry.cancelRetry = undefined;
      if (!this.stopped && entry.outcome === undefined) this.call(entry);
    });
  }

  private timedOut(entry: Entry<IN, OUT>): void {
    if (this.stopped || entry.outcome !== undefined) return;
    const error = new TributaryError(
      'ASYNC_TIMEOUT',
      `async call timed out after ${this.options.timeout} ms (attempt ${entry.attempt})`,
      { retryable: true },
    );
    entry.stop(error);
    const onTimeout = this.options.onTimeout;
    if (onTimeout === undefined) {
      this.giveUp(entry, error, 'record');
      return;
    }
    let fallback: OUT;
    try {
      fallback = onTimeout(entry.value);
    } catch (fallbackError) {
      this.giveUp(entry, fallbackError, 'record (onTimeout)');
      return;
    }
    this.complete(entry, { kind: 'result', value: fallback });
  }

  /** The record failed for good: a dead letter when enabled, else the job fails. */
  private giveUp(entry: Entry<IN, OUT>, error: unknown, what: string): void {
    const ctx = this.context();
    if (ctx.deadLettersEnabled) {
      this.complete(entry, { kind: 'dead', error });
      return;
    }
    const failure = new UserFunctionError(ctx.name, ctx.uid, entry.value, error, what);
    this.failure = failure;
    this.stopped = true;
    for (const e of this.entries) e.stop(failure);
    ctx.fail(failure);
    const finishing = this.finishing;
    this.finishing = undefined;
    finishing?.reject(failure);
  }

  private complete(entry: Entry<IN, OUT>, outcome: Outcome<OUT>): void {
    entry.settle();
    entry.outcome = outcome;
    this.queue.complete(entry);
    this.queue.drain(this.output);
    this.afterDrain();
  }

  /** Emits one completed entry and frees its slot. */
  private emit(entry: Entry<IN, OUT>): void {
    const ctx = this.context();
    this.entries.delete(entry);
    this.issued--;
    const outcome = entry.outcome as Outcome<OUT>;
    if (outcome.kind === 'result') {
      ctx.output.collect(outcome.value, entry.timestamp);
      return;
    }
    ctx.metrics.deadLetters++;
    const letter: DeadLetter = {
      record: entry.value,
      reason: messageOf(outcome.error),
      operator: ctx.name,
      uid: ctx.uid,
      timestamp: entry.timestamp,
      error: outcome.error,
    };
    ctx.output.collectSide(DEAD_LETTER_TAG, letter, entry.timestamp);
  }

  /** Issues waiting records into the freed slots; lifts backpressure; ends `finish`. */
  private afterDrain(): void {
    const capacity = this.options.capacity;
    while (this.waiting.length > 0 && this.issued < capacity && !this.stopped) {
      this.issue(this.waiting.shift() as Entry<IN, OUT>);
    }
    if (this.waiting.length === 0 && this.issued < capacity) this.release();
    if (this.finishing !== undefined && this.queue.isEmpty()) {
      const finishing = this.finishing;
      this.finishing = undefined;
      finishing.resolve();
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The operator contract the runtime drives. Every transformation becomes one
 * StreamOperator instance per parallel subtask. One required method,
 * `processElement`; the rest are hooks with sensible defaults:
 *
 * - `open(ctx)` once before any record (acquire state, timers, resources);
 * - `processElement(value, timestamp, input)` for every record (`input` is 0,
 *   or 1 for the second input of a two-input operator); before the call the
 *   runtime has set the current key of a keyed operator;
 * - `onEventTime` / `onProcessingTime` for the operator's internal timers,
 *   with the current key set to the timer's key;
 * - `processWatermark(wm)` after the runtime fired every event-time timer
 *   `<= wm`; when absent the runtime forwards the watermark downstream. An
 *   operator that defines it must forward (or hold back) watermarks itself;
 * - `endOfBatch()` after each batch of input records;
 * - `finish()` when every input has ended (after the final watermark);
 * - `snapshotState` / `initializeState` for checkpoints; `close()` last.
 *
 * Per-run state lives in what `open` creates, never at module scope.
 */
import type { Clock } from '../time/clock.js';
import type { OutputTag } from '../api/OutputTag.js';
import type { Key } from '../api/functions.js';
import type { KeyedStateAccess } from '../state/KeyedStateAccess.js';
import type { InternalTimerService } from '../state/InternalTimerService.js';
import type { OperatorMetrics } from '../metrics/OperatorMetrics.js';

/** Where an operator sends what it produces. Calls are synchronous. */
export interface Output<T> {
  collect(value: T, timestamp: number): void;
  collectSide<X>(tag: OutputTag<X>, value: X, timestamp: number): void;
  emitWatermark(watermark: number): void;
}

/** A fired internal timer. */
export interface InternalTimer<N = unknown> {
  readonly timestamp: number;
  readonly key: Key;
  readonly namespace: N;
}

/** What the runtime gives an operator when it opens. */
export interface OperatorContext<OUT> {
  readonly name: string;
  readonly uid: string | undefined;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly output: Output<OUT>;
  readonly clock: Clock;
  readonly metrics: OperatorMetrics;
  /** The combined input watermark (min over inputs); `-Infinity` before the first one. */
  currentWatermark(): number;
  /**
   * Keyed state and the current key. Present only on keyed operators (those
   * after `keyBy`); undefined otherwise.
   */
  readonly keyed: KeyedStateAccess | undefined;
  /**
   * Creates (or returns) this operator's timer service with the given name.
   * Keyed operators only; timers fire through `onEventTime` / `onProcessingTime`.
   * `namespaceKey` maps a namespace to a primitive identity (windows: `start:end`).
   */
  timerService<N>(name: string, namespaceKey?: (namespace: N) => string | number): InternalTimerService<N>;
  /**
   * Schedules a non-keyed processing-time callback (e.g. a flush deadline).
   * Errors thrown by `callback` fail the job like errors from `processElement`.
   */
  scheduleProcessingTime(at: number, callback: (now: number) => void): () => void;
  /**
   * Tells the runtime the operator cannot accept more records until `until`
   * settles (a full buffer, too many requests in flight). Sources pause
   * polling until it does. A rejection fails the job.
   */
  backpressure(until: Promise<unknown>): void;
  /**
   * Runs async work the job must wait for before finishing (e.g. a sink
   * flush); a rejection fails the job.
   */
  track(work: Promise<unknown>): void;
  /**
   * Whether the user enabled dead letters on this operator (`deadLetters()`).
   * Errors thrown from `processElement` are routed by the runtime; operators
   * that fail records asynchronously emit a DeadLetter to DEAD_LETTER_TAG
   * themselves when this is true (and count `metrics.deadLetters`).
   */
  readonly deadLettersEnabled: boolean;
  /** Fails the job with `error` (for errors raised in async callbacks). */
  fail(error: unknown): void;
}

/** A runtime operator. See the module comment for the lifecycle. */
export interface StreamOperator<OUT = unknown> {
  open?(ctx: OperatorContext<OUT>): void;
  processElement(value: unknown, timestamp: number, input: number): void;
  onEventTime?(timer: InternalTimer): void;
  onProcessingTime?(timer: InternalTimer): void;
  processWatermark?(watermark: number): void;
  /** Called after each batch of input records (a moment to emit buffered results or watermarks). */
  endOfBatch?(): void;
  /** All inputs ended; the final watermark has been processed. May return a promise the job awaits. */
  finish?(): void | Promise<void>;
  /**
   * Called when a checkpoint barrier reaches the operator, before its keyed
   * state is snapshotted: the moment to write into keyed state what the
   * operator keeps aside between records (as Flink's method of this name).
   */
  prepareSnapshotPreBarrier?(checkpointId: number): void;
  /**
   * Returns this operator's non-keyed state for a checkpoint (keyed state and
   * timers are snapshotted by the runtime). Called when the checkpoint barrier
   * reaches the operator, after every record before it; the result is copied
   * at once, so it may share objects with live state. A promise (e.g. a sink's
   * pre-commit) delays only the checkpoint's completion, not the records.
   */
  snapshotState?(checkpointId: number): unknown;
  /**
   * Restores what `snapshotState` returned, before `open`. When the job is
   * restored at a different parallelism the old subtasks' states are shared
   * out round-robin, so it may be called several times (once per state
   * assigned to this subtask) or not at all.
   */
  initializeState?(state: unknown): void;
  /**
   * How operator state is shared out when restoring at another parallelism:
   * 'split' (default) — round-robin, each old state to one new subtask;
   * 'union' — every new subtask gets every old state (broadcast state).
   */
  readonly operatorStateMode?: 'split' | 'union';
  /** The checkpoint `checkpointId` is complete (durable): commit what it covers. */
  notifyCheckpointComplete?(checkpointId: number): void | Promise<void>;
  close?(): void | Promise<void>;
}

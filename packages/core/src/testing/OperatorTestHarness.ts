/**
 * Unit-tests one StreamOperator without a job, like Flink's
 * `KeyedOneInputStreamOperatorTestHarness`: feed records and watermarks,
 * move a virtual clock, read what came out, snapshot and restore.
 *
 * ```ts
 * const harness = new OperatorTestHarness(new CountPerKey(), { keySelector: (e: Click) => e.user });
 * harness.open();
 * harness.processElement({ user: 'a' }, 1_000);
 * harness.processWatermark(5_000);          // fires event-time timers <= 5000 first
 * expect(harness.records()).toEqual([{ user: 'a', count: 1 }]);
 *
 * const snapshot = harness.snapshot();      // keyed state, timers, operator state
 * const recovered = OperatorTestHarness.restored(new CountPerKey(), snapshot, { keySelector: (e: Click) => e.user });
 * recovered.open();
 * ```
 *
 * A harness is keyed when it has a `keySelector`: it then owns a
 * `HeapKeyedStateBackend` and a `TimerServiceManager`, and sets the current
 * key before each record. Processing time is a `TestClock`
 * (`advanceProcessingTime`, `setProcessingTime`).
 *
 * Gotchas: errors from `processElement` and `processWatermark` propagate to
 * the test (unless `deadLetters` is on); errors from processing-time timers,
 * scheduled callbacks, `fail` and rejected `track`/`backpressure` promises are
 * recorded in `failure` and make `finish()` reject. `finish()` does not send
 * a final watermark: call `processWatermark(MAX_WATERMARK)` first for bounded
 * input. Snapshots are deep copies (`structuredClone`), so the harness can go
 * on after taking one.
 */
import { DEAD_LETTER_TAG, type DeadLetter } from '../api/DeadLetter.js';
import type { Key } from '../api/functions.js';
import type { OutputTag } from '../api/OutputTag.js';
import { checkArgument, InvalidProgramError } from '../errors.js';
import { OperatorMetrics } from '../metrics/OperatorMetrics.js';
import type { InternalTimer, OperatorContext, Output, StreamOperator } from '../operators/StreamOperator.js';
import { HeapKeyedStateBackend } from '../state/HeapKeyedStateBackend.js';
import type { InternalTimerService } from '../state/InternalTimerService.js';
import type { KeyedStateSnapshot } from '../state/KeyedStateAccess.js';
import { DEFAULT_MAX_PARALLELISM, keyGroupRange } from '../state/KeyGroups.js';
import { TimerServiceManager, type TimersSnapshot } from '../state/TimerServiceManager.js';
import { MIN_WATERMARK, NO_TIMESTAMP } from '../time/watermark.js';
import { TestClock } from './TestClock.js';

export interface OperatorTestHarnessOptions<IN> {
  /** Makes the harness keyed: the key of each record of input 0 (and of input 1 without `keySelector2`). */
  readonly keySelector?: (value: IN) => Key;
  /** The key of each record of input 1 (two-input operators). */
  readonly keySelector2?: (value: IN) => Key;
  /** The processing-time clock (default: a new `TestClock(0)`). */
  readonly clock?: TestClock;
  /** Number of key groups (default 128). */
  readonly maxParallelism?: number;
  /** Parallelism of the simulated operator (default 1); with `subtaskIndex` it picks the key groups owned. */
  readonly parallelism?: number;
  readonly subtaskIndex?: number;
  /** The number of inputs, for per-input watermarks (default 2 with `keySelector2`, else 1). */
  readonly inputs?: number;
  /** The operator's name in its context and metrics (default `'operator'`). */
  readonly name?: string;
  readonly uid?: string;
  /** Routes errors thrown by `processElement` to the dead-letter side output, like `stream.deadLetters()`. */
  readonly deadLetters?: boolean;
}

/** One item of the main output, in emission order. */
export type HarnessOutput<OUT> =
  | { readonly kind: 'record'; readonly value: OUT; readonly timestamp: number }
  | { readonly kind: 'watermark'; readonly watermark: number };

/** A side-output record. */
export interface HarnessSideRecord<X> {
  readonly value: X;
  readonly timestamp: number;
}

/** Everything a checkpoint of the operator holds. */
export interface HarnessSnapshot {
  readonly keyed: KeyedStateSnapshot | undefined;
  readonly timers: TimersSnapshot | undefined;
  /** What `operator.snapshotState` returned. */
  readonly operator: unknown;
}

type Phase = 'created' | 'open' | 'finished' | 'closed';

function isSnapshotList(value: HarnessSnapshot | readonly HarnessSnapshot[]): value is readonly HarnessSnapshot[] {
  return Array.isArray(value);
}

/** Drives one operator by hand in a unit test; see the module comment. */
export class OperatorTestHarness<OUT = unknown, IN = unknown> {
  readonly clock: TestClock;
  readonly metrics: OperatorMetrics;
  /** Keyed state, on keyed harnesses. */
  readonly keyed: HeapKeyedStateBackend | undefined;
  /** Internal timers, on keyed harnesses. */
  readonly timers: TimerServiceManager | undefined;
  /** The main output: records and watermarks in emission order. */
  readonly output: Array<HarnessOutput<OUT>> = [];
  /** Promises passed to `ctx.backpressure`. */
  readonly backpressured: Array<Promise<unknown>> = [];
  /** Promises passed to `ctx.track`. */
  readonly tracked: Array<Promise<unknown>> = [];
  /** Every error reported through `fail`, rejected promises and processing-time callbacks. */
  readonly failures: unknown[] = [];

  private readonly sideOutputs = new Map<string, Array<HarnessSideRecord<unknown>>>();
  private readonly inputWatermarks: number[];
  private watermark = MIN_WATERMARK;
  private phase: Phase = 'created';
  private restoredOperatorState: { readonly state: unknown } | undefined;
  private readonly name: string;
  private readonly uid: string | undefined;
  private readonly context: OperatorContext<OUT>;

  constructor(
    readonly operator: StreamOperator<OUT>,
    private readonly options: OperatorTestHarnessOptions<IN> = {},
  ) {
    const maxParallelism = options.maxParallelism ?? DEFAULT_MAX_PARALLELISM;
    const parallelism = options.parallelism ?? 1;
    const subtaskIndex = options.subtaskIndex ?? 0;
    checkArgument(Number.isInteger(maxParallelism) && maxParallelism >= 1, `maxParallelism must be an integer >= 1, got ${maxParallelism}`);
    checkArgument(
      Number.isInteger(parallelism) && parallelism >= 1 && parallelism <= maxParallelism,
      `parallelism must be an integer in [1, maxParallelism], got ${parallelism}`,
    );
    checkArgument(
      Number.isInteger(subtaskIndex) && subtaskIndex >= 0 && subtaskIndex < parallelism,
      `subtaskIndex must be an integer in [0, parallelism), got ${subtaskIndex}`,
    );
    const inputs = options.inputs ?? (options.keySelector2 === undefined ? 1 : 2);
    checkArgument(Number.isInteger(inputs) && inputs >= 1, `inputs must be an integer >= 1, got ${inputs}`);
    this.inputWatermarks = new Array<number>(inputs).fill(MIN_WATERMARK);
    this.clock = options.clock ?? new TestClock(0);
    this.name = options.name ?? 'operator';
    this.uid = options.uid;
    this.metrics = new OperatorMetrics(this.name, this.uid, subtaskIndex, this.clock.now());
    if (options.keySelector !== undefined || options.keySelector2 !== undefined) {
      const keyed = new HeapKeyedStateBackend({
        maxParallelism,
        keyGroupRange: keyGroupRange(subtaskIndex, maxParallelism, parallelism),
        clock: this.clock,
      });
      this.keyed = keyed;
      this.timers = new TimerServiceManager({
        backend: keyed,
        clock: this.clock,
        maxParallelism,
        onEventTime: (timer: InternalTimer) => this.operator.onEventTime?.(timer),
        onProcessingTime: (timer: InternalTimer) => this.operator.onProcessingTime?.(timer),
        onError: (error: unknown) => this.fail(error),
      });
    } else {
      this.keyed = undefined;
      this.timers = undefined;
    }
    this.context = this.createContext(subtaskIndex, parallelism, maxParallelism);
  }

  /** A new harness with `snapshot` (or several, when rescaling) restored; call `open()` next. */
  static restored<OUT, IN>(
    operator: StreamOperator<OUT>,
    snapshot: HarnessSnapshot | readonly HarnessSnapshot[],
    options: OperatorTestHarnessOptions<IN> = {},
  ): OperatorTestHarness<OUT, IN> {
    const harness = new OperatorTestHarness<OUT, IN>(operator, options);
    harness.restore(snapshot);
    return harness;
  }

  /** The first error recorded (see `failures`), or undefined. */
  get failure(): unknown {
    return this.failures[0];
  }

  /** The combined input watermark. */
  currentWatermark(): number {
    return this.watermark;
  }

  /**
   * Restores keyed state and timers (only the key groups this subtask owns)
   * and the operator's own state, which `open()` hands to `initializeState`
   * (the one snapshot's; with several, an array of theirs). Before `open()` only.
   */
  restore(snapshot: HarnessSnapshot | readonly HarnessSnapshot[]): void {
    if (this.phase !== 'created') throw new Error('OperatorTestHarness.restore() must be called before open()');
    const snapshots = isSnapshotList(snapshot) ? snapshot : [snapshot];
    const keyed = snapshots.flatMap((s) => (s.keyed === undefined ? [] : [s.keyed]));
    const timers = snapshots.flatMap((s) => (s.timers === undefined ? [] : [s.timers]));
    if (keyed.length > 0 || timers.length > 0) {
      if (this.keyed === undefined || this.timers === undefined) {
        throw new Error('Cannot restore keyed state or timers into a harness without a keySelector');
      }
      this.keyed.restore(keyed);
      this.timers.restore(timers, this.keyed.keyGroupRange);
    }
    const states = snapshots.map((s) => s.operator);
    if (states.some((state) => state !== undefined)) {
      this.restoredOperatorState = { state: states.length === 1 ? states[0] : states };
    }
  }

  /** Restores the operator's own state, if any, and opens it. */
  open(): void {
    if (this.phase !== 'created') throw new Error('OperatorTestHarness.open() was already called');
    this.phase = 'open';
    if (this.restoredOperatorState !== undefined) this.operator.initializeState?.(this.restoredOperatorState.state);
    this.operator.open?.(this.context);
  }

  /** Feeds one record to `input` (0 or 1), after setting its key on keyed harnesses. */
  processElement(value: IN, timestamp: number = NO_TIMESTAMP, input = 0): void {
    this.checkOpen();
    this.metrics.recordsIn++;
    if (this.keyed !== undefined) {
      const selector = input === 0 ? this.options.keySelector : (this.options.keySelector2 ?? this.options.keySelector);
      if (selector === undefined) throw new Error(`OperatorTestHarness has no key selector for input ${input}`);
      this.keyed.setCurrentKey(selector(value));
    }
    if (this.options.deadLetters !== true) {
      this.operator.processElement(value, timestamp, input);
      return;
    }
    try {
      this.operator.processElement(value, timestamp, input);
    } catch (error) {
      this.metrics.deadLetters++;
      const letter: DeadLetter = {
        record: value,
        reason: error instanceof Error ? error.message : String(error),
        operator: this.name,
        uid: this.uid,
        timestamp,
        error,
      };
      this.context.output.collectSide(DEAD_LETTER_TAG, letter, timestamp);
    }
  }

  /** Feeds several records (same timestamp) to input 0. */
  processElements(values: Iterable<IN>, timestamp: number = NO_TIMESTAMP): void {
    for (const value of values) this.processElement(value, timestamp);
  }

  /**
   * Advances the watermark of `input` (default: every input). When the
   * combined watermark (the minimum over inputs) rises, event-time timers
   * `<=` it fire first, then the operator's `processWatermark` runs (or the
   * watermark is forwarded to the output).
   */
  processWatermark(watermark: number, input?: number): void {
    this.checkOpen();
    if (input === undefined) {
      for (let i = 0; i < this.inputWatermarks.length; i++) {
        this.inputWatermarks[i] = Math.max(this.inputWatermarks[i] as number, watermark);
      }
    } else {
      checkArgument(input >= 0 && input < this.inputWatermarks.length, `input must be in [0, ${this.inputWatermarks.length}), got ${input}`);
      this.inputWatermarks[input] = Math.max(this.inputWatermarks[input] as number, watermark);
    }
    const combined = Math.min(...this.inputWatermarks);
    if (combined <= this.watermark) return;
    this.watermark = combined;
    this.metrics.watermark = combined;
    this.timers?.advanceWatermark(combined);
    if (this.operator.processWatermark !== undefined) this.operator.processWatermark(combined);
    else this.context.output.emitWatermark(combined);
  }

  /** Calls the operator's `endOfBatch` hook, as the runtime does after each batch of records. */
  endOfBatch(): void {
    this.checkOpen();
    this.operator.endOfBatch?.();
  }

  /** Moves processing time forward by `ms`, firing due processing-time timers and callbacks in order. */
  advanceProcessingTime(ms: number): void {
    this.clock.advance(ms);
  }

  /** Moves processing time forward to `time`. */
  setProcessingTime(time: number): void {
    this.clock.setTime(time);
  }

  /**
   * Ends the input: runs the operator's `finish`, then waits for it and every
   * tracked promise. Rejects with the first recorded failure, if any.
   */
  async finish(): Promise<void> {
    this.checkOpen();
    this.phase = 'finished';
    await this.operator.finish?.();
    let settled = 0;
    while (settled < this.tracked.length) {
      const batch = this.tracked.slice(settled);
      settled = this.tracked.length;
      await Promise.allSettled(batch);
    }
    if (this.failures.length > 0) throw this.failures[0];
  }

  /** Stops the timers and closes the operator. */
  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.timers?.close();
    await this.operator.close?.();
  }

  /**
   * A deep copy of keyed state, timers and `operator.snapshotState(checkpointId)`
   * (after `operator.prepareSnapshotPreBarrier(checkpointId)`), to restore
   * into a new harness (`OperatorTestHarness.restored`).
   */
  snapshot(checkpointId = 1): HarnessSnapshot {
    this.operator.prepareSnapshotPreBarrier?.(checkpointId);
    return structuredClone({
      keyed: this.keyed?.snapshot(),
      timers: this.timers?.snapshot(),
      operator: this.operator.snapshotState?.(checkpointId),
    });
  }

  /** The values of the records emitted so far. */
  records(): OUT[] {
    const values: OUT[] = [];
    for (const item of this.output) if (item.kind === 'record') values.push(item.value);
    return values;
  }

  /** The records emitted so far, with their timestamps. */
  timestampedRecords(): Array<{ value: OUT; timestamp: number }> {
    const records: Array<{ value: OUT; timestamp: number }> = [];
    for (const item of this.output) if (item.kind === 'record') records.push({ value: item.value, timestamp: item.timestamp });
    return records;
  }

  /** The watermarks emitted so far. */
  watermarks(): number[] {
    const watermarks: number[] = [];
    for (const item of this.output) if (item.kind === 'watermark') watermarks.push(item.watermark);
    return watermarks;
  }

  /** The values emitted to a side output. */
  sideOutput<X>(tag: OutputTag<X>): X[] {
    return this.sideOutputRecords(tag).map((record) => record.value);
  }

  /** The records emitted to a side output, with their timestamps. */
  sideOutputRecords<X>(tag: OutputTag<X>): Array<HarnessSideRecord<X>> {
    return (this.sideOutputs.get(tag.id) ?? []) as Array<HarnessSideRecord<X>>;
  }

  /** Forgets the output captured so far (main and side outputs). */
  clearOutput(): void {
    this.output.length = 0;
    this.sideOutputs.clear();
  }

  /** Live event-time timers (keyed harnesses; 0 otherwise). */
  numEventTimeTimers(): number {
    return this.timers?.numEventTimeTimers() ?? 0;
  }

  /** Live processing-time timers (keyed harnesses; 0 otherwise). */
  numProcessingTimeTimers(): number {
    return this.timers?.numProcessingTimeTimers() ?? 0;
  }

  /** Records a failure, as `ctx.fail` does. */
  fail(error: unknown): void {
    this.failures.push(error);
  }

  private checkOpen(): void {
    if (this.phase !== 'open') {
      throw new Error(this.phase === 'created' ? 'OperatorTestHarness: call open() first' : `OperatorTestHarness is ${this.phase}`);
    }
  }

  private watch(promise: Promise<unknown>): void {
    promise.catch((error: unknown) => this.fail(error));
  }

  private createContext(subtaskIndex: number, parallelism: number, maxParallelism: number): OperatorContext<OUT> {
    const output: Output<OUT> = {
      collect: (value, timestamp) => {
        this.metrics.recordsOut++;
        this.output.push({ kind: 'record', value, timestamp });
      },
      collectSide: (tag, value, timestamp) => {
        let records = this.sideOutputs.get(tag.id);
        if (records === undefined) {
          records = [];
          this.sideOutputs.set(tag.id, records);
        }
        records.push({ value, timestamp });
      },
      emitWatermark: (watermark) => {
        this.output.push({ kind: 'watermark', watermark });
      },
    };
    const timers = this.timers;
    const clock = this.clock;
    return {
      name: this.name,
      uid: this.uid,
      subtaskIndex,
      parallelism,
      maxParallelism,
      output,
      clock,
      metrics: this.metrics,
      keyed: this.keyed,
      deadLettersEnabled: this.options.deadLetters === true,
      currentWatermark: () => this.watermark,
      timerService: <N>(name: string, namespaceKey?: (namespace: N) => string | number): InternalTimerService<N> => {
        if (timers === undefined) throw new InvalidProgramError(`Operator '${this.name}' asked for timers, but the harness is not keyed: pass a keySelector`);
        return timers.getTimerService<N>(name, namespaceKey);
      },
      scheduleProcessingTime: (at, callback) =>
        clock.schedule(at, () => {
          try {
            callback(clock.now());
          } catch (error) {
            this.fail(error);
          }
        }),
      backpressure: (until) => {
        this.backpressured.push(until);
        this.watch(until);
      },
      track: (work) => {
        this.tracked.push(work);
        this.watch(work);
      },
      fail: (error) => this.fail(error),
    };
  }
}

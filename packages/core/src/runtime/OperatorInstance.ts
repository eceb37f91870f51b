/**
 * One parallel subtask of one operator: the operator object, its context,
 * metrics, keyed state and timers, and its output routing. The first
 * instance of a chain (the head) also drives the chain: after every batch it
 * calls `endOfBatch` on each member and flushes the chain's exchanges.
 *
 * Errors: an exception from the operator's user code is wrapped in a
 * UserFunctionError naming the operator and carrying the record — or, when
 * the operator has dead letters enabled, the record goes to the dead-letter
 * side output with the reason and is counted. Errors from further down the
 * chain pass through unchanged.
 */
import { DEAD_LETTER_TAG, type DeadLetter } from '../api/DeadLetter.js';
import type { Key } from '../api/functions.js';
import type { OutputTag } from '../api/OutputTag.js';
import { UserFunctionError, describeOperator } from '../errors.js';
import { OperatorMetrics } from '../metrics/OperatorMetrics.js';
import type { InternalTimer, OperatorContext, StreamOperator } from '../operators/StreamOperator.js';
import { HeapKeyedStateBackend } from '../state/HeapKeyedStateBackend.js';
import type { InternalTimerService } from '../state/InternalTimerService.js';
import { keyGroupRange } from '../state/KeyGroups.js';
import { TimerServiceManager } from '../state/TimerServiceManager.js';
import type { Clock } from '../time/clock.js';
import { MIN_WATERMARK } from '../time/watermark.js';
import { encodeSubtaskState, type SubtaskState, type SubtaskStateContent } from '../checkpoint/CheckpointData.js';
import { encodeState } from '../checkpoint/serialization.js';
import type { ExecutionScope } from './ExecutionScope.js';
import type { JobVertex } from './JobGraph.js';
import { RecordOutput } from './RecordOutput.js';
import type { RecordTarget } from './RecordTarget.js';

/**
 * How long one slice of an asynchronous keyed-state snapshot may run before
 * records get their turn again (the most a checkpoint delays a record by).
 */
const KEYED_SNAPSHOT_SLICE_MS = 2;

function encodeIfDefined(value: unknown): string | undefined {
  return value === undefined ? undefined : encodeState(value);
}

/** What an instance needs from the running job. */
export interface InstanceHost {
  readonly clock: Clock;
  readonly scope: ExecutionScope;
  readonly maxParallelism: number;
  readonly startedAt: number;
  fail(error: unknown): void;
  backpressure(until: Promise<unknown>): void;
  track(work: Promise<unknown>): void;
  instanceFinished(instance: OperatorInstance): void;
  /** This instance has taken its part of checkpoint `checkpointId` (the state may still be completing). */
  acknowledgeCheckpoint(checkpointId: number, instance: OperatorInstance, state: Promise<SubtaskState>): void;
  /** The id the final checkpoint (taken when the job finishes) will have. */
  finalCheckpointId(): number;
}

/** Errors already wrapped by the instance where they happened. */
const wrapped = new WeakSet<object>();

function markWrapped(error: UserFunctionError): UserFunctionError {
  wrapped.add(error);
  return error;
}

export class OperatorInstance {
  readonly metrics: OperatorMetrics;
  readonly output: RecordOutput;
  readonly backend: HeapKeyedStateBackend | undefined;
  private timers: TimerServiceManager | undefined;
  /** The head of this instance's chain (itself when it is the head). */
  head: OperatorInstance = this;
  /** Chain members in order, head first (set on the head only). */
  readonly chain: OperatorInstance[] = [this];
  private watermark = MIN_WATERMARK;
  private finished = false;
  private flushScheduled = false;
  /**
   * True while this chain's source awaits its reader's `pollNext`: records
   * the reader emits after an await are flushed when the poll ends (or on
   * the next macrotask, if it waits on I/O), so a reader that awaits per
   * record still sends batches, not one record per microtask.
   */
  polling = false;
  private readonly deadLetters: boolean;
  private readonly isSink: boolean;

  constructor(
    readonly vertex: JobVertex,
    readonly subtask: number,
    readonly operator: StreamOperator,
    private readonly host: InstanceHost,
  ) {
    const t = vertex.transformation;
    this.metrics = new OperatorMetrics(vertex.name, vertex.uid, subtask, host.startedAt);
    this.output = new RecordOutput(this.metrics, () => this.head.scheduleFlush(), () => host.scope.depth > 0);
    this.deadLetters = t.kind !== 'source' && t.deadLetters;
    this.isSink = t.kind === 'oneInput' && t.isSink;
    if (t.kind !== 'source' && t.keyed) {
      this.backend = new HeapKeyedStateBackend({
        maxParallelism: host.maxParallelism,
        keyGroupRange: keyGroupRange(subtask, host.maxParallelism, vertex.parallelism),
        clock: host.clock,
      });
    }
  }

  /** The label used in errors and logs. */
  get label(): string {
    return describeOperator(this.vertex.name, this.vertex.uid);
  }

  addTarget(target: RecordTarget, tag: OutputTag<unknown> | undefined): void {
    this.output.addTarget(target, tag);
  }

  /** Builds the context and opens the operator. */
  open(): void {
    this.operator.open?.(this.createContext());
  }

  processRecord(value: unknown, timestamp: number, key: Key | undefined, input: number): void {
    this.metrics.recordsIn++;
    if (key !== undefined && this.backend !== undefined) this.backend.setCurrentKey(key);
    try {
      this.operator.processElement(value, timestamp, input);
    } catch (error) {
      this.handleRecordError(error, value, timestamp);
    }
  }

  processWatermark(watermark: number): void {
    if (watermark <= this.watermark) return;
    this.watermark = watermark;
    this.metrics.watermark = watermark;
    this.timers?.advanceWatermark(watermark);
    if (this.operator.processWatermark !== undefined) {
      try {
        this.operator.processWatermark(watermark);
      } catch (error) {
        throw this.wrap(error, watermark, 'watermark');
      }
    } else {
      this.output.emitWatermark(watermark);
    }
  }

  processIdle(idle: boolean): void {
    this.output.emitIdle(idle);
  }

  /** Every input has ended: finish the operator, then tell the targets. */
  endOfInput(): void {
    if (this.finished) return;
    this.finished = true;
    let result: void | Promise<void>;
    try {
      result = this.operator.finish?.();
    } catch (error) {
      throw this.wrap(error, undefined, 'end of input');
    }
    if (result instanceof Promise) {
      this.host.track(
        result.then(
          () => this.afterFinish(),
          (error: unknown) => {
            throw this.wrap(error, undefined, 'end of input');
          },
        ),
      );
    } else {
      this.afterFinish();
    }
  }

  /** Starts a runtime-driven call on this chain. */
  beginBatch(): void {
    this.host.scope.depth++;
  }

  /** Ends a runtime-driven call: end-of-batch hooks, then flush the chain's exchanges. */
  endBatch(): void {
    const scope = this.host.scope;
    try {
      for (const member of this.chain) {
        member.operator.endOfBatch?.();
        if (member.isSink) member.metrics.recordLatency(this.host.clock.now() - scope.pollStartedAt);
      }
      for (const member of this.chain) member.output.flush();
    } finally {
      scope.depth--;
    }
  }

  /** A checkpoint barrier reached this operator (aligned on every input): snapshot, acknowledge, forward. */
  processBarrier(checkpointId: number): void {
    this.host.acknowledgeCheckpoint(checkpointId, this, this.snapshot(checkpointId));
    this.output.emitBarrier(checkpointId);
  }

  /**
   * Takes this subtask's state as it is now (keyed state, timers, operator
   * state), so records processed after the barrier cannot change it: timers
   * and synchronous operator state are encoded at once, keyed state by a
   * copy-on-access pass in slices between the records that follow (see
   * `KeyedSnapshotPass`). The final checkpoint of a finished job leaves
   * keyed state out: no record will ever need it again.
   */
  snapshot(checkpointId: number, withKeyedState = true): Promise<SubtaskState> {
    const failed = (error: unknown): Promise<never> => Promise.reject(this.wrap(error, undefined, `checkpoint ${checkpointId}`) as Error);
    try {
      this.operator.prepareSnapshotPreBarrier?.(checkpointId);
      const keyed = this.backend === undefined || !withKeyedState ? undefined : this.backend.beginSnapshot();
      const timers = this.timers === undefined || !withKeyedState ? undefined : encodeState(this.timers.snapshot());
      const result = this.operator.snapshotState?.(checkpointId);
      const operator = result instanceof Promise ? result.then(encodeIfDefined) : encodeIfDefined(result);
      return Promise.all([keyed?.complete(KEYED_SNAPSHOT_SLICE_MS), operator]).then(
        ([keyedText, operatorText]) => ({ subtask: this.subtask, state: encodeSubtaskState({ keyed: keyedText, timers, operator: operatorText }) }),
        failed,
      );
    } catch (error) {
      return failed(error);
    }
  }

  /**
   * Restores state before `open`: keyed state and timers from every old
   * subtask (each backend keeps its own key groups), and the operator states
   * assigned to this subtask.
   */
  restore(all: readonly SubtaskStateContent[], assigned: readonly SubtaskStateContent[]): void {
    const keyed = all.flatMap((s) => (s.keyed === undefined ? [] : [s.keyed]));
    if (keyed.length > 0 && this.backend !== undefined) this.backend.restore(keyed);
    const timers = all.flatMap((s) => (s.timers === undefined ? [] : [s.timers]));
    if (timers.length > 0 && this.backend !== undefined) this.timerManager().restore(timers);
    for (const state of assigned) {
      if (state.operator !== undefined) this.operator.initializeState?.(state.operator);
    }
  }

  /** The checkpoint is durable: let the operator commit. */
  notifyCheckpointComplete(checkpointId: number): void {
    const result = this.operator.notifyCheckpointComplete?.(checkpointId);
    if (result instanceof Promise) this.host.track(result);
  }

  /** The state this instance had when it finished (for the final checkpoint), once it has. */
  finalState: Promise<SubtaskState> | undefined;

  async close(): Promise<void> {
    this.timers?.close();
    await this.operator.close?.();
  }

  private afterFinish(): void {
    this.finalState = this.snapshot(this.host.finalCheckpointId(), false);
    this.finalState.catch(() => {});
    this.head.beginBatch();
    try {
      this.output.flush();
      this.output.endOfInput();
    } finally {
      this.host.scope.depth--;
    }
    this.host.instanceFinished(this);
  }

  /** Flushes this chain soon, for output emitted from async callbacks. */
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (this.polling) setImmediate(this.flushScheduledOutput);
    else queueMicrotask(this.flushScheduledOutput);
  }

  /** Flushes what async callbacks emitted, if that flush is still due. */
  readonly flushScheduledOutput = (): void => {
    if (!this.flushScheduled) return;
    this.flushScheduled = false;
    try {
      this.beginBatch();
      this.endBatch();
    } catch (error) {
      this.host.fail(error);
    }
  };

  /** Runs a runtime callback (timer, scheduled task) on this instance's chain; errors fail the job. */
  private runCallback(fn: () => void): void {
    const head = this.head;
    try {
      head.beginBatch();
      try {
        fn();
      } finally {
        head.endBatch();
      }
    } catch (error) {
      this.host.fail(error);
    }
  }

  private handleRecordError(error: unknown, value: unknown, timestamp: number): void {
    if (typeof error === 'object' && error !== null && wrapped.has(error)) throw error;
    if (!this.deadLetters) throw this.wrap(error, value, 'record');
    this.metrics.deadLetters++;
    const letter: DeadLetter = {
      record: value,
      reason: error instanceof Error ? error.message : String(error),
      operator: this.vertex.name,
      uid: this.vertex.uid,
      timestamp,
      error,
    };
    this.output.collectSide(DEAD_LETTER_TAG, letter, timestamp);
  }

  private wrap(error: unknown, record: unknown, what: string): unknown {
    if (typeof error === 'object' && error !== null && wrapped.has(error)) return error;
    if (error instanceof UserFunctionError) return markWrapped(error);
    return markWrapped(new UserFunctionError(this.vertex.name, this.vertex.uid, record, error, what));
  }

  private timerManager(): TimerServiceManager {
    if (this.timers !== undefined) return this.timers;
    if (this.backend === undefined) {
      throw new UserFunctionError(
        this.vertex.name,
        this.vertex.uid,
        undefined,
        new Error('timers are only available on keyed streams: call keyBy() first'),
        'open',
      );
    }
    this.timers = new TimerServiceManager({
      backend: this.backend,
      clock: this.host.clock,
      onEventTime: (timer: InternalTimer) => {
        try {
          this.operator.onEventTime?.(timer);
        } catch (error) {
          throw this.wrap(error, { timer: timer.timestamp, key: timer.key }, 'event-time timer');
        }
      },
      onProcessingTime: (timer: InternalTimer) =>
        this.runCallback(() => {
          try {
            this.operator.onProcessingTime?.(timer);
          } catch (error) {
            throw this.wrap(error, { timer: timer.timestamp, key: timer.key }, 'processing-time timer');
          }
        }),
      onError: (error: unknown) => this.host.fail(error),
    });
    return this.timers;
  }

  private createContext(): OperatorContext<unknown> {
    const host = this.host;
    const vertex = this.vertex;
    return {
      name: vertex.name,
      uid: vertex.uid,
      subtaskIndex: this.subtask,
      parallelism: vertex.parallelism,
      maxParallelism: host.maxParallelism,
      output: this.output,
      clock: host.clock,
      metrics: this.metrics,
      keyed: this.backend,
      deadLettersEnabled: this.deadLetters,
      currentWatermark: () => this.watermark,
      timerService: <N>(name: string, namespaceKey?: (namespace: N) => string | number): InternalTimerService<N> =>
        this.timerManager().getTimerService<N>(name, namespaceKey),
      scheduleProcessingTime: (at, callback) =>
        host.clock.schedule(at, () => this.runCallback(() => callback(host.clock.now()))),
      backpressure: (until) => host.backpressure(until),
      track: (work) => host.track(work),
      fail: (error) => host.fail(error),
    };
  }
}

/** A direct call into a chained operator. */
export class ChainedTarget implements RecordTarget {
  constructor(
    private readonly instance: OperatorInstance,
    private readonly input: number,
  ) {}

  record(value: unknown, timestamp: number): void {
    this.instance.processRecord(value, timestamp, undefined, this.input);
  }

  watermark(watermark: number): void {
    this.instance.processWatermark(watermark);
  }

  idle(idle: boolean): void {
    this.instance.processIdle(idle);
  }

  endOfInput(): void {
    this.instance.endOfInput();
  }

  barrier(checkpointId: number): void {
    this.instance.processBarrier(checkpointId);
  }

  flush(): void {}
}

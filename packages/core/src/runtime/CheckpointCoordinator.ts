/**
 * Triggers checkpoints on an interval (and savepoints on demand), collects
 * every task's acknowledgement, and completes a checkpoint once all states
 * are in: it writes the CheckpointData through the storage (metadata last,
 * atomically), then tells every operator so sinks commit, then prunes old
 * checkpoints. At most one checkpoint is in progress; one that takes longer
 * than the timeout is abandoned.
 */
import { CHECKPOINT_FORMAT_VERSION, type CheckpointData, type CheckpointInfo, type CheckpointStorage, type OperatorState, type SubtaskState } from '../checkpoint/CheckpointData.js';
import { TributaryError } from '../errors.js';
import type { Clock } from '../time/clock.js';
import type { Logger } from './Logger.js';

/** What the coordinator needs from the running job attempt. */
export interface CheckpointTarget {
  readonly jobName: string;
  readonly maxParallelism: number;
  /** Number of acknowledgements a checkpoint needs (every operator subtask and source subtask). */
  expectedAcknowledgements(): number;
  /** Injects barriers at every source; false when the job cannot take a checkpoint now (a task has finished). */
  injectBarriers(checkpointId: number): boolean;
  /** Tells every operator and source that the checkpoint is durable. */
  notifyComplete(checkpointId: number): void;
}

/** One acknowledgement: whose state it is. */
export interface Acknowledgement {
  readonly operatorId: string;
  readonly name: string;
  readonly parallelism: number;
  readonly state: Promise<SubtaskState>;
}

export interface CheckpointStats {
  readonly completed: number;
  readonly failed: number;
  readonly lastDurationMs?: number;
  readonly last?: CheckpointInfo;
}

interface Pending {
  readonly id: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly startedAt: number;
  readonly acks: Acknowledgement[];
  readonly settle: { resolve: (info: CheckpointInfo) => void; reject: (error: unknown) => void };
  cancelTimeout: () => void;
}

export interface CheckpointCoordinatorOptions {
  readonly storage: CheckpointStorage | undefined;
  readonly intervalMs: number | undefined;
  readonly minPauseMs: number;
  readonly timeoutMs: number;
  readonly retain: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The id of the last checkpoint of an earlier attempt (ids keep increasing across restarts). */
  readonly lastId: number;
}

export class CheckpointCoordinator {
  private lastId: number;
  private pending: Pending | undefined;
  private lastEndedAt = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | undefined;
  private stopped = false;
  private completedCount = 0;
  private failedCount = 0;
  private lastDuration: number | undefined;
  private lastInfo: CheckpointInfo | undefined;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly target: CheckpointTarget,
    private readonly options: CheckpointCoordinatorOptions,
  ) {
    this.lastId = options.lastId;
  }

  /** The last checkpoint id handed out. */
  get lastTriggeredId(): number {
    return this.lastId;
  }

  stats(): CheckpointStats {
    return {
      completed: this.completedCount,
      failed: this.failedCount,
      ...(this.lastDuration === undefined ? {} : { lastDurationMs: this.lastDuration }),
      ...(this.lastInfo === undefined ? {} : { last: this.lastInfo }),
    };
  }

  /** Starts periodic checkpoints, if an interval is configured. */
  start(): void {
    if (this.options.intervalMs !== undefined && this.options.storage !== undefined) this.scheduleNext(this.options.intervalMs);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    if (this.pending !== undefined) this.abort(this.pending, new TributaryError('CHECKPOINT_ABORTED', 'the job stopped'));
  }

  /** Takes a savepoint now (waiting for a checkpoint in progress to end first). */
  async triggerSavepoint(): Promise<CheckpointInfo> {
    if (this.options.storage === undefined) {
      throw new TributaryError('NO_CHECKPOINT_STORAGE', 'savepoints need checkpoint storage: set checkpointDir or checkpointStorage');
    }
    while (this.pending !== undefined) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.trigger('savepoint');
  }

  /** Receives one task's state for checkpoint `id`. */
  acknowledge(id: number, ack: Acknowledgement): void {
    const pending = this.pending;
    if (pending === undefined || pending.id !== id) {
      ack.state.catch(() => {});
      return;
    }
    pending.acks.push(ack);
    if (pending.acks.length === this.target.expectedAcknowledgements()) void this.complete(pending);
  }

  /**
   * Saves the final checkpoint of a finished job from the states the tasks
   * had when they finished, then notifies them (sinks commit their last data).
   */
  async completeFinal(id: number, acks: readonly Acknowledgement[]): Promise<void> {
    while (this.pending !== undefined) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.lastId = Math.max(this.lastId, id);
    // Wait for every final state even without storage: a sink's pre-commit must
    // be done before it is told to commit.
    const data = await this.collect(id, 'checkpoint', this.options.clock.now(), acks);
    if (this.options.storage !== undefined) {
      this.lastInfo = await this.options.storage.save(data);
      this.completedCount++;
    }
    this.target.notifyComplete(id);
  }

  private scheduleNext(delay: number): void {
    if (this.stopped) return;
    const clock = this.options.clock;
    this.cancelTimer = clock.schedule(clock.now() + delay, () => {
      if (this.stopped) return;
      const sincePrevious = clock.now() - this.lastEndedAt;
      const pause = this.options.minPauseMs - sincePrevious;
      if (this.pending !== undefined || pause > 0) {
        this.scheduleNext(Math.max(pause, 1));
        return;
      }
      this.trigger('checkpoint').then(
        () => this.scheduleNext(this.options.intervalMs as number),
        (error: unknown) => {
          this.options.logger.warn({ err: error }, 'checkpoint failed');
          this.scheduleNext(this.options.intervalMs as number);
        },
      );
    });
  }

  private trigger(kind: 'checkpoint' | 'savepoint'): Promise<CheckpointInfo> {
    const clock = this.options.clock;
    const id = ++this.lastId;
    return new Promise<CheckpointInfo>((resolve, reject) => {
      const pending: Pending = { id, kind, startedAt: clock.now(), acks: [], settle: { resolve, reject }, cancelTimeout: () => {} };
      this.pending = pending;
      pending.cancelTimeout = clock.schedule(clock.now() + this.options.timeoutMs, () =>
        this.abort(pending, new TributaryError('CHECKPOINT_TIMEOUT', `${kind} ${id} did not complete within ${this.options.timeoutMs} ms`)),
      );
      this.options.logger.debug({ checkpointId: id, kind }, `triggering ${kind}`);
      if (!this.target.injectBarriers(id)) {
        this.abort(pending, new TributaryError('CHECKPOINT_DECLINED', `${kind} ${id} declined: part of the job has already finished`));
      }
    });
  }

  private async complete(pending: Pending): Promise<void> {
    try {
      const data = await this.collect(pending.id, pending.kind, pending.startedAt, pending.acks);
      if (this.pending !== pending) return;
      const info = await (this.options.storage as CheckpointStorage).save(data);
      if (this.pending !== pending) return;
      this.finish(pending);
      this.completedCount++;
      this.lastDuration = this.options.clock.now() - pending.startedAt;
      this.lastInfo = info;
      this.options.logger.info({ checkpointId: pending.id, kind: pending.kind, location: info.location, durationMs: this.lastDuration }, `${pending.kind} complete`);
      this.target.notifyComplete(pending.id);
      pending.settle.resolve(info);
      if (pending.kind === 'checkpoint') {
        await this.options.storage?.prune(this.options.retain).catch((error: unknown) => {
          this.options.logger.warn({ err: error }, 'pruning old checkpoints failed');
        });
      }
    } catch (error) {
      this.abort(pending, error);
    }
  }

  private async collect(id: number, kind: 'checkpoint' | 'savepoint', timestamp: number, acks: readonly Acknowledgement[]): Promise<CheckpointData> {
    const states = await Promise.all(acks.map((a) => a.state));
    const operators: Record<string, { operatorId: string; name: string; parallelism: number; subtasks: SubtaskState[] }> = {};
    acks.forEach((ack, i) => {
      const op = (operators[ack.operatorId] ??= { operatorId: ack.operatorId, name: ack.name, parallelism: ack.parallelism, subtasks: [] });
      op.subtasks.push(states[i] as SubtaskState);
    });
    for (const op of Object.values(operators)) op.subtasks.sort((a, b) => a.subtask - b.subtask);
    return {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      jobName: this.target.jobName,
      checkpointId: id,
      kind,
      timestamp,
      maxParallelism: this.target.maxParallelism,
      operators: operators as Record<string, OperatorState>,
    };
  }

  private abort(pending: Pending, error: unknown): void {
    if (this.pending !== pending) return;
    this.finish(pending);
    this.failedCount++;
    for (const ack of pending.acks) ack.state.catch(() => {});
    pending.settle.reject(error);
  }

  private finish(pending: Pending): void {
    pending.cancelTimeout();
    this.pending = undefined;
    this.lastEndedAt = this.options.clock.now();
    const waiting = this.waiting.splice(0);
    for (const wake of waiting) wake();
  }
}

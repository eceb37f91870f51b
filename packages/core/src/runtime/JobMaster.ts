/**
 * Runs a job across attempts: finds the checkpoint to start from (the latest
 * complete one, or a given location), starts an attempt, and when it fails
 * asks the restart strategy whether and when to restart — in-process, from
 * the latest complete checkpoint. Also the entry point for savepoints,
 * cancellation and live metrics.
 */
import type { CheckpointData, CheckpointInfo } from '../checkpoint/CheckpointData.js';
import { JobCancelledError, JobFailedError, TributaryError } from '../errors.js';
import type { OperatorMetricsSnapshot } from '../metrics/OperatorMetrics.js';
import type { CheckpointStats } from './CheckpointCoordinator.js';
import { Job, type JobOptions, type JobResult } from './Job.js';
import type { JobGraph } from './JobGraph.js';
import type { RestartStrategy } from './RestartStrategy.js';

/**
 * What every attempt gets (the JobOptions the master does not decide itself),
 * where the first attempt restores from, and how failed attempts restart.
 */
export interface JobMasterOptions extends Omit<JobOptions, 'restore' | 'lastCheckpointId'> {
  /** 'latest' (the latest complete checkpoint), a checkpoint or savepoint location, or undefined (start empty). */
  readonly restoreFrom: 'latest' | string | undefined;
  readonly restartStrategy: RestartStrategy | undefined;
}

/** Errors no restart can fix: the state to restore is unreadable or does not fit the job. */
const FATAL_CODES = new Set(['CHECKPOINT_UNREADABLE', 'CHECKPOINT_FORMAT_UNSUPPORTED', 'CHECKPOINT_INCOMPATIBLE', 'STATE_NOT_RESTORED', 'INVALID_PROGRAM']);

function isFatal(error: unknown): boolean {
  return error instanceof TributaryError && FATAL_CODES.has(error.code);
}

export class JobMaster {
  readonly done: Promise<JobResult>;
  private current: Job | undefined;
  private cancelled = false;
  private restartCount = 0;
  private lastCheckpointId = 0;
  private stats: CheckpointStats = { completed: 0, failed: 0 };

  constructor(
    private readonly graph: JobGraph,
    private readonly options: JobMasterOptions,
  ) {
    this.done = this.run();
    this.done.catch(() => {});
  }

  get name(): string {
    return this.options.name;
  }

  isRunning(): boolean {
    return !this.cancelled && (this.current === undefined || this.current.isRunning());
  }

  restarts(): number {
    return this.restartCount;
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.current?.cancel();
  }

  /** Takes a savepoint of the running job. */
  triggerSavepoint(): Promise<CheckpointInfo> {
    const job = this.current;
    if (job === undefined || !job.isRunning()) {
      return Promise.reject(new TributaryError('JOB_NOT_RUNNING', `Job '${this.name}' is not running: no savepoint can be taken`));
    }
    return job.checkpoints.triggerSavepoint();
  }

  /** Takes a savepoint, then cancels the job. */
  async stopWithSavepoint(): Promise<CheckpointInfo> {
    const info = await this.triggerSavepoint();
    await this.cancel();
    return info;
  }

  checkpointStats(): CheckpointStats {
    const live = this.current?.checkpoints.stats();
    if (live === undefined) return this.stats;
    return {
      completed: this.stats.completed + live.completed,
      failed: this.stats.failed + live.failed,
      ...(live.lastDurationMs !== undefined ? { lastDurationMs: live.lastDurationMs } : this.stats.lastDurationMs !== undefined ? { lastDurationMs: this.stats.lastDurationMs } : {}),
      ...(live.last !== undefined ? { last: live.last } : this.stats.last !== undefined ? { last: this.stats.last } : {}),
    };
  }

  metrics(): OperatorMetricsSnapshot[] {
    return this.current?.metrics() ?? [];
  }

  progress(): { recordsRead: number; bounded: boolean; totalRecords?: number } {
    return this.current?.progress() ?? { recordsRead: 0, bounded: true };
  }

  private async run(): Promise<JobResult> {
    // Without a checkpoint to load, the first attempt starts synchronously, inside
    // execute(): sources subscribe at once (a hot Observable loses nothing).
    let restore = this.options.restoreFrom === undefined ? undefined : await this.initialCheckpoint();
    for (;;) {
      const job = new Job(this.graph, { ...this.options, restore, lastCheckpointId: this.lastCheckpointId });
      this.current = job;
      job.start();
      try {
        const result = await job.done;
        this.absorbStats(job);
        return result;
      } catch (error) {
        this.absorbStats(job);
        if (this.cancelled) throw new JobCancelledError(this.name);
        const delay = isFatal(error) ? undefined : this.options.restartStrategy?.onFailure(this.options.clock.now(), error);
        if (delay === undefined) throw new JobFailedError(this.name, error);
        this.restartCount++;
        this.options.logger.warn(
          { err: error, attempt: this.restartCount, delayMs: delay, strategy: this.options.restartStrategy?.description },
          `job failed; restarting from the latest checkpoint in ${delay} ms`,
        );
        await new Promise<void>((resolve) => this.options.clock.schedule(this.options.clock.now() + delay, resolve));
        if (this.cancelled) throw new JobCancelledError(this.name);
        restore = (await this.latest()) ?? restore;
      }
    }
  }

  private absorbStats(job: Job): void {
    const s = job.checkpoints.stats();
    this.lastCheckpointId = Math.max(this.lastCheckpointId, job.checkpoints.lastTriggeredId);
    this.stats = {
      completed: this.stats.completed + s.completed,
      failed: this.stats.failed + s.failed,
      ...(s.lastDurationMs !== undefined ? { lastDurationMs: s.lastDurationMs } : {}),
      ...(s.last !== undefined ? { last: s.last } : this.stats.last !== undefined ? { last: this.stats.last } : {}),
    };
  }

  private async initialCheckpoint(): Promise<CheckpointData | undefined> {
    const from = this.options.restoreFrom;
    if (from === undefined) return undefined;
    const storage = this.options.checkpointStorage;
    if (storage === undefined) {
      throw new TributaryError('CHECKPOINT_UNREADABLE', `Cannot restore from '${from}': no checkpoint storage is configured (set checkpointDir)`);
    }
    if (from === 'latest') return this.latest();
    try {
      return await storage.load(from);
    } catch (error) {
      if (error instanceof TributaryError) throw error;
      throw new TributaryError('CHECKPOINT_UNREADABLE', `Cannot restore from '${from}': ${(error as Error).message}`, { cause: error });
    }
  }

  /** The newest complete checkpoint; unreadable ones are skipped with a logged reason. */
  private async latest(): Promise<CheckpointData | undefined> {
    const storage = this.options.checkpointStorage;
    if (storage === undefined) return undefined;
    const found = await storage.loadLatest((location, reason) =>
      this.options.logger.warn({ location, reason }, `skipping checkpoint ${location}: ${reason}`),
    );
    return found?.data;
  }
}

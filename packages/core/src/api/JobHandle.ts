/**
 * The handle of a running job, returned by `env.execute(name)`. It is
 * awaitable — `await env.execute('job')` waits for the job to finish, like
 * Flink's `execute` — and also offers `cancel()` and live `metrics()`.
 *
 * ```ts
 * const job = env.execute('views');
 * setTimeout(() => job.cancel(), 60_000);
 * const result = await job; // { status: 'finished' | 'cancelled', metrics, … }
 * ```
 * A failed job rejects with a JobFailedError whose `cause` is the first error
 * (after the restart strategy, if any, gave up).
 */
import type { OperatorMetricsSnapshot } from '../metrics/OperatorMetrics.js';
import type { JobResult } from '../runtime/Job.js';
import type { JobMaster } from '../runtime/JobMaster.js';
import type { CheckpointInfo } from '../checkpoint/CheckpointData.js';
import type { CheckpointStats } from '../runtime/CheckpointCoordinator.js';

export type { JobResult, CheckpointStats };

export class JobHandle implements PromiseLike<JobResult> {
  /** Settles when the job ends. */
  readonly done: Promise<JobResult>;

  /** @internal */
  constructor(private readonly job: JobMaster) {
    this.done = job.done;
  }

  get name(): string {
    return this.job.name;
  }

  /** Whether the job is still running. */
  isRunning(): boolean {
    return this.job.isRunning();
  }

  /** Stops the sources and closes the operators; `done` resolves with status 'cancelled'. */
  cancel(): Promise<void> {
    return this.job.cancel();
  }

  /** Takes a savepoint now (needs checkpoint storage); resolves with where it went. */
  triggerSavepoint(): Promise<CheckpointInfo> {
    return this.job.triggerSavepoint();
  }

  /** Takes a savepoint, then cancels the job: restart it later with `restoreFrom`. */
  stopWithSavepoint(): Promise<CheckpointInfo> {
    return this.job.stopWithSavepoint();
  }

  /** The last completed checkpoint or savepoint, if any. */
  lastCheckpoint(): CheckpointInfo | undefined {
    return this.job.checkpointStats().last;
  }

  /** Completed and failed checkpoints, and how long the last one took. */
  checkpointStats(): CheckpointStats {
    return this.job.checkpointStats();
  }

  /** How many times the job restarted after a failure. */
  restarts(): number {
    return this.job.restarts();
  }

  /** Records read so far, and the total when every source knows its size. */
  progress(): { recordsRead: number; bounded: boolean; totalRecords?: number } {
    return this.job.progress();
  }

  /** Per-operator, per-subtask metrics right now. */
  metrics(): OperatorMetricsSnapshot[] {
    return this.job.metrics();
  }

  then<R1 = JobResult, R2 = never>(
    onfulfilled?: ((value: JobResult) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.done.then(onfulfilled, onrejected);
  }
}

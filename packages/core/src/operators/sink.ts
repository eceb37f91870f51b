/**
 * The operator behind `sinkTo`: hands records to a SinkWriter and turns a
 * writer's returned promise into backpressure. Checkpoints drive delivery:
 * an at-least-once writer is flushed on every barrier; a two-phase-commit
 * writer pre-commits on the barrier (its committables go into the
 * checkpoint) and its committer commits once the checkpoint is complete.
 * After a restore the checkpoint's committables are committed again
 * (idempotently) and staged leftovers of the failed attempt are cleaned up
 * before the first record is written.
 */
import type { Sink, SinkFunction, SinkWriter, SinkWriterContext } from '../sinks/Sink.js';
import { isTwoPhaseCommitSink, type Committer, type TwoPhaseCommitSinkWriter } from '../sinks/TwoPhaseCommitSink.js';
import type { OperatorContext, StreamOperator } from './StreamOperator.js';

/** Committables waiting for their checkpoint to complete. */
interface PendingCommit {
  readonly checkpointId: number;
  readonly committables: readonly unknown[];
}

/** What a sink subtask keeps in checkpoints. */
export interface SinkOperatorState {
  readonly pending: readonly PendingCommit[];
}

export class SinkOperator<T> implements StreamOperator<never> {
  private writer!: SinkWriter<T>;
  private ctx!: OperatorContext<never>;
  private committer: Committer<unknown> | undefined;
  private pending: PendingCommit[] = [];
  private restored: PendingCommit[] = [];

  constructor(private readonly sink: Sink<T> | SinkFunction<T>) {}

  initializeState(state: unknown): void {
    this.restored.push(...(state as SinkOperatorState).pending);
  }

  open(ctx: OperatorContext<never>): void {
    this.ctx = ctx;
    const sink = this.sink;
    if (typeof sink === 'function') {
      this.writer = { write: sink };
      return;
    }
    const context: SinkWriterContext = {
      subtaskIndex: ctx.subtaskIndex,
      parallelism: ctx.parallelism,
      sinkName: ctx.name,
      now: () => ctx.clock.now(),
    };
    const writer = sink.createWriter(context);
    this.writer = writer;
    if (writer.retriedRecords !== undefined) ctx.metrics.retriedRecordsProbe = () => writer.retriedRecords?.() ?? 0;
    if (isTwoPhaseCommitSink(sink)) {
      const committer = sink.createCommitter(context);
      this.committer = committer;
      const restored = this.restored.flatMap((p) => p.committables);
      this.restored = [];
      // Before the first record: finish what the checkpoint covers, drop what it does not.
      ctx.backpressure(
        (async () => {
          if (restored.length > 0) await committer.commit(restored);
          await committer.cleanup?.(context, restored);
        })(),
      );
    }
  }

  processElement(value: unknown, timestamp: number): void {
    const pending = this.writer.write(value as T, timestamp);
    if (pending !== undefined) this.ctx.backpressure(pending);
  }

  processWatermark(): void {
    // Sinks are the end of the line: nothing to forward to.
  }

  async snapshotState(checkpointId: number): Promise<SinkOperatorState | undefined> {
    if (this.committer === undefined) {
      await this.writer.flush?.(false);
      return undefined;
    }
    const committables = await (this.writer as TwoPhaseCommitSinkWriter<T, unknown>).preCommit(checkpointId);
    if (committables.length > 0) this.pending.push({ checkpointId, committables });
    return { pending: [...this.pending] };
  }

  async notifyCheckpointComplete(checkpointId: number): Promise<void> {
    const committer = this.committer;
    if (committer === undefined) return;
    const due = this.pending.filter((p) => p.checkpointId <= checkpointId);
    if (due.length === 0) return;
    // Committables leave the state only once committed: a checkpoint taken while
    // the commit is in flight must still carry them, or a crash before the
    // commit ends would lose them (the restored job would abort their uploads).
    await committer.commit(due.flatMap((p) => p.committables));
    this.pending = this.pending.filter((p) => !due.includes(p));
  }

  async finish(): Promise<void> {
    await this.writer.flush?.(true);
  }

  async close(): Promise<void> {
    await this.writer.close?.();
    await this.committer?.close?.();
  }
}

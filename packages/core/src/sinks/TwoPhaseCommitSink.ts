/**
 * Exactly-once and at-least-once sink contracts, driven by checkpoints.
 *
 * Two-phase commit (exactly-once): records are written to a pending
 * transaction (staged files, an open multipart upload); on a checkpoint
 * barrier the writer `preCommit`s — flushes and closes the transaction —
 * and returns committables, which are stored in the checkpoint; when the
 * checkpoint completes the committer `commit`s them (rename the staged
 * file, complete the upload). After a failure the job restores the last
 * checkpoint and commits its committables again (commits must be
 * idempotent); staged data not in any completed checkpoint is aborted.
 *
 * At-least-once: the writer flushes everything buffered on each barrier
 * (`flush(false)`), so a completed checkpoint implies the data is durable;
 * after a failure records since the checkpoint are written again.
 */
import type { Sink, SinkWriter, SinkWriterContext } from './Sink.js';

/** A writer that stages data in transactions. */
export interface TwoPhaseCommitSinkWriter<T, C> extends SinkWriter<T> {
  /** On a barrier: flush, close the current transaction, return its committables (JSON-friendly). */
  preCommit(checkpointId: number): C[] | Promise<C[]>;
}

/** Makes staged data visible. */
export interface Committer<C> {
  /** Commits; must be idempotent (a committable may be committed again after a restart). */
  commit(committables: readonly C[]): Promise<void>;
  /**
   * Called once at start (before any record) with the committables restored
   * from the checkpoint (already committed by then): remove any staged data
   * of this subtask that is not among them — leftovers of a crashed attempt.
   */
  cleanup?(context: SinkWriterContext, restored: readonly C[]): Promise<void>;
  close?(): Promise<void>;
}

/** A sink with exactly-once delivery through two-phase commit. */
export interface TwoPhaseCommitSink<T, C> extends Sink<T> {
  readonly kind: 'two-phase-commit';
  createWriter(context: SinkWriterContext): TwoPhaseCommitSinkWriter<T, C>;
  createCommitter(context: SinkWriterContext): Committer<C>;
}

/** True for sinks implementing two-phase commit. */
export function isTwoPhaseCommitSink<T>(sink: Sink<T>): sink is TwoPhaseCommitSink<T, unknown> {
  return (sink as Partial<TwoPhaseCommitSink<T, unknown>>).kind === 'two-phase-commit';
}

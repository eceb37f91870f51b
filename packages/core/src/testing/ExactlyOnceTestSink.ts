/**
 * ExactlyOnceTestSink: an in-memory two-phase-commit sink for recovery
 * tests. Each writer stages its records per checkpoint (`preCommit`); the
 * committer appends them to `committed` only when the checkpoint completes,
 * and commits are idempotent. So after any number of failures, restarts and
 * restores, `committed` holds exactly what an exactly-once job must have
 * produced: a record missing there was lost, a record there twice was
 * replayed.
 *
 * ```ts
 * const sink = new ExactlyOnceTestSink<number>();
 * stream.sinkTo(sink); // with checkpointing on
 * const job = env.execute();
 * await waitUntil(() => sink.committed.length >= 100, 10_000);
 * expect(sink.committed).toHaveLength(100);
 * ```
 *
 * Gotchas: records reach `committed` only on completed checkpoints, so
 * enable checkpointing (a bounded job also commits what its final checkpoint
 * covers). A commit still in flight when its attempt dies does not land (a
 * killed process would not finish it): every restart makes new committers,
 * and a commit of an older attempt is dropped. Staged records live in this
 * object, so a job restored from a savepoint into a new sink cannot commit
 * the staged records of the old one (the old job committed them already).
 * Records from all parallel subtasks land in the same list.
 */
import type { SinkWriterContext } from '../sinks/Sink.js';
import type { Committer, TwoPhaseCommitSink, TwoPhaseCommitSinkWriter } from '../sinks/TwoPhaseCommitSink.js';

/** What an {@link ExactlyOnceTestSinkOptions.onWrite} hook learns about a write. */
export interface ExactlyOnceTestSinkWrite {
  /** The subtask whose writer got the record. */
  readonly subtaskIndex: number;
  /** Records written through this sink so far, across subtasks and attempts, this one included. */
  readonly total: number;
  /** Records written by this writer (this subtask, this attempt) so far, this one included. */
  readonly byWriter: number;
}

export interface ExactlyOnceTestSinkOptions<T> {
  /** Each commit waits this long (ms, real time) before it lands, to test commits in flight at a failure. */
  readonly commitDelayMs?: number;
  /**
   * Called after each record is staged. A returned promise holds the writer
   * (backpressure) until it settles: use it to slow a job down, or to hold
   * it at a given record until the test lets it go on.
   */
  readonly onWrite?: (value: T, write: ExactlyOnceTestSinkWrite) => void | Promise<void>;
}

/** An in-memory exactly-once sink whose `committed` list is what completed checkpoints made visible; see the module comment. */
export class ExactlyOnceTestSink<T> implements TwoPhaseCommitSink<T, string> {
  readonly kind = 'two-phase-commit' as const;
  private readonly staged = new Map<string, T[]>();
  private transactions = 0;
  private writes = 0;
  private attempt = 0;

  /**
   * @param committed where committed records are appended (a fresh list by default).
   */
  constructor(
    readonly committed: T[] = [],
    private readonly options: ExactlyOnceTestSinkOptions<T> = {},
  ) {}

  createWriter(ctx: SinkWriterContext): TwoPhaseCommitSinkWriter<T, string> {
    let current: T[] = [];
    let byWriter = 0;
    return {
      write: (value) => {
        current.push(value);
        byWriter++;
        this.writes++;
        return this.options.onWrite?.(value, { subtaskIndex: ctx.subtaskIndex, total: this.writes, byWriter });
      },
      preCommit: (checkpointId) => {
        const id = `${ctx.subtaskIndex}-${checkpointId}-${this.transactions++}`;
        this.staged.set(id, current);
        current = [];
        return [id];
      },
    };
  }

  createCommitter(ctx: SinkWriterContext): Committer<string> {
    // Subtask 0 opens once per attempt: its committer marks a new attempt.
    if (ctx.subtaskIndex === 0) this.attempt++;
    const attempt = this.attempt;
    const delayMs = this.options.commitDelayMs ?? 0;
    return {
      commit: async (ids) => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (attempt !== this.attempt) return;
        for (const id of ids) {
          const records = this.staged.get(id);
          if (records === undefined) continue; // already committed
          this.committed.push(...records);
          this.staged.delete(id);
        }
      },
    };
  }

  /** Records written so far (staged, committed or lost with a failed attempt), across subtasks and attempts. */
  written(): number {
    return this.writes;
  }

  /** Transactions pre-committed but not (yet) committed. */
  pendingTransactions(): number {
    return this.staged.size;
  }
}

/**
 * A source over an rxjs Observable (`env.fromObservable`). Observables push
 * and cannot be paused, so emissions wait in a queue until the pipeline
 * polls them; the source ends when the observable completes and fails the
 * job when it errors. Unbounded unless the observable completes.
 */
import type { Observable, Subscription } from 'rxjs';
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceSplit } from './Source.js';

/** Records emitted per poll. */
export const OBSERVABLE_POLL_BATCH = 1024;

export class ObservableSource<T> implements Source<T> {
  readonly boundedness = 'unbounded' as const;
  readonly maxParallelism = 1;

  constructor(private readonly observable: Observable<T>) {}

  discoverSplits(): SourceSplit[] {
    return [{ id: 'observable' }];
  }

  createReader(): SourceReader<T> {
    return new ObservableReader(this.observable);
  }
}

class ObservableReader<T> implements SourceReader<T> {
  private queue: T[] = [];
  private head = 0;
  private completed = false;
  private error: { error: unknown } | undefined;
  private subscription: Subscription | undefined;
  private wake: (() => void) | undefined;

  /** Subscribes at once (when the job starts), so values pushed right after `execute()` are kept. */
  constructor(observable: Observable<T>) {
    this.subscription = observable.subscribe({
      next: (value) => {
        this.queue.push(value);
        this.notify();
      },
      error: (error: unknown) => {
        this.error = { error };
        this.notify();
      },
      complete: () => {
        this.completed = true;
        this.notify();
      },
    });
  }

  addSplits(): void {}

  pollNext(output: ReaderOutput<T>): ReaderStatus {
    const end = Math.min(this.queue.length, this.head + OBSERVABLE_POLL_BATCH);
    for (let i = this.head; i < end; i++) output.collect('observable', this.queue[i] as T);
    this.head = end;
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    }
    if (this.head < this.queue.length) return 'more';
    if (this.error !== undefined) throw this.error.error;
    if (this.completed) {
      output.finishSplit('observable');
      return 'end';
    }
    return 'waiting';
  }

  available(): Promise<void> {
    if (this.queue.length > this.head || this.completed || this.error !== undefined) return Promise.resolve();
    return new Promise((resolve) => (this.wake = resolve));
  }

  snapshotState(): SourceSplit[] {
    return [{ id: 'observable' }];
  }

  close(): void {
    this.subscription?.unsubscribe();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/**
 * A source over an async (or sync) iterable (`env.fromAsyncIterable`): pulls
 * one record at a time, so a slow pipeline naturally slows the producer.
 * Bounded when the iterable ends. Not replayable: a restored job cannot
 * rewind an iterator, so its checkpointed position is only informative.
 */
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceSplit } from './Source.js';

/** Records pulled per poll before yielding to the runtime. */
export const ITERABLE_POLL_BATCH = 256;
/** How long closing waits for an iterator's `return()` (a generator blocked on input never returns). */
export const ITERATOR_RETURN_WAIT_MS = 100;

export interface IterableSplit extends SourceSplit {
  readonly consumed: number;
}

export class AsyncIterableSource<T> implements Source<T, IterableSplit> {
  readonly boundedness = 'bounded' as const;
  readonly maxParallelism = 1;

  constructor(private readonly iterable: AsyncIterable<T> | Iterable<T>) {}

  discoverSplits(): IterableSplit[] {
    return [{ id: 'iterable', consumed: 0 }];
  }

  createReader(): SourceReader<T, IterableSplit> {
    return new IterableReader(this.iterable);
  }
}

class IterableReader<T> implements SourceReader<T, IterableSplit> {
  private iterator: AsyncIterator<T> | Iterator<T> | undefined;
  private consumed = 0;
  private done = false;

  constructor(private readonly iterable: AsyncIterable<T> | Iterable<T>) {}

  addSplits(): void {
    const it = this.iterable;
    this.iterator = Symbol.asyncIterator in it ? it[Symbol.asyncIterator]() : it[Symbol.iterator]();
  }

  async pollNext(output: ReaderOutput<T>): Promise<ReaderStatus> {
    const iterator = this.iterator;
    if (iterator === undefined || this.done) return 'end';
    for (let i = 0; i < ITERABLE_POLL_BATCH; i++) {
      const step = await iterator.next();
      if (step.done === true) {
        this.done = true;
        output.finishSplit('iterable');
        return 'end';
      }
      this.consumed++;
      output.collect('iterable', step.value);
    }
    return 'more';
  }

  snapshotState(): IterableSplit[] {
    return this.done ? [] : [{ id: 'iterable', consumed: this.consumed }];
  }

  /**
   * Asks the iterator to finish. An async generator blocked in an `await`
   * (waiting for input that will not come) only returns after its pending
   * `next()` settles, so this waits at most {@link ITERATOR_RETURN_WAIT_MS}.
   */
  async close(): Promise<void> {
    if (this.done) return;
    const returned = this.iterator?.return?.();
    if (returned === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ITERATOR_RETURN_WAIT_MS);
    });
    await Promise.race([Promise.resolve(returned).then(() => undefined, () => undefined), waited]);
    clearTimeout(timer);
  }
}

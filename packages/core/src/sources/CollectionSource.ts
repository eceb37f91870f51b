/**
 * A bounded source over an in-memory array (`env.fromCollection`). One split;
 * its position (the next index) is checkpointed, so a restored job resumes
 * where it stopped.
 */
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceSplit } from './Source.js';

/** Records emitted per poll: large enough to amortise, small enough to stay responsive. */
export const COLLECTION_POLL_BATCH = 1024;

export interface CollectionSplit extends SourceSplit {
  readonly position: number;
}

export class CollectionSource<T> implements Source<T, CollectionSplit> {
  readonly boundedness = 'bounded' as const;
  readonly maxParallelism = 1;
  readonly sizeHint: number;

  constructor(private readonly items: readonly T[]) {
    this.sizeHint = items.length;
  }

  discoverSplits(): CollectionSplit[] {
    return [{ id: 'collection', position: 0 }];
  }

  createReader(): SourceReader<T, CollectionSplit> {
    return new CollectionReader(this.items);
  }
}

class CollectionReader<T> implements SourceReader<T, CollectionSplit> {
  private split: CollectionSplit | undefined;
  private position = 0;

  constructor(private readonly items: readonly T[]) {}

  addSplits(splits: readonly CollectionSplit[]): void {
    for (const split of splits) {
      this.split = split;
      this.position = split.position;
    }
  }

  pollNext(output: ReaderOutput<T>): ReaderStatus {
    const split = this.split;
    if (split === undefined) return 'end';
    const end = Math.min(this.items.length, this.position + COLLECTION_POLL_BATCH);
    for (let i = this.position; i < end; i++) output.collect(split.id, this.items[i] as T);
    this.position = end;
    if (end < this.items.length) return 'more';
    output.finishSplit(split.id);
    this.split = undefined;
    return 'end';
  }

  snapshotState(): CollectionSplit[] {
    return this.split === undefined ? [] : [{ id: this.split.id, position: this.position }];
  }
}

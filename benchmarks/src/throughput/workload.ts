/**
 * What one throughput workload is: a deterministic input of `events` events
 * and three implementations computing the same output — the engine, the
 * idiomatic RxJS 7 pipeline and a hand-written single loop — each returning
 * the checksum of what it emitted.
 */
import type { Source, SourceSplit } from '@tributary/core';

/** One contender's run: consumes the whole input, resolves to the output's checksum. */
export type ContenderRun = (events: number) => Promise<string> | string;

export interface Workload {
  /** Short id used in result files and the README (`tumbling`, `sliding`…). */
  readonly id: string;
  /** One line for the README. */
  readonly description: string;
  /** Events per run (full / quick). */
  readonly events: { readonly full: number; readonly quick: number };
  /** Whether the DESIGN.md target (≥ 0.5× hand-written, ≥ 5× RxJS) applies to this workload. */
  readonly targeted: boolean;
  readonly tributary: ContenderRun;
  readonly rxjs: ContenderRun;
  readonly handWritten: ContenderRun;
}

interface GeneratorSplit extends SourceSplit {
  readonly next: number;
}

/** Records emitted per poll by {@link generatorSource}. */
export const GENERATOR_BATCH = 4096;

/**
 * A bounded source that computes event `i` on demand (nothing materialised),
 * `GENERATOR_BATCH` per poll, with the event's own time as the source
 * timestamp and its position checkpointed — the cheapest honest way to feed
 * the engine, as a Kinesis or file reader would.
 */
export function generatorSource<T>(count: number, eventAt: (i: number) => T, timestampOf: (event: T) => number): Source<T, GeneratorSplit> {
  return {
    boundedness: 'bounded',
    sizeHint: count,
    maxParallelism: 1,
    discoverSplits: () => [{ id: 'generator', next: 0 }],
    createReader: () => {
      let next = 0;
      let done = false;
      return {
        addSplits(splits) {
          for (const s of splits) next = s.next;
        },
        pollNext(output) {
          if (done) return 'end';
          const end = Math.min(count, next + GENERATOR_BATCH);
          for (let i = next; i < end; i++) {
            const event = eventAt(i);
            output.collect('generator', event, timestampOf(event));
          }
          next = end;
          if (next < count) return 'more';
          done = true;
          output.finishSplit('generator');
          return 'end';
        },
        snapshotState: () => (done ? [] : [{ id: 'generator', next }]),
      };
    },
  };
}

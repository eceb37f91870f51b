/**
 * TestSource: a scripted, replayable source for tests. A script is a list of
 * steps — records with timestamps, watermarks, an `end` marker (the input is
 * bounded and ends there) or an `abort` marker (the source fails there,
 * simulating a crash). Without an end marker the source stays open after the
 * script, like an unbounded source, until the job is cancelled.
 *
 * ```ts
 * const source = TestSource.from<number>([
 *   TestSource.record(1, 1_000), TestSource.record(2, 1_500),
 *   TestSource.watermark(1_999), TestSource.record(3, 500), TestSource.end(),
 * ]);
 * env.fromSource(source, WatermarkStrategy.noWatermarks(), 'test');
 * ```
 * With several scripts (`TestSource.fromSplits`) each is its own split with its
 * own watermark. `pollSize` sets how many steps one poll reads (any value must
 * give the same event-time results).
 */
import { TributaryError, checkArgument } from '../errors.js';
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceSplit } from '../sources/Source.js';

export type TestStep<T> =
  | { readonly kind: 'record'; readonly value: T; readonly timestamp: number | undefined }
  | { readonly kind: 'watermark'; readonly watermark: number }
  | { readonly kind: 'end' }
  | { readonly kind: 'abort'; readonly message: string };

export interface TestSplit extends SourceSplit {
  /** Index of the next step to read. */
  readonly position: number;
}

export interface TestSourceOptions {
  /** Steps read per poll (default 16). */
  readonly pollSize?: number;
}

export class TestSource<T> implements Source<T, TestSplit> {
  readonly boundedness: 'bounded' | 'unbounded';

  private constructor(
    private readonly scripts: readonly (readonly TestStep<T>[])[],
    private readonly options: TestSourceOptions,
  ) {
    checkArgument(scripts.length > 0, 'a TestSource needs at least one script');
    const pollSize = options.pollSize ?? 16;
    checkArgument(Number.isInteger(pollSize) && pollSize > 0, `pollSize must be an integer > 0, got ${pollSize}`);
    const ended = scripts.map((s) => s.some((step) => step.kind === 'end'));
    this.boundedness = ended.every(Boolean) ? 'bounded' : 'unbounded';
  }

  /** One split following `script`. */
  static from<T>(script: readonly TestStep<T>[], options: TestSourceOptions = {}): TestSource<T> {
    return new TestSource([script], options);
  }

  /** One split per script. */
  static fromSplits<T>(scripts: readonly (readonly TestStep<T>[])[], options: TestSourceOptions = {}): TestSource<T> {
    return new TestSource(scripts, options);
  }

  /** A bounded source of `values` (no timestamps) ending after the last one. */
  static of<T>(...values: T[]): TestSource<T> {
    return TestSource.from([...values.map((v) => TestSource.record(v)), TestSource.end()]);
  }

  static record<T>(value: T, timestamp?: number): TestStep<T> {
    return { kind: 'record', value, timestamp };
  }

  static watermark(watermark: number): TestStep<never> {
    return { kind: 'watermark', watermark };
  }

  static end(): TestStep<never> {
    return { kind: 'end' };
  }

  static abort(message = 'TestSource aborted'): TestStep<never> {
    return { kind: 'abort', message };
  }

  discoverSplits(): TestSplit[] {
    return this.scripts.map((_, i) => ({ id: `test-${i}`, position: 0 }));
  }

  createReader(): SourceReader<T, TestSplit> {
    return new TestReader(this.scripts, this.options.pollSize ?? 16);
  }
}

class TestReader<T> implements SourceReader<T, TestSplit> {
  private readonly positions = new Map<string, number>();
  private readonly ended = new Set<string>();

  constructor(
    private readonly scripts: readonly (readonly TestStep<T>[])[],
    private readonly pollSize: number,
  ) {}

  addSplits(splits: readonly TestSplit[]): void {
    for (const split of splits) this.positions.set(split.id, split.position);
  }

  pollNext(output: ReaderOutput<T>): ReaderStatus {
    let progressed = false;
    for (const [id, position] of this.positions) {
      if (this.ended.has(id)) continue;
      const script = this.scripts[Number(id.slice('test-'.length))] as readonly TestStep<T>[];
      let p = position;
      const stop = Math.min(script.length, position + this.pollSize);
      for (; p < stop; p++) {
        const step = script[p] as TestStep<T>;
        progressed = true;
        if (step.kind === 'record') output.collect(id, step.value, step.timestamp);
        else if (step.kind === 'watermark') output.emitWatermark(id, step.watermark);
        else if (step.kind === 'abort') {
          this.positions.set(id, p + 1);
          throw new TributaryError('TEST_SOURCE_ABORT', step.message);
        } else {
          this.ended.add(id);
          output.finishSplit(id);
          p++;
          break;
        }
      }
      this.positions.set(id, p);
    }
    if (this.ended.size === this.positions.size) return 'end';
    return progressed ? 'more' : 'waiting';
  }

  snapshotState(): TestSplit[] {
    return [...this.positions].filter(([id]) => !this.ended.has(id)).map(([id, position]) => ({ id, position }));
  }
}

/**
 * TestSink: collects what reaches it, with timestamps, for assertions. It can
 * be made slow (`writeDelayMs`: each write returns a promise, which the
 * runtime turns into backpressure) to test bounded memory.
 *
 * ```ts
 * const sink = new TestSink<number>();
 * stream.sinkTo(sink);
 * await env.execute();
 * expect(sink.values()).toEqual([1, 2, 3]);
 * ```
 * Records from all parallel subtasks land in the same list, in arrival order.
 */
import type { Sink, SinkWriter } from '../sinks/Sink.js';

export interface TestSinkOptions {
  /** Each write waits this long (ms, real time) before the next record may come. */
  readonly writeDelayMs?: number;
}

export class TestSink<T> implements Sink<T> {
  private readonly collected: Array<{ value: T; timestamp: number; subtask: number }> = [];
  private flushes = 0;

  constructor(private readonly options: TestSinkOptions = {}) {}

  createWriter(context: { subtaskIndex: number }): SinkWriter<T> {
    const delay = this.options.writeDelayMs;
    return {
      write: (value, timestamp) => {
        this.collected.push({ value, timestamp, subtask: context.subtaskIndex });
        if (delay !== undefined && delay > 0) return new Promise<void>((resolve) => setTimeout(resolve, delay));
        return undefined;
      },
      flush: () => {
        this.flushes++;
      },
    };
  }

  /** The values received, in arrival order. */
  values(): T[] {
    return this.collected.map((r) => r.value);
  }

  /** The records received with their timestamps and the subtask that wrote them. */
  records(): ReadonlyArray<{ readonly value: T; readonly timestamp: number; readonly subtask: number }> {
    return this.collected;
  }

  /** How many times writers were flushed. */
  flushCount(): number {
    return this.flushes;
  }

  clear(): void {
    this.collected.length = 0;
  }
}

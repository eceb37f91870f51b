/**
 * A sink wrapper that bounds how long a record may wait in a buffering
 * sink's writer. The RDS upsert sink writes a batch when it is full or at
 * a checkpoint; a dashboard's trickle of upserts would otherwise wait for
 * the next checkpoint (or forever without checkpointing). The wrapper
 * flushes the writer `maxDelayMs` after the first record of a quiet
 * buffer. Writes that arrive during such a flush are held and replayed in
 * order after it (the returned promise pushes back on the job), so the
 * wrapped writer never sees a write and a flush at the same time; a failed
 * flush fails the next write or checkpoint.
 */
import type { Sink, SinkWriter, SinkWriterContext } from '@tributary/core';

/** Default longest wait of a record in the writer's buffer, ms. */
export const DEFAULT_MAX_BUFFER_DELAY_MS = 500;

/**
 * Wraps `sink` so that its writers flush at most `maxDelayMs` after a record.
 *
 * ```ts
 * hourly.sinkTo(flushingSink(rdsUpsertSink({ ...conn, table, key, columns }), 500));
 * ```
 * @throws RangeError unless `maxDelayMs` is a finite number > 0.
 */
export function flushingSink<T>(sink: Sink<T>, maxDelayMs = DEFAULT_MAX_BUFFER_DELAY_MS): Sink<T> {
  if (!(maxDelayMs > 0) || !Number.isFinite(maxDelayMs)) throw new RangeError(`flushingSink: maxDelayMs must be a finite number > 0, got ${maxDelayMs}`);
  return { createWriter: (context: SinkWriterContext) => new FlushingWriter(sink.createWriter(context), maxDelayMs) };
}

class FlushingWriter<T> implements SinkWriter<T> {
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly held: Array<readonly [T, number]> = [];
  private failure: { error: unknown } | undefined;

  constructor(
    private readonly inner: SinkWriter<T>,
    private readonly maxDelayMs: number,
  ) {}

  write(value: T, timestamp: number): void | Promise<void> {
    this.rethrow();
    if (this.flushing !== undefined) {
      this.held.push([value, timestamp]);
      return this.flushing;
    }
    const pending = this.inner.write(value, timestamp);
    this.arm();
    return pending;
  }

  /** Schedules a flush `maxDelayMs` from now unless one is scheduled. */
  private arm(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flushInBackground();
    }, this.maxDelayMs).unref();
  }

  async flush(endOfInput: boolean): Promise<void> {
    this.cancelTimer();
    await this.flushing;
    this.rethrow();
    await this.inner.flush?.(endOfInput);
  }

  async close(): Promise<void> {
    this.cancelTimer();
    await this.flushing?.catch(() => undefined);
    await this.inner.close?.();
  }

  private flushInBackground(): Promise<void> {
    this.flushing ??= (async () => {
      try {
        await this.inner.flush?.(false);
        if (this.held.length > 0) this.arm();
        while (this.held.length > 0) {
          const [value, timestamp] = this.held.shift() as readonly [T, number];
          const pending = this.inner.write(value, timestamp);
          if (pending !== undefined) await pending;
        }
      } catch (error) {
        this.failure = { error };
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private rethrow(): void {
    if (this.failure !== undefined) throw this.failure.error;
  }
}

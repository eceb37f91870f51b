/**
 * The sink contract. A sink creates one writer per parallel subtask. A
 * writer may buffer; returning a promise from `write` says "my buffer is
 * full": the runtime pauses the sources until it settles (backpressure), so
 * memory stays bounded however slow the target is.
 */

/** What a writer knows about where it runs. */
export interface SinkWriterContext {
  readonly subtaskIndex: number;
  readonly parallelism: number;
  readonly sinkName: string;
  /** Milliseconds since the epoch (the job's clock). */
  now(): number;
}

/** Writes the records of one subtask. */
export interface SinkWriter<T> {
  /** Writes (or buffers) one record. A returned promise pauses the sources until it settles. */
  write(value: T, timestamp: number): void | Promise<void>;
  /** Makes everything written so far durable (at checkpoints, and with `endOfInput` at the end). */
  flush?(endOfInput: boolean): void | Promise<void>;
  close?(): void | Promise<void>;
  /**
   * Records sent again so far after a failed, throttled or timed-out attempt
   * (at-least-once sinks that retry). Reported as the operator's
   * `retriedRecords` metric (`tributary_sink_retried_records_total`).
   */
  retriedRecords?(): number;
}

/** A destination for records of type T. */
export interface Sink<T> {
  createWriter(context: SinkWriterContext): SinkWriter<T>;
}

/** A plain function is a sink too: it gets every record (and may return a promise for backpressure). */
export type SinkFunction<T> = (value: T, timestamp: number) => void | Promise<void>;

/**
 * Where an operator's output goes: a chained operator (a direct call) or an
 * exchange to another task. Records, watermarks, idleness and end-of-input
 * all travel the same way, so their order is kept on every path.
 */
export interface RecordTarget {
  record(value: unknown, timestamp: number): void;
  watermark(watermark: number): void;
  /** The producer became idle (true) or active again (false). */
  idle(idle: boolean): void;
  endOfInput(): void;
  /** A checkpoint barrier: everything before it belongs to checkpoint `checkpointId`. */
  barrier(checkpointId: number): void;
  /** Delivers buffered records now (no-op for chained targets). */
  flush(): void;
}

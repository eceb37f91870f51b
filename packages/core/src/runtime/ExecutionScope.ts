/**
 * Tracks whether the runtime is currently driving operators (a batch, a
 * watermark, a timer). Output emitted outside such a call — from an async
 * callback — must be flushed by a scheduled microtask, or it would wait in
 * an exchange buffer until the next batch.
 */
export class ExecutionScope {
  depth = 0;
  /** When the source poll currently being processed started (for latency metrics). */
  pollStartedAt = 0;
}

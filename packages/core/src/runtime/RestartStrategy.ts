/**
 * Restart strategies: whether, and after how long, a failed job restarts
 * in-process from its latest complete checkpoint. Implementations live in
 * runtime/restartStrategies.ts (`RestartStrategies.none()`,
 * `.fixedDelay(attempts, delayMs)`, `.exponentialDelay({...})`,
 * `.failureRate({...})`).
 */
export interface RestartStrategy {
  /** A short description for logs, e.g. `fixed-delay(3 attempts, 1000 ms)`. */
  readonly description: string;
  /**
   * Called on each failure with the current time: the delay (ms) before
   * restarting, or undefined to give up and fail the job.
   */
  onFailure(now: number, error: unknown): number | undefined;
}

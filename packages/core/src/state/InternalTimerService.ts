/**
 * Internal timers of a keyed operator: (key, namespace, time) triples,
 * deduplicated, that fire in time order through the operator's
 * `onEventTime` (when the watermark passes them) or `onProcessingTime`
 * (when the clock does). The current key at registration is the timer's key.
 */
export interface InternalTimerService<N> {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(namespace: N, time: number): void;
  deleteEventTimeTimer(namespace: N, time: number): void;
  registerProcessingTimeTimer(namespace: N, time: number): void;
  deleteProcessingTimeTimer(namespace: N, time: number): void;
}

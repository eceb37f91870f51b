/**
 * Internal timers of a keyed operator: (key, namespace, time) triples,
 * deduplicated, that fire in time order through the operator's
 * `onEventTime` (when the watermark passes them) or `onProcessingTime`
 * (when the clock does). The current key at registration is the timer's key.
 */
import type { KeySource } from './timers/TimerQueue.js';

export interface InternalTimerService<N> {
  currentProcessingTime(): number;
  currentWatermark(): number;
  registerEventTimeTimer(namespace: N, time: number): void;
  deleteEventTimeTimer(namespace: N, time: number): void;
  /**
   * One entry standing for an event-time timer at `time` for every key that
   * `keys` lists for `namespace` when it fires (or is snapshotted, where it
   * becomes one timer per key). Gotcha: such timers cannot be deleted key by
   * key; `deleteEventTimeTimer` does not see them.
   */
  registerEventTimeTimerForAllKeys(namespace: N, time: number, keys: KeySource<N>): void;
  /** `registerEventTimeTimerForAllKeys` in processing time. */
  registerProcessingTimeTimerForAllKeys(namespace: N, time: number, keys: KeySource<N>): void;
  registerProcessingTimeTimer(namespace: N, time: number): void;
  deleteProcessingTimeTimer(namespace: N, time: number): void;
}

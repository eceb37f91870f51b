/**
 * What a trigger decides for a window: keep going, fire (emit the window's
 * result), purge (drop its contents), or both.
 */

/**
 * A trigger's decision.
 *
 * ```ts
 * onEventTime(time, window) {
 *   return time === window.maxTimestamp() ? TriggerResult.FIRE : TriggerResult.CONTINUE;
 * }
 * ```
 * Gotcha: FIRE keeps the contents, so a later FIRE emits them again with
 * whatever arrived since (an update); FIRE_AND_PURGE starts the window afresh.
 */
export type TriggerResult = 'CONTINUE' | 'FIRE' | 'PURGE' | 'FIRE_AND_PURGE';

/** The four decisions as constants. */
export const TriggerResult = {
  /** Do nothing. */
  CONTINUE: 'CONTINUE',
  /** Emit the window's result and keep its contents. */
  FIRE: 'FIRE',
  /** Drop the window's contents without emitting. */
  PURGE: 'PURGE',
  /** Emit the window's result, then drop its contents. */
  FIRE_AND_PURGE: 'FIRE_AND_PURGE',
} as const satisfies Record<TriggerResult, TriggerResult>;

/**
 * Watermark constants. A watermark `w` asserts that no more records with a
 * timestamp `<= w` are expected. Timestamps are milliseconds (numbers).
 */

/** The watermark before any event time is known. */
export const MIN_WATERMARK = Number.NEGATIVE_INFINITY;

/** The watermark at the end of a bounded input: every window and timer fires. */
export const MAX_WATERMARK = Number.POSITIVE_INFINITY;

/** The timestamp of a record that has none (no timestamp assigner ran). */
export const NO_TIMESTAMP = Number.NEGATIVE_INFINITY;

/** True when `timestamp` is a real event time. */
export function hasTimestamp(timestamp: number): boolean {
  return timestamp !== NO_TIMESTAMP && !Number.isNaN(timestamp);
}

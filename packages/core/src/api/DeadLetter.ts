/**
 * Dead letters: records an operator could not process, kept with the reason
 * instead of failing the job or being dropped. Enable them per operator with
 * `stream.deadLetters()`, which returns the stream of failures:
 *
 * ```ts
 * const parsed = raw.map(parseOrder).name('parse-orders');
 * parsed.deadLetters().sinkTo(quarantine); // { record, reason, operator, … }
 * ```
 * Every dead letter is also counted in the operator's `deadLetters` metric.
 */
import { OutputTag } from './OutputTag.js';

/** A record that failed, with why and where. */
export interface DeadLetter<T = unknown> {
  /** The input record that failed. */
  readonly record: T;
  /** The error message. */
  readonly reason: string;
  /** The operator's name (and uid, when set). */
  readonly operator: string;
  readonly uid: string | undefined;
  /** The record's event time (`-Infinity` when it has none). */
  readonly timestamp: number;
  /** The error thrown. */
  readonly error: unknown;
}

/** The side output every operator routes its dead letters to. */
export const DEAD_LETTER_TAG = new OutputTag<DeadLetter>('tributary.dead-letters');

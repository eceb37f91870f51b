/**
 * Dead letters of the RDS connectors: a row a source's `map` rejects, or a
 * record the upsert sink cannot write (no key, a value the column refuses).
 * Each is handed to `onDeadLetter` with the reason — in core's `DeadLetter`
 * shape, so the same quarantine can take both — and counted. Without a
 * handler the connector fails instead: bad input is never dropped silently.
 */
import type { DeadLetter } from '@tributary/core';
import { RdsError, errorMessage } from './errors.js';

/**
 * Receives dead letters. May return a promise (the connector waits for it).
 *
 * ```ts
 * const quarantine: DeadLetter[] = [];
 * rdsSource({ ...conn, table: 'orders', map: parseOrder, onDeadLetter: (letter) => void quarantine.push(letter) });
 * ```
 */
export type RdsDeadLetterHandler = (letter: DeadLetter) => void | Promise<void>;

/** Counters a connector exposes (shared by its parallel readers or writers). */
export interface RdsConnectorMetrics {
  /** Rows read (sources) or records written (sink). */
  records: number;
  /** Rows or records routed to the dead letters. */
  deadLetters: number;
}

/** Routes a bad row or record to the handler (counting it), or fails when there is none. */
export async function routeDeadLetter(
  handler: RdsDeadLetterHandler | undefined,
  metrics: RdsConnectorMetrics,
  operator: string,
  record: unknown,
  error: unknown,
  timestamp = Number.NEGATIVE_INFINITY,
): Promise<void> {
  const reason = errorMessage(error);
  if (handler === undefined) {
    throw new RdsError('RDS_BAD_RECORD', `${operator}: bad record (${reason}); pass onDeadLetter to quarantine such records instead of failing`, {
      cause: error,
    });
  }
  metrics.deadLetters++;
  await handler({ record, reason, operator, uid: undefined, timestamp, error });
}

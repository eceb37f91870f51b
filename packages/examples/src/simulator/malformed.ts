/**
 * Malformed session events, as a faulty platform would send them: a
 * required field missing, a field of the wrong type, or a payload that is
 * not JSON at all (truncated). Each one fails `validateSessionEvent` (or
 * JSON.parse) — the recommender's dead-letter path is tested with them.
 */
import type { SessionEvent } from '../data/contracts.js';
import type { Random } from '../data/random.js';

/** The defects a malformed event can have. */
export const MALFORMED_KINDS = ['missing-field', 'wrong-type', 'not-json'] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

/** Fields whose absence makes an event invalid (customer_number may be absent: it is nullable). */
const REQUIRED_FIELDS = ['session_id', 'city', 'country', 'credit_limit', 'browse_history', 'event_time'] as const;

/** Wrong-typed variants of an event, each naming the field it breaks. */
const WRONG_TYPES: ReadonlyArray<(event: SessionEvent) => Record<string, unknown>> = [
  (e) => ({ ...e, credit_limit: String(e.credit_limit) }),
  (e) => ({ ...e, event_time: new Date(e.event_time).toISOString() }),
  (e) => ({ ...e, browse_history: e.browse_history.map((b) => b.product_code).join(',') }),
  (e) => ({ ...e, customer_number: e.customer_number === null ? 'guest' : String(e.customer_number) }),
  (e) => ({ ...e, session_id: 12345 }),
  (e) => ({ ...e, browse_history: e.browse_history.map((b, i) => (i === e.browse_history.length - 1 ? { ...b, in_shopping_cart: 'yes' } : b)) }),
  (e) => ({ ...e, browse_history: e.browse_history.map((b, i) => (i === 0 ? { ...b, quantity: '1' } : b)) }),
];

/**
 * The payload of a malformed version of `event` with the given defect.
 *
 * ```ts
 * const data = malformedPayload(event, 'missing-field', random); // '{"session_id":"s42-1","city":…}' without, e.g., country
 * ```
 */
export function malformedPayload(event: SessionEvent, kind: MalformedKind, random: Random): string {
  switch (kind) {
    case 'missing-field': {
      const copy: Record<string, unknown> = { ...event };
      delete copy[random.pick(REQUIRED_FIELDS)];
      return JSON.stringify(copy);
    }
    case 'wrong-type':
      return JSON.stringify(random.pick(WRONG_TYPES)(event));
    case 'not-json': {
      // Any strict prefix of a JSON object is not JSON.
      const json = JSON.stringify(event);
      return json.slice(0, random.int(1, json.length - 1));
    }
  }
}

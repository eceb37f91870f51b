/**
 * The events the sales platform exchanges with the data system: shopper
 * session events in (Kinesis), recommendations out (Kinesis, Firehose, the
 * serving endpoint), and order events. Field names are snake_case as they
 * travel as JSON between systems.
 */

/** One product a shopper looked at, with the quantity and whether it is in the cart. */
export interface BrowseItem {
  readonly product_code: string;
  readonly quantity: number;
  readonly in_shopping_cart: boolean;
}

/** A shopper's session activity, sent by the sales platform. */
export interface SessionEvent {
  readonly session_id: string;
  /** Known customers have a number; new visitors may not. */
  readonly customer_number: number | null;
  readonly city: string;
  readonly country: string;
  readonly credit_limit: number;
  /** Everything browsed so far in the session, most recent last. */
  readonly browse_history: readonly BrowseItem[];
  /** When the platform created the event (ms since the epoch). */
  readonly event_time: number;
}

/** What the data system sends back for a session. */
export interface Recommendation {
  readonly session_id: string;
  readonly customer_number: number | null;
  /** k distinct product codes, never one already in the cart. */
  readonly recommended_items: readonly string[];
  /** Products similar to the most recently browsed one. */
  readonly similar_items: readonly string[];
  readonly model_version: string;
  /** 'model' when the model answered, 'fallback' when the most popular products were served. */
  readonly source: 'model' | 'fallback';
  /** The session event's time. */
  readonly event_time: number;
  /** When the recommendation was emitted (ms since the epoch). */
  readonly emitted_at: number;
}

/** An order line as the platform reports it (also read from orders ⋈ orderdetails). */
export interface OrderEvent {
  readonly order_number: number;
  readonly customer_number: number;
  readonly product_code: string;
  readonly quantity_ordered: number;
  readonly price_each: number;
  readonly country: string;
  readonly order_time: number;
}

/** Validation outcome: the event, or the reason (naming the field) it was rejected. */
export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a raw session event field by field; the reason names the first bad field. */
export function validateSessionEvent(raw: unknown): Validated<SessionEvent> {
  if (!isObject(raw)) return { ok: false, reason: 'event is not a JSON object' };
  const { session_id, customer_number, city, country, credit_limit, browse_history, event_time } = raw;
  if (typeof session_id !== 'string' || session_id.length === 0) return { ok: false, reason: 'session_id: must be a non-empty string' };
  if (customer_number !== null && customer_number !== undefined && !(Number.isInteger(customer_number) && (customer_number as number) > 0)) {
    return { ok: false, reason: 'customer_number: must be a positive integer or null' };
  }
  if (typeof city !== 'string') return { ok: false, reason: 'city: must be a string' };
  if (typeof country !== 'string' || country.length === 0) return { ok: false, reason: 'country: must be a non-empty string' };
  if (typeof credit_limit !== 'number' || !Number.isFinite(credit_limit) || credit_limit < 0) {
    return { ok: false, reason: 'credit_limit: must be a number >= 0' };
  }
  if (!Array.isArray(browse_history)) return { ok: false, reason: 'browse_history: must be an array' };
  for (let i = 0; i < browse_history.length; i++) {
    const item: unknown = browse_history[i];
    if (!isObject(item)) return { ok: false, reason: `browse_history[${i}]: must be an object` };
    if (typeof item.product_code !== 'string' || item.product_code.length === 0) {
      return { ok: false, reason: `browse_history[${i}].product_code: must be a non-empty string` };
    }
    if (!Number.isInteger(item.quantity) || (item.quantity as number) < 0) {
      return { ok: false, reason: `browse_history[${i}].quantity: must be an integer >= 0` };
    }
    if (typeof item.in_shopping_cart !== 'boolean') return { ok: false, reason: `browse_history[${i}].in_shopping_cart: must be a boolean` };
  }
  if (typeof event_time !== 'number' || !Number.isFinite(event_time)) return { ok: false, reason: 'event_time: must be a number (ms since the epoch)' };
  return {
    ok: true,
    value: {
      session_id,
      customer_number: (customer_number as number | null | undefined) ?? null,
      city,
      country,
      credit_limit,
      browse_history: browse_history as BrowseItem[],
      event_time,
    },
  };
}


/**
 * A shopper's session as the recommender keeps it in keyed state: who the
 * shopper is, what they browsed (most recent last, distinct, bounded) and
 * what is in their cart now. Each session event carries the browse history
 * so far; merging keeps what older events said if a newer one arrives with
 * a shorter history, and lets the newest event decide the cart (items leave
 * carts). Events older than the session's newest are merged but do not
 * change the cart.
 *
 * ```ts
 * let session = mergeSession(undefined, event);   // first event
 * session = mergeSession(session, next);          // later ones
 * session.cart;                                   // product codes in the cart now
 * ```
 */
import type { SessionEvent } from '../retail/events.js';

/**
 * At most this many browsed products are remembered per session. The scorer
 * weighs the i-th most recent by 0.8^i, so the 21st counts about 1 %; a short
 * list keeps keyed state — and the pause of encoding it at a checkpoint — small.
 */
export const MAX_BROWSED_PER_SESSION = 20;

/** The recommender's keyed state for one session. */
export interface SessionState {
  readonly customerNumber: number | null;
  readonly city: string;
  readonly country: string;
  readonly creditLimit: number;
  /** Distinct product codes browsed, most recent last, at most {@link MAX_BROWSED_PER_SESSION}. */
  readonly browsed: readonly string[];
  /** Product codes in the cart according to the newest event. */
  readonly cart: readonly string[];
  /** The newest event time seen. */
  readonly lastEventTime: number;
  /** Events merged into this session. */
  readonly events: number;
}

/** Folds a session event into the session's state (a new state; the old one is not modified). */
export function mergeSession(previous: SessionState | undefined, event: SessionEvent): SessionState {
  const newer = previous === undefined || event.event_time >= previous.lastEventTime;
  const browsed = newer ? appendBrowsed(previous?.browsed ?? [], event) : previous.browsed;
  const cart = newer ? cartOf(event) : previous.cart;
  return {
    customerNumber: event.customer_number ?? previous?.customerNumber ?? null,
    city: newer || previous === undefined ? event.city : previous.city,
    country: newer || previous === undefined ? event.country : previous.country,
    creditLimit: newer || previous === undefined ? event.credit_limit : previous.creditLimit,
    browsed,
    cart,
    lastEventTime: previous === undefined ? event.event_time : Math.max(previous.lastEventTime, event.event_time),
    events: (previous?.events ?? 0) + 1,
  };
}

/** The product codes of the event's history that are in the cart, distinct, in history order. */
export function cartOf(event: SessionEvent): string[] {
  const cart: string[] = [];
  for (const item of event.browse_history) if (item.in_shopping_cart && !cart.includes(item.product_code)) cart.push(item.product_code);
  return cart;
}

/**
 * The session's history with the event's appended; a product browsed again
 * moves to the end. Walks back from the newest view, keeping each product's
 * last one, until the cap is reached: at most cap × (history + before)
 * comparisons of short strings, no map or set.
 */
function appendBrowsed(before: readonly string[], event: SessionEvent): string[] {
  const history = event.browse_history;
  const newestFirst: string[] = [];
  for (let i = history.length - 1; i >= 0 && newestFirst.length < MAX_BROWSED_PER_SESSION; i--) {
    const code = history[i]!.product_code;
    if (!newestFirst.includes(code)) newestFirst.push(code);
  }
  for (let i = before.length - 1; i >= 0 && newestFirst.length < MAX_BROWSED_PER_SESSION; i--) {
    const code = before[i]!;
    if (!newestFirst.includes(code)) newestFirst.push(code);
  }
  return newestFirst.reverse();
}

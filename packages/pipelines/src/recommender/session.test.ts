import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../retail/events.js';
import { MAX_BROWSED_PER_SESSION, cartOf, mergeSession } from './session.js';

function event(time: number, history: Array<[string, boolean]>, overrides: Partial<SessionEvent> = {}): SessionEvent {
  return {
    session_id: 's1',
    customer_number: 103,
    city: 'Nantes',
    country: 'France',
    credit_limit: 21_000,
    browse_history: history.map(([product_code, in_shopping_cart]) => ({ product_code, quantity: 1, in_shopping_cart })),
    event_time: time,
    ...overrides,
  };
}

describe('mergeSession', () => {
  it('keeps distinct browsed products, most recent last, and the newest cart', () => {
    let s = mergeSession(undefined, event(1, [['A', false], ['B', true]]));
    expect(s.browsed).toEqual(['A', 'B']);
    expect(s.cart).toEqual(['B']);
    s = mergeSession(s, event(2, [['C', false], ['A', true]]));
    expect(s.browsed).toEqual(['B', 'C', 'A']);
    expect(s.cart).toEqual(['A']);
    expect(s.events).toBe(2);
    expect(s.lastEventTime).toBe(2);
  });

  it('an older event arriving late does not change the cart, the browsing or the customer features', () => {
    const newest = mergeSession(undefined, event(10, [['A', true]], { city: 'Paris' }));
    const s = mergeSession(newest, event(5, [['Z', true]], { city: 'Lyon' }));
    expect(s.cart).toEqual(['A']);
    expect(s.browsed).toEqual(['A']);
    expect(s.city).toBe('Paris');
    expect(s.lastEventTime).toBe(10);
    expect(s.events).toBe(2);
  });

  it('remembers the customer number once known', () => {
    const known = mergeSession(undefined, event(1, [], { customer_number: 200 }));
    expect(mergeSession(known, event(2, [], { customer_number: null })).customerNumber).toBe(200);
  });

  it('bounds the browsing history', () => {
    const history: Array<[string, boolean]> = Array.from({ length: MAX_BROWSED_PER_SESSION + 7 }, (_, i) => [`P${i}`, false]);
    const s = mergeSession(undefined, event(1, history));
    expect(s.browsed).toHaveLength(MAX_BROWSED_PER_SESSION);
    expect(s.browsed.at(-1)).toBe(`P${MAX_BROWSED_PER_SESSION + 6}`);
    expect(s.browsed[0]).toBe('P7');
  });

  it('cartOf lists carted products once each', () => {
    expect(cartOf(event(1, [['A', true], ['B', false], ['A', true]]))).toEqual(['A']);
  });
});

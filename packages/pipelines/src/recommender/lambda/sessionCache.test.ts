import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../retail/events.js';
import { mergeSession, type SessionState } from '../session.js';
import { SessionCache } from './sessionCache.js';

function state(id: string, time: number): SessionState {
  const event: SessionEvent = { session_id: id, customer_number: null, city: 'Lyon', country: 'France', credit_limit: 1, browse_history: [], event_time: time };
  return mergeSession(undefined, event);
}

describe('SessionCache', () => {
  it('drops the least recently updated session beyond maxSessions', () => {
    const cache = new SessionCache({ maxSessions: 2, ttlMs: 1_000, now: () => 0 });
    cache.set('a', state('a', 1));
    cache.set('b', state('b', 2));
    cache.set('a', state('a', 3)); // a is now the most recent
    cache.set('c', state('c', 4));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.lastEventTime).toBe(3);
    expect(cache.get('c')?.lastEventTime).toBe(4);
    expect(cache.size).toBe(2);
    expect(cache.stats).toMatchObject({ evictions: 1, hits: 2, misses: 1 });
  });

  it('forgets a session ttlMs after its last event, and sweeps expired ones on writes', () => {
    let now = 0;
    const cache = new SessionCache({ ttlMs: 100, now: () => now });
    cache.set('a', state('a', 1));
    cache.set('b', state('b', 1));
    now = 60;
    cache.set('b', state('b', 2)); // b lives until 160
    now = 100;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')?.lastEventTime).toBe(2);
    now = 200;
    cache.set('c', state('c', 3)); // sweeps b
    expect(cache.size).toBe(1);
    expect(cache.stats.expirations).toBe(2);
  });

  it('rejects bad bounds with the constraint in the message', () => {
    expect(() => new SessionCache({ maxSessions: 0, ttlMs: 1 })).toThrow('maxSessions must be an integer >= 1, got 0');
    expect(() => new SessionCache({ ttlMs: 0 })).toThrow('session ttlMs must be > 0 ms, got 0');
  });
});

import { describe, expect, it } from 'vitest';
import type { Recommendation } from '../retail/events.js';
import { RecommendationStore } from './serving.js';

function recommendation(sessionId: string, eventTime: number): Recommendation {
  return {
    session_id: sessionId,
    customer_number: null,
    recommended_items: ['S10_1678'],
    similar_items: [],
    model_version: 'v1',
    source: 'model',
    event_time: eventTime,
    emitted_at: eventTime,
  };
}

describe('RecommendationStore', () => {
  it("keeps a session's newest recommendation; an older event's answer does not replace it", () => {
    const store = new RecommendationStore();
    const heard: number[] = [];
    store.onPut((r) => heard.push(r.event_time));
    store.put(recommendation('s1', 20));
    store.put(recommendation('s1', 10));
    store.put(recommendation('s1', 30));
    expect(store.get('s1')?.event_time).toBe(30);
    expect(heard).toEqual([20, 30]);
    expect(store.size).toBe(1);
  });

  it('beyond maxSessions forgets the least recently updated session', () => {
    const store = new RecommendationStore({ maxSessions: 3 });
    for (const id of ['a', 'b', 'c']) store.put(recommendation(id, 1));
    store.put(recommendation('a', 2)); // a is now the most recent: b is the stalest
    store.put(recommendation('d', 2));
    expect(store.get('b')).toBeUndefined();
    store.put(recommendation('c', 3));
    store.put(recommendation('e', 3)); // order of updates: a, d, c → a goes
    expect(store.get('a')).toBeUndefined();
    expect(['c', 'd', 'e'].map((id) => store.get(id)?.session_id)).toEqual(['c', 'd', 'e']);
    expect(store.size).toBe(3);
  });

  it('expires sessions not updated for ttlMs, on reads and by evictExpired', () => {
    let now = 0;
    const store = new RecommendationStore({ ttlMs: 100, now: () => now });
    store.put(recommendation('a', 1));
    store.put(recommendation('b', 1));
    now = 60;
    store.put(recommendation('a', 2)); // a refreshed, b not
    store.put(recommendation('c', 2));
    now = 150;
    expect(store.evictExpired()).toBe(1);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')?.event_time).toBe(2);
    now = 161;
    expect(store.get('a')).toBeUndefined();
    expect(store.evictExpired()).toBe(1);
    expect(store.size).toBe(0);
  });
});

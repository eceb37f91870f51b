import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { randomArtifact } from '../model/testing.js';
import type { SessionEvent } from '../retail/events.js';
import { FALLBACK_MODEL_VERSION, Recommender, type ModelProblem } from './recommender.js';
import { createModelScorer, type Scorer } from './scorer.js';
import { mergeSession, type SessionState } from './session.js';

const artifact = randomArtifact(7);
const catalog = artifact.products.map((p) => p.productCode);
const catalogSet = new Set(catalog);

function session(history: Array<[string, boolean]>, customer: number | null = null, time = 1): SessionState {
  const event: SessionEvent = {
    session_id: 's',
    customer_number: customer,
    city: 'Lyon',
    country: 'France',
    credit_limit: 50_000,
    browse_history: history.map(([product_code, in_shopping_cart]) => ({ product_code, quantity: 1, in_shopping_cart })),
    event_time: time,
  };
  return mergeSession(undefined, event);
}

/** A scorer that fails the way a broken or slow model does (the fault the real model cannot produce on demand). */
function faultyScorer(fault: 'throw' | { readonly takesMs: number; readonly clock: { now: number } }): Scorer {
  const real = createModelScorer(artifact);
  return {
    version: 'faulty-1',
    productCodes: real.productCodes,
    popularProducts: real.popularProducts,
    knows: (code) => real.knows(code),
    recommend(s, k, similarK) {
      if (fault === 'throw') throw new Error('weights are NaN');
      fault.clock.now += fault.takesMs;
      return real.recommend(s, k, similarK);
    },
  };
}

const historyArbitrary = fc.array(
  fc.tuple(fc.oneof(fc.constantFrom(...catalog), fc.constantFrom('UNKNOWN_1', 'S99_0000')), fc.boolean()),
  { maxLength: 30 },
);

describe('Recommender', () => {
  test.prop([historyArbitrary, fc.option(fc.constantFrom(103, 112, 999), { nil: null }), fc.integer({ min: 1, max: 12 })])(
    'the model answers k distinct catalog products, never one in the cart',
    (history, customer, k) => {
      const recommender = new Recommender({ k });
      recommender.setModel(createModelScorer(artifact));
      const s = session(history, customer);
      const rec = recommender.recommend('s', s, 1);
      expect(rec.source).toBe('model');
      expect(rec.model_version).toBe(artifact.version);
      expect(rec.recommended_items).toHaveLength(k);
      expect(new Set(rec.recommended_items).size).toBe(k);
      for (const code of rec.recommended_items) {
        expect(catalogSet.has(code)).toBe(true);
        expect(s.cart).not.toContain(code);
      }
      for (const code of rec.similar_items) expect(s.cart).not.toContain(code);
    },
  );

  test.prop([fc.array(historyArbitrary, { minLength: 1, maxLength: 20 }), fc.integer({ min: 1, max: 8 })])(
    'the fallback answers k distinct products seen or known, never one in the cart',
    (sessions, k) => {
      const fallbackProducts = catalog.slice(0, 20);
      const recommender = new Recommender({ k, fallbackProducts });
      let last: SessionState | undefined;
      for (const history of sessions) {
        last = session(history);
        recommender.observe(undefined, last);
      }
      const rec = recommender.recommend('s', last!, 1);
      expect(rec.source).toBe('fallback');
      expect(rec.model_version).toBe(FALLBACK_MODEL_VERSION);
      expect(rec.recommended_items).toHaveLength(k);
      expect(new Set(rec.recommended_items).size).toBe(k);
      for (const code of rec.recommended_items) expect(last!.cart).not.toContain(code);
    },
  );

  it('serves the most popular products first, weighing carts and orders over browsing', () => {
    const recommender = new Recommender({ k: 3, popularity: { refreshMs: 0 } });
    recommender.setModel(createModelScorer(artifact));
    const [a, b, c, d] = catalog as [string, string, string, string];
    recommender.observe(undefined, session([[a, false]]));
    recommender.observe(undefined, session([[a, false]]));
    recommender.observe(undefined, session([[b, true]])); // a cart (3) outweighs two views (2)
    recommender.observeOrder({ order_number: 1, customer_number: 103, product_code: c, quantity_ordered: 2, price_each: 10, country: 'France', order_time: 1 });
    expect(recommender.popularFor(new Set())).toEqual([c, b, a]);
    expect(recommender.popularFor(new Set([c]))[0]).toBe(b);
    expect(recommender.popularFor(new Set()).includes(d)).toBe(false);
  });

  it('ignores products outside the model catalog in the popular list', () => {
    const recommender = new Recommender({ k: 2, popularity: { refreshMs: 0 } });
    recommender.setModel(createModelScorer(artifact));
    for (let i = 0; i < 5; i++) recommender.observe(undefined, session([['NOT_A_PRODUCT', true]]));
    expect(recommender.popularFor(new Set())).not.toContain('NOT_A_PRODUCT');
  });

  it('falls back when there is no model, and counts why', () => {
    const recommender = new Recommender({ fallbackProducts: catalog });
    const rec = recommender.recommend('s', session([]), 1);
    expect(rec).toMatchObject({ source: 'fallback', recommended_items: catalog.slice(0, 5), similar_items: [] });
    expect(recommender.stats.fallbackReasons['no-model']).toBe(1);
  });

  it('falls back when the model throws, and opens the circuit after repeated failures until the cooldown ends', () => {
    const clock = { now: 0 };
    const problems: ModelProblem[] = [];
    const recommender = new Recommender({ failureThreshold: 3, cooldownMs: 1_000, now: () => clock.now, onModelProblem: (p) => problems.push(p) });
    recommender.setModel(faultyScorer('throw'));
    for (let i = 0; i < 3; i++) expect(recommender.recommend('s', session([]), 1).source).toBe('fallback');
    expect(recommender.stats.fallbackReasons['model-error']).toBe(3);
    expect(problems.map((p) => p.kind)).toEqual(['error', 'error', 'error', 'circuit-opened']);
    expect(problems[0]!.message).toContain('weights are NaN');
    recommender.recommend('s', session([]), 1);
    expect(recommender.stats.fallbackReasons['circuit-open']).toBe(1);
    clock.now = 1_001;
    recommender.setModel(createModelScorer(artifact));
    expect(recommender.recommend('s', session([]), 1).source).toBe('model');
  });

  it('falls back when the model misses its deadline', () => {
    const clock = { now: 0 };
    const recommender = new Recommender({ deadlineMs: 50, monotonicNow: () => clock.now });
    recommender.setModel(faultyScorer({ takesMs: 80, clock }));
    const slow = recommender.recommend('s', session([[catalog[0]!, true]]), 1);
    expect(slow.source).toBe('fallback');
    expect(slow.recommended_items).not.toContain(catalog[0]);
    expect(recommender.stats.fallbackReasons.deadline).toBe(1);
    recommender.setModel(faultyScorer({ takesMs: 20, clock }));
    expect(recommender.recommend('s', session([]), 1).source).toBe('model');
  });

  it('uses the stored embedding of a known customer and the user tower for a new one', () => {
    const recommender = new Recommender({ k: 5 });
    recommender.setModel(createModelScorer(artifact, { activityWeight: 0 }));
    const known = recommender.recommend('s', session([], 103), 1).recommended_items;
    const unknown = recommender.recommend('s', session([], 4242), 1).recommended_items;
    const anonymous = recommender.recommend('s', session([], null), 1).recommended_items;
    expect(unknown).toEqual(anonymous); // same city/country/credit: same tower output
    expect(known).not.toEqual(anonymous);
  });

  it('similar items are the neighbours of the most recently browsed known product', () => {
    const recommender = new Recommender({ similarK: 4 });
    const scorer = createModelScorer(artifact);
    recommender.setModel(scorer);
    const [a, b] = catalog as [string, string];
    const rec = recommender.recommend('s', session([[a, false], [b, false], ['UNKNOWN', false]]), 1);
    expect(rec.similar_items).toHaveLength(4);
    expect(rec.similar_items).not.toContain(b);
    const alone = recommender.recommend('s', session([[b, false]]), 1);
    expect(rec.similar_items).toEqual(alone.similar_items);
  });

  it('rejects bad options', () => {
    expect(() => new Recommender({ k: 0 })).toThrow('k must be an integer >= 1, got 0');
    expect(() => new Recommender({ deadlineMs: 0 })).toThrow('deadlineMs must be a positive number, got 0');
    expect(() => createModelScorer(artifact, { activityWeight: 2 })).toThrow('activityWeight must be within 0–1, got 2');
  });
});

import { describe, expect, it } from 'vitest';
import { validateModel, type ModelArtifact } from './artifact.js';
import { evaluateModel, hitRates, popularityRanking, ratingErrors } from './evaluate.js';
import { UNKNOWN_CATEGORY } from './features.js';
import { compileModel } from './scoring.js';
import type { TrainingRow } from '../retail/rows.js';

/**
 * A hand-made 2-dimensional model: predicted rating = dot(user, item) + 3.
 * The towers output 0, so customers and products it does not know predict 3.
 */
const artifact: ModelArtifact = validateModel({
  formatVersion: 1,
  version: 'hand-made',
  createdAt: '2026-11-23T22:00:00.000Z',
  dimensions: 2,
  vocabularies: { city: [UNKNOWN_CATEGORY], country: [UNKNOWN_CATEGORY], productLine: [UNKNOWN_CATEGORY], productScale: [UNKNOWN_CATEGORY] },
  scalers: {
    creditLimit: { mean: 0, std: 1 },
    quantityInStock: { mean: 0, std: 1 },
    buyPrice: { mean: 0, std: 1 },
    MSRP: { mean: 0, std: 1 },
  },
  userTower: [{ inputs: 3, outputs: 2, weights: [0, 0, 0, 0, 0, 0], bias: [0, 0], activation: 'linear' }],
  itemTower: [{ inputs: 5, outputs: 2, weights: new Array(10).fill(0), bias: [0, 0], activation: 'linear' }],
  userEmbeddings: { '1': [1, 0], '2': [0, 1], '3': [1, 1], '4': [0, 0], '5': [10, 0] },
  itemEmbeddings: { A: [1, 0], B: [0, 1], C: [0.5, 0.5], D: [-1, 0], E: [0, -1] },
  products: ['A', 'B', 'C', 'D', 'E'].map((productCode) => ({ productCode, productLine: 'Ships', productScale: '1:18' })),
  popularProducts: ['A', 'B', 'C', 'D', 'E'],
  ratingScale: 1,
  ratingBias: 3,
});

function rating(customerNumber: number, productCode: string, productRating: number): TrainingRow {
  return {
    customerNumber,
    city: 'Nowhere',
    state: null,
    postalCode: null,
    country: 'Nowhere',
    creditLimit: 0,
    productCode,
    productLine: 'Ships',
    productScale: '1:18',
    quantityInStock: 0,
    buyPrice: 0,
    MSRP: 0,
    productRating,
  };
}

// Training counts: D 2, then A, B, E 1 each, C none → popularity D, A, B, E, C. Mean rating 3.
const train = [rating(1, 'A', 5), rating(2, 'B', 4), rating(3, 'D', 2), rating(3, 'E', 1), rating(4, 'D', 3)];
// Customer 1's target is C (rated 4); customer 2 rated A and C 3 each: the first, A, is the target.
const test = [rating(1, 'C', 4), rating(1, 'B', 2), rating(2, 'A', 3), rating(2, 'C', 3)];

describe('evaluateModel', () => {
  it('computes RMSE of the model and of the training mean on the held-out ratings', () => {
    // Predictions: 3.5 (vs 4), 3 (vs 2), 3 (vs 3), 3.5 (vs 3).
    const report = evaluateModel(artifact, train, test, { epochs: 7, trainingSeconds: 1.5 });
    expect(report.rmse).toBeCloseTo(Math.sqrt((0.25 + 1 + 0 + 0.25) / 4), 12);
    expect(report.baselineRmse).toBeCloseTo(Math.sqrt((1 + 1 + 0 + 0) / 4), 12);
    expect(report).toMatchObject({ version: 'hand-made', trainRows: 5, testRows: 4, epochs: 7, trainingSeconds: 1.5 });
  });

  it('counts a hit when the best held-out product is in the top k of the products not rated in training', () => {
    // k = 1. Customer 1 (A rated): model's best of B 3, C 3.5, D 2, E 3 is C — a hit; popularity's is D — a miss.
    // Customer 2 (B rated): model's best of A 3, C 3.5, D 3, E 2 is C, not A — a miss; popularity's is D — a miss.
    const top1 = evaluateModel(artifact, train, test, { k: 1 });
    expect(top1.hitRateAt10).toBe(0.5);
    expect(top1.popularityHitRateAt10).toBe(0);
    // k = 2. Customer 2: C, then A before D (equal scores: product order) — a hit. Popularity: customer 1 D, B — a
    // miss; customer 2 D, A — a hit.
    const model = compileModel(artifact);
    expect(hitRates(model, train, test, { k: 2 })).toEqual({ users: 2, modelHits: 2, popularityHits: 1 });
    // With 5 products and k = 10 everything is a hit.
    expect(evaluateModel(artifact, train, test)).toMatchObject({ hitRateAt10: 1, popularityHitRateAt10: 1 });
  });

  it('can rank by cosine similarity instead of the predicted rating', () => {
    // Customer 3 ([1, 1]) rated D and E; held out A (5) and B (1). By dot, A and B tie at 4 and C at 4: A first.
    // By cosine, C ([0.5, 0.5]) is the best match: A misses at k = 1.
    const held = [rating(3, 'A', 5), rating(3, 'B', 1)];
    const model = compileModel(artifact);
    expect(hitRates(model, train, held, { k: 1, metric: 'dot' }).modelHits).toBe(1);
    expect(hitRates(model, train, held, { k: 1, metric: 'cosine' }).modelHits).toBe(0);
  });

  it('clamps predictions to 1–5 and embeds unknown customers and products through the towers', () => {
    const model = compileModel(artifact);
    // Customer 5 · A = 10 → 13, clamped to 5. Customer 99 and product Z are unknown: predicted 3.
    const { rmse } = ratingErrors(model, train, [rating(5, 'A', 5), rating(99, 'A', 4), rating(1, 'Z', 5)]);
    expect(rmse).toBeCloseTo(Math.sqrt((0 + 1 + 4) / 3), 12);
  });

  it('ranks by popularity with ties broken by product code', () => {
    expect(popularityRanking(['E', 'D', 'C', 'B', 'A'], new Map([['D', 2], ['A', 1], ['B', 1], ['E', 1]]))).toEqual(['D', 'A', 'B', 'E', 'C']);
  });
});

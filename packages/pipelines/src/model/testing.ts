/**
 * Test support for code that scores with a model: a valid artifact with
 * seeded random weights and embeddings, without training one. Not part of
 * the package's public API.
 */
import { validateModel, type DenseLayer, type ModelArtifact } from './artifact.js';
import { UNKNOWN_CATEGORY } from './features.js';
import { SeededRandom } from './random.js';

/** A valid artifact with random weights and embeddings (110 products × 32 dimensions by default). */
export function randomArtifact(seed: number, products = 110, dimensions = 32): ModelArtifact {
  const random = new SeededRandom(seed);
  const vocabularies = {
    city: [UNKNOWN_CATEGORY, 'Lyon', 'NYC', 'Paris', 'Tokyo'],
    country: [UNKNOWN_CATEGORY, 'France', 'Japan', 'USA'],
    productLine: [UNKNOWN_CATEGORY, 'Planes', 'Ships', 'Trains'],
    productScale: [UNKNOWN_CATEGORY, '1:10', '1:18', '1:72'],
  };
  const layer = (inputs: number, outputs: number, activation: DenseLayer['activation']): DenseLayer => ({
    inputs,
    outputs,
    weights: Array.from({ length: inputs * outputs }, () => random.gaussian() * 0.5),
    bias: Array.from({ length: outputs }, () => random.gaussian() * 0.1),
    activation,
  });
  const vector = (): number[] => Array.from({ length: dimensions }, () => random.gaussian());
  const codes = Array.from({ length: products }, (_, i) => `S${10 + (i % 80)}_${1000 + i}`);
  const itemEmbeddings: Record<string, number[]> = {};
  for (const code of codes) itemEmbeddings[code] = vector();
  return validateModel({
    formatVersion: 1,
    version: `test-${seed}`,
    createdAt: '2026-11-23T22:00:00.000Z',
    dimensions,
    vocabularies,
    scalers: {
      creditLimit: { mean: 60_000, std: 30_000 },
      quantityInStock: { mean: 5000, std: 2000 },
      buyPrice: { mean: 50, std: 20 },
      MSRP: { mean: 100, std: 40 },
    },
    userTower: [layer(5 + 4 + 1, 16, 'relu'), layer(16, 8, 'tanh'), layer(8, dimensions, 'linear')],
    itemTower: [layer(4 + 4 + 3, 16, 'relu'), layer(16, dimensions, 'linear')],
    userEmbeddings: { '103': vector(), '112': vector() },
    itemEmbeddings,
    products: codes.map((productCode, i) => ({ productCode, productLine: vocabularies.productLine[1 + (i % 3)]!, productScale: '1:18' })),
    popularProducts: [...codes].reverse(),
    ratingScale: 1,
    ratingBias: 3,
  });
}


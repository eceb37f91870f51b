import { describe, expect, it } from 'vitest';
import { MODEL_FORMAT_VERSION, ModelArtifactError, parseModel, serializeModel, validateModel, type ModelArtifact } from './artifact.js';
import { compileModel } from './scoring.js';
import { trainModel } from './train.js';
import type { TrainingRow } from '../retail/rows.js';

/** A few hand-made ratings: enough for a small, real artifact. */
function rows(): TrainingRow[] {
  const customers = [
    { customerNumber: 103, city: 'Nantes', country: 'France', creditLimit: 21_000 },
    { customerNumber: 112, city: 'Las Vegas', country: 'USA', creditLimit: 71_800 },
    { customerNumber: 114, city: 'Melbourne', country: 'Australia', creditLimit: 117_300 },
  ];
  const products = [
    { productCode: 'S10_1678', productLine: 'Motorcycles', productScale: '1:10', quantityInStock: 7933, buyPrice: 48.81, MSRP: 95.7 },
    { productCode: 'S10_1949', productLine: 'Classic Cars', productScale: '1:10', quantityInStock: 7305, buyPrice: 98.58, MSRP: 214.3 },
    { productCode: 'S12_1099', productLine: 'Classic Cars', productScale: '1:12', quantityInStock: 68, buyPrice: 95.34, MSRP: 194.57 },
    { productCode: 'S18_3232', productLine: 'Vintage Cars', productScale: '1:18', quantityInStock: 8347, buyPrice: 58.48, MSRP: 118.5 },
  ];
  const out: TrainingRow[] = [];
  customers.forEach((c, ci) =>
    products.forEach((p, pi) => out.push({ ...c, state: null, postalCode: null, ...p, productRating: 1 + ((ci + 2 * pi) % 5) })),
  );
  return out;
}

const { artifact } = trainModel(rows(), { seed: 1, epochs: 3, hiddenUnits: [8], dimensions: 4, now: () => new Date('2026-11-23T22:00:00Z') });

function mutate(edit: (doc: Record<string, any>) => void): string {
  const doc = JSON.parse(serializeModel(artifact)) as Record<string, any>;
  edit(doc);
  return JSON.stringify(doc);
}

function parseError(text: string): ModelArtifactError {
  try {
    parseModel(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelArtifactError);
    return error as ModelArtifactError;
  }
  throw new Error('parseModel accepted a corrupt artifact');
}

describe('serializeModel / parseModel', () => {
  it('round-trips a trained artifact exactly', () => {
    const text = serializeModel(artifact);
    const parsed = parseModel(text);
    expect(parsed).toEqual(artifact);
    expect(serializeModel(parsed)).toBe(text);
    expect(parsed.formatVersion).toBe(MODEL_FORMAT_VERSION);
    expect(parsed.version).toMatch(/^2026-11-23T22-00-00Z-[0-9a-f]{4}$/);
    // And the parsed artifact scores like the original.
    const user = { city: 'Nantes', country: 'France', creditLimit: 30_000 };
    expect(compileModel(parsed).embedUser(user)).toEqual(compileModel(artifact).embedUser(user));
  });

  it('names the field when the document is not JSON or is truncated', () => {
    expect(parseError('not json').message).toMatch(/^Invalid model artifact: is not valid JSON/);
    const text = serializeModel(artifact);
    const truncated = parseError(text.slice(0, text.length / 2));
    expect(truncated.code).toBe('MODEL_ARTIFACT_INVALID');
    expect(truncated.field).toBe('');
    expect(parseError('[1, 2]').message).toBe('Invalid model artifact: must be an object, got an array of 2');
  });

  it('rejects another format version with its own code', () => {
    const error = parseError(mutate((doc) => (doc.formatVersion = 2)));
    expect(error.code).toBe('MODEL_FORMAT_UNSUPPORTED');
    expect(error.field).toBe('formatVersion');
    expect(error.message).toBe('Invalid model artifact: formatVersion 2 is not supported (this code reads 1)');
    expect(parseError(mutate((doc) => delete doc.formatVersion)).message).toBe(
      'Invalid model artifact: formatVersion must be 1, got nothing (missing)',
    );
  });

  const cases: Array<[string, (doc: Record<string, any>) => void, string, RegExp]> = [
    ['a missing version', (doc) => delete doc.version, 'version', /must be a non-empty string, got nothing/],
    ['a bad dimensions value', (doc) => (doc.dimensions = 0), 'dimensions', /must be a positive integer, got 0/],
    ['an empty vocabulary', (doc) => (doc.vocabularies.city = []), 'vocabularies.city', /at least the unknown entry/],
    ['a non-string vocabulary entry', (doc) => (doc.vocabularies.country[1] = 7), 'vocabularies.country[1]', /must be a string, got 7/],
    ['a zero scaler std', (doc) => (doc.scalers.MSRP.std = 0), 'scalers.MSRP.std', /must be positive, got 0/],
    ['a missing scaler', (doc) => delete doc.scalers.buyPrice, 'scalers.buyPrice', /must be an object, got nothing/],
    [
      'a user tower that does not fit the vocabularies',
      (doc) => doc.vocabularies.city.push('Atlantis'),
      'userTower[0].inputs',
      /must be \d+ \(the encoded feature width\)/,
    ],
    ['a short weight matrix', (doc) => doc.userTower[0].weights.pop(), 'userTower[0].weights', /must have \d+ values, got \d+/],
    ['a null weight', (doc) => (doc.itemTower[1].weights[3] = null), 'itemTower[1].weights[3]', /must be a finite number, got null/],
    ['a bias of the wrong length', (doc) => doc.itemTower[0].bias.push(0), 'itemTower[0].bias', /must have 8 values, got 9/],
    ['an unknown activation', (doc) => (doc.itemTower[0].activation = 'gelu'), 'itemTower[0].activation', /must be 'relu', 'linear' or 'tanh'/],
    [
      'layers that do not chain',
      (doc) => (doc.userTower[1].inputs = 9),
      'userTower[1].inputs',
      /must be 8 \(the previous layer's outputs\), got 9/,
    ],
    [
      'a tower whose output is not the embedding width',
      (doc) => {
        doc.dimensions = 5;
      },
      'userTower[1].outputs',
      /must equal dimensions \(5\), got 4/,
    ],
    ['a short user embedding', (doc) => doc.userEmbeddings['112'].pop(), "userEmbeddings['112']", /must have 4 values, got 3/],
    ['a string in an item embedding', (doc) => (doc.itemEmbeddings.S10_1678[0] = '1'), "itemEmbeddings['S10_1678'][0]", /finite number, got "1"/],
    ['a product without an embedding', (doc) => delete doc.itemEmbeddings.S12_1099, "itemEmbeddings['S12_1099']", /is missing/],
    ['an embedding of no product', (doc) => (doc.itemEmbeddings.X = [0, 0, 0, 0]), "itemEmbeddings['X']", /is not a listed product/],
    ['a duplicated product', (doc) => doc.products.push(doc.products[0]), 'products[4].productCode', /listed twice/],
    ['an unknown popular product', (doc) => (doc.popularProducts[0] = 'nope'), 'popularProducts[0]', /listed product code, got "nope"/],
    ['a non-finite rating bias', (doc) => (doc.ratingBias = 'high'), 'ratingBias', /must be a finite number, got "high"/],
  ];

  for (const [what, edit, field, message] of cases) {
    it(`rejects ${what}, naming ${field}`, () => {
      const error = parseError(mutate(edit));
      expect(error.code).toBe('MODEL_ARTIFACT_INVALID');
      expect(error.field).toBe(field);
      expect(error.message).toMatch(message);
      expect(error.message.startsWith(`Invalid model artifact: ${field} `)).toBe(true);
    });
  }

  it('validateModel checks an already-parsed object the same way', () => {
    expect(validateModel(JSON.parse(serializeModel(artifact)))).toEqual(artifact);
    expect(() => validateModel({ ...artifact, products: [] } satisfies Record<keyof ModelArtifact, unknown>)).toThrow(
      /products must list at least one product/,
    );
  });
});

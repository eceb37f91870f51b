import { describe, expect, it } from 'vitest';
import {
  buildVocabulary,
  FeatureEncoder,
  fitFeatureSpace,
  fitScaler,
  ITEM_SLOTS,
  standardise,
  UNKNOWN_CATEGORY,
  USER_SLOTS,
} from './features.js';
import type { TrainingRow } from '../retail/rows.js';

function row(overrides: Partial<TrainingRow>): TrainingRow {
  return {
    customerNumber: 1,
    city: 'Paris',
    state: null,
    postalCode: null,
    country: 'France',
    creditLimit: 50_000,
    productCode: 'S10_1000',
    productLine: 'Ships',
    productScale: '1:18',
    quantityInStock: 100,
    buyPrice: 10,
    MSRP: 20,
    productRating: 4,
    ...overrides,
  };
}

const rows: TrainingRow[] = [
  row({ customerNumber: 1, city: 'Paris', country: 'France', creditLimit: 10_000, productCode: 'A', productLine: 'Ships', productScale: '1:18' }),
  row({ customerNumber: 1, city: 'Paris', country: 'France', creditLimit: 10_000, productCode: 'B', productLine: 'Planes', productScale: '1:72', buyPrice: 30, MSRP: 60 }),
  row({ customerNumber: 2, city: 'NYC', country: 'USA', creditLimit: 30_000, productCode: 'A', productLine: 'Ships', productScale: '1:18' }),
  row({ customerNumber: 3, city: 'Lyon', country: 'France', creditLimit: 20_000, productCode: 'C', productLine: 'Ships', productScale: '1:10', quantityInStock: 400 }),
];

describe('vocabularies', () => {
  it('puts the unknown marker at index 0 and the distinct values after it, sorted', () => {
    expect(buildVocabulary(['Paris', 'NYC', 'Paris', null, undefined, 'Lyon'])).toEqual([UNKNOWN_CATEGORY, 'Lyon', 'NYC', 'Paris']);
    expect(buildVocabulary([])).toEqual([UNKNOWN_CATEGORY]);
  });

  it('are fitted on the training rows, independent of row order', () => {
    const space = fitFeatureSpace(rows);
    expect(space.vocabularies).toEqual({
      city: [UNKNOWN_CATEGORY, 'Lyon', 'NYC', 'Paris'],
      country: [UNKNOWN_CATEGORY, 'France', 'USA'],
      productLine: [UNKNOWN_CATEGORY, 'Planes', 'Ships'],
      productScale: [UNKNOWN_CATEGORY, '1:10', '1:18', '1:72'],
    });
    expect(fitFeatureSpace([...rows].reverse()).vocabularies).toEqual(space.vocabularies);
  });
});

describe('scalers', () => {
  it('standardise with the population mean and standard deviation', () => {
    const scaler = fitScaler([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(scaler).toEqual({ mean: 5, std: 2 });
    expect(standardise(9, scaler)).toBe(2);
  });

  it('use a standard deviation of 1 when the values do not vary (or there are none)', () => {
    expect(fitScaler([3, 3, 3])).toEqual({ mean: 3, std: 1 });
    expect(fitScaler([])).toEqual({ mean: 0, std: 1 });
  });

  it('skip missing and non-finite values, which standardise to 0', () => {
    const scaler = fitScaler([1, null, 3, Number.NaN, undefined, Infinity]);
    expect(scaler).toEqual({ mean: 2, std: 1 });
    expect(standardise(null, scaler)).toBe(0);
    expect(standardise(undefined, scaler)).toBe(0);
    expect(standardise(Number.NaN, scaler)).toBe(0);
  });

  it('are fitted over distinct customers and products, not rows', () => {
    const space = fitFeatureSpace(rows);
    // Customer 1 has two rows but counts once: mean of 10k, 30k, 20k.
    expect(space.scalers.creditLimit.mean).toBe(20_000);
    // Products A (twice), B, C: buy prices 10, 30, 10.
    expect(space.scalers.buyPrice.mean).toBeCloseTo(50 / 3, 10);
    // MSRP of A and C is 20, of B 60.
    expect(space.scalers.MSRP.std).toBeCloseTo(Math.sqrt(((20 - 100 / 3) ** 2 * 2 + (60 - 100 / 3) ** 2) / 3), 10);
  });
});

describe('FeatureEncoder', () => {
  const space = fitFeatureSpace(rows);
  const encoder = new FeatureEncoder(space);

  it('one-hot encodes city and country and standardises the credit limit', () => {
    expect(encoder.userWidth).toBe(4 + 3 + 1);
    const x = encoder.encodeUser({ city: 'NYC', country: 'USA', creditLimit: 30_000 });
    const z = (30_000 - 20_000) / space.scalers.creditLimit.std;
    expect(Array.from(x)).toEqual([0, 0, 1, 0, /* country */ 0, 0, 1, /* credit */ z]);
  });

  it('maps unseen and missing categories to index 0 and a missing credit limit to 0', () => {
    const x = encoder.encodeUser({ city: 'Atlantis', country: null, creditLimit: null });
    expect(Array.from(x)).toEqual([1, 0, 0, 0, 1, 0, 0, 0]);
    expect(encoder.cityIndex('Atlantis')).toBe(0);
    expect(encoder.cityIndex(UNKNOWN_CATEGORY)).toBe(0);
    expect(encoder.countryIndex('USA')).toBe(2);
  });

  it('one-hot encodes product line and scale and standardises stock and prices', () => {
    expect(encoder.itemWidth).toBe(3 + 4 + 3);
    const x = encoder.encodeItem({ productLine: 'Planes', productScale: '1:72', quantityInStock: 100, buyPrice: 30, MSRP: 60 });
    const { scalers } = space;
    expect(Array.from(x)).toEqual([
      0, 1, 0,
      0, 0, 0, 1,
      standardise(100, scalers.quantityInStock),
      standardise(30, scalers.buyPrice),
      standardise(60, scalers.MSRP),
    ]);
    const unknown = encoder.encodeItem({ productLine: 'Rockets', productScale: '1:1', quantityInStock: undefined, buyPrice: null, MSRP: Number.NaN });
    expect(Array.from(unknown)).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('writes the same encoding in sparse form (slots) at an offset', () => {
    const indices = new Int32Array(USER_SLOTS + 2);
    const values = new Float64Array(USER_SLOTS + 2);
    const user = { city: 'Lyon', country: 'France', creditLimit: 12_345 };
    encoder.userSlots(user, indices, values, 2);
    const dense = new Float64Array(encoder.userWidth);
    for (let s = 2; s < 2 + USER_SLOTS; s++) dense[indices[s]!]! += values[s]!;
    expect(dense).toEqual(encoder.encodeUser(user));

    const itemIndices = new Int32Array(ITEM_SLOTS);
    const itemValues = new Float64Array(ITEM_SLOTS);
    const item = { productLine: 'Ships', productScale: '1:10', quantityInStock: 5, buyPrice: 7, MSRP: 9 };
    encoder.itemSlots(item, itemIndices, itemValues);
    const itemDense = new Float64Array(encoder.itemWidth);
    for (let s = 0; s < ITEM_SLOTS; s++) itemDense[itemIndices[s]!]! += itemValues[s]!;
    expect(itemDense).toEqual(encoder.encodeItem(item));
  });
});

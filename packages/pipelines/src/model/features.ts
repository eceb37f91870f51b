/**
 * Feature encoding of the two-tower recommender: vocabularies and scalers
 * fitted on the training rows, and the encoders that turn a customer or a
 * product into the towers' inputs.
 *
 * ```
 * user input  = one-hot(city) ⊕ one-hot(country) ⊕ [standardised creditLimit]
 * item input  = one-hot(productLine) ⊕ one-hot(productScale) ⊕ [standardised quantityInStock, buyPrice, MSRP]
 * ```
 * Index 0 of every vocabulary is {@link UNKNOWN_CATEGORY}: a value not seen in
 * training (or a missing one) encodes as index 0, never as an error. A
 * missing or non-finite number encodes as 0 (the training mean).
 *
 * An encoded input has a fixed number of non-zero slots (3 for users, 5 for
 * items), so the encoders also produce the sparse form — slot indices and
 * values — that the towers' first layer reads instead of the dense vector.
 */
import type { ModelArtifact, Scaler } from './artifact.js';
import type { TrainingRow } from '../retail/rows.js';

/** The entry at index 0 of every vocabulary, standing for values not seen in training. */
export const UNKNOWN_CATEGORY = '<unknown>';

/** Non-zero slots of an encoded user: city, country, creditLimit. */
export const USER_SLOTS = 3;
/** Non-zero slots of an encoded item: productLine, productScale, quantityInStock, buyPrice, MSRP. */
export const ITEM_SLOTS = 5;

/** What the user tower sees of a customer. */
export interface UserFeatures {
  readonly city: string | null | undefined;
  readonly country: string | null | undefined;
  readonly creditLimit: number | null | undefined;
}

/** What the item tower sees of a product. */
export interface ItemFeatures {
  readonly productLine: string | null | undefined;
  readonly productScale: string | null | undefined;
  readonly quantityInStock: number | null | undefined;
  readonly buyPrice: number | null | undefined;
  readonly MSRP: number | null | undefined;
}

/** The fitted part of the encoding, as stored in the artifact. */
export interface FeatureSpace {
  readonly vocabularies: ModelArtifact['vocabularies'];
  readonly scalers: ModelArtifact['scalers'];
}

/**
 * A vocabulary of the distinct values, sorted (so it does not depend on row
 * order), behind {@link UNKNOWN_CATEGORY} at index 0.
 *
 * ```ts
 * buildVocabulary(['Paris', 'NYC', 'Paris']); // ['<unknown>', 'NYC', 'Paris']
 * ```
 */
export function buildVocabulary(values: Iterable<string | null | undefined>): string[] {
  const distinct = new Set<string>();
  for (const value of values) if (value !== null && value !== undefined && value !== UNKNOWN_CATEGORY) distinct.add(value);
  return [UNKNOWN_CATEGORY, ...[...distinct].sort()];
}

/**
 * Mean and (population) standard deviation of the finite values; a standard
 * deviation of 0 (or no values) becomes 1 so standardising never divides by 0.
 */
export function fitScaler(values: Iterable<number | null | undefined>): Scaler {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const value of values) {
    if (typeof value !== 'number' || !Number.isFinite(value)) continue;
    n++;
    const delta = value - mean;
    mean += delta / n;
    m2 += delta * (value - mean);
  }
  const std = n > 0 ? Math.sqrt(m2 / n) : 0;
  return { mean, std: std > 0 && Number.isFinite(std) ? std : 1 };
}

/** `(value − mean) / std`; a missing or non-finite value gives 0. */
export function standardise(value: number | null | undefined, scaler: Scaler): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  return (value - scaler.mean) / scaler.std;
}

/**
 * Fits vocabularies and scalers on training rows. Scalers are fitted over
 * distinct customers and distinct products (the first row of each), so a
 * customer with many ratings does not weigh more than one with few; the
 * result does not depend on row order.
 */
export function fitFeatureSpace(rows: readonly TrainingRow[]): FeatureSpace {
  const customers = new Map<number, TrainingRow>();
  const products = new Map<string, TrainingRow>();
  for (const row of rows) {
    if (!customers.has(row.customerNumber)) customers.set(row.customerNumber, row);
    if (!products.has(row.productCode)) products.set(row.productCode, row);
  }
  // In key order, so the floating-point sums do not depend on row order.
  const users = [...customers.entries()].sort((a, b) => a[0] - b[0]).map(([, row]) => row);
  const items = [...products.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([, row]) => row);
  return {
    vocabularies: {
      city: buildVocabulary(users.map((u) => u.city)),
      country: buildVocabulary(users.map((u) => u.country)),
      productLine: buildVocabulary(items.map((p) => p.productLine)),
      productScale: buildVocabulary(items.map((p) => p.productScale)),
    },
    scalers: {
      creditLimit: fitScaler(users.map((u) => u.creditLimit)),
      quantityInStock: fitScaler(items.map((p) => p.quantityInStock)),
      buyPrice: fitScaler(items.map((p) => p.buyPrice)),
      MSRP: fitScaler(items.map((p) => p.MSRP)),
    },
  };
}

/**
 * Encodes customers and products against a fitted {@link FeatureSpace}.
 * Build one per space (it indexes the vocabularies) and reuse it.
 *
 * ```ts
 * const encoder = new FeatureEncoder(fitFeatureSpace(rows));
 * encoder.encodeUser({ city: 'Paris', country: 'France', creditLimit: 50_000 }); // Float64Array(userWidth)
 * ```
 */
export class FeatureEncoder {
  /** Width of the dense user input: |city| + |country| + 1. */
  readonly userWidth: number;
  /** Width of the dense item input: |productLine| + |productScale| + 3. */
  readonly itemWidth: number;
  private readonly city: Map<string, number>;
  private readonly country: Map<string, number>;
  private readonly productLine: Map<string, number>;
  private readonly productScale: Map<string, number>;

  constructor(readonly space: FeatureSpace) {
    const { vocabularies } = space;
    this.city = indexOf(vocabularies.city);
    this.country = indexOf(vocabularies.country);
    this.productLine = indexOf(vocabularies.productLine);
    this.productScale = indexOf(vocabularies.productScale);
    this.userWidth = vocabularies.city.length + vocabularies.country.length + 1;
    this.itemWidth = vocabularies.productLine.length + vocabularies.productScale.length + 3;
  }

  /** Vocabulary index of a city (0 when unknown). */
  cityIndex(city: string | null | undefined): number {
    return city == null ? 0 : (this.city.get(city) ?? 0);
  }

  /** Vocabulary index of a country (0 when unknown). */
  countryIndex(country: string | null | undefined): number {
    return country == null ? 0 : (this.country.get(country) ?? 0);
  }

  /** Vocabulary index of a product line (0 when unknown). */
  productLineIndex(line: string | null | undefined): number {
    return line == null ? 0 : (this.productLine.get(line) ?? 0);
  }

  /** Vocabulary index of a product scale (0 when unknown). */
  productScaleIndex(scale: string | null | undefined): number {
    return scale == null ? 0 : (this.productScale.get(scale) ?? 0);
  }

  /**
   * Writes the user's {@link USER_SLOTS} non-zero input positions and values
   * at `offset` of `indices`/`values` (the sparse form of {@link encodeUser}).
   */
  userSlots(user: UserFeatures, indices: Int32Array, values: Float64Array, offset = 0): void {
    const cities = this.space.vocabularies.city.length;
    const countries = this.space.vocabularies.country.length;
    indices[offset] = this.cityIndex(user.city);
    values[offset] = 1;
    indices[offset + 1] = cities + this.countryIndex(user.country);
    values[offset + 1] = 1;
    indices[offset + 2] = cities + countries;
    values[offset + 2] = standardise(user.creditLimit, this.space.scalers.creditLimit);
  }

  /** Writes the item's {@link ITEM_SLOTS} non-zero input positions and values at `offset`. */
  itemSlots(item: ItemFeatures, indices: Int32Array, values: Float64Array, offset = 0): void {
    const lines = this.space.vocabularies.productLine.length;
    const base = lines + this.space.vocabularies.productScale.length;
    const { scalers } = this.space;
    indices[offset] = this.productLineIndex(item.productLine);
    values[offset] = 1;
    indices[offset + 1] = lines + this.productScaleIndex(item.productScale);
    values[offset + 1] = 1;
    indices[offset + 2] = base;
    values[offset + 2] = standardise(item.quantityInStock, scalers.quantityInStock);
    indices[offset + 3] = base + 1;
    values[offset + 3] = standardise(item.buyPrice, scalers.buyPrice);
    indices[offset + 4] = base + 2;
    values[offset + 4] = standardise(item.MSRP, scalers.MSRP);
  }

  /** The dense user input vector: one-hot(city) ⊕ one-hot(country) ⊕ [creditLimit]. */
  encodeUser(user: UserFeatures): Float64Array {
    const indices = new Int32Array(USER_SLOTS);
    const values = new Float64Array(USER_SLOTS);
    this.userSlots(user, indices, values);
    return densify(this.userWidth, indices, values);
  }

  /** The dense item input vector: one-hot(productLine) ⊕ one-hot(productScale) ⊕ [stock, buyPrice, MSRP]. */
  encodeItem(item: ItemFeatures): Float64Array {
    const indices = new Int32Array(ITEM_SLOTS);
    const values = new Float64Array(ITEM_SLOTS);
    this.itemSlots(item, indices, values);
    return densify(this.itemWidth, indices, values);
  }
}

function indexOf(vocabulary: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  // Index 0 is the unknown marker, never a real value.
  for (let i = 1; i < vocabulary.length; i++) map.set(vocabulary[i]!, i);
  return map;
}

function densify(width: number, indices: Int32Array, values: Float64Array): Float64Array {
  const dense = new Float64Array(width);
  for (let s = 0; s < indices.length; s++) dense[indices[s]!]! += values[s]!;
  return dense;
}

/**
 * The recommender model artifact: everything the streaming recommender
 * needs to score without the training code — vocabularies and scalers for
 * the features, the user tower's weights (to embed new customers from city,
 * country and credit limit), and the precomputed user and item embeddings.
 * Written by the trainer as one JSON object per version
 * (`<prefix>/models/<version>/model.json`) plus `<prefix>/models/LATEST`
 * naming the newest version, and an evaluation report beside it.
 */
import { TributaryError } from '@tributary/core';

/** Mean and standard deviation of a numeric feature (standardisation). */
export interface Scaler {
  readonly mean: number;
  readonly std: number;
}

/** A dense layer: `out = activation(W · in + b)`, W given row-major as rows of length `inputs`. */
export interface DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly weights: readonly number[];
  readonly bias: readonly number[];
  readonly activation: 'relu' | 'linear' | 'tanh';
}

export interface ModelArtifact {
  readonly formatVersion: 1;
  /** e.g. `2026-11-23T22-00-00Z-3f2a` — sortable. */
  readonly version: string;
  readonly createdAt: string;
  /** Embedding width (32). */
  readonly dimensions: number;
  /** Category → index; index 0 of each vocabulary is reserved for unknown values. */
  readonly vocabularies: {
    readonly city: readonly string[];
    readonly country: readonly string[];
    readonly productLine: readonly string[];
    readonly productScale: readonly string[];
  };
  readonly scalers: {
    readonly creditLimit: Scaler;
    readonly quantityInStock: Scaler;
    readonly buyPrice: Scaler;
    readonly MSRP: Scaler;
  };
  /** The user tower: one-hot(city) ⊕ one-hot(country) ⊕ standardised creditLimit → layers → embedding. */
  readonly userTower: readonly DenseLayer[];
  /** The item tower: one-hot(productLine) ⊕ one-hot(productScale) ⊕ standardised stock/prices → layers → embedding. */
  readonly itemTower: readonly DenseLayer[];
  /** Embeddings of known customers, by customer number. */
  readonly userEmbeddings: Readonly<Record<string, readonly number[]>>;
  /** Embeddings of every product, by product code. */
  readonly itemEmbeddings: Readonly<Record<string, readonly number[]>>;
  /** The products' features, so the recommender can validate codes and describe items. */
  readonly products: ReadonlyArray<{ readonly productCode: string; readonly productLine: string; readonly productScale: string }>;
  /** Products by rating count in the training set, most popular first (a built-in cold-start fallback). */
  readonly popularProducts: readonly string[];
  /** Predicted rating = dot(user, item) · ratingScale + ratingBias. */
  readonly ratingScale: number;
  readonly ratingBias: number;
}

/** What the trainer reports about a model on held-out ratings. */
export interface EvaluationReport {
  readonly version: string;
  readonly trainRows: number;
  readonly testRows: number;
  readonly rmse: number;
  /** RMSE of always predicting the training mean (for scale). */
  readonly baselineRmse: number;
  /** Share of held-out users whose highest-rated held-out product is in the model's top 10. */
  readonly hitRateAt10: number;
  /** The same for the most-popular ranking. */
  readonly popularityHitRateAt10: number;
  readonly epochs: number;
  readonly trainingSeconds: number;
}

// ---------------------------------------------------------------------------
// Serialisation and validation (additive to the contract above).
// ---------------------------------------------------------------------------

/** The `formatVersion` this code writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

/** The codes a {@link ModelArtifactError} carries. */
export type ModelArtifactErrorCode =
  /** The text is not JSON, or a field is missing, mistyped or inconsistent with another. */
  | 'MODEL_ARTIFACT_INVALID'
  /** The artifact was written in a `formatVersion` this code does not read. */
  | 'MODEL_FORMAT_UNSUPPORTED';

/**
 * A model artifact could not be read. `field` names the offending field as a
 * path (`userTower[0].weights`, `itemEmbeddings['S10_1678']`); the streaming
 * recommender falls back to popular products when it sees one.
 */
export class ModelArtifactError extends TributaryError {
  declare readonly code: ModelArtifactErrorCode;
  /** Path of the bad field ('' for the document itself). */
  readonly field: string;

  constructor(code: ModelArtifactErrorCode, field: string, message: string, options: { cause?: unknown } = {}) {
    super(code, field === '' ? `Invalid model artifact: ${message}` : `Invalid model artifact: ${field} ${message}`, options);
    this.name = 'ModelArtifactError';
    this.field = field;
  }
}

/** The artifact as JSON text (what `model.json` holds). */
export function serializeModel(artifact: ModelArtifact): string {
  return JSON.stringify(artifact);
}

/**
 * Parses and validates `model.json`: the format version, every field's type,
 * and the dimensions that must agree (tower widths with the vocabularies and
 * with each other, embedding lengths, product codes). Throws a
 * {@link ModelArtifactError} naming the first bad field.
 *
 * ```ts
 * const artifact = parseModel(text);
 * parseModel('{"formatVersion": 2}'); // throws: formatVersion 2 is not supported (this code reads 1)
 * ```
 */
export function parseModel(text: string): ModelArtifact {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ModelArtifactError('MODEL_ARTIFACT_INVALID', '', `is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return validateModel(value);
}

/** Validates an already-parsed artifact (see {@link parseModel}) and returns it typed. */
export function validateModel(value: unknown): ModelArtifact {
  const doc = object(value, '');
  if (doc.formatVersion !== MODEL_FORMAT_VERSION) {
    if (typeof doc.formatVersion === 'number') {
      throw new ModelArtifactError(
        'MODEL_FORMAT_UNSUPPORTED',
        'formatVersion',
        `${doc.formatVersion} is not supported (this code reads ${MODEL_FORMAT_VERSION})`,
      );
    }
    invalid('formatVersion', `must be ${MODEL_FORMAT_VERSION}, got ${describe(doc.formatVersion)}`);
  }
  nonEmptyString(doc.version, 'version');
  nonEmptyString(doc.createdAt, 'createdAt');
  const dimensions = doc.dimensions;
  if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) {
    invalid('dimensions', `must be a positive integer, got ${describe(dimensions)}`);
  }
  const vocabularies = object(doc.vocabularies, 'vocabularies');
  const sizes: Record<string, number> = {};
  for (const name of ['city', 'country', 'productLine', 'productScale'] as const) {
    const field = `vocabularies.${name}`;
    const list = array(vocabularies[name], field);
    if (list.length === 0) invalid(field, 'must hold at least the unknown entry at index 0');
    list.forEach((entry, i) => {
      if (typeof entry !== 'string') invalid(`${field}[${i}]`, `must be a string, got ${describe(entry)}`);
    });
    sizes[name] = list.length;
  }
  const scalers = object(doc.scalers, 'scalers');
  for (const name of ['creditLimit', 'quantityInStock', 'buyPrice', 'MSRP'] as const) {
    const scaler = object(scalers[name], `scalers.${name}`);
    finite(scaler.mean, `scalers.${name}.mean`);
    finite(scaler.std, `scalers.${name}.std`);
    if ((scaler.std as number) <= 0) invalid(`scalers.${name}.std`, `must be positive, got ${scaler.std}`);
  }
  tower(doc.userTower, 'userTower', sizes.city! + sizes.country! + 1, dimensions);
  tower(doc.itemTower, 'itemTower', sizes.productLine! + sizes.productScale! + 3, dimensions);
  embeddings(doc.userEmbeddings, 'userEmbeddings', dimensions);
  const items = embeddings(doc.itemEmbeddings, 'itemEmbeddings', dimensions);
  const products = array(doc.products, 'products');
  if (products.length === 0) invalid('products', 'must list at least one product');
  const codes = new Set<string>();
  products.forEach((entry, i) => {
    const product = object(entry, `products[${i}]`);
    for (const key of ['productCode', 'productLine', 'productScale'] as const) {
      if (typeof product[key] !== 'string') invalid(`products[${i}].${key}`, `must be a string, got ${describe(product[key])}`);
    }
    const code = product.productCode as string;
    if (codes.has(code)) invalid(`products[${i}].productCode`, `'${code}' is listed twice`);
    if (!items.has(code)) invalid(`itemEmbeddings['${code}']`, `is missing (products[${i}] has no embedding)`);
    codes.add(code);
  });
  for (const code of items) if (!codes.has(code)) invalid(`itemEmbeddings['${code}']`, 'is not a listed product');
  array(doc.popularProducts, 'popularProducts').forEach((code, i) => {
    if (typeof code !== 'string' || !codes.has(code)) invalid(`popularProducts[${i}]`, `must be a listed product code, got ${describe(code)}`);
  });
  finite(doc.ratingScale, 'ratingScale');
  finite(doc.ratingBias, 'ratingBias');
  return doc as unknown as ModelArtifact;
}

function tower(value: unknown, field: string, inputs: number, dimensions: number): void {
  const layers = array(value, field);
  if (layers.length === 0) invalid(field, 'must have at least one layer');
  let expected = inputs;
  layers.forEach((entry, l) => {
    const at = `${field}[${l}]`;
    const layer = object(entry, at);
    if (layer.inputs !== expected) {
      invalid(`${at}.inputs`, `must be ${expected} (${l === 0 ? 'the encoded feature width' : 'the previous layer\'s outputs'}), got ${describe(layer.inputs)}`);
    }
    const outputs = layer.outputs;
    if (typeof outputs !== 'number' || !Number.isInteger(outputs) || outputs < 1) invalid(`${at}.outputs`, `must be a positive integer, got ${describe(outputs)}`);
    numbers(layer.weights, `${at}.weights`, expected * outputs);
    numbers(layer.bias, `${at}.bias`, outputs);
    if (layer.activation !== 'relu' && layer.activation !== 'linear' && layer.activation !== 'tanh') {
      invalid(`${at}.activation`, `must be 'relu', 'linear' or 'tanh', got ${describe(layer.activation)}`);
    }
    expected = outputs;
  });
  if (expected !== dimensions) invalid(`${field}[${layers.length - 1}].outputs`, `must equal dimensions (${dimensions}), got ${expected}`);
}

function embeddings(value: unknown, field: string, dimensions: number): Set<string> {
  const record = object(value, field);
  const keys = new Set<string>();
  for (const key of Object.keys(record)) {
    numbers(record[key], `${field}['${key}']`, dimensions);
    keys.add(key);
  }
  return keys;
}

function numbers(value: unknown, field: string, length: number): void {
  const list = array(value, field);
  if (list.length !== length) invalid(field, `must have ${length} values, got ${list.length}`);
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) invalid(`${field}[${i}]`, `must be a finite number, got ${describe(x)}`);
  }
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(field, `must be an object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

function array(value: unknown, field: string): readonly unknown[] {
  if (!Array.isArray(value)) invalid(field, `must be an array, got ${describe(value)}`);
  return value as readonly unknown[];
}

function finite(value: unknown, field: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(field, `must be a finite number, got ${describe(value)}`);
}

function nonEmptyString(value: unknown, field: string): void {
  if (typeof value !== 'string' || value === '') invalid(field, `must be a non-empty string, got ${describe(value)}`);
}

function invalid(field: string, message: string): never {
  throw new ModelArtifactError('MODEL_ARTIFACT_INVALID', field, message);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

// Fast scoring on the per-event path lives in scoring.ts; re-exported here so
// the artifact's helpers are found beside its contract.
export {
  compileModel,
  CompiledModel,
  embedUser,
  topKItems,
  scoreItems,
  type ScoredItem,
  type SimilarityMetric,
  type TopKOptions,
} from './scoring.js';

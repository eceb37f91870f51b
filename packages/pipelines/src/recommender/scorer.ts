/**
 * Scoring a session with the model: the shopper's embedding (a known
 * customer's stored one, or the user tower's from city, country and credit
 * limit) blended with the embeddings of what they browsed and carted, then
 * the top-k products by cosine similarity — never one already in the cart —
 * and the products most similar to the most recently browsed one.
 *
 * ```ts
 * const scorer = createModelScorer(artifact);
 * scorer.recommend(session, 5, 5); // { recommended: ['S18_3232', …], similar: ['S12_1099', …] }
 * ```
 * The blend: `query = (1 − a)·û + a·â`, where û is the unit user embedding,
 * â the unit sum of unit item embeddings over the session's browsed items
 * (the most recent weighs 1, each step back {@link RECENCY_DECAY} times
 * less, carted items twice), and a = `activityWeight` (0 without activity).
 */
import type { ModelArtifact } from '../model/artifact.js';
import { compileModel, type CompiledModel } from '../model/scoring.js';
import type { SessionState } from './session.js';

/** What a scorer answers for a session. */
export interface Scored {
  readonly recommended: readonly string[];
  readonly similar: readonly string[];
}

/**
 * Scores sessions with one model version. The recommender calls it on its
 * per-event path; an implementation that throws or takes too long is
 * replaced by the popular-products fallback for that event.
 */
export interface Scorer {
  readonly version: string;
  /** The model's catalog, and its training-set popularity (most popular first). */
  readonly productCodes: readonly string[];
  readonly popularProducts: readonly string[];
  /** Whether the product is in the model's catalog. */
  knows(productCode: string): boolean;
  /** Up to `k` recommended products (none in the cart) and up to `similarK` similar to the last browsed one. */
  recommend(session: SessionState, k: number, similarK: number): Scored;
}

/** How much a step back in the browse history discounts an item. */
export const RECENCY_DECAY = 0.8;
/** Carted items count this many times a browsed one. */
export const CART_WEIGHT = 2;
/** Default share of the query that comes from the session's activity. */
export const DEFAULT_ACTIVITY_WEIGHT = 0.5;

/** Options of {@link createModelScorer}. */
export interface ModelScorerOptions {
  /** Share of the session's activity in the query, 0–1 (default 0.5). */
  readonly activityWeight?: number;
}

/** A scorer over a model artifact (compiled once per artifact object). */
export function createModelScorer(artifact: ModelArtifact, options: ModelScorerOptions = {}): Scorer {
  const activityWeight = options.activityWeight ?? DEFAULT_ACTIVITY_WEIGHT;
  if (!(activityWeight >= 0 && activityWeight <= 1)) throw new RangeError(`activityWeight must be within 0–1, got ${activityWeight}`);
  return new ModelScorer(compileModel(artifact), activityWeight);
}

class ModelScorer implements Scorer {
  readonly version: string;
  readonly productCodes: readonly string[];
  readonly popularProducts: readonly string[];
  private readonly user: Float32Array;
  private readonly activity: Float64Array;
  private readonly query: Float64Array;

  constructor(
    private readonly model: CompiledModel,
    private readonly activityWeight: number,
  ) {
    this.version = model.version;
    this.productCodes = model.productCodes;
    this.popularProducts = model.artifact.popularProducts;
    this.user = new Float32Array(model.dimensions);
    this.activity = new Float64Array(model.dimensions);
    this.query = new Float64Array(model.dimensions);
  }

  knows(productCode: string): boolean {
    return this.model.indexOfProduct(productCode) >= 0;
  }

  recommend(session: SessionState, k: number, similarK: number): Scored {
    const recommended = this.topCodes(this.model.topKInto(this.queryFor(session), k, 'cosine', session.cart));
    const last = this.lastKnownBrowsed(session);
    const similar = last === undefined || similarK === 0 ? [] : this.topCodes(this.model.similarInto(last, similarK, session.cart));
    return { recommended, similar };
  }

  /** The product codes of the model's last search (`count` results). */
  private topCodes(count: number): string[] {
    const codes = new Array<string>(count);
    for (let r = 0; r < count; r++) codes[r] = this.productCodes[this.model.topResult(r).row]!;
    return codes;
  }

  private queryFor(session: SessionState): Float64Array {
    const d = this.model.dimensions;
    const user =
      (session.customerNumber === null ? undefined : this.model.userEmbedding(session.customerNumber)) ??
      this.model.embedUser({ city: session.city, country: session.country, creditLimit: session.creditLimit }, this.user);
    const activity = this.activityOf(session);
    const a = activity === undefined ? 0 : this.activityWeight;
    const userNorm = norm(user);
    for (let j = 0; j < d; j++) {
      this.query[j] = (1 - a) * (userNorm > 0 ? user[j]! / userNorm : 0) + (activity === undefined ? 0 : a * activity[j]!);
    }
    return this.query;
  }

  /** The unit weighted sum of the session's item embeddings, or undefined without known items. */
  private activityOf(session: SessionState): Float64Array | undefined {
    const d = this.model.dimensions;
    const { itemMatrix, itemNorms } = this.model;
    const sum = this.activity.fill(0);
    const cart = session.cart;
    let weight = 1;
    let any = false;
    for (let i = session.browsed.length - 1; i >= 0; i--, weight *= RECENCY_DECAY) {
      const code = session.browsed[i]!;
      const row = this.model.indexOfProduct(code);
      if (row < 0) continue;
      const itemNorm = itemNorms[row]!;
      if (itemNorm === 0) continue;
      const w = (cart.includes(code) ? CART_WEIGHT * weight : weight) / itemNorm;
      for (let j = 0, at = row * d; j < d; j++, at++) sum[j] = sum[j]! + w * itemMatrix[at]!;
      any = true;
    }
    const total = norm(sum);
    if (!any || total === 0) return undefined;
    for (let j = 0; j < d; j++) sum[j] = sum[j]! / total;
    return sum;
  }

  private lastKnownBrowsed(session: SessionState): string | undefined {
    for (let i = session.browsed.length - 1; i >= 0; i--) if (this.knows(session.browsed[i]!)) return session.browsed[i];
    return undefined;
  }
}

function norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let j = 0; j < vector.length; j++) sum += vector[j]! * vector[j]!;
  return Math.sqrt(sum);
}

/**
 * Evaluation of a model artifact on held-out ratings:
 * - RMSE of the predicted ratings (clamped to the 1–5 rating range), and the
 *   RMSE of always predicting the training mean, for scale;
 * - hit rate@k: for each held-out customer, whether their highest-rated
 *   held-out product (ties: the first in test order, which splitRatings
 *   shuffles) is among the model's top k of the products they did not rate
 *   in training — and the same for a most-popular ranking (rating count in
 *   training, ties by product code).
 *
 * ```ts
 * const report = evaluateModel(artifact, train, test, { epochs: 12, trainingSeconds: 3.1 });
 * report.hitRateAt10 > report.popularityHitRateAt10; // on data with structure to learn
 * ```
 */
import type { EvaluationReport, ModelArtifact } from './artifact.js';
import { compileModel, type CompiledModel, type SimilarityMetric } from './scoring.js';
import type { TrainingRow } from '../retail/rows.js';

/** The cut-off of the hit rate. */
export const DEFAULT_HIT_RATE_K = 10;
/** Ratings are 1–5: predictions are clamped to this range before scoring. */
export const MIN_RATING = 1;
export const MAX_RATING = 5;

/** Options of {@link evaluateModel}. */
export interface EvaluateOptions {
  /** The hit-rate cut-off (default 10; the report's field names say 10 either way). */
  readonly k?: number;
  /** How the model ranks products for the hit rate: `'dot'` (default: the predicted rating) or `'cosine'` (what serving uses). */
  readonly metric?: SimilarityMetric;
  /** Copied into the report. */
  readonly epochs?: number;
  readonly trainingSeconds?: number;
}

/** Hit-rate details (what {@link evaluateModel} summarises). */
export interface HitRates {
  /** Held-out customers evaluated. */
  readonly users: number;
  readonly modelHits: number;
  readonly popularityHits: number;
}

/** Evaluates the artifact on `test`, with `train` giving the training mean, the popularity ranking and the products to skip. */
export function evaluateModel(
  artifact: ModelArtifact,
  train: readonly TrainingRow[],
  test: readonly TrainingRow[],
  options: EvaluateOptions = {},
): EvaluationReport {
  const model = compileModel(artifact);
  const { rmse, baselineRmse } = ratingErrors(model, train, test);
  const hits = hitRates(model, train, test, options);
  return {
    version: artifact.version,
    trainRows: train.length,
    testRows: test.length,
    rmse,
    baselineRmse,
    hitRateAt10: hits.users === 0 ? 0 : hits.modelHits / hits.users,
    popularityHitRateAt10: hits.users === 0 ? 0 : hits.popularityHits / hits.users,
    epochs: options.epochs ?? 0,
    trainingSeconds: options.trainingSeconds ?? 0,
  };
}

/** RMSE of the model and of the training-mean predictor on `test` (NaN for an empty test set). */
export function ratingErrors(model: CompiledModel, train: readonly TrainingRow[], test: readonly TrainingRow[]): { rmse: number; baselineRmse: number } {
  let mean = 0;
  for (const row of train) mean += row.productRating;
  mean = train.length === 0 ? (MIN_RATING + MAX_RATING) / 2 : mean / train.length;
  const user = new Float32Array(model.dimensions);
  const item = new Float32Array(model.dimensions);
  let squared = 0;
  let baseline = 0;
  for (const row of test) {
    const u = model.userEmbedding(row.customerNumber) ?? model.embedUser(row, user);
    const v = model.itemEmbedding(row.productCode) ?? model.embedItem(row, item);
    const predicted = clamp(model.predictRating(u, v));
    squared += (predicted - row.productRating) ** 2;
    baseline += (mean - row.productRating) ** 2;
  }
  return { rmse: Math.sqrt(squared / test.length), baselineRmse: Math.sqrt(baseline / test.length) };
}

/** Hit counts of the model and of the most-popular ranking (see the module comment). */
export function hitRates(model: CompiledModel, train: readonly TrainingRow[], test: readonly TrainingRow[], options: EvaluateOptions = {}): HitRates {
  const k = options.k ?? DEFAULT_HIT_RATE_K;
  const metric = options.metric ?? 'dot';
  const rated = new Map<number, string[]>();
  const counts = new Map<string, number>();
  for (const row of train) {
    let list = rated.get(row.customerNumber);
    if (list === undefined) rated.set(row.customerNumber, (list = []));
    list.push(row.productCode);
    counts.set(row.productCode, (counts.get(row.productCode) ?? 0) + 1);
  }
  const popular = popularityRanking(model.productCodes, counts);
  // Each held-out customer's target: the first of their highest-rated held-out products.
  const targets = new Map<number, TrainingRow>();
  for (const row of test) {
    const best = targets.get(row.customerNumber);
    if (best === undefined || row.productRating > best.productRating) targets.set(row.customerNumber, row);
  }
  const user = new Float32Array(model.dimensions);
  let modelHits = 0;
  let popularityHits = 0;
  for (const [customer, target] of targets) {
    const seen = rated.get(customer) ?? [];
    const query = model.userEmbedding(customer) ?? model.embedUser(target, user);
    const count = model.topKInto(query, k, metric, seen);
    for (let r = 0; r < count; r++) {
      if (model.productCodes[model.topResult(r).row] === target.productCode) {
        modelHits++;
        break;
      }
    }
    const skip = new Set(seen);
    let taken = 0;
    for (const code of popular) {
      if (taken === k) break;
      if (skip.has(code)) continue;
      taken++;
      if (code === target.productCode) {
        popularityHits++;
        break;
      }
    }
  }
  return { users: targets.size, modelHits, popularityHits };
}

/** Product codes by count, most first; ties (and uncounted products) by code. */
export function popularityRanking(codes: readonly string[], counts: ReadonlyMap<string, number>): string[] {
  return [...codes].sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
}

function clamp(rating: number): number {
  return Math.min(MAX_RATING, Math.max(MIN_RATING, rating));
}

/**
 * Train, evaluate, save — and publish only a model that earns it: LATEST
 * (what the streaming recommender serves) moves to the new version only when
 * the model's hit rate@10 beats the most-popular ranking's on the held-out
 * ratings, or when the caller insists (`publishEvenIfWorse`). A model that
 * loses is still saved under its version, with its evaluation report, for
 * inspection.
 */
import { defaultLogger, type Logger } from '@tributary/core';
import type { EvaluationReport } from '../model/artifact.js';
import { saveModel, type ModelStoreOptions, type SavedModel } from '../model/modelStore.js';
import { trainAndEvaluate, type TrainAndEvaluateOptions } from '../model/train.js';
import type { TrainingRow } from '../retail/rows.js';
import { ModelTrainerError } from './errors.js';

/** Whether to move LATEST, and why. */
export interface PublishDecision {
  readonly publish: boolean;
  /** hit rate@10 of the model > that of the popularity baseline. */
  readonly beatsBaseline: boolean;
  /** One sentence with both hit rates, for logs and the caller. */
  readonly reason: string;
}

/**
 * Decides whether a model goes live from its evaluation report.
 *
 * ```ts
 * publishDecision({ ...report, hitRateAt10: 0.31, popularityHitRateAt10: 0.22 }).publish; // true
 * publishDecision({ ...report, hitRateAt10: 0.2, popularityHitRateAt10: 0.22 }, true).publish; // true (forced)
 * ```
 * Gotchas: a tie does not beat the baseline.
 */
export function publishDecision(report: EvaluationReport, publishEvenIfWorse = false): PublishDecision {
  const rates = `hit rate@10 ${format(report.hitRateAt10)} vs popularity baseline ${format(report.popularityHitRateAt10)}`;
  if (report.hitRateAt10 > report.popularityHitRateAt10) return { publish: true, beatsBaseline: true, reason: `model beats the popularity baseline (${rates})` };
  if (publishEvenIfWorse) {
    return { publish: true, beatsBaseline: false, reason: `model does not beat the popularity baseline (${rates}); published anyway (publishEvenIfWorse)` };
  }
  return {
    publish: false,
    beatsBaseline: false,
    reason: `model does not beat the popularity baseline (${rates}): saved, LATEST not moved (set publishEvenIfWorse to publish it anyway)`,
  };
}

/** Options of {@link trainAndPublish}. */
export interface TrainAndPublishOptions {
  /** Where the model is saved (`<prefix>models/<version>/`, `<prefix>models/LATEST`). */
  readonly store: ModelStoreOptions;
  /** Passed to `trainAndEvaluate` (seed, epochs, dimensions, testFraction …). */
  readonly training?: TrainAndEvaluateOptions;
  /** Move LATEST even when the model does not beat the popularity baseline (default false). */
  readonly publishEvenIfWorse?: boolean;
  readonly logger?: Logger;
}

/** What {@link trainAndPublish} did. */
export interface PublishedModel {
  readonly version: string;
  readonly report: EvaluationReport;
  /** The keys written. `saved.latestKey` is undefined when LATEST was not moved. */
  readonly saved: SavedModel;
  /** Whether LATEST now names this version. */
  readonly published: boolean;
  readonly beatsBaseline: boolean;
  /** Why LATEST was (not) moved. */
  readonly reason: string;
}

/**
 * Trains and evaluates on `rows`, saves the artifact and its report, and
 * moves LATEST if {@link publishDecision} says so.
 *
 * ```ts
 * const model = await trainAndPublish(rows, { store: { client, bucket: 'lake', prefix: 'recommender/' }, training: { seed: 7 } });
 * if (!model.published) console.warn(model.reason);
 * ```
 * @throws ModelTrainerError `TRAINING_SET_EMPTY` for no rows; RangeError for
 *   bad training options; ModelStoreError when S3 fails.
 */
export async function trainAndPublish(rows: readonly TrainingRow[], options: TrainAndPublishOptions): Promise<PublishedModel> {
  const logger = options.logger ?? defaultLogger;
  if (rows.length === 0) throw new ModelTrainerError('TRAINING_SET_EMPTY', 'The training set has no rows: nothing to train on');
  const training = options.training ?? {};
  logger.info({ rows: rows.length, seed: training.seed, epochs: training.epochs }, `training on ${rows.length} rows`);
  const { artifact, report } = trainAndEvaluate(rows, {
    ...training,
    onEpoch: (stats) => {
      logger.debug({ ...stats }, `epoch ${stats.epoch}: train MSE ${format(stats.trainMse)}${stats.validationRmse === undefined ? '' : `, validation RMSE ${format(stats.validationRmse)}`}`);
      training.onEpoch?.(stats);
    },
  });
  logger.info({ ...report }, `trained model ${artifact.version}: RMSE ${format(report.rmse)} (baseline ${format(report.baselineRmse)}), hit rate@10 ${format(report.hitRateAt10)} (popularity ${format(report.popularityHitRateAt10)})`);
  const decision = publishDecision(report, options.publishEvenIfWorse ?? false);
  const saved = await saveModel(options.store, artifact, report, { updateLatest: decision.publish });
  if (decision.beatsBaseline) logger.info({ version: artifact.version, latestKey: saved.latestKey }, `published model ${artifact.version}: ${decision.reason}`);
  else logger.warn({ version: artifact.version, modelKey: saved.modelKey, published: decision.publish }, `model ${artifact.version}: ${decision.reason}`);
  return { version: artifact.version, report, saved, published: decision.publish, beatsBaseline: decision.beatsBaseline, reason: decision.reason };
}

function format(value: number): string {
  return Number.isFinite(value) ? value.toFixed(3) : String(value);
}

/**
 * The model trainer in-process: read the training set from S3, train and
 * evaluate, save the versioned model, publish it if it beats the popularity
 * baseline. One call, one model version.
 */
import { defaultLogger } from '@tributary/core';
import { resolveClient } from '@tributary/connectors/s3';
import { DEFAULT_TRAINING_SET_PREFIX } from '../trainingSet/builder.js';
import { DEFAULT_MODEL_PREFIX, type ModelTrainerOptions, type ModelTrainerResult } from './options.js';
import { trainAndPublish } from './publish.js';
import { readTrainingSet } from './readTrainingSet.js';

/**
 * Trains one model from the training set and saves it.
 *
 * ```ts
 * const result = await runModelTrainer({
 *   trainingSet: { bucket: 'lake', prefix: 'training-set/' },
 *   models: { bucket: 'lake', prefix: 'recommender/' },
 *   training: { seed: 7 },
 * });
 * console.log(result.version, result.report.hitRateAt10, result.published ? 'live' : result.reason);
 * ```
 * Gotchas: a model that does not beat the popularity baseline on hit
 * rate@10 is saved but not published (`published: false`, `reason` says
 * why) unless `publishEvenIfWorse`. Clients the trainer creates are
 * destroyed at the end; injected ones never are.
 * @throws ModelTrainerError (no manifest, inconsistent or empty training
 *   set, bad rows), S3ConnectorError / ModelStoreError (S3), RangeError (bad training options).
 */
export async function runModelTrainer(options: ModelTrainerOptions): Promise<ModelTrainerResult> {
  const started = performance.now();
  const logger = options.logger ?? defaultLogger;
  const source = resolveClient(options.trainingSet);
  const target = resolveClient(options.models);
  try {
    const set = await readTrainingSet(source.client, options.trainingSet.bucket, options.trainingSet.prefix ?? DEFAULT_TRAINING_SET_PREFIX, { logger });
    const model = await trainAndPublish(set.rows, {
      store: { client: target.client, bucket: options.models.bucket, prefix: options.models.prefix ?? DEFAULT_MODEL_PREFIX },
      ...(options.training === undefined ? {} : { training: options.training }),
      ...(options.publishEvenIfWorse === undefined ? {} : { publishEvenIfWorse: options.publishEvenIfWorse }),
      logger,
    });
    return { ...model, rows: set.count, seconds: (performance.now() - started) / 1000, trainingSet: { manifest: set.manifest, runs: set.runs.map((r) => r.runId) } };
  } finally {
    if (source.owned) source.client.destroy();
    if (target.owned) target.client.destroy();
  }
}

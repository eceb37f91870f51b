/**
 * The demo's batch half: generate the sales database, build the training set
 * (RDS → join → quality checks → Snappy Parquet on S3 with a manifest) and
 * train the recommender on it (the model versioned on S3, LATEST moved only
 * when it beats the popularity baseline).
 */
import { runModelTrainer, runTrainingSet, type ModelTrainerResult, type TrainingSetManifest } from '@tributary/pipelines';
import { loadRetailData, retailDataset, type LoadReport, type RetailDataset } from '../data/index.js';
import type { DemoInfrastructure } from './infrastructure.js';
import type { DemoOptions } from './options.js';
import type { Reporter } from './reporter.js';

export const TRAINING_SET_PREFIX = 'training-set/';
export const MODELS_PREFIX = 'recommender/';

/** Generates the database and loads it (replacing the retail tables). */
export async function loadDatabase(options: DemoOptions, infra: DemoInfrastructure, report: Reporter): Promise<{ dataset: RetailDataset; load: LoadReport }> {
  const dataset = retailDataset({ customers: options.customers, seed: options.seed });
  const target = infra.database.target();
  try {
    const load = await loadRetailData(dataset, target, {
      mode: 'drop',
      onProgress: ({ table, rows, done }) => report.progress(`loading ${table}: ${rows.toLocaleString()} rows${done ? ' ✓' : ''}`),
    });
    report.done(`loaded ${Object.entries(load.rows).map(([t, n]) => `${t} ${n?.toLocaleString()}`).join(', ')} into ${infra.database.description} in ${(load.durationMs / 1000).toFixed(1)} s`);
    return { dataset, load };
  } finally {
    await target.close();
  }
}

/** Builds one full training-set snapshot on S3. */
export async function buildTrainingSetStep(options: DemoOptions, infra: DemoInfrastructure, report: Reporter): Promise<TrainingSetManifest> {
  report.progress('building the training set: ratings ⋈ customers ⋈ products → quality checks → Parquet');
  const manifest = await runTrainingSet(
    { source: infra.database.source, output: { bucket: options.bucket, prefix: TRAINING_SET_PREFIX, client: infra.s3 }, mode: 'full' },
    { parallelism: 2, logger: report.logger() },
  );
  const { counts, output } = manifest;
  report.done(
    `training set: ${counts.valid.toLocaleString()} rows in ${output.files.length} Snappy Parquet file(s) at ${output.data}, ` +
      `${counts.rejected.toLocaleString()} quarantined at ${output.quarantine}`,
  );
  return manifest;
}

/** Trains and publishes the model. */
export async function trainStep(options: DemoOptions, infra: DemoInfrastructure, report: Reporter): Promise<ModelTrainerResult> {
  report.progress('training the two-tower recommender (32-dimensional embeddings)');
  const result = await runModelTrainer({
    trainingSet: { bucket: options.bucket, prefix: TRAINING_SET_PREFIX, client: infra.s3 },
    models: { bucket: options.bucket, prefix: MODELS_PREFIX, client: infra.s3 },
    training: { seed: options.seed },
    logger: report.logger(),
  });
  const r = result.report;
  report.done(
    `model ${result.version}: trained on ${result.rows.toLocaleString()} ratings in ${result.seconds.toFixed(1)} s; ` +
      `RMSE ${r.rmse.toFixed(3)} (mean predictor ${r.baselineRmse.toFixed(3)}), hit rate@10 ${r.hitRateAt10.toFixed(3)} (most popular ${r.popularityHitRateAt10.toFixed(3)})` +
      (result.published ? `; published to s3://${options.bucket}/${MODELS_PREFIX}models/` : `; NOT published: ${result.reason}`),
  );
  return result;
}

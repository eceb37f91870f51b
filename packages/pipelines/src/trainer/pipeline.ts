/**
 * The model trainer as a pipeline definition for the bundled runner:
 *
 * ```sh
 * tributary run @tributary/pipelines/model-trainer --config trainer.json
 * ```
 * One run reads the latest training set (see locate.ts), trains one model,
 * saves it under `<models.prefix>models/<version>/` with its evaluation
 * report, moves `LATEST` if it beats the popularity baseline, and exits.
 * Run it after the training-set builder (a scheduler, or `&&`).
 */
import { definePipeline } from '@tributary/core';
import { modelTrainerConfigSchema, toModelTrainerOptions } from './config.js';
import { buildModelTrainer } from './job.js';

export default definePipeline({
  name: 'model-trainer',
  description: 'Trains the two-tower recommender on the training set (Parquet on S3) and saves the versioned model; publishes it (LATEST) if it beats the popularity baseline',
  config: modelTrainerConfigSchema,
  async build(env, config) {
    await buildModelTrainer(env, { ...toModelTrainerOptions(config), logger: env.logger });
  },
});

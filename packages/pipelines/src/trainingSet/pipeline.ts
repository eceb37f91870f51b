/**
 * The training-set builder as a pipeline definition for the bundled runner:
 *
 * ```sh
 * tributary run @tributary/pipelines/training-set-builder --config training-set.json
 * ```
 * One run builds one snapshot (or one increment) and exits. To run it on a
 * schedule (`--every 1d`, or a cron expression) use `scheduleTrainingSet`
 * from `@tributary/pipelines` (schedule.ts), or the platform's scheduler
 * (cron, EventBridge, a Kubernetes CronJob) around the command above.
 */
import { definePipeline } from '@tributary/core';
import { buildTrainingSet } from './builder.js';
import { toTrainingSetOptions, trainingSetConfigSchema } from './config.js';

export default definePipeline({
  name: 'training-set-builder',
  description: 'Builds the recommender training set: RDS ratings ⋈ customers ⋈ products → quality checks → Parquet on S3 with a quarantine and a manifest',
  config: trainingSetConfigSchema,
  async build(env, config) {
    await buildTrainingSet(env, { ...toTrainingSetOptions(config), logger: env.logger });
  },
});

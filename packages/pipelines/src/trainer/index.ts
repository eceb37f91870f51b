/**
 * The model trainer: reads the training set (Parquet on S3, the latest full
 * snapshot and its increments), trains and evaluates the two-tower model,
 * saves the versioned artifact and publishes it (LATEST) when it beats the
 * popularity baseline. The pipeline definition for `tributary run` is the
 * subpath `@tributary/pipelines/model-trainer`.
 *
 * ```ts
 * import { runModelTrainer } from '@tributary/pipelines';
 * const { version, report, published } = await runModelTrainer({ trainingSet: { bucket: 'lake' }, models: { bucket: 'lake' }, training: { seed: 7 } });
 * ```
 */
export { ModelTrainerError, type ModelTrainerErrorCode } from './errors.js';
export { toTrainingRow } from './trainingRow.js';
export { locateTrainingSet, trainingSetRuns, isSnapshot, normaliseTrainingSetPrefix, type TrainingSetFile, type TrainingSetLocation } from './locate.js';
export { readTrainingSet, type TrainingSet, type ReadTrainingSetOptions } from './readTrainingSet.js';
export { publishDecision, trainAndPublish, type PublishDecision, type PublishedModel, type TrainAndPublishOptions } from './publish.js';
export { DEFAULT_MODEL_PREFIX, type S3Location, type ModelTrainerOptions, type ModelTrainerResult } from './options.js';
export { runModelTrainer } from './runModelTrainer.js';
export { trainerSink, type TrainerSinkOptions } from './trainerSink.js';
export { buildModelTrainer, type ModelTrainerBuild } from './job.js';
export { modelTrainerConfigSchema, toModelTrainerOptions, type ModelTrainerConfig, type ModelTrainerConfigInput } from './config.js';

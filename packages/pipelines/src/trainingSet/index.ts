/**
 * The training-set builder (batch): RDS ratings ⋈ customers ⋈ products →
 * quality checks (quarantine) → Snappy Parquet on S3 with a manifest; run
 * once, incrementally, or on a schedule. The pipeline definition for
 * `tributary run` is the subpath `@tributary/pipelines/training-set-builder`.
 *
 * ```ts
 * import { buildTrainingSet } from '@tributary/pipelines';
 * const env = StreamEnvironment.create();
 * const run = await buildTrainingSet(env, { source: { dialect: 'postgres', connection: { connectionString } }, output: { bucket: 'lake' } });
 * await env.execute('training-set').done;
 * ```
 */
export {
  buildTrainingSet,
  DEFAULT_TRAINING_SET_PREFIX,
  SUGGESTED_CUSTOMER_BUCKETS,
  TRAINING_PARQUET_SCHEMA,
  RATING_COLUMNS,
  CUSTOMER_COLUMNS,
  PRODUCT_COLUMNS,
  type TrainingSetOptions,
  type TrainingSetSourceOptions,
  type TrainingSetOutputOptions,
  type TrainingSetBuild,
} from './builder.js';
export { trainingSetConfigSchema, connectionConfigSchema, toTrainingSetOptions, type TrainingSetConfig, type TrainingSetConfigInput } from './config.js';
export { DimensionJoin, END_OF_INPUT_TIMER } from './join.js';
export {
  readManifest,
  manifestSink,
  CommitTracker,
  MANIFEST_VERSION,
  MANIFEST_FILE,
  MANIFEST_HISTORY_FOLDER,
  type TrainingSetManifest,
  type TrainingSetPartitioning,
  type ManifestTemplate,
  type ManifestSinkOptions,
} from './manifest.js';
export {
  checkJoinedRating,
  QualityCheckOperator,
  QUARANTINE_TAG,
  COUNTS_TAG,
  REJECTION_REASONS,
  emptyCounts,
  mergeCounts,
  type RejectionReason,
  type QuarantinedRow,
  type PartialTrainingRow,
  type QualityCounts,
  type CheckResult,
  type JoinedRating,
  type SourceRating,
  type SourceCustomer,
  type SourceProduct,
} from './quality.js';
export { runTrainingSet, scheduleTrainingSet, type RunTrainingSetOptions } from './run.js';

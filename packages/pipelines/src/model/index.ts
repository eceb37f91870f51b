/**
 * The recommender model: feature encoding, the two-tower trainer, evaluation
 * against baselines, the artifact (with fast scoring for the per-event path)
 * and its storage on S3.
 *
 * ```ts
 * import { trainAndEvaluate, saveModel, loadLatestModel, compileModel } from './model/index.js';
 * const { artifact, report } = trainAndEvaluate(rows, { seed: 7 });
 * await saveModel({ client, bucket, prefix }, artifact, report);
 * ```
 */
export * from './artifact.js';
export {
  UNKNOWN_CATEGORY,
  USER_SLOTS,
  ITEM_SLOTS,
  buildVocabulary,
  fitScaler,
  standardise,
  fitFeatureSpace,
  FeatureEncoder,
  type UserFeatures,
  type ItemFeatures,
  type FeatureSpace,
} from './features.js';
export {
  trainModel,
  splitRatings,
  trainAndEvaluate,
  modelVersion,
  DEFAULT_DIMENSIONS,
  DEFAULT_HIDDEN_UNITS,
  DEFAULT_TARGET_STEPS,
  MIN_DEFAULT_EPOCHS,
  MAX_DEFAULT_EPOCHS,
  DEFAULT_PATIENCE,
  DEFAULT_BATCH_SIZE,
  DEFAULT_ITEM_UPDATE_EVERY,
  DEFAULT_LEARNING_RATE,
  DEFAULT_FINAL_LEARNING_RATE_FRACTION,
  DEFAULT_WEIGHT_DECAY,
  DEFAULT_ID_REGULARIZATION,
  DEFAULT_SEED,
  DEFAULT_VALIDATION_FRACTION,
  ARTIFACT_DECIMALS,
  type TrainOptions,
  type TrainResult,
  type EpochStats,
  type SplitOptions,
  type TrainAndEvaluateOptions,
  type TrainAndEvaluateResult,
  type CatalogProduct,
} from './train.js';
export {
  evaluateModel,
  ratingErrors,
  hitRates,
  popularityRanking,
  DEFAULT_HIT_RATE_K,
  MIN_RATING,
  MAX_RATING,
  type EvaluateOptions,
  type HitRates,
} from './evaluate.js';
export {
  saveModel,
  loadModel,
  loadLatestModel,
  loadEvaluation,
  readLatestVersion,
  modelKeys,
  ModelStoreError,
  MODELS_FOLDER,
  LATEST_OBJECT,
  MODEL_OBJECT,
  EVALUATION_OBJECT,
  VERSION_PATTERN,
  type ModelStoreOptions,
  type ModelStoreErrorCode,
  type ModelKeys,
  type SavedModel,
} from './modelStore.js';

/**
 * The model trainer's error: one class with a code per failure, each message
 * naming the bucket and prefix (or object) it is about.
 */
import { TributaryError } from '@tributary/core';

/** The codes a {@link ModelTrainerError} carries. */
export type ModelTrainerErrorCode =
  /** No `manifest.json` under the training-set prefix: the builder has not (successfully) run there. */
  | 'TRAINING_SET_NOT_FOUND'
  /** The manifests disagree with each other or with the Parquet files (a missing increment, a row-count mismatch). */
  | 'TRAINING_SET_INCONSISTENT'
  /** A Parquet row is not a TrainingRow (a missing column, a wrong type). */
  | 'TRAINING_ROW_INVALID'
  /** The training set holds no rows to train on. */
  | 'TRAINING_SET_EMPTY';

/**
 * The model trainer could not read its training set.
 *
 * ```ts
 * try {
 *   await runModelTrainer(options);
 * } catch (error) {
 *   if (error instanceof ModelTrainerError && error.code === 'TRAINING_SET_NOT_FOUND') runTheBuilderFirst();
 * }
 * ```
 */
export class ModelTrainerError extends TributaryError {
  declare readonly code: ModelTrainerErrorCode;

  constructor(code: ModelTrainerErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(code, message, options);
    this.name = 'ModelTrainerError';
  }
}

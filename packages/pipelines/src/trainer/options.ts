/**
 * The model trainer's options — where the training set is, where models go,
 * how to train, when to publish — shared by the in-process run
 * (`runModelTrainer`) and the dataflow the runner executes (`buildModelTrainer`).
 */
import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import type { Logger } from '@tributary/core';
import type { TrainAndEvaluateOptions } from '../model/train.js';
import type { EvaluationReport } from '../model/artifact.js';
import type { TrainingSetManifest } from '../trainingSet/manifest.js';
import type { PublishedModel } from './publish.js';

/** Where models are saved unless told otherwise: `s3://<bucket>/recommender/models/…`. */
export const DEFAULT_MODEL_PREFIX = 'recommender/';

/** A bucket and prefix on S3, and how to reach it. */
export interface S3Location {
  readonly bucket: string;
  readonly prefix?: string;
  /** An S3 client (never destroyed by the trainer), or … */
  readonly client?: S3Client;
  /** … a configuration for one (default `awsClientConfig('s3')`: AWS, or the local stack by AWS_ENDPOINT_URL_S3). */
  readonly clientConfig?: S3ClientConfig;
}

/** Options of `runModelTrainer` and `buildModelTrainer`. */
export interface ModelTrainerOptions {
  /** The training-set builder's output (prefix default `training-set/`). */
  readonly trainingSet: S3Location;
  /** The model store (prefix default {@link DEFAULT_MODEL_PREFIX}). */
  readonly models: S3Location;
  /** Passed to `trainAndEvaluate`: seed, epochs, dimensions, testFraction, validationFraction … */
  readonly training?: TrainAndEvaluateOptions;
  /** Move LATEST even when the model does not beat the popularity baseline on hit rate@10 (default false). */
  readonly publishEvenIfWorse?: boolean;
  /** Progress and the outcome (default: warnings and errors to stderr). */
  readonly logger?: Logger;
}

/** What one training run did. */
export interface ModelTrainerResult extends PublishedModel {
  readonly version: string;
  readonly report: EvaluationReport;
  /** Training rows read (equal to the manifests' count). */
  readonly rows: number;
  /** Wall-clock seconds of the whole run: reading, training, evaluating, saving. */
  readonly seconds: number;
  /** The latest training-set manifest, and the runs (`runId`s, oldest first) whose files were read. */
  readonly trainingSet: { readonly manifest: TrainingSetManifest; readonly runs: readonly string[] };
}

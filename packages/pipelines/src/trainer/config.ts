/**
 * The model trainer's configuration (validated by the runner before
 * anything starts) and its translation into {@link ModelTrainerOptions}.
 * Endpoints come from configuration alone: leave `s3.endpoint` out for AWS,
 * point it at the local stack (`http://127.0.0.1:…`) for development.
 *
 * ```json
 * {
 *   "trainingSet": { "bucket": "lake", "prefix": "training-set/" },
 *   "models": { "bucket": "lake", "prefix": "recommender/" },
 *   "s3": { "region": "eu-west-1" },
 *   "training": { "seed": 7, "epochs": 20 },
 *   "publishEvenIfWorse": false
 * }
 * ```
 */
import * as z from 'zod';
import { awsClientConfig } from '@tributary/connectors/local';
import type { TrainAndEvaluateOptions } from '../model/train.js';
import { DEFAULT_TRAINING_SET_PREFIX } from '../trainingSet/builder.js';
import { DEFAULT_MODEL_PREFIX, type ModelTrainerOptions } from './options.js';

const bucket = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name (3–63 lowercase letters, digits, . and -)');
const positiveInteger = z.number().int().min(1);

/** The trainer's config schema. */
export const modelTrainerConfigSchema = z.strictObject({
  trainingSet: z.strictObject({ bucket, prefix: z.string().default(DEFAULT_TRAINING_SET_PREFIX) }),
  models: z.strictObject({ bucket, prefix: z.string().default(DEFAULT_MODEL_PREFIX) }),
  /** How to reach S3 (both buckets): default AWS through the SDK's chains. */
  s3: z
    .strictObject({
      region: z.string().min(1).optional(),
      endpoint: z.url().optional(),
      forcePathStyle: z.boolean().optional(),
    })
    .default({}),
  /** Passed to trainAndEvaluate; every field optional (the trainer's defaults). */
  training: z
    .strictObject({
      seed: z.number().int().optional(),
      epochs: positiveInteger.optional(),
      dimensions: positiveInteger.optional(),
      hiddenUnits: z.array(positiveInteger).min(1).optional(),
      batchSize: positiveInteger.optional(),
      learningRate: z.number().positive().optional(),
      weightDecay: z.number().min(0).optional(),
      patience: positiveInteger.optional(),
      testFraction: z.number().min(0).lt(1).optional(),
      validationFraction: z.number().min(0).lt(1).optional(),
    })
    .default({}),
  /** Move LATEST even when the model does not beat the popularity baseline on hit rate@10. */
  publishEvenIfWorse: z.boolean().default(false),
});

/** The config as written (input) and as parsed (defaults applied). */
export type ModelTrainerConfigInput = z.input<typeof modelTrainerConfigSchema>;
export type ModelTrainerConfig = z.output<typeof modelTrainerConfigSchema>;

/**
 * Turns a parsed config into trainer options.
 *
 * ```ts
 * const options = toModelTrainerOptions(modelTrainerConfigSchema.parse(json));
 * ```
 */
export function toModelTrainerOptions(config: ModelTrainerConfig): ModelTrainerOptions {
  const { s3 } = config;
  const clientConfig = {
    ...awsClientConfig('s3', { ...(s3.endpoint === undefined ? {} : { endpoint: s3.endpoint }), ...(s3.region === undefined ? {} : { region: s3.region }) }),
    ...(s3.forcePathStyle === undefined ? {} : { forcePathStyle: s3.forcePathStyle }),
  };
  // Absent keys stay absent (exactOptionalPropertyTypes).
  const training: TrainAndEvaluateOptions = Object.fromEntries(Object.entries(config.training).filter(([, value]) => value !== undefined));
  return {
    trainingSet: { ...config.trainingSet, clientConfig },
    models: { ...config.models, clientConfig },
    training,
    publishEvenIfWorse: config.publishEvenIfWorse,
  };
}

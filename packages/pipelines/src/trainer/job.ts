/**
 * The model trainer as a dataflow, for the runner (a pipeline must add a
 * sink): the Parquet files the manifests name are read in parallel by the
 * S3 source and the connectors' Parquet reader, converted to TrainingRows,
 * and gathered by the trainer sink, which trains at the end of input.
 *
 * ```
 * manifest.json (+ manifests/) ─ files ─ s3Source(parquetReader) ─ TrainingRow ─ trainerSink (parallelism 1) ─ models/<version>/, LATEST
 * ```
 */
import { defaultLogger, WatermarkStrategy, type StreamEnvironment } from '@tributary/core';
import { parquetReader } from '@tributary/connectors/formats';
import { resolveClient, s3Source, type S3ClientOptions } from '@tributary/connectors/s3';
import type { TrainingRow } from '../retail/rows.js';
import { DEFAULT_TRAINING_SET_PREFIX } from '../trainingSet/builder.js';
import { locateTrainingSet, type TrainingSetLocation } from './locate.js';
import { DEFAULT_MODEL_PREFIX, type ModelTrainerOptions, type ModelTrainerResult, type S3Location } from './options.js';
import { trainerSink } from './trainerSink.js';
import { toTrainingRow } from './trainingRow.js';

/** What {@link buildModelTrainer} returns: what will be read, and the result once the job has trained. */
export interface ModelTrainerBuild {
  readonly location: TrainingSetLocation;
  /** Resolves once the model is saved (the job's last act); never settles if the job fails. */
  readonly result: Promise<ModelTrainerResult>;
}

/**
 * Adds the model trainer's dataflow to `env` (call `env.execute()` after).
 * Reads the manifests while building, so a missing training set fails here.
 *
 * ```ts
 * const env = StreamEnvironment.create({ parallelism: 2 });
 * const build = await buildModelTrainer(env, { trainingSet: { bucket: 'lake' }, models: { bucket: 'lake' } });
 * await env.execute('model-trainer').done;
 * console.log((await build.result).version);
 * ```
 * Gotchas: run without checkpoints (see trainerSink.ts).
 * @throws ModelTrainerError `TRAINING_SET_NOT_FOUND` naming bucket and prefix.
 */
export async function buildModelTrainer(env: StreamEnvironment, options: ModelTrainerOptions): Promise<ModelTrainerBuild> {
  const started = performance.now();
  const { bucket } = options.trainingSet;
  const location = await locate(options);
  (options.logger ?? defaultLogger).info(
    { bucket, prefix: location.prefix, files: location.files.length, rows: location.rowCount, runs: location.runs.map((r) => r.runId) },
    `training on ${location.rowCount} rows in ${location.files.length} files of ${location.runs.length} run(s) under s3://${bucket}/${location.prefix}`,
  );
  const keys = new Set(location.files.map((f) => f.key));
  const source = s3Source<TrainingRow>({
    ...clientOf(options.trainingSet),
    bucket,
    prefix: location.prefix,
    format: parquetReader({ parse: toTrainingRow }),
    filter: (key) => keys.has(key),
  });
  let resolveResult!: (result: ModelTrainerResult) => void;
  const result = new Promise<ModelTrainerResult>((resolve) => (resolveResult = resolve));
  const trainingSet = { manifest: location.manifest, runs: location.runs.map((r) => r.runId) };
  env
    .fromSource(source, WatermarkStrategy.noWatermarks<TrainingRow>(), 'training set (Parquet)')
    .uid('model-trainer/training-set')
    .sinkTo(
      trainerSink({
        location,
        models: { ...options.models, prefix: options.models.prefix ?? DEFAULT_MODEL_PREFIX },
        ...(options.training === undefined ? {} : { training: options.training }),
        ...(options.publishEvenIfWorse === undefined ? {} : { publishEvenIfWorse: options.publishEvenIfWorse }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        onModel: (model, rows) => resolveResult({ ...model, rows, seconds: (performance.now() - started) / 1000, trainingSet }),
      }),
    )
    .name('train, evaluate and save')
    .uid('model-trainer/train')
    .setParallelism(1);
  return { location, result };
}

async function locate(options: ModelTrainerOptions): Promise<TrainingSetLocation> {
  const resolved = resolveClient(options.trainingSet);
  try {
    return await locateTrainingSet(resolved.client, options.trainingSet.bucket, options.trainingSet.prefix ?? DEFAULT_TRAINING_SET_PREFIX);
  } finally {
    if (resolved.owned) resolved.client.destroy();
  }
}

/** The client part of a location, as the S3 connectors take it. */
function clientOf(location: S3Location): S3ClientOptions {
  if (location.client !== undefined) return { client: location.client };
  return location.clientConfig === undefined ? {} : { clientConfig: location.clientConfig };
}

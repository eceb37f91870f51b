/**
 * Running the training-set builder from code: once (`runTrainingSet`), or
 * on a schedule (`scheduleTrainingSet`, `--every 1d` or a cron expression).
 */
import { StreamEnvironment, parseSchedule, runOnSchedule, type Logger, type RunOnScheduleOptions, type Schedule } from '@tributary/core';
import { buildTrainingSet, type TrainingSetOptions } from './builder.js';
import { toTrainingSetOptions, trainingSetConfigSchema, type TrainingSetConfigInput } from './config.js';
import type { TrainingSetManifest } from './manifest.js';

/** Options of {@link runTrainingSet}. */
export interface RunTrainingSetOptions {
  /** Parallelism of the job (default 1). */
  readonly parallelism?: number;
  readonly logger?: Logger;
}

/**
 * Builds one training-set snapshot and resolves with its manifest. Pass
 * builder options, or `{ config }` (validated with the pipeline's schema).
 *
 * ```ts
 * const manifest = await runTrainingSet({ config: { source: { dialect: 'postgres', connection: { url } }, output: { bucket: 'lake' } } });
 * console.log(manifest.counts);
 * ```
 */
export async function runTrainingSet(options: TrainingSetOptions | { readonly config: TrainingSetConfigInput }, settings: RunTrainingSetOptions = {}): Promise<TrainingSetManifest> {
  const builderOptions = 'config' in options ? toTrainingSetOptions(trainingSetConfigSchema.parse(options.config)) : options;
  const env = StreamEnvironment.create({ parallelism: settings.parallelism ?? 1, ...(settings.logger === undefined ? {} : { logger: settings.logger }) });
  const withLogger = settings.logger === undefined || builderOptions.logger !== undefined ? builderOptions : { ...builderOptions, logger: settings.logger };
  const run = await buildTrainingSet(env, withLogger);
  await env.execute('training-set-builder').done;
  return run.manifest;
}

/**
 * Runs {@link runTrainingSet} on a schedule — an interval (`1d`) or a cron
 * expression (`0 3 * * *`) — until `signal` aborts; resolves with the number
 * of runs. Each run takes a fresh snapshot time (a fixed `snapshotTime` in
 * the options would be reused: leave it out).
 *
 * ```ts
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * await scheduleTrainingSet({ config: { ...config, mode: 'incremental', trackingColumn: 'ratingId' } }, '0 3 * * *', { signal: stop.signal });
 * ```
 */
export function scheduleTrainingSet(
  options: TrainingSetOptions | { readonly config: TrainingSetConfigInput },
  schedule: string | Schedule,
  settings: RunTrainingSetOptions & RunOnScheduleOptions & { readonly onManifest?: (manifest: TrainingSetManifest) => void } = {},
): Promise<number> {
  const parsed = typeof schedule === 'string' ? parseSchedule(schedule) : schedule;
  return runOnSchedule(
    async () => {
      const manifest = await runTrainingSet(options, settings);
      settings.onManifest?.(manifest);
    },
    parsed,
    settings,
  );
}

/**
 * definePipeline: how a pipeline module describes itself to the `tributary`
 * runner — a name, a description, a zod schema for its config, and a
 * `build(env, config)` that adds sources, operators and sinks to the
 * environment. The runner validates the config before anything starts.
 *
 * ```ts
 * // pipelines/wordCount.ts
 * import { z } from 'zod';
 * import { definePipeline } from '@tributary/core';
 *
 * export default definePipeline({
 *   name: 'word-count',
 *   description: 'Counts words',
 *   config: z.object({ words: z.array(z.string()).min(1) }),
 *   build(env, config) {
 *     env.fromCollection(config.words).keyBy((w) => w).reduce((a) => a).sinkTo(console.log);
 *   },
 * });
 * ```
 * Run it with `tributary run pipelines/wordCount.ts --config cfg.json`.
 */
import type * as z from 'zod';
import type { StreamEnvironment } from '../api/StreamEnvironment.js';
import { parseDuration } from './durations.js';
import { checkPipelineOptions, type PipelineOption, type PipelineOptionDefinition } from './pipelineOptions.js';
import type { PipelineServices } from './pipelineServices.js';

/**
 * Marks an object made by `definePipeline`. A registered symbol, so the
 * loader recognises definitions made by another copy of this module.
 */
export const PIPELINE_DEFINITION: unique symbol = Symbol.for('tributary.pipelineDefinition');

/** Defaults the command line can override. */
export interface PipelineDefaults {
  /** Default parallelism (overridden by `--parallelism`). */
  readonly parallelism?: number;
  /** Checkpoint interval: ms, or a duration such as `'10s'` (overridden by `--checkpoint-interval`). */
  readonly checkpointInterval?: number | string;
}

/** What `definePipeline` takes. */
export interface PipelineSpec<S extends z.ZodType> {
  /** The job name (in logs, metrics labels and checkpoints). */
  readonly name: string;
  /** One line for `tributary describe` and `--help`. */
  readonly description: string;
  /** The config schema; the runner validates `--config` and `--set` against it. */
  readonly config: S;
  /**
   * Adds the dataflow to `env`. Must add at least one sink; must not call
   * `execute`. May return gauges and services that `tributary run` exports
   * and starts beside the job (see {@link PipelineServices}).
   */
  build(env: StreamEnvironment, config: z.output<S>): void | PipelineServices | Promise<void | PipelineServices>;
  readonly defaults?: PipelineDefaults;
  /**
   * Extra command-line flags of this pipeline, each mapped onto a config
   * path: `{ flag: '--dashboard-port <port>', config: 'dashboard.port', description }`
   * makes `tributary run <module> --dashboard-port 8080` mean
   * `--set dashboard.port=8080`. Shown in `--help` and `describe`.
   */
  readonly options?: readonly PipelineOption[];
}

/** A pipeline definition, as made by `definePipeline` (defaults normalised to ms). */
export interface PipelineDefinition<S extends z.ZodType = z.ZodType> {
  readonly [PIPELINE_DEFINITION]: true;
  readonly name: string;
  readonly description: string;
  readonly config: S;
  build(env: StreamEnvironment, config: z.output<S>): void | PipelineServices | Promise<void | PipelineServices>;
  readonly defaults: { readonly parallelism?: number; readonly checkpointInterval?: number };
  /** The pipeline's own command-line flags, checked. */
  readonly options: readonly PipelineOptionDefinition[];
}

/**
 * Defines a pipeline for the `tributary` runner. Export the result as the
 * module's default export or as `pipeline`. The arguments are checked at
 * once.
 *
 * Gotchas: `build` gets the *parsed* config (zod defaults and transforms
 * applied); do not call `env.execute` in `build` — the runner does, with
 * the checkpoint, restart and restore settings from the command line.
 *
 * @throws TypeError or RangeError naming the bad field.
 */
export function definePipeline<S extends z.ZodType>(spec: PipelineSpec<S>): PipelineDefinition<S> {
  if (typeof spec.name !== 'string' || spec.name.trim() === '') throw new TypeError('definePipeline: name must be a non-empty string');
  if (typeof spec.description !== 'string') throw new TypeError(`definePipeline('${spec.name}'): description must be a string`);
  if (spec.config === null || typeof spec.config !== 'object' || typeof (spec.config as { safeParse?: unknown }).safeParse !== 'function') {
    throw new TypeError(`definePipeline('${spec.name}'): config must be a zod schema`);
  }
  if (typeof spec.build !== 'function') throw new TypeError(`definePipeline('${spec.name}'): build must be a function`);
  const defaults: { parallelism?: number; checkpointInterval?: number } = {};
  const parallelism = spec.defaults?.parallelism;
  if (parallelism !== undefined) {
    if (!Number.isInteger(parallelism) || parallelism < 1) {
      throw new RangeError(`definePipeline('${spec.name}'): defaults.parallelism must be an integer >= 1, got ${parallelism}`);
    }
    defaults.parallelism = parallelism;
  }
  const interval = spec.defaults?.checkpointInterval;
  if (interval !== undefined) {
    const ms = typeof interval === 'string' ? parseDuration(interval) : interval;
    if (!Number.isFinite(ms) || ms <= 0) {
      throw new RangeError(`definePipeline('${spec.name}'): defaults.checkpointInterval must be > 0, got ${String(interval)}`);
    }
    defaults.checkpointInterval = ms;
  }
  const options = checkPipelineOptions(spec.name, spec.options);
  return Object.freeze({
    [PIPELINE_DEFINITION]: true as const,
    name: spec.name,
    description: spec.description,
    config: spec.config,
    build: spec.build.bind(spec),
    defaults: Object.freeze(defaults),
    options,
  });
}

/** Whether `value` was made by `definePipeline`. */
export function isPipelineDefinition(value: unknown): value is PipelineDefinition {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PIPELINE_DEFINITION] === true;
}

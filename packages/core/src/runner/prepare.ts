/**
 * What `run` and `describe` share: load the pipeline module, resolve and
 * validate its config, create the StreamEnvironment and let the pipeline
 * build its dataflow into it. Nothing runs yet.
 */
import { StreamEnvironment, type StreamEnvironmentOptions } from '../api/StreamEnvironment.js';
import type { JobGraph } from '../runtime/JobGraph.js';
import { resolveConfig, type ConfigOverride } from './config.js';
import type { PipelineDefinition } from './definePipeline.js';
import { EXIT_CODES, RunnerError, usageError } from './exitCodes.js';
import { loadPipeline } from './loadPipeline.js';
import { checkPipelineServices, type PipelineServices } from './pipelineServices.js';

/** What `preparePipeline` needs. */
export interface PrepareOptions {
  /** The module or package path. */
  readonly module: string;
  readonly configPath?: string | undefined;
  readonly sets?: readonly string[];
  /** Values of the pipeline's own flags, applied after `sets`. */
  readonly optionOverrides?: readonly ConfigOverride[];
  readonly cwd?: string;
  /** Environment options; `parallelism` falls back to the pipeline's default. */
  readonly environment: (definition: PipelineDefinition) => StreamEnvironmentOptions;
  /** Where config problems are written. */
  readonly report: (text: string) => void;
}

/** A built pipeline, ready to plan or execute. */
export interface PreparedPipeline {
  readonly definition: PipelineDefinition;
  readonly config: unknown;
  readonly env: StreamEnvironment;
  readonly graph: JobGraph;
  /** What `build` returned: gauges and services for `tributary run`. */
  readonly services: PipelineServices;
}

/**
 * Loads, configures and builds the pipeline. Returns exit code 2 after
 * reporting config problems.
 *
 * @throws RunnerError: exit code 2 for usage errors (module, config file,
 *   environment options), 1 when the pipeline's `build` throws or its
 *   program is invalid.
 */
export async function preparePipeline(options: PrepareOptions): Promise<PreparedPipeline | { readonly exitCode: number }> {
  const definition = await loadPipeline(options.module, options.cwd === undefined ? {} : { cwd: options.cwd });
  const resolved = await resolveConfig({
    schema: definition.config,
    pipelineName: definition.name,
    configPath: options.configPath,
    sets: [...(options.sets ?? []), ...(options.optionOverrides ?? [])],
    report: options.report,
  });
  if (!resolved.ok) return { exitCode: resolved.exitCode };
  let env: StreamEnvironment;
  try {
    env = StreamEnvironment.create(options.environment(definition));
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error), error);
  }
  let services: PipelineServices;
  try {
    services = checkPipelineServices(definition.name, await definition.build(env, resolved.config));
  } catch (error) {
    throw new RunnerError(EXIT_CODES.JOB_FAILED, `pipeline '${definition.name}' failed to build: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  let graph: JobGraph;
  try {
    graph = env.plan();
  } catch (error) {
    throw new RunnerError(EXIT_CODES.JOB_FAILED, `pipeline '${definition.name}' is not a valid program: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return { definition, config: resolved.config, env, graph, services };
}

/**
 * `tributary run`: validates the config, builds the pipeline, starts the
 * optional metrics server, executes the job and watches it — a progress
 * bar or progress lines for bounded jobs, status lines for unbounded ones —
 * until it ends. SIGTERM/SIGINT stop the job with a savepoint (a second one
 * exits at once with 130); SIGUSR2 takes a savepoint and keeps running.
 * Returns the exit code (see exitCodes.ts); never calls `process.exit`.
 */
import type { CheckpointInfo } from '../checkpoint/CheckpointData.js';
import type { JobHandle, JobResult } from '../api/JobHandle.js';
import type { RestartStrategy } from '../runtime/RestartStrategy.js';
import type { Logger } from '../runtime/Logger.js';
import type { ConfigOverride } from './config.js';
import { EXIT_CODES, RunnerError, usageError } from './exitCodes.js';
import { createLogger, type LogLevel } from './logger.js';
import { startMetricsServer, type MetricsServer } from './metricsServer.js';
import { preparePipeline } from './prepare.js';
import { DEFAULT_STATUS_INTERVAL_MS, StatusReporter, type ReporterStream } from './progress.js';
import type { PipelineService } from './pipelineServices.js';
import { renderPrometheus } from './prometheus.js';
import { nextRunTime, runOnSchedule, type Schedule } from './schedule.js';
import { operatorRoles } from './status.js';

/** Error codes (TributaryError.code) meaning the checkpoint to restore from is unreadable or does not fit the job. */
export const RESTORE_ERROR_CODES: ReadonlySet<string> = new Set([
  'CHECKPOINT_UNREADABLE',
  'CHECKPOINT_FORMAT_UNSUPPORTED',
  'CHECKPOINT_INCOMPATIBLE',
  'STATE_NOT_RESTORED',
  'INCOMPATIBLE_STATE',
  'STATE_KIND_MISMATCH',
]);

/** The options of `tributary run`, parsed. */
export interface RunOptions {
  readonly module: string;
  readonly config?: string | undefined;
  readonly set?: readonly string[];
  readonly parallelism?: number | undefined;
  readonly checkpointDir?: string | undefined;
  readonly checkpointInterval?: number | undefined;
  readonly checkpointRetain?: number | undefined;
  /** `latest` or a checkpoint/savepoint location. */
  readonly fromCheckpoint?: string | undefined;
  readonly allowNonRestoredState?: boolean;
  readonly restartStrategy?: RestartStrategy | undefined;
  readonly metricsPort?: number | undefined;
  readonly metricsHost?: string | undefined;
  readonly logLevel?: LogLevel;
  /** Progress/status lines every this many ms (0: none). */
  readonly statusInterval?: number;
  /** Progress bar on a TTY (default: when stderr is a TTY). */
  readonly progressBar?: boolean | undefined;
  /** Values of the pipeline's own flags (see `PipelineOption`), applied after `set`. */
  readonly optionOverrides?: readonly ConfigOverride[];
  /** Run a bounded pipeline again on this schedule until SIGTERM/SIGINT (`--every`). */
  readonly every?: Schedule | undefined;
}

/** Signals the runner listens to (`process` fits). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/** Where the runner reads and writes (the process's in the CLI; fakes in tests). */
export interface RunnerIO {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ReporterStream;
  readonly cwd?: string;
  readonly signals?: SignalSource;
  /** The logger (default: pino on stderr at `logLevel`). */
  readonly logger?: Logger;
  /** Called with the metrics server once it listens (tests read its port). */
  readonly onMetricsServer?: (server: MetricsServer) => void;
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
const SAVEPOINT_SIGNAL: NodeJS.Signals = 'SIGUSR2';

/**
 * The error in `error`'s cause chain that says the checkpoint to restore is
 * unreadable or incompatible, if any.
 */
export function restoreFailureOf(error: unknown): Error | undefined {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RESTORE_ERROR_CODES.has(code)) return e as Error;
  }
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs a pipeline until it finishes, fails or is stopped — or, with
 * `every`, again and again on that schedule — and resolves with the exit
 * code (of the last run).
 */
export async function runPipeline(options: RunOptions, io: RunnerIO): Promise<number> {
  const logger = io.logger ?? createLogger({ level: options.logLevel ?? 'info' });
  if (options.every !== undefined) return runScheduled(options, options.every, io, logger);
  return runOnce(options, io, logger);
}

/**
 * `--every`: one run, a wait until the schedule's next time, the next run —
 * never two at once — until a stop signal (which also stops a run in
 * progress, as without a schedule). A failed run is logged and the schedule
 * goes on; a usage error (bad config) ends it, since the next run would fail
 * the same way.
 */
async function runScheduled(options: RunOptions, schedule: Schedule, io: RunnerIO, logger: Logger): Promise<number> {
  const stop = new AbortController();
  const signals = io.signals ?? process;
  const onStop = (signal: NodeJS.Signals): void => {
    if (!stop.signal.aborted) logger.info({ signal }, `${signal}: stopping the schedule`);
    stop.abort();
  };
  for (const s of STOP_SIGNALS) signals.on(s, onStop);
  let last: number = EXIT_CODES.OK;
  try {
    await runOnSchedule(
      async (run) => {
        const started = Date.now();
        logger.info({ run }, `scheduled run ${run} starting`);
        last = await runOnce({ ...options, every: undefined }, io, logger);
        if (last === EXIT_CODES.USAGE) {
          stop.abort();
          return;
        }
        if (stop.signal.aborted) return;
        const next = nextRunTime(schedule, started, Date.now());
        logger.info({ run, exitCode: last, nextRun: new Date(next).toISOString() }, `scheduled run ${run} ended with exit code ${last}; next run at ${new Date(next).toISOString()}`);
      },
      schedule,
      { signal: stop.signal, onError: 'stop' },
    );
  } finally {
    for (const s of STOP_SIGNALS) signals.off(s, onStop);
  }
  return last;
}

async function runOnce(options: RunOptions, io: RunnerIO, logger: Logger): Promise<number> {
  try {
    return await runChecked(options, io, logger);
  } catch (error) {
    if (error instanceof RunnerError) {
      io.stderr.write(`error: ${error.message}\n`);
      if (error.exitCode !== EXIT_CODES.USAGE) logger.error({ err: error.cause ?? error }, error.message);
      return error.exitCode;
    }
    throw error;
  }
}

async function runChecked(options: RunOptions, io: RunnerIO, logger: Logger): Promise<number> {
  if (options.fromCheckpoint !== undefined && options.checkpointDir === undefined && options.fromCheckpoint === 'latest') {
    throw usageError('--from-checkpoint latest needs --checkpoint-dir (where to look for the latest checkpoint)');
  }
  if (options.checkpointInterval !== undefined && options.checkpointDir === undefined) {
    throw usageError('--checkpoint-interval needs --checkpoint-dir (where to write checkpoints)');
  }
  // An explicit location without --checkpoint-dir: its storage directory serves for new checkpoints and savepoints.
  const checkpointDir = options.checkpointDir ?? (options.fromCheckpoint === undefined ? undefined : storageDirOf(options.fromCheckpoint));
  const prepared = await preparePipeline({
    module: options.module,
    configPath: options.config,
    sets: options.set ?? [],
    ...(options.optionOverrides === undefined ? {} : { optionOverrides: options.optionOverrides }),
    ...(io.cwd === undefined ? {} : { cwd: io.cwd }),
    report: (text) => io.stderr.write(text),
    environment: (definition) => {
      const checkpointInterval = options.checkpointInterval ?? (checkpointDir === undefined ? undefined : definition.defaults.checkpointInterval);
      return {
        parallelism: options.parallelism ?? definition.defaults.parallelism ?? 1,
        logger,
        ...(checkpointInterval === undefined ? {} : { checkpointInterval }),
        ...(checkpointDir === undefined ? {} : { checkpointDir }),
        ...(options.checkpointRetain === undefined ? {} : { checkpointing: { retain: options.checkpointRetain } }),
        ...(options.fromCheckpoint === undefined ? {} : { restoreFrom: options.fromCheckpoint }),
        ...(options.allowNonRestoredState === true ? { allowNonRestoredState: true } : {}),
        ...(options.restartStrategy === undefined ? {} : { restartStrategy: options.restartStrategy }),
      };
    },
  });
  if ('exitCode' in prepared) return prepared.exitCode;
  const { definition, env, graph, config, services } = prepared;
  const name = definition.name;

  let handle: JobHandle | undefined;
  let server: MetricsServer | undefined;
  if (options.metricsPort !== undefined) {
    try {
      server = await startMetricsServer({
        port: options.metricsPort,
        ...(options.metricsHost === undefined ? {} : { host: options.metricsHost }),
        render: () =>
          renderPrometheus({
            job: name,
            operators: handle?.metrics() ?? [],
            checkpoints: handle?.checkpointStats() ?? { completed: 0, failed: 0 },
            restarts: handle?.restarts() ?? 0,
            ...(services.gauges === undefined ? {} : { gauges: services.gauges }),
          }),
        health: () => {
          const running = handle?.isRunning() ?? false;
          return { ok: handle === undefined || running, status: handle === undefined ? 'starting' : running ? 'running' : 'stopped' };
        },
      });
    } catch (error) {
      throw usageError(`cannot serve metrics on ${options.metricsHost ?? '127.0.0.1'}:${options.metricsPort}: ${messageOf(error)}`, error);
    }
    logger.info({ url: `${server.url}/metrics` }, `serving Prometheus metrics at ${server.url}/metrics`);
    io.onMetricsServer?.(server);
  }

  let service: PipelineService | undefined;
  if (services.start !== undefined) {
    try {
      service = (await services.start({ logger })) ?? undefined;
    } catch (error) {
      await server?.close();
      throw new RunnerError(EXIT_CODES.JOB_FAILED, `pipeline '${name}' could not start its services: ${messageOf(error)}`, { cause: error });
    }
  }

  logger.info(
    {
      pipeline: name,
      parallelism: env.parallelism,
      checkpointDir,
      checkpointIntervalMs: options.checkpointInterval ?? (checkpointDir === undefined ? undefined : definition.defaults.checkpointInterval),
      restoreFrom: options.fromCheckpoint,
      restartStrategy: options.restartStrategy?.description,
      config,
    },
    `starting pipeline '${name}' (pid ${process.pid}: \`tributary savepoint ${process.pid}\` takes a savepoint, \`tributary stop ${process.pid}\` stops with one)`,
  );

  const job = env.execute(name);
  handle = job;
  const reporter = new StatusReporter({
    job,
    roles: operatorRoles(graph),
    stream: io.stderr,
    intervalMs: options.statusInterval ?? DEFAULT_STATUS_INTERVAL_MS,
    ...(options.progressBar === undefined ? {} : { tty: options.progressBar }),
  });
  reporter.start();

  const savepointsPossible = checkpointDir !== undefined;
  let stopping: Promise<void> | undefined;
  let stopSavepoint: CheckpointInfo | undefined;
  let stopFailed = false;
  let interrupt!: (code: number) => void;
  const interrupted = new Promise<number>((resolve) => {
    interrupt = resolve;
  });

  const onStop = (signal: NodeJS.Signals): void => {
    if (stopping !== undefined) {
      logger.warn({ signal }, `second ${signal}: exiting now, without waiting for the savepoint`);
      interrupt(EXIT_CODES.INTERRUPTED);
      return;
    }
    if (!savepointsPossible) {
      logger.warn({ signal }, `${signal}: stopping without a savepoint (no --checkpoint-dir)`);
      stopping = job.cancel();
      return;
    }
    logger.info({ signal }, `${signal}: stopping with a savepoint (send it again to exit at once)`);
    stopping = job.stopWithSavepoint().then(
      (info) => {
        stopSavepoint = info;
        logger.info({ location: info.location, checkpointId: info.checkpointId }, `savepoint written to ${info.location}`);
      },
      async (error: unknown) => {
        stopFailed = true;
        logger.error({ err: error }, `the savepoint failed (${messageOf(error)}); cancelling the job`);
        await job.cancel();
      },
    );
  };
  const onSavepoint = (): void => {
    if (!savepointsPossible) {
      logger.error({}, `${SAVEPOINT_SIGNAL}: cannot take a savepoint without --checkpoint-dir`);
      return;
    }
    logger.info({}, `${SAVEPOINT_SIGNAL}: taking a savepoint`);
    job.triggerSavepoint().then(
      (info) => logger.info({ location: info.location, checkpointId: info.checkpointId }, `savepoint written to ${info.location}`),
      (error: unknown) => logger.error({ err: error }, `savepoint failed: ${messageOf(error)}`),
    );
  };
  const signals = io.signals ?? process;
  for (const s of STOP_SIGNALS) signals.on(s, onStop);
  if (process.platform !== 'win32') signals.on(SAVEPOINT_SIGNAL, onSavepoint);

  type Outcome = { kind: 'result'; result: JobResult } | { kind: 'error'; error: unknown } | { kind: 'interrupted'; code: number };
  try {
    const outcome: Outcome = await Promise.race([
      job.done.then(
        (result): Outcome => ({ kind: 'result', result }),
        (error: unknown): Outcome => ({ kind: 'error', error }),
      ),
      interrupted.then((code): Outcome => ({ kind: 'interrupted', code })),
    ]);
    if (outcome.kind === 'interrupted') {
      reporter.stop();
      void job.cancel().catch(() => {}); // the CLI exits now anyway; in-process callers get a stopped job
      return outcome.code;
    }
    if (stopping !== undefined) {
      const settled = await Promise.race([stopping.then(() => undefined), interrupted]);
      if (settled !== undefined) {
        reporter.stop();
        void job.cancel().catch(() => {});
        return settled;
      }
    }
    const cancelled = outcome.kind === 'result' ? outcome.result.status === 'cancelled' : (outcome.error as { code?: unknown }).code === 'JOB_CANCELLED';
    if (outcome.kind === 'result' || cancelled) {
      if (!cancelled) {
        reporter.stop('finished');
        logger.info({ durationMs: outcome.kind === 'result' ? outcome.result.durationMs : undefined }, `pipeline '${name}' finished`);
        return EXIT_CODES.OK;
      }
      if (stopFailed) {
        reporter.stop('stopped without a savepoint');
        return EXIT_CODES.JOB_FAILED;
      }
      reporter.stop(stopSavepoint === undefined ? 'stopped' : `stopped with savepoint ${stopSavepoint.location}`);
      return EXIT_CODES.OK;
    }
    reporter.stop();
    const error = outcome.error;
    const restoreFailure = restoreFailureOf(error);
    if (restoreFailure !== undefined) {
      io.stderr.write(`error: cannot restore pipeline '${name}' from ${options.fromCheckpoint ?? 'its checkpoint'}: ${restoreFailure.message}\n`);
      logger.error({ err: error }, 'restore failed');
      return EXIT_CODES.RESTORE_FAILED;
    }
    io.stderr.write(`error: ${messageOf(error)}\n`);
    logger.error({ err: error }, `pipeline '${name}' failed`);
    return EXIT_CODES.JOB_FAILED;
  } finally {
    for (const s of STOP_SIGNALS) signals.off(s, onStop);
    if (process.platform !== 'win32') signals.off(SAVEPOINT_SIGNAL, onSavepoint);
    try {
      await service?.close();
    } catch (error) {
      logger.warn({ err: error }, `closing the services of pipeline '${name}' failed: ${messageOf(error)}`);
    }
    await server?.close();
  }
}

/**
 * The storage directory of a checkpoint location: `<dir>/chk-N` → `<dir>`,
 * `<dir>/savepoints/sp-…` → `<dir>` (the LocalCheckpointStorage layout;
 * a trailing `/_metadata` is ignored).
 */
export function storageDirOf(location: string): string | undefined {
  if (location === 'latest') return undefined;
  const parts = location.replace(/[\\/]+$/, '').split(/[\\/]/);
  if (parts.at(-1) === '_metadata') parts.pop();
  const last = parts.at(-1) ?? '';
  if (/^sp-\d+-\d+$/.test(last) && parts.at(-2) === 'savepoints') return parts.slice(0, -2).join('/') || '/';
  if (/^chk-\d+$/.test(last)) return parts.slice(0, -1).join('/') || '/';
  return parts.slice(0, -1).join('/') || '.';
}

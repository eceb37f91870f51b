/**
 * The `tributary` command line (commander): `run`, `describe`, `savepoint`
 * and `stop`, each with `--help` that describes every option, shows
 * examples and lists the exit codes. `runCli(argv, io)` parses and runs a
 * command and resolves with the exit code; only cli.ts exits the process.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { describeMermaid, describeText } from './describe.js';
import { parseDuration } from './durations.js';
import { EXIT_CODES, EXIT_CODES_HELP, RunnerError } from './exitCodes.js';
import { LOG_LEVELS, type LogLevel } from './logger.js';
import { loadPipeline } from './loadPipeline.js';
import { DEFAULT_METRICS_HOST } from './metricsServer.js';
import { addPipelineOptions, moduleOperand, pipelineOptionOverrides, type PipelineOptionDefinition } from './pipelineOptions.js';
import { parseRestartStrategy, RESTART_STRATEGY_FORMS } from './restartStrategy.js';
import { parseSchedule, type Schedule } from './schedule.js';
import { DEFAULT_STATUS_INTERVAL_MS } from './progress.js';
import type { RunnerIO } from './run.js';

/** Where the CLI reads and writes, and how it signals other processes. */
export interface CliIO extends RunnerIO {
  /** Sends a signal to a process (default `process.kill`). */
  readonly kill?: (pid: number, signal: NodeJS.Signals | 0) => void;
}

/** How long `tributary stop --wait` waits by default (ms). */
export const DEFAULT_STOP_TIMEOUT_MS = 300_000;

function packageVersion(): string {
  try {
    // src/runner and dist/runner are both two levels below the package root.
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return manifest.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function integer(min: number, what: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new InvalidArgumentError(`${what} must be a whole number >= ${min}, got '${value}'.`);
    return Number(value);
  };
}

function duration(value: string): number {
  try {
    return parseDuration(value);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

function positiveDuration(value: string): number {
  const ms = duration(value);
  if (ms <= 0) throw new InvalidArgumentError(`the duration must be > 0, got '${value}'.`);
  return ms;
}

function restartStrategy(value: string) {
  try {
    return parseRestartStrategy(value);
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

function schedule(value: string): Schedule {
  try {
    return parseSchedule(value, { utc: true });
  } catch (error) {
    throw new InvalidArgumentError(`${(error as Error).message}.`);
  }
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

const RUN_EXAMPLES = `
Examples:
  $ tributary run ./pipelines/clicks.ts --config clicks.json
  $ tributary run @tributary/pipelines/streaming-recommender -c prod.json --set sink.batchSize=500 --set 'source.streams=["a","b"]'
  $ tributary run @tributary/pipelines/training-set-builder -c training-set.json --every 1d
  $ tributary run ./clicks.js -c clicks.json -p 4 --checkpoint-dir ./chk --checkpoint-interval 10s --from-checkpoint latest \\
      --restart-strategy fixed:3:1s --metrics-port 9249 --log-level debug

Config: --config reads a JSON file; each --set key.path=value overrides one field, in order (the
value is JSON when it parses, else a string). The result is validated against the pipeline's
schema before anything starts: every problem is printed as config.path.to.field: message, exit 2.

Schedule: --every 1d (or a cron expression such as '0 3 * * *', UTC) runs a bounded pipeline, waits,
and runs it again — never two at once — until SIGTERM/SIGINT; a failed run is logged and the next
one goes ahead. The exit code is the last run's.

Signals: SIGTERM or SIGINT (Ctrl-C, tributary stop PID) stops the job with a savepoint and logs
where it went, exit 0; a second one exits at once with 130. SIGUSR2 (tributary savepoint PID)
takes a savepoint and keeps running. Savepoints need --checkpoint-dir.

Output: stdout is the pipeline's own; logs (JSON lines, pino) and progress go to stderr. A bounded
job shows a progress bar on a TTY, else a progress line every --status-interval; an unbounded job
prints a status line (rates, watermark lag, backpressure, last checkpoint, restarts).

${EXIT_CODES_HELP}
`;

const DESCRIBE_EXAMPLES = `
Examples:
  $ tributary describe ./pipelines/clicks.ts --config clicks.json
  $ tributary describe ./pipelines/clicks.ts -c clicks.json -p 4 --format mermaid > clicks.mmd

The text shows each task (a chain of operators fused into one task) with its parallelism, and
the exchanges between tasks with their partitioner (forward, hash, rebalance, broadcast, global)
and side-output tag. The config is validated as for run (exit 2 listing every problem).
`;

/**
 * Builds the commander program; `setExitCode` receives each command's exit
 * code; `pipelineOptions` gives the flags the loaded pipeline declared
 * (added to the command by {@link addPipelineOptionsOf}).
 */
export function createProgram(io: CliIO, setExitCode: (code: number) => void, pipelineOptions: () => readonly PipelineOptionDefinition[] = () => []): Command {
  const program = new Command('tributary');
  program
    .description('Run, describe and control Tributary stream-processing pipelines (modules that export definePipeline(...)).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for a command')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    })
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Examples:
  $ tributary run ./pipelines/clicks.ts --config clicks.json --checkpoint-dir ./chk --checkpoint-interval 10s
  $ tributary describe ./pipelines/clicks.ts --config clicks.json --format mermaid
  $ tributary savepoint 12345
  $ tributary stop 12345 --wait

${EXIT_CODES_HELP}
`,
    );

  program
    .command('run')
    .description('validate the config, build the pipeline and run it until it finishes, fails or is stopped')
    .argument('<module>', 'the pipeline: a file path (.js, or .ts under tsx), a package directory, or a package specifier')
    .option('-c, --config <file>', 'JSON config file (default: {} — the schema may fill in defaults)')
    .option('-s, --set <key=value>', 'override one config field, e.g. --set sink.batchSize=500 (repeatable, applied in order)', collect)
    .option('-p, --parallelism <n>', 'default parallelism of the operators (default: the pipeline\'s, else 1)', integer(1, 'parallelism'))
    .option('--checkpoint-dir <dir>', 'where checkpoints and savepoints are written (needed for checkpoints and savepoints)')
    .option('--checkpoint-interval <duration>', 'take a checkpoint every DURATION, e.g. 10s, 500ms, 5m (default: the pipeline\'s, else none)', positiveDuration)
    .option('--checkpoint-retain <n>', 'complete checkpoints to keep (savepoints are always kept; default 3)', integer(1, 'checkpoint-retain'))
    .option('--from-checkpoint <latest|path>', "restore from 'latest' (the newest complete checkpoint in --checkpoint-dir, if any) or a checkpoint/savepoint directory")
    .option('--allow-non-restored-state', 'restore even when the checkpoint holds state of operators (uids) the job no longer has', false)
    .option('--restart-strategy <spec>', `what to do when the job fails: ${RESTART_STRATEGY_FORMS} (default: none), e.g. fixed:3:1s, failure-rate:5:1m:1s`, restartStrategy)
    .option('--metrics-port <port>', 'serve Prometheus metrics at http://HOST:PORT/metrics (and /healthz); 0 picks a free port', integer(0, 'metrics-port'))
    .option('--metrics-host <host>', 'address the metrics server binds to', DEFAULT_METRICS_HOST)
    .addOption(new Option('--log-level <level>', 'log level of the JSON logs on stderr').choices(LOG_LEVELS).default('info'))
    .addOption(
      new Option('--status-interval <duration>', 'print a progress or status line every DURATION (0s: never)')
        .argParser(duration)
        .default(DEFAULT_STATUS_INTERVAL_MS, '10s'),
    )
    .option('--no-progress', 'no progress bar on a TTY (plain progress lines instead)')
    .option('--every <schedule>', "run a bounded pipeline again on a schedule until stopped: an interval (30m, 6h, 1d) or a 5-field cron expression in UTC ('0 3 * * *')", schedule)
    .addHelpText('after', RUN_EXAMPLES)
    .action(async (module: string, o: Record<string, unknown>) => {
      const { runPipeline } = await import('./run.js'); // the engine loads only for commands that need it
      setExitCode(
        await runPipeline(
          {
            module,
            config: o['config'] as string | undefined,
            set: (o['set'] as string[] | undefined) ?? [],
            parallelism: o['parallelism'] as number | undefined,
            checkpointDir: o['checkpointDir'] as string | undefined,
            checkpointInterval: o['checkpointInterval'] as number | undefined,
            checkpointRetain: o['checkpointRetain'] as number | undefined,
            fromCheckpoint: o['fromCheckpoint'] as string | undefined,
            allowNonRestoredState: o['allowNonRestoredState'] === true,
            restartStrategy: o['restartStrategy'] as ReturnType<typeof parseRestartStrategy> | undefined,
            metricsPort: o['metricsPort'] as number | undefined,
            metricsHost: o['metricsHost'] as string,
            logLevel: o['logLevel'] as LogLevel,
            statusInterval: o['statusInterval'] as number,
            progressBar: o['progress'] === false ? false : undefined,
            every: o['every'] as Schedule | undefined,
            optionOverrides: pipelineOptionOverrides(o, pipelineOptions()),
          },
          io,
        ),
      );
    });

  program
    .command('describe')
    .description('print the job graph — operators, chaining into tasks, parallelism, partitioners — as text and/or Mermaid')
    .argument('<module>', 'the pipeline: a file path (.js, or .ts under tsx), a package directory, or a package specifier')
    .option('-c, --config <file>', 'JSON config file (the pipeline is built with it)')
    .option('-s, --set <key=value>', 'override one config field (repeatable)', collect)
    .option('-p, --parallelism <n>', 'default parallelism to plan with', integer(1, 'parallelism'))
    .addOption(new Option('-f, --format <format>', 'text, mermaid (a flowchart), or both (text, then a ```mermaid block)').choices(['text', 'mermaid', 'both']).default('both'))
    .addHelpText('after', DESCRIBE_EXAMPLES)
    .action(async (module: string, o: Record<string, unknown>) => {
      const parallelism = o['parallelism'] as number | undefined;
      const { preparePipeline } = await import('./prepare.js');
      const prepared = await preparePipeline({
        module,
        configPath: o['config'] as string | undefined,
        sets: (o['set'] as string[] | undefined) ?? [],
        optionOverrides: pipelineOptionOverrides(o, pipelineOptions()),
        ...(io.cwd === undefined ? {} : { cwd: io.cwd }),
        report: (text) => io.stderr.write(text),
        environment: (definition) => ({ parallelism: parallelism ?? definition.defaults.parallelism ?? 1 }),
      });
      if ('exitCode' in prepared) {
        setExitCode(prepared.exitCode);
        return;
      }
      const format = o['format'] as 'text' | 'mermaid' | 'both';
      const meta = { name: prepared.definition.name, description: prepared.definition.description, options: prepared.definition.options ?? [] };
      if (format === 'text') io.stdout.write(describeText(prepared.graph, meta));
      else if (format === 'mermaid') io.stdout.write(describeMermaid(prepared.graph, meta));
      else io.stdout.write(`${describeText(prepared.graph, meta)}\n\`\`\`mermaid\n${describeMermaid(prepared.graph, meta)}\`\`\`\n`);
      setExitCode(EXIT_CODES.OK);
    });

  program
    .command('savepoint')
    .description('ask a running `tributary run` to take a savepoint (sends SIGUSR2); it logs where the savepoint went and keeps running')
    .argument('<pid>', 'process id of the runner (it logs its pid at start)', integer(1, 'pid'))
    .addHelpText('after', '\nExample:\n  $ tributary savepoint 12345\n\nExit codes: 0 signal sent, 2 no such process or not permitted.\n')
    .action((pid: number) => {
      setExitCode(signal(io, pid, 'SIGUSR2', 'the runner takes a savepoint and logs its location'));
    });

  program
    .command('stop')
    .description('stop a running `tributary run` with a savepoint (sends SIGTERM); the runner exits 0 once the savepoint is written')
    .argument('<pid>', 'process id of the runner (it logs its pid at start)', integer(1, 'pid'))
    .option('-w, --wait', 'wait until the runner has exited', false)
    .addOption(new Option('-t, --timeout <duration>', 'with --wait: give up after DURATION').argParser(positiveDuration).default(DEFAULT_STOP_TIMEOUT_MS, '5m'))
    .addHelpText(
      'after',
      '\nExamples:\n  $ tributary stop 12345\n  $ tributary stop 12345 --wait --timeout 2m\n\nExit codes: 0 signal sent (with --wait: the runner exited), 1 --wait timed out, 2 no such process or not permitted.\n',
    )
    .action(async (pid: number, o: { wait: boolean; timeout: number }) => {
      const code = signal(io, pid, 'SIGTERM', 'the runner stops with a savepoint');
      if (code !== EXIT_CODES.OK || !o.wait) {
        setExitCode(code);
        return;
      }
      setExitCode(await waitForExit(io, pid, o.timeout));
    });

  return program;
}

function signal(io: CliIO, pid: number, sig: NodeJS.Signals, what: string): number {
  const kill = io.kill ?? ((p: number, s: NodeJS.Signals | 0) => void process.kill(p, s));
  try {
    kill(pid, sig);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ESRCH' ? `no process with pid ${pid}` : code === 'EPERM' ? `not permitted to signal pid ${pid}` : (error as Error).message;
    io.stderr.write(`error: cannot send ${sig} to ${pid}: ${reason}\n`);
    return EXIT_CODES.USAGE;
  }
  io.stdout.write(`sent ${sig} to ${pid}: ${what}\n`);
  return EXIT_CODES.OK;
}

async function waitForExit(io: CliIO, pid: number, timeoutMs: number): Promise<number> {
  const kill = io.kill ?? ((p: number, s: NodeJS.Signals | 0) => void process.kill(p, s));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      kill(pid, 0);
    } catch {
      io.stdout.write(`process ${pid} has exited\n`);
      return EXIT_CODES.OK;
    }
    if (Date.now() >= deadline) {
      io.stderr.write(`error: process ${pid} is still running after ${timeoutMs} ms\n`);
      return EXIT_CODES.JOB_FAILED;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Parses `argv` (without the node and script paths) and runs the command.
 * Resolves with the exit code: help and version 0, usage errors 2.
 */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode: number = EXIT_CODES.OK;
  let pipelineOptions: readonly PipelineOptionDefinition[] = [];
  const program = createProgram(
    io,
    (code) => {
      exitCode = code;
    },
    () => pipelineOptions,
  );
  try {
    pipelineOptions = await addPipelineOptionsOf(program, argv, io);
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    if (error instanceof RunnerError) {
      io.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
  return exitCode;
}

/**
 * For `run <module>` and `describe <module>`: loads the pipeline and adds
 * the flags it declares to the command (so that they parse and show in
 * `--help`), returning them. A module that does not load adds nothing: the
 * command then reports the loading error itself.
 *
 * @throws RunnerError (exit code 2) when a pipeline flag clashes with a runner flag.
 */
export async function addPipelineOptionsOf(program: Command, argv: readonly string[], io: Pick<CliIO, 'cwd'>): Promise<readonly PipelineOptionDefinition[]> {
  const [name, ...rest] = argv;
  const command = program.commands.find((c) => c.name() === name && (name === 'run' || name === 'describe'));
  if (command === undefined) return [];
  const module = moduleOperand(rest, command);
  if (module === undefined) return [];
  let definition;
  try {
    definition = await loadPipeline(module, io.cwd === undefined ? {} : { cwd: io.cwd });
  } catch {
    return [];
  }
  const options = definition.options ?? [];
  addPipelineOptions(command, definition.name, options);
  return options;
}

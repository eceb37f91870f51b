/**
 * Pipeline command-line options: a pipeline may declare extra flags of its
 * own (`--dashboard-port <port>`), each mapped onto one config path
 * (`dashboard.port`). The runner adds them to `tributary run <module>` and
 * `tributary describe <module>` once it has loaded the module, shows them in
 * `--help` and in `describe`, and applies their values to the config after
 * `--config` and `--set`, so they go through the same schema validation.
 *
 * ```ts
 * definePipeline({
 *   ...,
 *   options: [{ flag: '--dashboard-port <port>', config: 'dashboard.port', description: 'serve the dashboard on PORT' }],
 * });
 * // tributary run ./sales.ts --dashboard-port 8080   ≡   --set dashboard.port=8080
 * ```
 */
import { Option, type Command } from 'commander';
import type { ConfigOverride } from './config.js';
import { usageError } from './exitCodes.js';

/** A flag a pipeline adds to the runner's `run` and `describe` commands. */
export interface PipelineOption {
  /**
   * The flag as commander writes it: `--name <value>` (takes a value),
   * `--name [value]` (an optional value; `true` without one) or `--name`
   * (a switch: `true`). Long form only, lowercase with dashes.
   */
  readonly flag: string;
  /** The config path the value goes to, dot-separated (`dashboard.port`). */
  readonly config: string;
  /** One line for `--help` and `describe`. */
  readonly description: string;
}

/** A checked {@link PipelineOption}. */
export interface PipelineOptionDefinition extends PipelineOption {
  /** The long flag without its value part (`--dashboard-port`). */
  readonly long: string;
  /** The config path split into segments. */
  readonly path: readonly string[];
}

const FLAG = /^--[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?: <[^<>]+>| \[[^[\]]+\])?$/;
const SEGMENT = /^[A-Za-z_$][\w$-]*$/;
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Checks a pipeline's options: well-formed flags, config paths of plain
 * names, no flag or config path twice.
 *
 * @throws TypeError or RangeError naming the pipeline, the option and the broken constraint.
 */
export function checkPipelineOptions(pipeline: string, options: readonly PipelineOption[] | undefined): readonly PipelineOptionDefinition[] {
  if (options === undefined) return [];
  if (!Array.isArray(options)) throw new TypeError(`definePipeline('${pipeline}'): options must be an array`);
  const seenFlags = new Set<string>();
  const seenPaths = new Set<string>();
  return Object.freeze(
    options.map((option: PipelineOption, i) => {
      const where = `definePipeline('${pipeline}'): options[${i}]`;
      if (typeof option !== 'object' || option === null) throw new TypeError(`${where} must be an object`);
      if (typeof option.flag !== 'string' || !FLAG.test(option.flag)) {
        throw new RangeError(`${where}.flag must look like '--name <value>', '--name [value]' or '--name' (lowercase, dashes), got ${JSON.stringify(option.flag)}`);
      }
      if (typeof option.description !== 'string' || option.description.trim() === '') throw new TypeError(`${where}.description must be a non-empty string`);
      const path = typeof option.config === 'string' ? option.config.split('.') : [];
      if (path.length === 0 || path.some((s) => !SEGMENT.test(s) || FORBIDDEN_SEGMENTS.has(s))) {
        throw new RangeError(`${where}.config must be a dot-separated config path of plain names, e.g. 'dashboard.port', got ${JSON.stringify(option.config)}`);
      }
      const long = option.flag.split(' ')[0] as string;
      if (seenFlags.has(long)) throw new RangeError(`${where}: flag ${long} is declared twice`);
      if (seenPaths.has(option.config)) throw new RangeError(`${where}: config path '${option.config}' is set by two flags`);
      seenFlags.add(long);
      seenPaths.add(option.config);
      return Object.freeze({ flag: option.flag, config: option.config, description: option.description, long, path: Object.freeze(path) });
    }),
  );
}

/** A flag value: JSON when it parses (`8080`, `true`, `["a"]`), else the text — as for `--set`. */
export function parseOptionValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The commander attribute a pipeline option's value is stored under (kept apart from the runner's own). */
function attributeOf(option: PipelineOptionDefinition): string {
  return `pipelineOption:${option.long}`;
}

/**
 * Adds a pipeline's options to a runner command (`run` or `describe`).
 *
 * @throws RunnerError (exit code 2) when a flag clashes with one of the runner's.
 */
export function addPipelineOptions(command: Command, pipeline: string, options: readonly PipelineOptionDefinition[]): void {
  if (options.length === 0) return;
  for (const option of options) {
    if (command.options.some((o) => o.long === option.long)) {
      throw usageError(`pipeline '${pipeline}' declares option ${option.long}, which is one of the runner's own options`);
    }
    const added = new Option(option.flag, `${option.description} (config: ${option.config})`);
    added.attributeName = () => attributeOf(option);
    if (added.required || added.optional) added.argParser((value: string) => parseOptionValue(value));
    command.addOption(added);
  }
  command.addHelpText('after', `\nOptions of pipeline '${pipeline}' (applied after --config and --set):\n${formatPipelineOptions(options)}\n`);
}

/** The overrides for the pipeline options given on the command line, in declaration order. */
export function pipelineOptionOverrides(values: Readonly<Record<string, unknown>>, options: readonly PipelineOptionDefinition[]): ConfigOverride[] {
  return options.flatMap((option) => {
    const value = values[attributeOf(option)];
    return value === undefined ? [] : [{ path: option.path, value }];
  });
}

/** One line per option: `  --dashboard-port <port>  → config.dashboard.port: description`. */
export function formatPipelineOptions(options: readonly PipelineOption[]): string {
  const width = Math.max(0, ...options.map((o) => o.flag.length));
  return options.map((o) => `  ${o.flag.padEnd(width)}  → config.${o.config}: ${o.description}`).join('\n');
}

/**
 * The `<module>` operand of a `run` or `describe` command line (the words
 * after the command name): the first word that is neither an option nor
 * the value of one of the command's value-taking options. Options the
 * command does not know yet (the pipeline's own) are taken to have no
 * separate value, so write pipeline options after the module.
 */
export function moduleOperand(args: readonly string[], command: Command): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (arg.includes('=')) continue;
    const known = command.options.find((o) => o.long === arg || o.short === arg);
    if (known !== undefined && known.required) i++;
  }
  return undefined;
}

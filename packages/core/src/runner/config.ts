/**
 * A pipeline's config on the command line: read `--config cfg.json`, apply
 * `--set a.b.c=value` overrides in order (the value is parsed as JSON when
 * it parses, else kept as a string), then validate with the pipeline's zod
 * schema. Every problem is reported with its path, e.g.
 * `config.sources[0].stream: Required`, before anything starts.
 */
import { readFile } from 'node:fs/promises';
import type * as z from 'zod';
import { EXIT_CODES, usageError } from './exitCodes.js';

/** One config problem: where (`config.a.b[2]`) and what. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}

/** A parsed `--set` override. */
export interface ConfigOverride {
  readonly path: readonly string[];
  readonly value: unknown;
}

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

/**
 * Parses `a.b.c=value`. The value is JSON when it parses (`3`, `true`,
 * `null`, `"x"`, `[1,2]`, `{"k":1}`), else the raw text (`--set name=alice`).
 *
 * @throws RunnerError (exit code 2) for a missing `=`, an empty key or an empty segment.
 */
export function parseOverride(text: string): ConfigOverride {
  const eq = text.indexOf('=');
  if (eq < 0) throw usageError(`invalid --set '${text}': expected key=value, e.g. --set sink.batchSize=500`);
  const key = text.slice(0, eq).trim();
  const raw = text.slice(eq + 1);
  const path = key.split('.');
  if (key === '' || path.some((segment) => segment === '')) {
    throw usageError(`invalid --set '${text}': the key must be dot-separated names, e.g. source.stream`);
  }
  const forbidden = path.find((segment) => FORBIDDEN_SEGMENTS.has(segment));
  if (forbidden !== undefined) throw usageError(`invalid --set '${text}': '${forbidden}' cannot be set`);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: keep the text.
  }
  return { path, value };
}

/**
 * Returns a copy of `base` with the overrides applied in order. Missing
 * objects along a path are created; a numeric segment indexes into an
 * existing array.
 *
 * @throws RunnerError (exit code 2) when a path goes through a value that is not an object or array.
 */
export function applyOverrides(base: unknown, overrides: readonly (string | ConfigOverride)[]): unknown {
  let result: unknown = structuredClone(base ?? {});
  for (const item of overrides) {
    const override = typeof item === 'string' ? parseOverride(item) : item;
    result = setPath(result, override.path, override.value, override.path.join('.'));
  }
  return result;
}

function setPath(target: unknown, path: readonly string[], value: unknown, key: string): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  if (target === undefined || target === null) target = {};
  if (Array.isArray(target)) {
    const index = Number(head);
    if (!Number.isInteger(index) || index < 0) throw usageError(`cannot --set ${key}: '${head}' is not an index into an array`);
    const copy = [...target];
    copy[index] = setPath(copy[index], rest, value, key);
    return copy;
  }
  if (typeof target !== 'object') {
    throw usageError(`cannot --set ${key}: '${head}' is inside a ${typeof target}, not an object`);
  }
  const record = target as Record<string, unknown>;
  return { ...record, [head]: setPath(Object.hasOwn(record, head) ? record[head] : undefined, rest, value, key) };
}

/**
 * Reads a JSON config file.
 *
 * @throws RunnerError (exit code 2) when it cannot be read or is not JSON.
 */
export async function readConfigFile(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = (error as { code?: string }).code === 'ENOENT' ? 'no such file' : error instanceof Error ? error.message : String(error);
    throw usageError(`cannot read config file ${path}: ${reason}`, error);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw usageError(`config file ${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

/** Renders an issue path as `config.a.b[2]["odd key"]`. */
export function formatConfigPath(path: readonly PropertyKey[]): string {
  let out = 'config';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$-]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The result of `validateConfig`. */
export type ConfigValidation<T> = { readonly ok: true; readonly config: T } | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Validates `raw` with `schema`, collecting every problem with its path. */
export function validateConfig<S extends z.ZodType>(schema: S, raw: unknown): ConfigValidation<z.output<S>> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, config: result.data };
  const problems: ConfigProblem[] = [];
  collectIssues(result.error.issues, [], problems);
  return { ok: false, problems: dedupe(problems) };
}

interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

function collectIssues(issues: readonly IssueLike[], prefix: readonly PropertyKey[], out: ConfigProblem[]): void {
  for (const issue of issues) out.push({ path: formatConfigPath([...prefix, ...issue.path]), message: issue.message });
}

function dedupe(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The problems as lines: `config.path.to.field: message`. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  ${p.path}: ${p.message}`).join('\n');
}

/** What `resolveConfig` needs. */
export interface ResolveConfigOptions<S extends z.ZodType> {
  readonly schema: S;
  readonly pipelineName: string;
  /** `--config`: a JSON file (optional: the config starts as `{}`). */
  readonly configPath?: string | undefined;
  /** `--set` overrides (and pipeline flags, already parsed), in order. */
  readonly sets?: readonly (string | ConfigOverride)[];
  /** Where the problem list goes (stderr in the CLI). */
  readonly report: (text: string) => void;
}

/**
 * Loads, overrides and validates the config. On failure reports every
 * problem and returns exit code 2 instead of a config.
 */
export async function resolveConfig<S extends z.ZodType>(
  options: ResolveConfigOptions<S>,
): Promise<{ readonly ok: true; readonly config: z.output<S> } | { readonly ok: false; readonly exitCode: typeof EXIT_CODES.USAGE }> {
  const base = options.configPath === undefined ? {} : await readConfigFile(options.configPath);
  const raw = applyOverrides(base, options.sets ?? []);
  const result = validateConfig(options.schema, raw);
  if (result.ok) return result;
  const count = result.problems.length;
  const source = options.configPath === undefined ? '' : ` (${options.configPath}${(options.sets ?? []).length > 0 ? ' with --set overrides' : ''})`;
  options.report(`Invalid config for pipeline '${options.pipelineName}'${source}: ${count} problem${count === 1 ? '' : 's'}\n${formatProblems(result.problems)}\n`);
  return { ok: false, exitCode: EXIT_CODES.USAGE };
}

/**
 * Finds and imports a pipeline module for the runner. The argument is a
 * file path (relative to the working directory; `.ts` works when the CLI
 * runs under tsx), a package directory, or a package specifier such as
 * `@tributary/pipelines/streaming-recommender`, resolved from the working
 * directory's node_modules (honouring the package's `exports` and the
 * process's `--conditions`). The module must export a `definePipeline`
 * result as its default export or as `pipeline`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPipelineDefinition, type PipelineDefinition } from './definePipeline.js';
import { usageError } from './exitCodes.js';

/** Options of `loadPipeline`. */
export interface LoadPipelineOptions {
  /** Where relative paths and packages are resolved from (default `process.cwd()`). */
  readonly cwd?: string;
  /** Export conditions for package `exports` besides import/node/default (default: the process's `--conditions`). */
  readonly conditions?: readonly string[];
}

const MODULE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs', '.cjs', '.cts'];

/**
 * Imports the pipeline module named by `specifier` and returns its
 * definition.
 *
 * @throws RunnerError (exit code 2) when the module cannot be found or
 *   loaded, or does not export a pipeline definition.
 */
export async function loadPipeline(specifier: string, options: LoadPipelineOptions = {}): Promise<PipelineDefinition> {
  const cwd = options.cwd ?? process.cwd();
  const conditions = options.conditions ?? processConditions();
  const url = locate(specifier, cwd, conditions);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url ?? specifier)) as Record<string, unknown>;
  } catch (error) {
    throw importFailure(specifier, url, cwd, error);
  }
  const definition = pickDefinition(mod);
  if (definition === undefined) {
    const names = Object.keys(mod);
    throw usageError(
      `'${specifier}' does not export a pipeline definition (definePipeline): expected \`export default definePipeline({…})\` ` +
        `or \`export const pipeline = definePipeline({…})\`; it exports ${names.length === 0 ? 'nothing' : names.join(', ')}`,
    );
  }
  return definition;
}

function pickDefinition(mod: Record<string, unknown>): PipelineDefinition | undefined {
  const candidates = [mod['default'], mod['pipeline']];
  // A CommonJS module or a bundler's interop object: module.exports = { default | pipeline }.
  const inner = mod['default'];
  if (typeof inner === 'object' && inner !== null) candidates.push((inner as Record<string, unknown>)['default'], (inner as Record<string, unknown>)['pipeline']);
  return candidates.find(isPipelineDefinition);
}

/** The URL to import, or undefined to let `import()` resolve a bare specifier itself. */
function locate(specifier: string, cwd: string, conditions: readonly string[]): string | undefined {
  if (specifier.startsWith('file:')) return specifier;
  const path = resolve(cwd, specifier);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) return pathToFileURL(path).href;
    if (existsSync(join(path, 'package.json'))) return pathToFileURL(resolvePackageEntry(path, '.', conditions, specifier)).href;
    const index = MODULE_EXTENSIONS.map((ext) => join(path, `index${ext}`)).find((p) => existsSync(p));
    if (index !== undefined) return pathToFileURL(index).href;
    throw usageError(`'${specifier}' is a directory without a package.json or an index module`);
  }
  if (looksLikePath(specifier)) throw usageError(`Cannot find pipeline module '${specifier}' (looked for ${path})`);
  const { name, subpath } = splitPackageSpecifier(specifier);
  const packageDir = findPackageDir(name, cwd);
  if (packageDir === undefined) return undefined;
  return pathToFileURL(resolvePackageEntry(packageDir, subpath, conditions, specifier)).href;
}

function looksLikePath(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || specifier.includes('\\') || MODULE_EXTENSIONS.some((ext) => specifier.endsWith(ext));
}

function splitPackageSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  const name = parts.slice(0, nameParts).join('/');
  const rest = parts.slice(nameParts);
  return { name, subpath: rest.length === 0 ? '.' : `./${rest.join('/')}` };
}

function findPackageDir(name: string, from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Resolves `subpath` ('.' or './x') of the package in `dir` through its `exports` (or `main`). */
function resolvePackageEntry(dir: string, subpath: string, conditions: readonly string[], specifier: string): string {
  let manifest: { exports?: unknown; main?: unknown; name?: unknown };
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as typeof manifest;
  } catch (error) {
    throw usageError(`Cannot read ${join(dir, 'package.json')}: ${messageOf(error)}`, error);
  }
  if (manifest.exports === undefined) {
    if (subpath !== '.') return join(dir, subpath);
    return join(dir, typeof manifest.main === 'string' ? manifest.main : 'index.js');
  }
  const target = resolveExports(manifest.exports, subpath, new Set([...conditions, 'import', 'node', 'default']));
  if (target === undefined) {
    throw usageError(`'${specifier}': package ${String(manifest.name ?? dir)} does not export '${subpath}' (see its package.json "exports")`);
  }
  return join(dir, target);
}

/** A small subset of Node's PACKAGE_EXPORTS_RESOLVE: exact keys, `*` patterns, nested conditions, arrays. */
export function resolveExports(exportsField: unknown, subpath: string, conditions: ReadonlySet<string>): string | undefined {
  const map: Record<string, unknown> =
    typeof exportsField === 'object' && exportsField !== null && !Array.isArray(exportsField) && Object.keys(exportsField).some((k) => k.startsWith('.'))
      ? (exportsField as Record<string, unknown>)
      : { '.': exportsField };
  if (Object.hasOwn(map, subpath)) return resolveTarget(map[subpath], undefined, conditions);
  let best: { key: string; star: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (!subpath.startsWith(prefix) || !subpath.endsWith(suffix) || subpath.length < key.length - 1) continue;
    if (best === undefined || prefix.length > best.key.indexOf('*')) {
      best = { key, star: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best === undefined ? undefined : resolveTarget(map[best.key], best.star, conditions);
}

function resolveTarget(target: unknown, star: string | undefined, conditions: ReadonlySet<string>): string | undefined {
  if (typeof target === 'string') return star === undefined ? target : target.replaceAll('*', star);
  if (Array.isArray(target)) {
    for (const t of target) {
      const resolved = resolveTarget(t, star, conditions);
      if (resolved !== undefined) return resolved;
    }
    return undefined;
  }
  if (typeof target === 'object' && target !== null) {
    for (const [condition, value] of Object.entries(target)) {
      if (!conditions.has(condition)) continue;
      const resolved = resolveTarget(value, star, conditions);
      if (resolved !== undefined) return resolved;
    }
  }
  return undefined;
}

/** The `--conditions` / `-C` flags this process was started with (argv and NODE_OPTIONS). */
function processConditions(): string[] {
  const args = [...process.execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/).filter((a) => a !== '')];
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const eq = /^(?:--conditions|-C)=(.+)$/.exec(arg);
    if (eq?.[1] !== undefined) found.push(eq[1]);
    else if ((arg === '--conditions' || arg === '-C') && args[i + 1] !== undefined) found.push(args[++i] ?? '');
  }
  return found;
}

function importFailure(specifier: string, url: string | undefined, cwd: string, error: unknown): Error {
  const code = (error as { code?: unknown } | null)?.code;
  const notFound = code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (package|module)/.test(messageOf(error));
  if (url === undefined && notFound && messageOf(error).includes(splitPackageSpecifier(specifier).name)) {
    return usageError(`Cannot find pipeline package '${specifier}' (looked in node_modules from ${cwd} up)`, error);
  }
  if (code === 'ERR_UNKNOWN_FILE_EXTENSION') {
    return usageError(
      `Cannot load '${specifier}': ${messageOf(error)}. TypeScript pipeline modules need the CLI to run under tsx ` +
        `(node --import tsx …), or compile the pipeline to JavaScript first`,
      error,
    );
  }
  return usageError(`Failed to load pipeline module '${specifier}': ${messageOf(error)}`, error);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

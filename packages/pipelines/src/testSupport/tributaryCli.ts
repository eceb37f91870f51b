/**
 * Test support: runs the bundled `tributary` CLI as a user does from a
 * checkout (node + tsx, sources through the `@tributary/source` condition),
 * from packages/examples — a package that depends on @tributary/pipelines,
 * as a user's project would — so `@tributary/pipelines/<name>` resolves.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const cwd = fileURLToPath(new URL('../../../examples/', import.meta.url));
const cli = fileURLToPath(new URL('../../../core/src/runner/cli.ts', import.meta.url));

/** A running CLI: its process, what it printed so far, and how it ended. */
export interface TributaryProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  stdout(): string;
  stderr(): string;
  readonly exited: Promise<number | null>;
}

/** Starts `tributary <args…>` with `config` written to a temporary file passed as `--config`. */
export async function startTributary(args: readonly string[], config?: unknown): Promise<TributaryProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-cli-'));
  const configArgs: string[] = [];
  if (config !== undefined) {
    const path = join(dir, 'config.json');
    await writeFile(path, JSON.stringify(config));
    configArgs.push('--config', path);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tributary/source', cli, ...args, ...configArgs], {
    cwd,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  }).finally(() => rm(dir, { recursive: true, force: true }));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Runs `tributary <args…>` to the end. */
export async function runTributary(args: readonly string[], config?: unknown): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = await startTributary(args, config);
  const code = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

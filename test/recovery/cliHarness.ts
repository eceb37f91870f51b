// Runs the `tributary` CLI as a real child process on the crash-recovery
// fixture (the way a user runs it from a source checkout: node + tsx with
// the @tributary/source condition), kills it with SIGKILL, and reads what
// the file sink committed. Also the oracle of the fixture's output and a
// multiset diff that names what is missing or duplicated and where.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SPLITS, TIMESTAMP_STEP_MS, WINDOW_MS, reading, type OutputLine } from './fixtures/crashPipeline.js';

/** The workspace root: the CLI runs there, as `pnpm` scripts do. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = 'packages/core/src/runner/cli.ts';
export const PIPELINE = 'test/recovery/fixtures/crashPipeline.ts';

/** The fixture's config as the tests pass it (`--set`). */
export interface CrashConfig {
  readonly records: number;
  readonly keys: number;
  readonly perPoll: number;
  readonly pauseMs: number;
}

/** The fixture's defaults: ~2.5 s of work. */
export const DEFAULT_CONFIG: CrashConfig = { records: 20_000, keys: 50, perPoll: 100, pauseMs: 25 };

/** The job's duration at `config`'s pace, roughly: polls per split × pause. */
export function expectedRunMs(config: CrashConfig): number {
  return Math.ceil(config.records / SPLITS / config.perPoll) * config.pauseMs;
}

/** The arguments of `tributary run` on the fixture. */
export function runArgs(outputDir: string, config: CrashConfig, extra: readonly string[] = []): string[] {
  const sets = Object.entries({ outputDir, ...config }).flatMap(([k, v]) => ['--set', `${k}=${typeof v === 'string' ? JSON.stringify(v) : v}`]);
  return ['run', PIPELINE, ...sets, '--status-interval', '0s', '--no-progress', ...extra];
}

/** One child process of the CLI. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** stderr so far. */
  stderr(): string;
  /** Resolves once the runner has logged that the job starts (or the process has exited). */
  readonly started: Promise<void>;
  readonly exited: Promise<CliExit>;
}

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Spawns `tributary <args>` at the workspace root. */
export function spawnCli(args: readonly string[]): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tributary/source', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let onStart: () => void = () => {};
  const started = new Promise<void>((resolve) => (onStart = resolve));
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes("starting pipeline '")) onStart();
  });
  const exited = new Promise<CliExit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      onStart();
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { child, stderr: () => stderr, started, exited };
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[]): Promise<CliExit> {
  return spawnCli(args).exited;
}

/** What one killed attempt did, for failure messages. */
export interface AttemptReport {
  readonly delayMs: number;
  /** The process ended on its own before the kill. */
  readonly exitedBeforeKill: boolean;
  readonly exitCode: number | null;
  readonly restoredFrom: number | undefined;
  readonly skipped: readonly string[];
  readonly completedCheckpoints: readonly number[];
}

/** Starts the CLI, waits `delayMs` after the job started, kills it with SIGKILL and waits for it to die. */
export async function runAndKill(args: readonly string[], delayMs: number): Promise<AttemptReport> {
  const proc = spawnCli(args);
  await proc.started;
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    proc.exited.then(() => 'exited' as const),
    new Promise<'due'>((resolve) => (timer = setTimeout(() => resolve('due'), delayMs))),
  ]);
  clearTimeout(timer);
  const exitedBeforeKill = first === 'exited';
  if (!exitedBeforeKill) proc.child.kill('SIGKILL');
  const exit = await proc.exited;
  if (exitedBeforeKill && exit.code !== 0) {
    throw new Error(`the run to be killed after ${delayMs} ms failed on its own with exit code ${exit.code}:\n${exit.stderr}`);
  }
  return { delayMs, exitedBeforeKill, exitCode: exit.code, ...summarizeLog(exit.stderr) };
}

/** What the runner's JSON log lines say about checkpoints and restores. */
export function summarizeLog(stderr: string): Pick<AttemptReport, 'restoredFrom' | 'skipped' | 'completedCheckpoints'> {
  let restoredFrom: number | undefined;
  const skipped: string[] = [];
  const completedCheckpoints: number[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; checkpointId?: number };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue; // half a line at the moment of the kill
    }
    const msg = entry.msg ?? '';
    if (msg === 'checkpoint complete' && entry.checkpointId !== undefined) completedCheckpoints.push(entry.checkpointId);
    else if (msg.startsWith('restored from ')) restoredFrom = entry.checkpointId;
    else if (msg.startsWith('skipping checkpoint ')) skipped.push(msg);
  }
  return { restoredFrom, skipped, completedCheckpoints };
}

/** Committed output: every line of every visible `*.jsonl` file, with the file it is in. */
export interface CommittedOutput {
  /** Names of the files a `*.jsonl` listing shows. */
  readonly files: readonly string[];
  /** Names of the hidden (dot) files: staged or in-progress part files. */
  readonly hidden: readonly string[];
  /** All lines, sorted. */
  readonly lines: readonly string[];
  /** Line → the files holding it (several when duplicated). */
  readonly whereIs: ReadonlyMap<string, readonly string[]>;
}

/** Reads what a reader listing `*.jsonl` in `directory` sees. */
export async function readCommitted(directory: string): Promise<CommittedOutput> {
  const names = (await readdir(directory)).sort();
  const files = names.filter((name) => !name.startsWith('.') && name.endsWith('.jsonl'));
  const hidden = names.filter((name) => name.startsWith('.'));
  const lines: string[] = [];
  const whereIs = new Map<string, string[]>();
  for (const file of files) {
    const content = await readFile(join(directory, file), 'utf8');
    for (const line of content.split('\n')) {
      if (line === '') continue;
      lines.push(line);
      const at = whereIs.get(line);
      if (at === undefined) whereIs.set(line, [file]);
      else at.push(file);
    }
  }
  lines.sort();
  return { files, hidden, lines, whereIs };
}

/** The fixture's exact output at `config`, sorted: computed, not run. */
export function oracleLines(config: CrashConfig): string[] {
  const lines: string[] = [];
  const totals = new Map<number, number>();
  const windows = new Map<string, { key: number; start: number; count: number; sum: number }>();
  for (let idx = 0; idx < config.records; idx++) {
    const r = reading(idx, config.keys);
    const total = (totals.get(r.key) ?? 0) + r.value;
    totals.set(r.key, total);
    const line: OutputLine = { kind: 'total', key: r.key, idx, value: r.value, total };
    lines.push(JSON.stringify(line));
    const start = Math.floor((idx * TIMESTAMP_STEP_MS) / WINDOW_MS) * WINDOW_MS;
    const id = `${r.key}@${start}`;
    const w = windows.get(id) ?? { key: r.key, start, count: 0, sum: 0 };
    w.count++;
    w.sum += r.value;
    windows.set(id, w);
  }
  for (const w of windows.values()) {
    const line: OutputLine = { kind: 'window', key: w.key, start: w.start, end: w.start + WINDOW_MS, count: w.count, sum: w.sum };
    lines.push(JSON.stringify(line));
  }
  return lines.sort();
}

/** Lines of `expected` that `actual` lacks, and lines `actual` has more often than `expected` (with counts). */
export interface LineDiff {
  readonly missing: readonly string[];
  readonly extra: readonly { readonly line: string; readonly times: number }[];
}

export function diffLines(expected: readonly string[], actual: readonly string[]): LineDiff {
  const counts = new Map<string, number>();
  for (const line of expected) counts.set(line, (counts.get(line) ?? 0) + 1);
  for (const line of actual) counts.set(line, (counts.get(line) ?? 0) - 1);
  const missing: string[] = [];
  const extra: { line: string; times: number }[] = [];
  for (const [line, n] of counts) {
    if (n > 0) for (let i = 0; i < n; i++) missing.push(line);
    else if (n < 0) extra.push({ line, times: -n });
  }
  return { missing: missing.sort(), extra: extra.sort((a, b) => (a.line < b.line ? -1 : 1)) };
}

/** A readable account of a diff: counts, the first few lines of each kind and the files holding the extra ones. */
export function describeDiff(diff: LineDiff, output: CommittedOutput, limit = 10): string {
  const parts = [`${diff.missing.length} line(s) missing, ${diff.extra.reduce((n, e) => n + e.times, 0)} extra (duplicated or unexpected)`];
  if (diff.missing.length > 0) parts.push('missing:', ...diff.missing.slice(0, limit).map((l) => `  ${l}`));
  if (diff.extra.length > 0) {
    parts.push('extra:', ...diff.extra.slice(0, limit).map((e) => `  ${e.line} ×${e.times} in ${(output.whereIs.get(e.line) ?? []).join(', ')}`));
    const files = new Map<string, number>();
    for (const e of diff.extra) for (const f of output.whereIs.get(e.line) ?? []) files.set(f, (files.get(f) ?? 0) + 1);
    parts.push(`files holding extra lines: ${[...files].map(([f, n]) => `${f} (${n})`).join(', ')}`);
  }
  return parts.join('\n');
}

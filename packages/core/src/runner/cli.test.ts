/**
 * The `tributary` bin as a user runs it: a child process under tsx, on the
 * fixture pipelines.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../testing/waitUntil.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const cli = 'packages/core/src/runner/cli.ts';
const wordCount = 'packages/core/src/runner/fixtures/wordCount.pipeline.ts';
const ticker = 'packages/core/src/runner/fixtures/ticker.pipeline.ts';
const TIMEOUT = 60_000;

interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the CLI; `during` gets the child (to signal it) once it has written to stderr. */
function tributary(args: readonly string[], during?: (pid: number, stderr: () => string) => Promise<void>): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tributary/source', cli, ...args], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (during !== undefined && child.pid !== undefined) during(child.pid, () => stderr).catch(reject);
  });
}

function configFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tributary-cli-')), 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe.concurrent('tributary CLI', () => {
  it('answers --help for the program and every command', { timeout: TIMEOUT }, async () => {
    const [top, run, desc, savepoint, stop] = await Promise.all([
      tributary(['--help']),
      tributary(['run', '--help']),
      tributary(['describe', '--help']),
      tributary(['savepoint', '--help']),
      tributary(['stop', '--help']),
    ]);
    for (const r of [top, run, desc, savepoint, stop]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Example');
    }
    expect(top.stdout).toMatch(/Usage: tributary \[options\] \[command\]/);
    for (const command of ['run', 'describe', 'savepoint', 'stop']) expect(top.stdout).toMatch(new RegExp(`^ {2}${command} `, 'm'));
    expect(top.stdout).toContain('Exit codes:');
    for (const option of [
      '--config <file>',
      '--set <key=value>',
      '--parallelism <n>',
      '--checkpoint-dir <dir>',
      '--checkpoint-interval <duration>',
      '--checkpoint-retain <n>',
      '--from-checkpoint <latest|path>',
      '--allow-non-restored-state',
      '--restart-strategy <spec>',
      '--metrics-port <port>',
      '--metrics-host <host>',
      '--log-level <level>',
      '--status-interval <duration>',
      '--no-progress',
      '--every <schedule>',
    ]) {
      expect(run.stdout, option).toContain(option);
    }
    expect(run.stdout).toMatch(/^ {2}0 {4}the job finished/m);
    expect(run.stdout).toMatch(/^ {2}2 {4}invalid usage or config/m);
    expect(run.stdout).toMatch(/^ {2}3 {4}the checkpoint to restore from is unreadable or incompatible/m);
    expect(desc.stdout).toContain('--format <format>');
    expect(savepoint.stdout).toContain('SIGUSR2');
    expect(stop.stdout).toContain('--wait');
  });

  it('describes the job graph as text and Mermaid', { timeout: TIMEOUT }, async () => {
    const r = await tributary(['describe', wordCount, '--set', 'words=["a"]']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Pipeline word-count: Counts words given in the config');
    expect(r.stdout).toContain('7 operators in 4 tasks, max parallelism 128');
    expect(r.stdout).toContain('Task 2 · parallelism 2');
    expect(r.stdout).toContain('  Task 2 → Task 3: #4 Pair → #5 Count [hash]');
    expect(r.stdout).toContain("[rebalance · side output 'short-words']");
    expect(r.stdout).toContain('```mermaid\n---\ntitle: "word-count"\n---\nflowchart LR\n');
    const mermaid = await tributary(['describe', wordCount, '-s', 'words=["a"]', '-p', '3', '--format', 'mermaid']);
    expect(mermaid.code).toBe(0);
    expect(mermaid.stdout).toMatch(/^---\ntitle: "word-count"\n---\nflowchart LR\n/);
    expect(mermaid.stdout).toContain('subgraph task2["Task 2 · parallelism 3"]');
  });

  it('runs a bounded pipeline: its output on stdout, logs and summary on stderr, exit 0', { timeout: TIMEOUT }, async () => {
    const r = await tributary(['run', wordCount, '--config', configFile({ words: ['Fox', 'fox', 'dog', 'quick'], password: 'hunter2' }), '--set', 'minLength=3']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { word: string; count: number });
    expect(lines).toEqual(expect.arrayContaining([{ word: 'fox', count: 2 }, { word: 'dog', count: 1 }, { word: 'quick', count: 1 }]));
    expect(r.stderr).toMatch(/^finished in \S+: 4 records in, 4 out/m);
    expect(r.stderr).toContain('"msg":"starting pipeline \'word-count\'');
    expect(r.stderr).toContain('"password":"[redacted]"');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('rejects a bad config with exit 2, listing every problem with its path', { timeout: TIMEOUT }, async () => {
    const config = configFile({ words: 'fox', minLength: 0, sink: { print: 'yes' } });
    const r = await tributary(['run', wordCount, '--config', config, '--set', 'sink.prefix=7']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`Invalid config for pipeline 'word-count' (${config} with --set overrides): 4 problems`);
    for (const path of ['config.words', 'config.minLength', 'config.sink.print', 'config.sink.prefix']) {
      expect(r.stderr).toMatch(new RegExp(`^ {2}${path.replaceAll('.', '\\.')}: .+$`, 'm'));
    }
  });

  it('exits 2 on usage errors', { timeout: TIMEOUT }, async () => {
    const [unknown, duration, notPipeline, noCommand, every] = await Promise.all([
      tributary(['run', wordCount, '--no-such-option']),
      tributary(['run', wordCount, '--checkpoint-dir', '/tmp/x', '--checkpoint-interval', '10 seconds']),
      tributary(['run', 'packages/core/src/runner/fixtures/notAPipeline.ts']),
      tributary([]),
      tributary(['run', wordCount, '--every', 'sometimes']),
    ]);
    expect(every.code).toBe(2);
    expect(every.stderr).toContain("option '--every <schedule>' argument 'sometimes' is invalid");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("error: unknown option '--no-such-option'");
    expect(duration.code).toBe(2);
    expect(duration.stderr).toContain("invalid duration '10 seconds'");
    expect(notPipeline.code).toBe(2);
    expect(notPipeline.stderr).toContain('does not export a pipeline definition (definePipeline)');
    expect(noCommand.code).toBe(2);
    expect(noCommand.stderr).toContain('Usage: tributary');
  });

  it('stops with a savepoint on SIGTERM and exits 0; `tributary savepoint` triggers one', { timeout: TIMEOUT }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-cli-chk-'));
    const r = await tributary(['run', ticker, '--checkpoint-dir', dir, '--status-interval', '200ms'], async (pid, stderr) => {
      await waitUntil(() => stderr().includes('[status] '), 20_000);
      const sent = await tributary(['savepoint', String(pid)]);
      expect(sent).toMatchObject({ code: 0, stdout: `sent SIGUSR2 to ${pid}: the runner takes a savepoint and logs its location\n` });
      await waitUntil(() => stderr().includes('savepoint written to'), 20_000);
      process.kill(pid, 'SIGTERM');
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('SIGTERM: stopping with a savepoint');
    expect(r.stderr).toMatch(/stopped with savepoint \S+savepoints\/sp-\d+-\d+ in /);
    expect(readdirSync(join(dir, 'savepoints'))).toHaveLength(2);
    const missing = await tributary(['stop', '999999999']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no process with pid 999999999');
  });
});

import { EventEmitter } from 'node:events';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';
import type { MetricsServer } from './metricsServer.js';
import { restoreFailureOf, runPipeline, storageDirOf, type RunOptions } from './run.js';
import { parseSchedule } from './schedule.js';
import { waitUntil } from '../testing/waitUntil.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const wordCount = join(fixtures, 'wordCount.pipeline.ts');
const ticker = join(fixtures, 'ticker.pipeline.ts');

/** Runs runPipeline with captured output, JSON logs and fake signals. */
function harness() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const logLines: string[] = [];
  const signals = new EventEmitter();
  let server: MetricsServer | undefined;
  const destination = new Writable({
    write(chunk: Buffer, _e, cb) {
      logLines.push(chunk.toString());
      cb();
    },
  });
  const io = {
    stdout: { write: (t: string) => stdout.push(t) },
    stderr: { isTTY: false, write: (t: string) => stderr.push(t) },
    signals: signals as unknown as NonNullable<Parameters<typeof runPipeline>[1]['signals']>,
    logger: createLogger({ level: 'info', destination }),
    onMetricsServer: (s: MetricsServer) => {
      server = s;
    },
  };
  return {
    io,
    stdout,
    stderr: () => stderr.join(''),
    logs: () => logLines.map((l) => JSON.parse(l) as { msg: string; location?: string; level: string }),
    signal: (s: NodeJS.Signals) => signals.emit(s, s),
    server: () => server,
    run: (options: RunOptions) => runPipeline(options, io),
  };
}

function configFile(content: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tributary-run-')), 'config.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

describe('runPipeline', () => {
  it('runs a bounded pipeline to the end: exit 0, a summary line', async () => {
    const h = harness();
    const code = await h.run({ module: wordCount, config: configFile({ words: ['a', 'bbbb', 'bbbb'] }), set: ['sink.print=false'], statusInterval: 0 });
    expect(code).toBe(0);
    expect(h.stderr()).toMatch(/^finished in \S+: 3 records in, 3 out \(.+ rec\/s\)\n$/);
    expect(h.logs().map((l) => l.msg)).toEqual([expect.stringContaining("starting pipeline 'word-count'"), "pipeline 'word-count' finished"]);
  });

  it('lists every config problem and returns 2 before anything starts', async () => {
    const h = harness();
    const code = await h.run({ module: wordCount, config: configFile({ words: [] }), set: ['minLength=0', 'sink.print="yes"'] });
    expect(code).toBe(2);
    expect(h.stderr()).toContain("Invalid config for pipeline 'word-count'");
    expect(h.stderr()).toMatch(/ {2}config\.words: /);
    expect(h.stderr()).toMatch(/ {2}config\.minLength: /);
    expect(h.stderr()).toMatch(/ {2}config\.sink\.print: /);
    expect(h.logs()).toEqual([]);
  });

  it('returns 1 when the job fails', async () => {
    const h = harness();
    const code = await h.run({ module: wordCount, config: configFile({ words: ['ok', 'bad'], failOn: 'bad', sink: { print: false } }) });
    expect(code).toBe(1);
    expect(h.stderr()).toContain("cannot count 'bad'");
    expect(h.logs().at(-1)).toMatchObject({ level: 'error', msg: "pipeline 'word-count' failed" });
  });

  it('--every runs a bounded pipeline again on its schedule, goes on after a failed run, and stops on SIGTERM', async () => {
    const h = harness();
    const every = parseSchedule('1s');
    const running = h.run({ module: wordCount, config: configFile({ words: ['spring', 'spring'], sink: { print: false } }), statusInterval: 0, every });
    await waitUntil(() => h.logs().filter((l) => l.msg === "pipeline 'word-count' finished").length >= 2, 10_000);
    h.signal('SIGTERM');
    expect(await running).toBe(0);
    const runs = h.logs().filter((l) => l.msg.startsWith('scheduled run ') && l.msg.includes('starting'));
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(h.logs().some((l) => /scheduled run 1 ended with exit code 0; next run at \d{4}-/.test(l.msg))).toBe(true);
    expect(h.logs().some((l) => l.msg === 'SIGTERM: stopping the schedule')).toBe(true);

    const failing = harness();
    const stopped = failing.run({ module: wordCount, config: configFile({ words: ['bad'], failOn: 'bad', sink: { print: false } }), statusInterval: 0, every });
    await waitUntil(() => failing.logs().filter((l) => l.msg === "pipeline 'word-count' failed").length >= 2, 10_000);
    failing.signal('SIGINT');
    expect(await stopped).toBe(1);
  }, 30_000);

  it('--every ends the schedule on a config error', async () => {
    const h = harness();
    expect(await h.run({ module: wordCount, config: configFile({ words: [] }), every: parseSchedule('1s') })).toBe(2);
    expect(h.logs().filter((l) => l.msg.startsWith('scheduled run ') && l.msg.includes('starting'))).toHaveLength(1);
  });

  it('returns 2 for inconsistent options', async () => {
    const h = harness();
    expect(await h.run({ module: ticker, checkpointInterval: 1000 })).toBe(2);
    expect(await h.run({ module: ticker, fromCheckpoint: 'latest' })).toBe(2);
    expect(h.stderr()).toContain('error: --checkpoint-interval needs --checkpoint-dir');
    expect(h.stderr()).toContain('error: --from-checkpoint latest needs --checkpoint-dir');
  });

  it('returns 3 when the checkpoint to restore from is unreadable', async () => {
    const h = harness();
    const dir = mkdtempSync(join(tmpdir(), 'tributary-chk-'));
    const code = await h.run({ module: ticker, fromCheckpoint: join(dir, 'chk-0000000007') });
    expect(code).toBe(3);
    expect(h.stderr()).toContain(`error: cannot restore pipeline 'ticker' from ${join(dir, 'chk-0000000007')}: `);
  });

  it('serves metrics, takes a savepoint on SIGUSR2, stops with a savepoint on SIGTERM (exit 0), and restores from it', async () => {
    const h = harness();
    const dir = mkdtempSync(join(tmpdir(), 'tributary-chk-'));
    const running = h.run({ module: ticker, checkpointDir: dir, checkpointInterval: 100, metricsPort: 0, statusInterval: 100 });
    await waitUntil(() => h.server() !== undefined && h.stderr().includes('[status] '));
    const scrape = await (await fetch(`${h.server()?.url}/metrics`)).text();
    expect(scrape).toMatch(/^tributary_records_in_total\{job="ticker",operator="Sum",subtask="0",uid="sum"\} \d+$/m);
    expect(scrape).toContain('# TYPE tributary_checkpoints_completed_total counter');

    h.signal('SIGUSR2');
    await waitUntil(() => h.logs().some((l) => l.msg.startsWith('savepoint written to')));
    h.signal('SIGTERM');
    expect(await running).toBe(0);
    const written = h.logs().filter((l) => l.msg.startsWith('savepoint written to'));
    expect(written).toHaveLength(2);
    const last = written[1]?.location ?? '';
    expect(h.stderr()).toContain(`stopped with savepoint ${last} in `);
    expect(readdirSync(join(dir, 'savepoints'))).toHaveLength(2);
    await expect(fetch(`${h.server()?.url}/metrics`)).rejects.toThrow();

    // Restore from the savepoint (its storage directory is derived from the path).
    const again = harness();
    const resumed = again.run({ module: ticker, fromCheckpoint: last, statusInterval: 0 });
    await waitUntil(() => again.logs().some((l) => l.msg.includes('restored from savepoint')));
    again.signal('SIGINT');
    expect(await resumed).toBe(0);
  });

  it('exits at once with 130 on a second stop signal', async () => {
    const h = harness();
    const dir = mkdtempSync(join(tmpdir(), 'tributary-chk-'));
    const running = h.run({ module: ticker, checkpointDir: dir, statusInterval: 0 });
    await waitUntil(() => h.logs().length > 0);
    h.signal('SIGTERM');
    h.signal('SIGTERM');
    expect(await running).toBe(130);
  });

  it('stops without a savepoint when there is no checkpoint dir', async () => {
    const h = harness();
    const running = h.run({ module: ticker, statusInterval: 0 });
    await waitUntil(() => h.logs().length > 0);
    h.signal('SIGUSR2');
    h.signal('SIGINT');
    expect(await running).toBe(0);
    expect(h.logs().map((l) => l.msg)).toEqual(
      expect.arrayContaining(['SIGUSR2: cannot take a savepoint without --checkpoint-dir', 'SIGINT: stopping without a savepoint (no --checkpoint-dir)']),
    );
    expect(h.stderr()).toContain('stopped in ');
  });
});

describe('run helpers', () => {
  it('finds restore failures in the cause chain', () => {
    const inner = Object.assign(new Error('bad'), { code: 'CHECKPOINT_INCOMPATIBLE' });
    expect(restoreFailureOf(new Error('job failed', { cause: inner }))).toBe(inner);
    expect(restoreFailureOf(Object.assign(new Error('x'), { code: 'USER_FUNCTION_FAILED' }))).toBeUndefined();
  });

  it('derives the storage directory of a checkpoint location', () => {
    expect(storageDirOf('/data/chk/chk-0000000042')).toBe('/data/chk');
    expect(storageDirOf('/data/chk/chk-0000000042/_metadata')).toBe('/data/chk');
    expect(storageDirOf('/data/chk/savepoints/sp-0000000043-1718000000000/')).toBe('/data/chk');
    expect(storageDirOf('latest')).toBeUndefined();
  });
});

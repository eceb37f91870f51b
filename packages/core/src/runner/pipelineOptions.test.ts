import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePipeline } from './definePipeline.js';
import type { MetricsServer } from './metricsServer.js';
import { checkPipelineOptions, formatPipelineOptions, moduleOperand, parseOptionValue } from './pipelineOptions.js';
import { checkPipelineServices } from './pipelineServices.js';
import { runCli } from './program.js';
import { renderPrometheus } from './prometheus.js';
import { silentLogger } from '../runtime/Logger.js';

const fixture = fileURLToPath(new URL('./fixtures/options.pipeline.ts', import.meta.url));

function io() {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const signals = new EventEmitter();
  let server: MetricsServer | undefined;
  return {
    stdout,
    stderr,
    signal: (s: NodeJS.Signals) => signals.emit(s, s),
    server: () => server,
    io: {
      stdout: { write: (t: string) => stdout.push(t) },
      stderr: { isTTY: false, write: (t: string) => stderr.push(t) },
      signals: signals as unknown as NodeJS.EventEmitter & { on: never; off: never },
      logger: silentLogger,
      onMetricsServer: (s: MetricsServer) => {
        server = s;
      },
    },
  };
}

function outFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'tributary-options-')), 'out.txt');
}

describe('pipeline options', () => {
  it('checks declarations and names the broken constraint', () => {
    expect(checkPipelineOptions('p', [{ flag: '--dashboard-port <port>', config: 'dashboard.port', description: 'port' }])).toEqual([
      { flag: '--dashboard-port <port>', config: 'dashboard.port', description: 'port', long: '--dashboard-port', path: ['dashboard', 'port'] },
    ]);
    expect(() => checkPipelineOptions('p', [{ flag: '-d <port>', config: 'x', description: 'd' }])).toThrow(
      "definePipeline('p'): options[0].flag must look like '--name <value>', '--name [value]' or '--name' (lowercase, dashes), got \"-d <port>\"",
    );
    expect(() => checkPipelineOptions('p', [{ flag: '--x', config: 'a..b', description: 'd' }])).toThrow("options[0].config must be a dot-separated config path");
    expect(() => checkPipelineOptions('p', [{ flag: '--x', config: '__proto__.y', description: 'd' }])).toThrow('options[0].config');
    expect(() =>
      checkPipelineOptions('p', [
        { flag: '--x', config: 'a', description: 'd' },
        { flag: '--x <v>', config: 'b', description: 'd' },
      ]),
    ).toThrow("options[1]: flag --x is declared twice");
    expect(() =>
      checkPipelineOptions('p', [
        { flag: '--x', config: 'a', description: 'd' },
        { flag: '--y', config: 'a', description: 'd' },
      ]),
    ).toThrow("options[1]: config path 'a' is set by two flags");
    expect(() => definePipeline({ name: 'p', description: '', config: z.object({}), build() {}, options: [{ flag: '--ok', config: 'ok', description: ' ' }] })).toThrow(
      'options[0].description must be a non-empty string',
    );
  });

  it('parses values as --set does and lists options for help and describe', () => {
    expect(parseOptionValue('8080')).toBe(8080);
    expect(parseOptionValue('["a"]')).toEqual(['a']);
    expect(parseOptionValue('hello')).toBe('hello');
    expect(formatPipelineOptions([{ flag: '--a <v>', config: 'x.a', description: 'A' }, { flag: '--long-one', config: 'y', description: 'B' }])).toBe(
      '  --a <v>     → config.x.a: A\n  --long-one  → config.y: B',
    );
  });

  it('finds the module operand past the runner options and their values', () => {
    const command = new Command('run').option('-c, --config <file>').option('--allow-non-restored-state').option('-p, --parallelism <n>');
    expect(moduleOperand(['mod.ts', '--x', '1'], command)).toBe('mod.ts');
    expect(moduleOperand(['-c', 'cfg.json', '--allow-non-restored-state', '-p', '2', 'mod.ts'], command)).toBe('mod.ts');
    expect(moduleOperand(['--config=cfg.json', 'mod.ts'], command)).toBe('mod.ts');
    expect(moduleOperand(['--', '-odd.ts'], command)).toBe('-odd.ts');
    expect(moduleOperand(['-c', 'cfg.json'], command)).toBeUndefined();
  });

  it('maps pipeline flags onto the config for run, after --set, and starts and closes the services around the job', async () => {
    const file = outFile();
    const h = io();
    const code = await runCli(['run', fixture, '--set', 'label=from-set', '--label', 'from-flag', '--out-file', file, '--status-interval', '0s'], h.io);
    expect(h.stderr.join('')).not.toContain('error');
    expect(code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe('started\nfrom-flag a\nfrom-flag b\nclosed\n');
  });

  it('validates flag values with the schema (exit 2) and refuses flags the pipeline does not declare', async () => {
    const bad = io();
    expect(await runCli(['run', fixture, '--label', '42', '--out-file', outFile()], bad.io)).toBe(2);
    expect(bad.stderr.join('')).toContain('config.label');
    const unknown = io();
    expect(await runCli(['run', fixture, '--out-file', outFile(), '--no-such-flag'], unknown.io)).toBe(2);
    expect(unknown.stderr.join('')).toContain("unknown option '--no-such-flag'");
  });

  it('shows the pipeline flags in run --help and in describe', async () => {
    const help = io();
    expect(await runCli(['run', fixture, '--help'], help.io)).toBe(0);
    const text = help.stdout.join('');
    expect(text).toContain('--out-file <path>');
    expect(text).toMatch(/--out-file <path> +the file the words go to \(config:\s+output\.file\)/);
    expect(text).toContain("Options of pipeline 'options-fixture' (applied after --config and --set):\n  --label <text>     → config.label: the label written before each word\n");
    const described = io();
    expect(await runCli(['describe', fixture, '--out-file', outFile(), '--format', 'text'], described.io)).toBe(0);
    expect(described.stdout.join('')).toContain('Pipeline options:\n  --label <text>     → config.label: the label written before each word');
  });

  it('exports the gauges a pipeline returns through the metrics server', async () => {
    const file = outFile();
    const h = io();
    const running = runCli(['run', fixture, '--forever', '--out-file', file, '--label', 'g', '--metrics-port', '0', '--status-interval', '0s'], h.io);
    const deadline = Date.now() + 10_000;
    while (h.server() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const scrape = await (await fetch(`${h.server()?.url}/metrics`)).text();
    h.signal('SIGTERM');
    expect(await running).toBe(0);
    expect(scrape).toContain('# HELP fixture_words Words configured.\n# TYPE fixture_words gauge\nfixture_words{job="options-fixture",label="g"} 2');
    expect(readFileSync(file, 'utf8')).toBe('started\nclosed\n');
  });

  it('renders gauges by family, leaving out undefined or failing values', () => {
    const text = renderPrometheus({
      job: 'j',
      operators: [],
      checkpoints: { completed: 0, failed: 0 },
      restarts: 0,
      gauges: [
        { name: 'age_seconds', help: 'Age.', labels: { view: 'a' }, value: () => 1.5 },
        { name: 'age_seconds', help: 'ignored', labels: { view: 'b' }, value: () => undefined },
        { name: 'age_seconds', help: 'ignored', labels: { view: 'c' }, value: () => { throw new Error('x'); } },
        { name: 'other', help: 'O.', value: () => 3 },
      ],
    });
    expect(text).toContain('# HELP age_seconds Age.\n# TYPE age_seconds gauge\nage_seconds{job="j",view="a"} 1.5\n# HELP other O.\n# TYPE other gauge\nother{job="j"} 3\n');
  });

  it('checks what build returns', () => {
    expect(checkPipelineServices('p', undefined)).toEqual({});
    expect(() => checkPipelineServices('p', 3)).toThrow("pipeline 'p': build must return nothing or { gauges?, start? }, got number");
    expect(() => checkPipelineServices('p', { gauges: [{ name: 'bad name', help: '', value: () => 1 }] })).toThrow('gauges[0].name must match');
    expect(() => checkPipelineServices('p', { gauges: [{ name: 'g', help: '', labels: { job: 'x' }, value: () => 1 }] })).toThrow("'job' is not a usable label name");
    expect(() =>
      checkPipelineServices('p', {
        gauges: [
          { name: 'g', help: '', value: () => 1 },
          { name: 'g', help: '', value: () => 2 },
        ],
      }),
    ).toThrow('the gauge g with these labels is declared twice');
    expect(() => checkPipelineServices('p', { start: 1 })).toThrow('start that is not a function');
  });
});

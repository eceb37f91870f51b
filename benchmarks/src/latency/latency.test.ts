// The latency benchmark end to end at smoke size (LATENCY_SMOKE=1: 200
// sessions, 1 s warm-up + 3 s measured, both paths): the local stack, the
// pipeline and the load generator as separate processes, the bare Kinesis
// probe, events KPL-aggregated into the local Kinesis and read back user
// record by user record, the drain and the gate — so the benchmark cannot
// rot between runs. Asserts what must hold at any speed: every event
// answered on both paths, nothing dropped, no dead letters, the gate's
// paths and an exit code that matches its verdict. No timing is asserted
// (a p99 over 1 s on a loaded machine fails the gate, not this test).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function runSmoke(resultsDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@tributary/source', 'benchmarks/src/latency/index.ts'], {
      cwd: ROOT,
      env: { ...process.env, LATENCY_SMOKE: '1', BENCH_RESULTS_DIR: resultsDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('the latency benchmark (smoke size)', () => {
  it('answers every event on the in-memory and the Kinesis path, drops nothing, and exits as its gate says', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-latency-smoke-'));
    try {
      const { code, output } = await runSmoke(dir);
      const result = JSON.parse(await readFile(join(dir, 'latency.json'), 'utf8'));
      expect(code, output).toBe(result.gate.passed ? 0 : 1);
      expect(result.parameters).toMatchObject({ smoke: true, kinesisAggregation: true });
      expect(result.kinesisProbe.read).toBe(result.kinesisProbe.created);
      const runs = result.runs as Array<Record<string, any>>;
      expect(runs.map((r) => r.path)).toEqual(['memory', 'kinesis']);
      for (const run of runs) {
        expect(run.sent, run.path).toBeGreaterThan(100);
        expect(run.answered, run.path).toBe(run.sent);
        expect(run.dropped, run.path).toBe(0);
        expect(run.errors, run.path).toMatchObject({ jobError: null, deadLetters: 0, putErrors: 0 });
        expect(run.emitted.count, run.path).toBeGreaterThan(0);
        expect(run.pipeline.cpuMicrosPerEvent, run.path).toBeGreaterThan(0);
      }
      expect(result.gate.paths).toEqual(['memory', 'kinesis']);
      // only a timing verdict may fail it here: nothing dropped, no failed job, no missing run
      expect((result.gate.failures as string[]).filter((f) => !/: p99 [\d.]+ ms ≥/.test(f))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

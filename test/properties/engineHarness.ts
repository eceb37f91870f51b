// Runs oracle scripts through the real engine: a TestSource following the
// script (records with their timestamps, explicit watermarks, end), a
// pipeline built by the caller, and collection of the main output and a
// late-data side output. Run configurations (parallelism, poll size, buffer
// size) vary so properties can check that results do not depend on them.
import fc from 'fast-check';
import { OutputTag, StreamEnvironment, WatermarkStrategy, type DataStream } from '@tributary/core';
import { TestSource, type TestStep } from '@tributary/core/testing';
import type { DataRecord, Script } from '../oracles/types.js';

/** Property runs per suite: at least 200 (override with FC_RUNS). */
export const RUNS = Number(process.env.FC_RUNS ?? 200);

/** A fixed seed unless FC_SEED says otherwise; fast-check prints it with any counterexample. */
export const SEED = Number(process.env.FC_SEED ?? 20261123);

fc.configureGlobal({ numRuns: RUNS, seed: SEED, endOnFailure: true });

export interface RunConfig {
  readonly parallelism: number;
  readonly pollSize: number;
  readonly bufferSize: number;
}

/** Parallelism 1, 2 or 4; poll and buffer sizes from 1 up. */
export const runConfigArb: fc.Arbitrary<RunConfig> = fc.record({
  parallelism: fc.constantFrom(1, 2, 4),
  pollSize: fc.constantFrom(1, 2, 5, 16),
  bufferSize: fc.constantFrom(1, 3, 64),
});

export const LATE = new OutputTag<DataRecord>('late');

/** Converts an oracle script to TestSource steps (records carry their ts as timestamp) ending the input. */
export function toSteps(script: Script): TestStep<DataRecord>[] {
  const steps: TestStep<DataRecord>[] = script.map((s) =>
    s.kind === 'record' ? TestSource.record({ key: s.key, value: s.value, ts: s.ts }, s.ts) : TestSource.watermark(s.wm),
  );
  steps.push(TestSource.end());
  return steps;
}

export interface ScriptRun<R> {
  readonly output: R[];
  readonly late: DataRecord[];
}

/** Runs `build` over the script's records; collects the main output and the LATE side output (if the pipeline emits one). */
export async function runScript<R>(
  script: Script,
  config: RunConfig,
  build: (input: DataStream<DataRecord>) => DataStream<R>,
  withLateOutput = false,
): Promise<ScriptRun<R>> {
  const env = StreamEnvironment.create({ parallelism: config.parallelism, bufferSize: config.bufferSize });
  const source = TestSource.from(toSteps(script), { pollSize: config.pollSize });
  const input = env.fromSource(source, WatermarkStrategy.noWatermarks<DataRecord>(), 'script').setParallelism(1);
  const result = build(input);
  const output: R[] = [];
  const late: DataRecord[] = [];
  result.sinkTo((v) => {
    output.push(v);
  });
  if (withLateOutput) {
    result.getSideOutput(LATE).sinkTo((v) => {
      late.push(v);
    });
  }
  await env.execute('property');
  return { output, late };
}

/** Sorts a copy by JSON text, for multiset comparison. */
export function canonical<T>(items: readonly T[]): string[] {
  return items.map((i) => JSON.stringify(i)).sort();
}

/** Sum and count of record values: the aggregate all window properties use. */
export const sumCount = {
  createAccumulator: () => ({ sum: 0, count: 0 }),
  add: (r: DataRecord, acc: { sum: number; count: number }) => ({ sum: acc.sum + r.value, count: acc.count + 1 }),
  getResult: (acc: { sum: number; count: number }) => acc,
  merge: (a: { sum: number; count: number }, b: { sum: number; count: number }) => ({ sum: a.sum + b.sum, count: a.count + b.count }),
};

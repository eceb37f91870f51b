// Shared benchmark helpers: machine facts, medians, result files, and a
// fast in-memory range source.
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Source, SourceSplit } from '@tributary/core';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

export function machine(): Record<string, unknown> {
  const cpu = cpus();
  return { node: process.version, cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), platform: process.platform };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** Writes `results/<name>.json` (into `$BENCH_RESULTS_DIR` instead when set: smoke runs in tests leave the committed results alone). */
export async function writeResult(name: string, result: Record<string, unknown>): Promise<string> {
  const dir = process.env['BENCH_RESULTS_DIR'] ?? RESULTS_DIR;
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  await writeFile(file, `${JSON.stringify({ name, date: new Date().toISOString(), machine: machine(), ...result }, null, 2)}\n`);
  return file;
}

/** A generator source's split: the index of the next record. */
export interface GeneratorSplit extends SourceSplit {
  readonly next: number;
}

/** Records emitted per poll by {@link generatorSource} unless told otherwise. */
export const GENERATOR_BATCH = 4096;

/**
 * A bounded source of `count` records computed from their index (never
 * materialised), `batch` per poll, each with its own timestamp, position
 * checkpointed — the cheapest honest way to feed the engine, as a Kinesis or
 * file reader would.
 */
export function generatorSource<T>(
  count: number,
  eventAt: (i: number) => T,
  timestampOf: (event: T) => number,
  { batch = GENERATOR_BATCH, splitId = 'generator' }: { readonly batch?: number; readonly splitId?: string } = {},
): Source<T, GeneratorSplit> {
  return {
    boundedness: 'bounded',
    sizeHint: count,
    maxParallelism: 1,
    discoverSplits: () => [{ id: splitId, next: 0 }],
    createReader: () => {
      let next = 0;
      let done = false;
      return {
        addSplits(splits) {
          for (const s of splits) next = s.next;
        },
        pollNext(output) {
          if (done) return 'end';
          const end = Math.min(count, next + batch);
          for (let i = next; i < end; i++) {
            const event = eventAt(i);
            output.collect(splitId, event, timestampOf(event));
          }
          next = end;
          if (next < count) return 'more';
          done = true;
          output.finishSplit(splitId);
          return 'end';
        },
        snapshotState: () => (done ? [] : [{ id: splitId, next }]),
      };
    },
  };
}

/** Emits 0..count-1 (bounded), `batch` per poll, position checkpointed; the value is its own timestamp. */
export function rangeSource(count: number, batch = GENERATOR_BATCH): Source<number, GeneratorSplit> {
  return generatorSource(count, (i) => i, (i) => i, { batch, splitId: 'range' });
}

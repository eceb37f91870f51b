/**
 * Drives a PlatformSimulator into its outputs: as fast as possible (the
 * virtual clock jumps from step to step) or in real time (each step waits
 * until its time has come on an injected clock). Either way the records are
 * the same; only when they are written differs.
 */
import type { SimulatorOutput } from './outputs.js';
import type { PlatformSimulator, SimulatorStats } from './simulator.js';

/** A clock the real-time driver reads and sleeps on (injected; tests pass a manual one). */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted === true) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Records handed to the outputs per write, as fast as possible (and at most per write in real time). */
export const DEFAULT_DRIVER_BATCH = 500;
/** The real-time driver sleeps at most this long at a time (so it notices aborts and reports progress). */
export const MAX_SLEEP_MS = 100;
/** Progress is reported at most this often (wall-clock ms). */
export const DEFAULT_PROGRESS_INTERVAL_MS = 1_000;

/** Options of {@link runSimulation}. */
export interface RunSimulationOptions {
  readonly outputs: readonly SimulatorOutput[];
  /** `fast` (default): as fast as the outputs take it; `real-time`: each step at its time on `clock`. */
  readonly pace?: 'fast' | 'real-time';
  /** Default {@link systemClock}. In real time, virtual startTime is mapped to the clock's now at the start. */
  readonly clock?: Clock;
  /** Stops the run early (the outputs are still flushed). */
  readonly signal?: AbortSignal;
  /** Default {@link DEFAULT_DRIVER_BATCH}. */
  readonly batchSize?: number;
  /** Called with the counters every `progressIntervalMs` and at the end. */
  readonly onProgress?: (stats: SimulatorStats) => void;
  readonly progressIntervalMs?: number;
}

/** What a run did. */
export interface SimulationReport extends SimulatorStats {
  /** Wall-clock duration of the run, ms. */
  readonly wallMs: number;
  /** True when the signal stopped it before the end. */
  readonly aborted: boolean;
}

/**
 * Runs the simulator to its end (or until aborted), writing every record
 * to every output, then flushes the outputs (it does not close them).
 *
 * ```ts
 * const sim = new PlatformSimulator({ dataset, sessions: 1000, eventsPerSecond: 500, durationMs: 30_000, startTime: Date.now() });
 * const report = await runSimulation(sim, { outputs: [kinesisOutput({ client, streamName: 'sessions' })], pace: 'real-time' });
 * ```
 * Gotchas: a slow output slows the run (each write is awaited) — in real
 * time the simulator then catches up in bursts; `durationMs: Infinity`
 * needs a signal.
 */
export async function runSimulation(simulator: PlatformSimulator, options: RunSimulationOptions): Promise<SimulationReport> {
  const clock = options.clock ?? systemClock;
  const batchSize = options.batchSize ?? DEFAULT_DRIVER_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be an integer >= 1, got ${batchSize}`);
  const interval = options.progressIntervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
  const realTime = (options.pace ?? 'fast') === 'real-time';
  if (!['fast', 'real-time'].includes(options.pace ?? 'fast')) throw new RangeError(`pace must be fast or real-time, got ${String(options.pace)}`);
  const signal = options.signal;
  const wallStart = clock.now();
  // Real time: virtual time v is due at wall time v + offset.
  const offset = wallStart - simulator.options.startTime;
  let lastProgress = wallStart;

  const write = async (records: ReturnType<PlatformSimulator['advanceTo']>): Promise<void> => {
    if (records.length === 0) return;
    for (const output of options.outputs) await output.write(records);
  };
  const progress = (): void => {
    if (options.onProgress === undefined) return;
    const now = clock.now();
    if (now - lastProgress < interval) return;
    lastProgress = now;
    options.onProgress(simulator.stats());
  };

  while (signal?.aborted !== true) {
    const next = simulator.nextTime();
    if (next === undefined) break;
    if (realTime) {
      const due = clock.now() - offset;
      if (next > due) {
        await clock.sleep(Math.min(next - due, MAX_SLEEP_MS), signal);
        progress();
        continue;
      }
      await write(simulator.advanceTo(due, batchSize));
    } else {
      await write(simulator.advanceTo(Number.POSITIVE_INFINITY, batchSize));
    }
    progress();
  }
  await Promise.all(options.outputs.map((o) => o.flush?.()));
  const stats = simulator.stats();
  options.onProgress?.(stats);
  return { ...stats, wallMs: clock.now() - wallStart, aborted: signal?.aborted === true && !simulator.done };
}

import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  StreamEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type OnTimerContext,
  type RuntimeContext,
  type Source,
  type SourceSplit,
  type ValueState,
  fileSink,
  jsonLines,
} from '../index.js';
import { RestartStrategies } from './restartStrategies.js';
import { silentLogger } from './Logger.js';
import type { TwoPhaseCommitSink } from '../sinks/TwoPhaseCommitSink.js';
import { ExactlyOnceTestSink } from '../testing/ExactlyOnceTestSink.js';
import { TestClock } from '../testing/TestClock.js';

/**
 * A replayable source of the numbers 0..count-1 in `splits` splits (split i
 * holds the numbers ≡ i mod splits), emitting `perPoll` a poll and pausing
 * `pauseMs` between polls so checkpoints interleave. Its position is
 * checkpointed. `failAt` throws once (per `failures` object) when a split
 * reaches that number.
 */
interface SeqSplit extends SourceSplit {
  readonly next: number;
}
function sequence(options: {
  count: number;
  splits?: number;
  perPoll?: number;
  pauseMs?: number;
  failAt?: number;
  failures?: { remaining: number };
}): Source<number, SeqSplit> {
  const splits = options.splits ?? 1;
  return {
    boundedness: 'bounded',
    discoverSplits: () => Array.from({ length: splits }, (_, i) => ({ id: `seq-${i}`, next: i })),
    createReader: () => {
      const owned = new Map<string, number>();
      let lastPoll = 0;
      return {
        addSplits(list) {
          for (const s of list) owned.set(s.id, s.next);
        },
        pollNext(output) {
          const now = Date.now();
          if (options.pauseMs !== undefined && now - lastPoll < options.pauseMs) return 'waiting';
          lastPoll = now;
          for (const [id, start] of owned) {
            let next = start;
            for (let i = 0; i < (options.perPoll ?? 10) && next < options.count; i++) {
              if (next === options.failAt && options.failures !== undefined && options.failures.remaining > 0) {
                options.failures.remaining--;
                owned.set(id, next);
                throw new Error(`injected failure at ${next}`);
              }
              output.collect(id, next, next);
              next += splits;
            }
            owned.set(id, next);
            if (next >= options.count) {
              output.finishSplit(id);
              owned.delete(id);
            }
          }
          return owned.size === 0 ? 'end' : 'more';
        },
        snapshotState: () => [...owned].map(([id, next]) => ({ id, next })),
      };
    },
  };
}

class RunningCount implements KeyedProcessFunction<number, number, string> {
  private count!: ValueState<number>;
  open(ctx: RuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count', 0));
  }
  processElement(value: number, ctx: KeyedProcessContext<number>, out: Collector<string>): void {
    const c = (this.count.value() ?? 0) + 1;
    this.count.update(c);
    out.collect(`${ctx.getCurrentKey()}:${c}:${value}`);
  }
}

/**
 * Exactly once: every input value appears once, and each key's running
 * counts are exactly 1..n (a replayed record would repeat a value or a
 * count; a lost one would leave a gap). The interleaving of splits may
 * differ between runs, so which value got which count may too.
 */
function expectExactlyOnce(lines: readonly string[], count: number, keys: number): void {
  const parsed = lines.map((l) => l.split(':').map(Number) as [number, number, number]);
  expect(parsed.map(([, , v]) => v).sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  for (let k = 0; k < keys; k++) {
    const counts = parsed.filter(([key]) => key === k).map(([, c]) => c).sort((a, b) => a - b);
    expect(counts).toEqual(Array.from({ length: counts.length }, (_, i) => i + 1));
    expect(counts.length).toBe(Array.from({ length: count }, (_, i) => i).filter((v) => v % keys === k).length);
  }
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tributary-ckpt-'));
}

describe('checkpoints and recovery', () => {
  it('restarts from the latest checkpoint after a failure: committed output is exactly the uninterrupted run', async () => {
    const run = async (failures: { remaining: number }, dir: string, commitDelayMs = 0): Promise<{ out: string[]; restarts: number; completed: number }> => {
      const env = StreamEnvironment.create({
        parallelism: 2,
        checkpointInterval: 5,
        checkpointDir: dir,
        restartStrategy: RestartStrategies.fixedDelay(3, 0),
        logger: silentLogger,
      });
      const out: string[] = [];
      env
        .fromSource(sequence({ count: 600, splits: 2, perPoll: 5, pauseMs: 1, failAt: 301, failures }), WatermarkStrategy.noWatermarks(), 'seq')
        .keyBy((n) => n % 7)
        .process(new RunningCount())
        .uid('running-count')
        .sinkTo(new ExactlyOnceTestSink(out, { commitDelayMs }));
      const job = env.execute('recovery');
      const result = await job;
      expect(result.status).toBe('finished');
      return { out, restarts: job.restarts(), completed: job.checkpointStats().completed };
    };
    const clean = await run({ remaining: 0 }, await tempDir());
    const failed = await run({ remaining: 1 }, await tempDir());
    expect(failed.restarts).toBe(1);
    expect(failed.completed).toBeGreaterThan(1);
    expectExactlyOnce(clean.out, 600, 7);
    expectExactlyOnce(failed.out, 600, 7);
    // Slow commits: later checkpoints complete while a commit is still in flight, and the failure may
    // strike then; the committables must stay in the state until committed, or they would be lost.
    const slow = await run({ remaining: 1 }, await tempDir(), 12);
    expectExactlyOnce(slow.out, 600, 7);
  });

  it('a savepoint taken at parallelism 2 restores at parallelism 1 and 4 with the same results', async () => {
    const dir = await tempDir();
    const build = (parallelism: number, restoreFrom?: string): { env: StreamEnvironment; out: string[] } => {
      const env = StreamEnvironment.create({ parallelism, checkpointDir: dir, logger: silentLogger, ...(restoreFrom === undefined ? {} : { restoreFrom }) });
      const out: string[] = [];
      env
        .fromSource(sequence({ count: 400, splits: 3, perPoll: 2, pauseMs: 1 }), WatermarkStrategy.noWatermarks(), 'seq')
        .uid('seq')
        .keyBy((n) => n % 11)
        .process(new RunningCount())
        .uid('running-count')
        .sinkTo(new ExactlyOnceTestSink(out))
        .uid('sink');
      return { env, out };
    };
    const first = build(2);
    const job = first.env.execute('first');
    await new Promise((r) => setTimeout(r, 30));
    const savepoint = await job.stopWithSavepoint();
    expect(savepoint.kind).toBe('savepoint');
    expect(first.out.length).toBeGreaterThan(0);
    expect(first.out.length).toBeLessThan(400);

    for (const parallelism of [1, 4]) {
      const resumed = build(parallelism, savepoint.location);
      await resumed.env.execute(`resumed-p${parallelism}`);
      expectExactlyOnce([...first.out, ...resumed.out], 400, 11);
    }
  });

  it('fails clearly when a checkpoint has state for an operator the job no longer has, unless allowed', async () => {
    const dir = await tempDir();
    const env = StreamEnvironment.create({ checkpointDir: dir, logger: silentLogger });
    env.fromSource(sequence({ count: 100, perPoll: 1, pauseMs: 1 }), WatermarkStrategy.noWatermarks(), 'seq').keyBy((n) => n % 3).process(new RunningCount()).uid('old-counter').sinkTo(() => {});
    const job = env.execute('with old operator');
    await new Promise((r) => setTimeout(r, 20));
    const savepoint = await job.stopWithSavepoint();

    const rebuilt = (allow: boolean): Promise<unknown> => {
      const e = StreamEnvironment.create({ checkpointDir: dir, restoreFrom: savepoint.location, allowNonRestoredState: allow, logger: silentLogger });
      e.fromSource(sequence({ count: 100, perPoll: 1 }), WatermarkStrategy.noWatermarks(), 'seq').keyBy((n) => n % 3).process(new RunningCount()).uid('new-counter').sinkTo(() => {});
      return e.execute('renamed').done;
    };
    await expect(rebuilt(false)).rejects.toThrow(/state for operator 'old-counter'.*not in this job.*allowNonRestoredState/);
    await expect(rebuilt(true)).resolves.toMatchObject({ status: 'finished' });
  });

  it('restores from the previous checkpoint when the latest is corrupt', async () => {
    const dir = await tempDir();
    const out: string[] = [];
    const env = StreamEnvironment.create({ parallelism: 1, checkpointInterval: 5, checkpointDir: dir, checkpointing: { retain: 5 }, logger: silentLogger });
    env.fromSource(sequence({ count: 10_000, perPoll: 1, pauseMs: 1 }), WatermarkStrategy.noWatermarks(), 'seq').keyBy((n) => n % 5).process(new RunningCount()).uid('c').sinkTo(new ExactlyOnceTestSink(out));
    const job = env.execute('to corrupt');
    while (job.checkpointStats().completed < 3) await new Promise((r) => setTimeout(r, 5));
    await job.cancel();
    const checkpoints = (await readdir(dir)).filter((d) => d.startsWith('chk-')).sort();
    const latest = checkpoints.at(-1) as string;
    await writeFile(join(dir, latest, 'state'), 'garbage');
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_: object, msg?: string) => warnings.push(msg ?? '') };
    const resumed = StreamEnvironment.create({ parallelism: 1, checkpointDir: dir, restoreFrom: 'latest', logger });
    const resumedOut: string[] = [];
    resumed.fromSource(sequence({ count: 10_000, perPoll: 100 }), WatermarkStrategy.noWatermarks(), 'seq').keyBy((n) => n % 5).process(new RunningCount()).uid('c').sinkTo(new ExactlyOnceTestSink(resumedOut));
    await resumed.execute('resumed');
    expect(warnings.some((w) => w.includes(latest) && /checksum|corrupt|truncated/.test(w))).toBe(true);
    // The restored state continues the counts of the previous checkpoint: no key starts again from 1.
    expect(resumedOut.length).toBeLessThan(10_000);
    expect(resumedOut.every((line) => !line.endsWith(':1:' + line.split(':')[2]) || Number(line.split(':')[2]) < 5)).toBe(true);
  });

  it('fires processing-time timers that fell due while the job was down right after restore', async () => {
    const dir = await tempDir();
    class Reminder implements KeyedProcessFunction<string, string, string> {
      processElement(_v: string, ctx: KeyedProcessContext<string>): void {
        ctx.timerService().registerProcessingTimeTimer(ctx.timerService().currentProcessingTime() + 1_000);
      }
      onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()}@${timestamp}:${ctx.timeDomain()}`);
      }
    }
    const clock = new TestClock(10_000);
    const oneShot: Source<string> = {
      boundedness: 'unbounded',
      discoverSplits: () => [{ id: 'one' }],
      createReader: () => {
        let sent = false;
        return {
          addSplits() {},
          pollNext(output) {
            if (!sent) output.collect('one', 'k');
            sent = true;
            return 'waiting';
          },
          available: () => new Promise(() => {}),
          snapshotState: () => [{ id: 'one' }],
        };
      },
    };
    const build = (restoreFrom?: string): { env: StreamEnvironment; out: string[] } => {
      const env = StreamEnvironment.create({ clock, checkpointDir: dir, logger: silentLogger, ...(restoreFrom === undefined ? {} : { restoreFrom }) });
      const out: string[] = [];
      env.fromSource(oneShot, WatermarkStrategy.noWatermarks(), 'one').keyBy((s) => s).process(new Reminder()).uid('reminder').sinkTo((v) => {
        out.push(v);
      });
      return { env, out };
    };
    const first = build();
    const job = first.env.execute('before');
    await new Promise((r) => setTimeout(r, 20));
    const savepoint = await job.stopWithSavepoint();
    expect(first.out).toEqual([]);
    clock.advance(5_000); // the job is down while the timer (at 11000) falls due
    const second = build(savepoint.location);
    const resumed = second.env.execute('after');
    await new Promise((r) => setTimeout(r, 20));
    clock.advance(0);
    await new Promise((r) => setTimeout(r, 20));
    expect(second.out).toEqual(['k@11000:processing-time']);
    await resumed.cancel();
  });

  it('honours state TTL after restore: entries expire by their original write time', async () => {
    const dir = await tempDir();
    class Remember implements KeyedProcessFunction<string, string, string> {
      private seen!: ValueState<boolean>;
      open(ctx: RuntimeContext): void {
        this.seen = ctx.getState(new ValueStateDescriptor<boolean>('seen').enableTimeToLive({ ttl: 1_000 }));
      }
      processElement(value: string, _ctx: KeyedProcessContext<string>, out: Collector<string>): void {
        out.collect(`${value}:${this.seen.value() === true ? 'known' : 'new'}`);
        this.seen.update(true);
      }
    }
    const clock = new TestClock(0);
    /** A source that emits one record per entry of `script` each time the test pushes it. */
    const pushable = (): { source: Source<string>; push: (v: string) => void } => {
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      return {
        push: (v) => {
          queue.push(v);
          wake?.();
        },
        source: {
          boundedness: 'unbounded',
          discoverSplits: () => [{ id: 'p' }],
          createReader: () => ({
            addSplits() {},
            pollNext(output) {
              for (const v of queue.splice(0)) output.collect('p', v);
              return 'waiting';
            },
            available: () => new Promise<void>((resolve) => (wake = resolve)),
            snapshotState: () => [{ id: 'p' }],
          }),
        },
      };
    };
    const build = (restoreFrom?: string): { env: StreamEnvironment; out: string[]; push: (v: string) => void } => {
      const { source, push } = pushable();
      const env = StreamEnvironment.create({ clock, checkpointDir: dir, logger: silentLogger, ...(restoreFrom === undefined ? {} : { restoreFrom }) });
      const out: string[] = [];
      env.fromSource(source, WatermarkStrategy.noWatermarks(), 'p').keyBy((v) => v.split('#')[0] as string).process(new Remember()).uid('remember').sinkTo((v) => {
        out.push(v);
      });
      return { env, out, push };
    };
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));
    const first = build();
    const job = first.env.execute('ttl');
    first.push('a#1');
    first.push('b#1');
    await settle();
    clock.advance(600);
    first.push('b#2'); // refreshes b's entry at t=600
    await settle();
    const savepoint = await job.stopWithSavepoint();
    expect(first.out).toEqual(['a#1:new', 'b#1:new', 'b#2:known']);

    clock.advance(700); // t=1300: a (written at 0) expired, b (written at 600) alive
    const second = build(savepoint.location);
    const resumed = second.env.execute('ttl resumed');
    second.push('a#2');
    second.push('b#3');
    await settle();
    expect(second.out).toEqual(['a#2:new', 'b#3:known']);
    await resumed.cancel();
  });

  it('commits an exactly-once file sink at the end of a bounded job, with or without checkpoint storage', async () => {
    for (const withStorage of [false, true]) {
      const out = await tempDir();
      const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger, ...(withStorage ? { checkpointDir: await tempDir() } : {}) });
      env.fromCollection(Array.from({ length: 100 }, (_, i) => ({ i }))).rebalance().sinkTo(fileSink({ directory: out, format: jsonLines() }));
      await env.execute('files');
      const files = (await readdir(out)).filter((f) => f.endsWith('.jsonl'));
      const lines = (await Promise.all(files.map((f) => readFile(join(out, f), 'utf8')))).join('').trim().split('\n');
      expect(lines.map((l) => (JSON.parse(l) as { i: number }).i).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect((await readdir(out)).filter((f) => f.includes('inprogress'))).toEqual([]);
    }
  });

  it('fails the job when a sink cannot pre-commit (its detached data would otherwise be lost)', async () => {
    const dir = await tempDir();
    const failing: TwoPhaseCommitSink<number, string> = {
      kind: 'two-phase-commit',
      createWriter: () => ({
        write() {},
        preCommit: () => Promise.reject(new Error('disk full')),
      }),
      createCommitter: () => ({ commit: async () => {} }),
    };
    const env = StreamEnvironment.create({ checkpointInterval: 5, checkpointDir: dir, logger: silentLogger });
    env.fromSource(sequence({ count: 100_000, perPoll: 1, pauseMs: 1 }), WatermarkStrategy.noWatermarks(), 'seq').sinkTo(failing);
    await expect(env.execute('failing sink').done).rejects.toThrow(/disk full/);
  });
});

import { describe, expect, it } from 'vitest';
import { Subject, firstValueFrom, from, toArray } from 'rxjs';
import {
  DEAD_LETTER_TAG,
  JobFailedError,
  OutputTag,
  StreamEnvironment,
  UserFunctionError,
  ValueStateDescriptor,
  WatermarkStrategy,
  type KeyedProcessFunction,
  type KeyedProcessContext,
  type OnTimerContext,
  type Collector,
  type RuntimeContext,
  type ValueState,
  type Source,
} from '../index.js';
import { TestSink, TestSource, runToCompletion, runToCompletionWithTimestamps } from '../testing/index.js';

describe('stateless operators', () => {
  it('chains map, filter and flatMap, keeping order', async () => {
    const env = StreamEnvironment.create();
    const out = await env
      .fromCollection([1, 2, 3, 4, 5])
      .map((x) => x * 10)
      .filter((x) => x !== 30)
      .flatMap<number>((x, collector) => {
        collector.collect(x);
        collector.collect(x + 1);
      })
      .executeAndCollect();
    expect(out).toEqual([10, 11, 20, 21, 40, 41, 50, 51]);
  });

  it('narrows the element type with a type-guard filter', async () => {
    type Shape = { kind: 'circle'; r: number } | { kind: 'square'; side: number };
    const env = StreamEnvironment.create();
    const circles = env
      .fromCollection<Shape>([{ kind: 'circle', r: 1 }, { kind: 'square', side: 2 }, { kind: 'circle', r: 3 }])
      .filter((s): s is Extract<Shape, { kind: 'circle' }> => s.kind === 'circle')
      .map((c) => c.r);
    expect(await circles.executeAndCollect()).toEqual([1, 3]);
  });

  it('processes large inputs across parallel subtasks without losing records', async () => {
    const env = StreamEnvironment.create({ parallelism: 4, bufferSize: 7 });
    const input = Array.from({ length: 10_000 }, (_, i) => i);
    const out = await env.fromCollection(input).rebalance().map((x) => x + 1).executeAndCollect();
    expect(out.length).toBe(10_000);
    expect(out.reduce((a, b) => a + b, 0)).toBe((10_000 * 10_001) / 2);
  });

  it('unions streams', async () => {
    const env = StreamEnvironment.create();
    const a = env.fromElements(1, 2);
    const b = env.fromElements(3);
    const c = env.fromElements(4, 5);
    expect((await a.union(b, c).executeAndCollect()).sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('routes side outputs of a process function', async () => {
    const env = StreamEnvironment.create();
    const odd = new OutputTag<number>('odd');
    const evens = env.fromElements(1, 2, 3, 4).process<number>({
      processElement(value, ctx, out) {
        if (value % 2 === 0) out.collect(value);
        else ctx.output(odd, value);
      },
    });
    const oddSink = new TestSink<number>();
    evens.getSideOutput(odd).sinkTo(oddSink);
    const evenSink = new TestSink<number>();
    evens.sinkTo(evenSink);
    await env.execute();
    expect(evenSink.values()).toEqual([2, 4]);
    expect(oddSink.values()).toEqual([1, 3]);
  });
});

describe('keyed streams', () => {
  it('rolling reduce per key gives the same results at any parallelism', async () => {
    const input = Array.from({ length: 1_000 }, (_, i) => ({ key: `k${i % 7}`, n: i }));
    const finalPerKey = async (parallelism: number): Promise<Map<string, number>> => {
      const env = StreamEnvironment.create({ parallelism });
      const out = await env
        .fromCollection(input)
        .keyBy((r) => r.key)
        .reduce((a, b) => ({ key: a.key, n: a.n + b.n }))
        .executeAndCollect();
      expect(out.length).toBe(1_000);
      const last = new Map<string, number>();
      for (const r of out) last.set(r.key, Math.max(last.get(r.key) ?? 0, r.n));
      return last;
    };
    const p1 = await finalPerKey(1);
    expect(await finalPerKey(3)).toEqual(p1);
    expect(p1.get('k0')).toBe(input.filter((r) => r.key === 'k0').reduce((s, r) => s + r.n, 0));
  });

  it('a KeyedProcessFunction keeps state per key and fires event-time timers on watermarks', async () => {
    class Counter implements KeyedProcessFunction<string, { key: string; ts: number }, string> {
      private count!: ValueState<number>;
      open(ctx: RuntimeContext): void {
        this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
      }
      processElement(value: { key: string; ts: number }, ctx: KeyedProcessContext<string>): void {
        const c = (this.count.value() ?? 0) + 1;
        this.count.update(c);
        if (c === 1) ctx.timerService().registerEventTimeTimer(value.ts + 10);
      }
      onTimer(timestamp: number, ctx: OnTimerContext<string>, out: Collector<string>): void {
        out.collect(`${ctx.getCurrentKey()}:${this.count.value()}@${timestamp}`);
      }
    }
    const counter = new Counter();
    const env = StreamEnvironment.create({ parallelism: 2 });
    const source = TestSource.from<{ key: string; ts: number }>([
      TestSource.record({ key: 'a', ts: 1 }, 1),
      TestSource.record({ key: 'b', ts: 2 }, 2),
      TestSource.record({ key: 'a', ts: 5 }, 5),
      TestSource.watermark(11),
      TestSource.record({ key: 'a', ts: 12 }, 12),
      TestSource.end(),
    ]);
    const out = await runToCompletionWithTimestamps(
      env.fromSource(source, WatermarkStrategy.noWatermarks(), 'test').keyBy((r) => r.key).process(counter),
    );
    expect(out).toEqual(
      expect.arrayContaining([
        { value: 'a:2@11', timestamp: 11 },
        { value: 'b:1@12', timestamp: 12 },
      ]),
    );
    expect(out).toHaveLength(2);
  });
});

describe('errors and dead letters', () => {
  it('fails the job with an error naming the operator and carrying the record', async () => {
    const env = StreamEnvironment.create();
    const stream = env
      .fromElements('1', '2', 'x', '4')
      .map((s) => {
        const n = Number(s);
        if (Number.isNaN(n)) throw new Error(`not a number: ${s}`);
        return n;
      })
      .name('parse')
      .uid('parse-v1');
    const error = await stream.executeAndCollect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JobFailedError);
    const cause = (error as JobFailedError).cause;
    expect(cause).toBeInstanceOf(UserFunctionError);
    expect((cause as UserFunctionError).operator).toBe('parse');
    expect((cause as UserFunctionError).record).toBe('x');
    expect((cause as UserFunctionError).message).toContain(`Operator 'parse' (uid 'parse-v1') failed on record "x": not a number: x`);
  });

  it('routes failing records to dead letters and counts them', async () => {
    const env = StreamEnvironment.create();
    const parsed = env.fromElements('1', 'x', '3', 'y').map((s) => {
      if (Number.isNaN(Number(s))) throw new Error('not a number');
      return Number(s);
    }).name('parse');
    const dead = new TestSink<import('../index.js').DeadLetter>();
    parsed.deadLetters().sinkTo(dead);
    const good = new TestSink<number>();
    parsed.sinkTo(good);
    const result = await env.execute();
    expect(good.values()).toEqual([1, 3]);
    expect(dead.values().map((d) => [d.record, d.reason, d.operator])).toEqual([
      ['x', 'not a number', 'parse'],
      ['y', 'not a number', 'parse'],
    ]);
    expect(result.metrics.find((m) => m.operator === 'parse')?.deadLetters).toBe(2);
    expect(DEAD_LETTER_TAG.id).toBe('tributary.dead-letters');
  });

  it('names the keyBy when a key selector returns a non-key', async () => {
    const env = StreamEnvironment.create();
    const stream = env.fromElements({ id: { nested: 1 } }).keyBy((r) => r.id as unknown as string).reduce((a) => a);
    const error = (await stream.executeAndCollect().catch((e: unknown) => e)) as JobFailedError;
    expect(String((error.cause as Error).message)).toMatch(/keyBy before 'Keyed Reduce'.*keys must be strings/);
  });
});

describe('backpressure', () => {
  it('a slow sink slows an unbounded source: records in flight stay bounded', async () => {
    let produced = 0;
    const endless: Source<number> = {
      boundedness: 'unbounded',
      discoverSplits: () => [{ id: 'endless' }],
      createReader: () => ({
        addSplits() {},
        pollNext(output) {
          for (let i = 0; i < 100; i++) output.collect('endless', produced++);
          return 'more';
        },
        snapshotState: () => [],
      }),
    };
    const env = StreamEnvironment.create({ bufferSize: 64 });
    const sink = new TestSink<number>({ writeDelayMs: 1 });
    env.fromSource(endless, WatermarkStrategy.noWatermarks(), 'endless').map((x) => x).sinkTo(sink);
    const heapBefore = process.memoryUsage().heapUsed;
    const job = env.execute('backpressure');
    await new Promise((r) => setTimeout(r, 500));
    const inFlight = produced - sink.values().length;
    await job.cancel();
    expect(sink.values().length).toBeGreaterThan(10);
    // At most one poll (100 records) is ever ahead of the sink.
    expect(inFlight).toBeLessThanOrEqual(100);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
    const metrics = job.metrics().find((m) => m.operator === 'endless');
    expect(metrics?.backpressureMs).toBeGreaterThan(100);
  });
});

describe('rxjs interop and job handles', () => {
  it('reads from an Observable and writes to one', async () => {
    const env = StreamEnvironment.create();
    const out = env.fromObservable(from([1, 2, 3])).map((x) => x * 2).toObservable();
    const collected = firstValueFrom(out.pipe(toArray()));
    await env.execute();
    expect(await collected).toEqual([2, 4, 6]);
  });

  it('cancels an unbounded job', async () => {
    const env = StreamEnvironment.create();
    const subject = new Subject<number>();
    const sink = new TestSink<number>();
    env.fromObservable(subject).sinkTo(sink);
    const job = env.execute('forever');
    subject.next(1);
    await new Promise((r) => setTimeout(r, 50));
    expect(job.isRunning()).toBe(true);
    await job.cancel();
    const result = await job;
    expect(result.status).toBe('cancelled');
    expect(sink.values()).toEqual([1]);
  });

  it('fails when the observable errors', async () => {
    const env = StreamEnvironment.create();
    const subject = new Subject<number>();
    const done = env.fromObservable(subject).executeAndCollect();
    subject.next(1);
    subject.error(new Error('upstream broke'));
    await expect(done).rejects.toThrow(/upstream broke/);
  });

  it('reports metrics per operator', async () => {
    const env = StreamEnvironment.create();
    env.fromElements(1, 2, 3).map((x) => x).name('identity').sinkTo(() => {});
    const result = await env.execute();
    const identity = result.metrics.find((m) => m.operator === 'identity');
    expect(identity?.recordsIn).toBe(3);
    expect(identity?.recordsOut).toBe(3);
  });

  it('runToCompletion runs a bounded program', async () => {
    const env = StreamEnvironment.create();
    expect(await runToCompletion(env.fromElements(1, 2).map((x) => x + 1))).toEqual([2, 3]);
  });
});

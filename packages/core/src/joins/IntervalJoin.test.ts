import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  DataStream,
  KeyedStream,
  OutputTag,
  StreamEnvironment,
  ValueStateDescriptor,
  WatermarkStrategy,
  type Collector,
  type ProcessJoinContext,
  type ProcessJoinFunction,
  type RichFunction,
  type RuntimeContext,
  type ValueState,
} from '../index.js';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { TestSink, TestSource, runToCompletionWithTimestamps, type TestStep } from '../testing/index.js';
import { IntervalJoin, IntervalJoined } from './IntervalJoin.js';
import { CLEANUP_TIMERS, IntervalJoinOperator, LEFT_BUFFER_STATE, RIGHT_BUFFER_STATE } from './IntervalJoinOperator.js';

interface Ev {
  readonly k: string;
  readonly t: number;
}

type Either = { readonly side: 'L' | 'R'; readonly ev: Ev };

const L = (k: string, t: number): TestStep<Either> => TestSource.record({ side: 'L', ev: { k, t } }, t);
const R = (k: string, t: number): TestStep<Either> => TestSource.record({ side: 'R', ev: { k, t } }, t);

/**
 * Both sides from one source, one step per poll, so the join sees the
 * records and watermarks of the two sides in exactly the script's order.
 */
function sides(env: StreamEnvironment, script: TestStep<Either>[]): [KeyedStream<string, Ev>, KeyedStream<string, Ev>] {
  const source = env.fromSource(TestSource.from([...script, TestSource.end()], { pollSize: 1 }), WatermarkStrategy.noWatermarks(), 'both');
  const pick = (side: 'L' | 'R'): KeyedStream<string, Ev> =>
    source.flatMap<Ev>((e, out) => (e.side === side ? out.collect(e.ev) : undefined)).keyBy((e) => e.k);
  return [pick('L'), pick('R')];
}

const pairs: ProcessJoinFunction<Ev, Ev, string> = {
  processElement(left, right, ctx, out) {
    expect(ctx.leftTimestamp()).toBe(left.t);
    expect(ctx.rightTimestamp()).toBe(right.t);
    expect(ctx.timestamp()).toBe(Math.max(left.t, right.t));
    out.collect(`${left.k}:${left.t}-${right.t}`);
  },
};

async function run(stream: DataStream<string>): Promise<string[]> {
  return (await runToCompletionWithTimestamps(stream)).map((r) => `${r.value}@${r.timestamp}`).sort();
}

describe('interval join', () => {
  // left at 10 with bounds [-2, 3]: rights at 7 (-3) and 14 (+4) are outside; 8 (-2) and 13 (+3) are the bounds
  const script = [L('a', 10), R('a', 7), R('a', 8), R('a', 13), R('a', 14), R('b', 10)];

  it('joins each left record with the right records in [lt + lower, lt + upper], inclusive by default', async () => {
    const env = StreamEnvironment.create();
    const [left, right] = sides(env, script);
    expect(await run(left.intervalJoin(right).between(-2, 3).process(pairs))).toEqual(['a:10-13@13', 'a:10-8@10']);
  });

  it('excludes a bound when asked', async () => {
    const env = StreamEnvironment.create();
    const [left, right] = sides(env, script);
    const bounded = left.intervalJoin(right).between(-2, 3);
    expect(await run(bounded.lowerBoundExclusive().process(pairs))).toEqual(['a:10-13@13']);
    const env2 = StreamEnvironment.create();
    const [left2, right2] = sides(env2, script);
    const bounded2 = left2.intervalJoin(right2).between(-2, 3);
    expect(await run(bounded2.upperBoundExclusive().process(pairs))).toEqual(['a:10-8@10']);
    const env3 = StreamEnvironment.create();
    const [left3, right3] = sides(env3, script);
    expect(await run(left3.intervalJoin(right3).between(-2, 3).lowerBoundExclusive().upperBoundExclusive().process(pairs))).toEqual([]);
  });

  it('matches whichever side arrives second, with negative bounds (right before left)', async () => {
    const env = StreamEnvironment.create();
    // bounds [-5, -1]: a right record matches a left record 1 to 5 ms later
    const [left, right] = sides(env, [R('a', 4), R('a', 5), L('a', 10), R('a', 9), R('a', 10), L('a', 6), TestSource.watermark(5), R('a', 8)]);
    // 10 meets 5 (on arrival), then 9 and 8 (on theirs); 6 meets 4 and 5; 10 ties with 10 (outside -1)
    expect(await run(left.intervalJoin(right).between(-5, -1).process(pairs))).toEqual([
      'a:10-5@10',
      'a:10-8@10',
      'a:10-9@10',
      'a:6-4@6',
      'a:6-5@6',
    ]);
  });

  it('drops records older than the watermark and counts them as late', async () => {
    const env = StreamEnvironment.create();
    const [left, right] = sides(env, [L('a', 10), R('a', 12), TestSource.watermark(20), L('a', 15), R('a', 19), R('a', 20), L('a', 20)]);
    const sink = new TestSink<string>();
    left.intervalJoin(right).between(0, 5).process(pairs).sinkTo(sink);
    const result = await env.execute();
    // 15 and 19 are late; the two records at 20 are on time (not < watermark) and pair up
    expect(sink.records().map((r) => `${r.value}@${r.timestamp}`)).toEqual(['a:10-12@12', 'a:20-20@20']);
    const join = result.metrics.filter((m) => m.operator === 'IntervalJoin');
    expect(join.reduce((n, m) => n + m.lateRecords, 0)).toBe(2);
  });

  it('sends late records to the side outputs when asked', async () => {
    const env = StreamEnvironment.create();
    const [left, right] = sides(env, [L('a', 10), TestSource.watermark(20), L('a', 15), R('a', 12), R('a', 25)]);
    const lateLeft = new OutputTag<Ev>('late-left');
    const lateRight = new OutputTag<Ev>('late-right');
    const joined = left.intervalJoin(right).between(0, 5).sideOutputLeftLateData(lateLeft).sideOutputRightLateData(lateRight).process(pairs);
    const lefts = new TestSink<Ev>();
    const rights = new TestSink<Ev>();
    joined.getSideOutput(lateLeft).sinkTo(lefts);
    joined.getSideOutput(lateRight).sinkTo(rights);
    const main = new TestSink<string>();
    joined.sinkTo(main);
    await env.execute();
    expect(main.values()).toEqual([]);
    expect(lefts.records().map((r) => [r.value, r.timestamp])).toEqual([[{ k: 'a', t: 15 }, 15]]);
    expect(rights.records().map((r) => [r.value, r.timestamp])).toEqual([[{ k: 'a', t: 12 }, 12]]);
  });

  it('cleans a left record up once the watermark reaches lt + upper: a right record at exactly that time no longer finds it', async () => {
    const env = StreamEnvironment.create();
    // left 0 is kept through watermark 9 (right 10 still matches), removed at watermark 10 (right 10 is on time but finds nothing)
    const [left, right] = sides(env, [L('a', 0), L('b', 0), TestSource.watermark(9), R('a', 10), TestSource.watermark(10), R('b', 10)]);
    expect(await run(left.intervalJoin(right).between(0, 10).process(pairs))).toEqual(['a:0-10@10']);
  });

  it('gives the same multiset of results at parallelism 1 and 3', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    const lefts: TestStep<Ev>[] = [];
    const rights: TestStep<Ev>[] = [];
    for (let t = 0; t < 80; t++) {
      if (t % 2 === 0) lefts.push(TestSource.record({ k: keys[t % keys.length] as string, t }, t));
      else rights.push(TestSource.record({ k: keys[(t * 5 + 1) % keys.length] as string, t }, t));
      if (t % 10 === 9) {
        lefts.push(TestSource.watermark(t - 8));
        rights.push(TestSource.watermark(t - 8));
      }
    }
    const runAt = async (parallelism: number): Promise<string[]> => {
      const env = StreamEnvironment.create({ parallelism });
      const strategy = WatermarkStrategy.noWatermarks<Ev>();
      const left = env.fromSource(TestSource.from([...lefts, TestSource.end()]), strategy, 'left').keyBy((e) => e.k);
      const right = env.fromSource(TestSource.from([...rights, TestSource.end()]), strategy, 'right').keyBy((e) => e.k);
      return run(left.intervalJoin(right).between(-7, 4).process(pairs));
    };
    const one = await runAt(1);
    expect(one.length).toBeGreaterThan(20);
    expect(await runAt(3)).toEqual(one);
  });

  it('fails clearly on records without timestamps', async () => {
    const env = StreamEnvironment.create();
    const left = env.fromElements<Ev>({ k: 'a', t: 1 }).keyBy((e) => e.k);
    const right = env.fromElements<Ev>({ k: 'a', t: 1 }).keyBy((e) => e.k);
    await expect(run(left.intervalJoin(right).between(0, 1).process(pairs))).rejects.toThrow(
      /interval join needs event-time timestamps, but a record of the (left|right) input has none/,
    );
  });

  it('gives the function open/close and keyed state scoped to the pair\'s key, with a copy per subtask', async () => {
    const opened: number[] = [];
    class CountPerKey implements ProcessJoinFunction<Ev, Ev, string>, RichFunction {
      private count: ValueState<number> | undefined;
      open(ctx: RuntimeContext): void {
        expect(this.count).toBeUndefined();
        this.count = ctx.getState(new ValueStateDescriptor<number>('pairs', 0));
        opened.push(ctx.subtaskIndex);
      }
      processElement(l: Ev, _r: Ev, _ctx: ProcessJoinContext, out: Collector<string>): void {
        const n = (this.count?.value() ?? 0) + 1;
        this.count?.update(n);
        out.collect(`${l.k}#${n}`);
      }
    }
    const env = StreamEnvironment.create({ parallelism: 2 });
    const [left, right] = sides(env, [L('a', 1), R('a', 1), R('a', 2), L('b', 1), R('b', 1), L('c', 3), R('c', 4)]);
    expect(await run(left.intervalJoin(right).between(0, 5).process(new CountPerKey()))).toEqual([
      'a#1@1',
      'a#2@2',
      'b#1@1',
      'c#1@4',
    ]);
    expect(opened.sort()).toEqual([0, 1]);
  });
});

describe('interval join operator state', () => {
  function harness(lower: number, upper: number): OperatorTestHarness<string, Ev> {
    const op = new IntervalJoinOperator<Ev, Ev, string>(
      { lowerBound: lower, upperBound: upper, lowerBoundInclusive: true, upperBoundInclusive: true },
      { processElement: (l, r, _ctx, out) => out.collect(`${l.t}-${r.t}`) },
    );
    const h = new OperatorTestHarness<string, Ev>(op, { keySelector: (e) => e.k, keySelector2: (e) => e.k });
    h.open();
    return h;
  }
  const keysOf = (h: OperatorTestHarness<string, Ev>, state: string): unknown[] => [...(h.keyed?.keys(state) ?? [])];

  it('keeps a left record until the watermark reaches lt + upper, a right record until rt - lower', () => {
    const h = harness(-5, 10);
    h.processElement({ k: 'a', t: 0 }, 0, 0); // left: cleanup at 0 + 10
    h.processElement({ k: 'a', t: 20 }, 20, 1); // right: cleanup at 20 + 5
    expect(h.timers?.numEventTimeTimers()).toBe(2);
    h.processWatermark(9);
    h.processElement({ k: 'a', t: 10 }, 10, 1); // still meets left 0 (+10)
    expect(keysOf(h, LEFT_BUFFER_STATE)).toEqual(['a']);
    h.processWatermark(10);
    expect(keysOf(h, LEFT_BUFFER_STATE)).toEqual([]);
    h.processWatermark(24);
    h.processElement({ k: 'a', t: 25 }, 25, 0); // meets right 20 (-5)
    h.processWatermark(35);
    expect(keysOf(h, LEFT_BUFFER_STATE)).toEqual([]);
    expect(keysOf(h, RIGHT_BUFFER_STATE)).toEqual([]);
    expect(h.timers?.numEventTimeTimers()).toBe(0);
    expect(h.records()).toEqual(['0-10', '25-20']);
    expect(h.timestampedRecords().map((r) => r.timestamp)).toEqual([10, 25]);
  });

  it('cleans records up at their own timestamp when the interval lies entirely on the other side', () => {
    const h = harness(2, 4); // right after left only: a right record can never meet a later left one
    h.processElement({ k: 'a', t: 10 }, 10, 1);
    h.processWatermark(10);
    expect(keysOf(h, RIGHT_BUFFER_STATE)).toEqual([]);
    expect(CLEANUP_TIMERS).toBe('interval-join-cleanup');
  });
});

describe('interval join builder', () => {
  const env = StreamEnvironment.create();
  const left = env.fromElements<Ev>().keyBy((e) => e.k);
  const right = env.fromElements<{ key: string; n: number }>().keyBy((e) => e.key);

  it('checks the bounds with RangeErrors naming the constraint', () => {
    expect(() => left.intervalJoin(right).between(5, 1)).toThrow(
      new RangeError('interval join bounds need lowerBound <= upperBound, got lowerBound 5 > upperBound 1'),
    );
    expect(() => left.intervalJoin(right).between(Number.NaN, 1)).toThrow(
      new RangeError('interval join lower bound must be a finite number of milliseconds, got NaN'),
    );
    expect(() => left.intervalJoin(right).between(0, Number.POSITIVE_INFINITY)).toThrow(
      new RangeError('interval join upper bound must be a finite number of milliseconds, got Infinity'),
    );
    expect(() => left.intervalJoin(right).between(3, 3).lowerBoundExclusive()).toThrow(
      new RangeError('lowerBoundExclusive() needs lowerBound < upperBound (got both 3): an exclusive bound would leave an empty interval'),
    );
    expect(() => left.intervalJoin(right).between(0, 1).process({} as never)).toThrow(
      new RangeError('interval join process() needs a ProcessJoinFunction: an object with a processElement(left, right, ctx, out) method'),
    );
  });

  it('returns a new stage from each step', () => {
    const bounded = left.intervalJoin(right).between(0, 1);
    const exclusive = bounded.upperBoundExclusive();
    expect(exclusive).not.toBe(bounded);
    expect(bounded.settings.upperBoundInclusive).toBe(true);
    expect(exclusive.settings.upperBoundInclusive).toBe(false);
  });

  it('types: stages, key agreement and the result element type', () => {
    const join = left.intervalJoin(right);
    expectTypeOf(join).toEqualTypeOf<IntervalJoin<string, Ev, { key: string; n: number }>>();
    const bounded = join.between(-1, 1).lowerBoundExclusive();
    expectTypeOf(bounded).toEqualTypeOf<IntervalJoined<string, Ev, { key: string; n: number }>>();
    // a join without bounds cannot run
    expectTypeOf(join).not.toHaveProperty('process');
    const out = bounded.process<{ t: number; n: number }>({
      processElement(l, r, _ctx, collector) {
        expectTypeOf(l).toEqualTypeOf<Ev>();
        expectTypeOf(r).toEqualTypeOf<{ key: string; n: number }>();
        collector.collect({ t: l.t, n: r.n });
      },
    });
    expectTypeOf(out).toEqualTypeOf<DataStream<{ t: number; n: number }>>();
    const numbers = env.fromElements<number>().keyBy((n) => n);
    // @ts-expect-error both streams must be keyed by the same key type
    left.intervalJoin(numbers);
  });
});

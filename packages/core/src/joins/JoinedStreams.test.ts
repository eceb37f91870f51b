import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  CountTrigger,
  DataStream,
  PurgingTrigger,
  GlobalWindows,
  SlidingEventTimeWindows,
  StreamEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type TimeWindow,
} from '../index.js';
import { TestSource, runToCompletionWithTimestamps, type TestStep } from '../testing/index.js';
import { JoinEqualTo, JoinWhere, JoinWithWindow, type FlatJoinFunction } from './JoinedStreams.js';

interface Click {
  readonly ad: string;
  readonly c: number;
}
interface View {
  readonly ad: string;
  readonly v: number;
}

const click = (ad: string, c: number): TestStep<Click> => TestSource.record({ ad, c }, c);
const view = (ad: string, v: number): TestStep<View> => TestSource.record({ ad, v }, v);

function streams(env: StreamEnvironment, clicks: TestStep<Click>[], views: TestStep<View>[]): [DataStream<Click>, DataStream<View>] {
  return [
    env.fromSource(TestSource.from([...clicks, TestSource.end()]), WatermarkStrategy.noWatermarks(), 'clicks'),
    env.fromSource(TestSource.from([...views, TestSource.end()]), WatermarkStrategy.noWatermarks(), 'views'),
  ];
}

/** Clicks joined with views by ad, waiting for the windows. */
function byAd(clicks: DataStream<Click>, views: DataStream<View>): JoinEqualTo<Click, View, string> {
  return clicks
    .join(views)
    .where((c) => c.ad)
    .equalTo((v) => v.ad);
}

function sorted<T>(records: Array<{ value: T; timestamp: number }>): Array<{ value: T; timestamp: number }> {
  return [...records].sort((a, b) => a.timestamp - b.timestamp || String(a.value).localeCompare(String(b.value)));
}

describe('window join', () => {
  it('joins every left/right pair of a key once per tumbling window, stamped window.maxTimestamp()', async () => {
    const env = StreamEnvironment.create();
    const [clicks, views] = streams(
      env,
      [click('a', 1), click('b', 2), click('a', 12), TestSource.watermark(10), click('a', 21)],
      [view('a', 3), view('a', 4), view('b', 15), view('a', 11), TestSource.watermark(10), view('c', 22)],
    );
    const joined = byAd(clicks, views)
      .window(TumblingEventTimeWindows.of(10))
      .apply((c, v) => `${c.ad}:${c.c}-${v.v}`);
    expect(sorted(await runToCompletionWithTimestamps(joined))).toEqual([
      { value: 'a:1-3', timestamp: 9 },
      { value: 'a:1-4', timestamp: 9 },
      { value: 'a:12-11', timestamp: 19 },
    ]);
  });

  it('emits a pair once for each sliding window both records share', async () => {
    const env = StreamEnvironment.create();
    const [clicks, views] = streams(env, [click('a', 1), click('a', 6)], [view('a', 4), view('a', 11)]);
    const joined = byAd(clicks, views)
      .window(SlidingEventTimeWindows.of(10, 5))
      .apply((c, v) => `${c.c}-${v.v}`);
    // windows [-5,5): (1,4); [0,10): (1,4), (6,4); [5,15): (6,11); [10,20): no click
    expect(sorted(await runToCompletionWithTimestamps(joined))).toEqual([
      { value: '1-4', timestamp: 4 },
      { value: '1-4', timestamp: 9 },
      { value: '6-4', timestamp: 9 },
      { value: '6-11', timestamp: 14 },
    ]);
  });

  it('accepts a flat join function that emits zero or more records per pair', async () => {
    const env = StreamEnvironment.create();
    const [clicks, views] = streams(env, [click('a', 1), click('a', 2)], [view('a', 3), view('b', 4)]);
    const joined = byAd(clicks, views)
      .window(TumblingEventTimeWindows.of(10))
      .apply<string>({
        join(c, v, out) {
          if (c.c === 2) return;
          out.collect(`${c.c}-${v.v}`);
          out.collect(`${c.c}-${v.v}!`);
        },
      });
    expect(sorted(await runToCompletionWithTimestamps(joined))).toEqual([
      { value: '1-3', timestamp: 9 },
      { value: '1-3!', timestamp: 9 },
    ]);
  });

  it('passes trigger and configuration through to the window (count trigger on global windows)', async () => {
    // One source split into both sides keeps the arrival order of the two sides fixed.
    type Either = { side: 'click'; click: Click } | { side: 'view'; view: View };
    const env = StreamEnvironment.create();
    const source = env.fromSource(
      TestSource.from<Either>(
        [
          TestSource.record({ side: 'click', click: { ad: 'a', c: 1 } }, 1),
          TestSource.record({ side: 'view', view: { ad: 'a', v: 2 } }, 2),
          TestSource.record({ side: 'view', view: { ad: 'a', v: 3 } }, 3),
          TestSource.record({ side: 'click', click: { ad: 'a', c: 4 } }, 4),
          TestSource.end(),
        ],
        { pollSize: 1 },
      ),
      WatermarkStrategy.noWatermarks(),
      'both',
    );
    const clicks = source.flatMap<Click>((e, out) => (e.side === 'click' ? out.collect(e.click) : undefined));
    const views = source.flatMap<View>((e, out) => (e.side === 'view' ? out.collect(e.view) : undefined));
    const joined = byAd(clicks, views)
      .window(GlobalWindows.create())
      .trigger(PurgingTrigger.of(CountTrigger.of(2)))
      .apply((c, v) => `${c.c}-${v.v}`);
    // fires after [c1, v2] and after [v3, c4]
    expect((await runToCompletionWithTimestamps(joined)).map((r) => r.value)).toEqual(['1-2', '4-3']);
  });

  it('gives the same multiset of results at parallelism 1 and 3', async () => {
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const clickSteps: TestStep<Click>[] = [];
    const viewSteps: TestStep<View>[] = [];
    for (let t = 0; t < 60; t++) {
      const key = keys[(t * 5) % keys.length] as string;
      if (t % 2 === 0) clickSteps.push(click(key, t));
      else viewSteps.push(view(keys[(t * 3) % keys.length] as string, t));
      if (t % 10 === 9) {
        clickSteps.push(TestSource.watermark(t));
        viewSteps.push(TestSource.watermark(t));
      }
    }
    const run = async (parallelism: number): Promise<string[]> => {
      const env = StreamEnvironment.create({ parallelism });
      const [clicks, views] = streams(env, clickSteps, viewSteps);
      const joined = byAd(clicks, views)
        .window(SlidingEventTimeWindows.of(20, 10))
        .apply((c, v) => `${c.ad}:${c.c}-${v.v}`);
      return (await runToCompletionWithTimestamps(joined)).map((r) => `${r.value}@${r.timestamp}`).sort();
    };
    const one = await run(1);
    expect(one.length).toBeGreaterThan(20);
    expect(await run(3)).toEqual(one);
  });
});

describe('window join builder', () => {
  const env = StreamEnvironment.create();
  const [clicks, views] = streams(env, [], []);

  it('checks each stage argument with a RangeError naming the constraint', () => {
    expect(() => clicks.join(views).where(undefined as never)).toThrow(
      new RangeError('join where() needs a key selector function, got undefined'),
    );
    const where = clicks.join(views).where((c) => c.ad);
    expect(() => where.equalTo('ad' as never)).toThrow(new RangeError('join equalTo() needs a key selector function, got "ad"'));
    const equalTo = where.equalTo((v) => v.ad);
    expect(() => equalTo.window({} as never)).toThrow(
      new RangeError(
        'join window() needs a WindowAssigner (e.g. TumblingEventTimeWindows.of(60_000)), got an object without the required methods',
      ),
    );
    const windowed = equalTo.window(TumblingEventTimeWindows.of(10));
    expect(() => windowed.allowedLateness(-1)).toThrow(
      new RangeError('join allowedLateness() needs an integer number of milliseconds >= 0, got -1'),
    );
    expect(() => windowed.trigger(null as never)).toThrow(new RangeError('join trigger() needs a Trigger (e.g. CountTrigger.of(10)), got null'));
    expect(() => windowed.evictor(5 as never)).toThrow(new RangeError('join evictor() needs an Evictor (e.g. CountEvictor.of(10)), got 5'));
    expect(() => windowed.apply(undefined as never)).toThrow(
      new RangeError(
        'join apply() needs a JoinFunction (left, right) => result or a FlatJoinFunction { join(left, right, out) }, got undefined',
      ),
    );
  });

  it('returns a new object from every stage, leaving the earlier one unchanged', () => {
    const windowed = byAd(clicks, views).window(TumblingEventTimeWindows.of(10));
    const late = windowed.allowedLateness(5);
    expect(late).not.toBe(windowed);
    expect(windowed.spec.allowedLateness).toBeUndefined();
    expect(late.spec.allowedLateness).toBe(5);
  });

  it('types: stages, key agreement and the result element type', () => {
    const where = clicks.join(views).where((c) => c.ad);
    expectTypeOf(where).toEqualTypeOf<JoinWhere<Click, View, string>>();
    const equalTo = where.equalTo((v) => v.ad);
    expectTypeOf(equalTo).toEqualTypeOf<JoinEqualTo<Click, View, string>>();
    // @ts-expect-error the right key must have the left key's type
    where.equalTo((v) => v.v);
    // a join cannot be applied before it has windows
    expectTypeOf(equalTo).not.toHaveProperty('apply');
    expect('apply' in equalTo).toBe(false);
    const windowed = equalTo.window(TumblingEventTimeWindows.of(10));
    expectTypeOf(windowed).toEqualTypeOf<JoinWithWindow<Click, View, string, TimeWindow>>();
    expectTypeOf(windowed.apply((c, v) => ({ ad: c.ad, sum: c.c + v.v }))).toEqualTypeOf<DataStream<{ ad: string; sum: number }>>();
    const flat: FlatJoinFunction<Click, View, number> = { join: (c, v, out) => out.collect(c.c * v.v) };
    expectTypeOf(windowed.apply(flat)).toEqualTypeOf<DataStream<number>>();
  });
});

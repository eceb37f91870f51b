// Property suite 3: window join, coGroup (outer joins) and interval join
// equal nested-loop oracles, at any parallelism, poll size and buffer size.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import {
  SlidingEventTimeWindows,
  StreamEnvironment,
  TumblingEventTimeWindows,
  WatermarkStrategy,
  type DataStream,
  type TimeWindow,
  type WindowAssigner,
} from '@tributary/core';
import { TestSource } from '@tributary/core/testing';
import { joinInputArb, joinScriptArb } from '../oracles/generators.js';
import {
  coGroupOracle,
  intervalJoinOracle,
  intervalJoinScriptOracle,
  pairKey,
  windowJoinOracle,
  type JoinScript,
  type JoinWindowAssigner,
} from '../oracles/joins.js';
import type { DataRecord } from '../oracles/types.js';
import { canonical, runConfigArb, type RunConfig } from './engineHarness.js';

const assignerArb: fc.Arbitrary<JoinWindowAssigner> = fc.oneof(
  fc.record({ kind: fc.constant('tumbling' as const), size: fc.integer({ min: 1, max: 12 }) }),
  fc
    .record({ kind: fc.constant('sliding' as const), size: fc.integer({ min: 1, max: 12 }), slide: fc.integer({ min: 1, max: 12 }) })
    .filter((a) => a.slide <= a.size),
);

function engineAssigner(a: JoinWindowAssigner): WindowAssigner<unknown, TimeWindow> {
  return a.kind === 'tumbling' ? TumblingEventTimeWindows.of(a.size) : SlidingEventTimeWindows.of(a.size, a.slide);
}

/** Runs a two-input program over batch inputs (each side its own bounded source); returns outputs with timestamps. */
async function runTwoSided<R>(
  left: readonly DataRecord[],
  right: readonly DataRecord[],
  config: RunConfig,
  build: (l: DataStream<DataRecord>, r: DataStream<DataRecord>) => DataStream<R>,
): Promise<Array<{ value: R; timestamp: number }>> {
  const env = StreamEnvironment.create({ parallelism: config.parallelism, bufferSize: config.bufferSize });
  const source = (records: readonly DataRecord[], name: string): DataStream<DataRecord> =>
    env
      .fromSource(
        TestSource.from([...records.map((r) => TestSource.record(r, r.ts)), TestSource.end()], { pollSize: config.pollSize }),
        WatermarkStrategy.noWatermarks<DataRecord>(),
        name,
      )
      .setParallelism(1);
  const out: Array<{ value: R; timestamp: number }> = [];
  build(source(left, 'left'), source(right, 'right')).sinkTo((value, timestamp) => {
    out.push({ value, timestamp });
  });
  await env.execute('join property');
  return out;
}

describe('window join', () => {
  test.prop([joinInputArb(), assignerArb, runConfigArb])('equals the nested-loop oracle', async ({ left, right }, assigner, config) => {
    const out = await runTwoSided(left, right, config, (l, r) =>
      l
        .join(r)
        .where((x) => x.key)
        .equalTo((x) => x.key)
        .window(engineAssigner(assigner))
        .apply((a, b) => ({ key: a.key, left: a, right: b })),
    );
    const engine = out.map(({ value, timestamp }) => pairKey({ ...value, timestamp })).sort();
    expect(engine).toEqual(windowJoinOracle(left, right, assigner).map(pairKey).sort());
  });
});

describe('coGroup', () => {
  test.prop([joinInputArb(), assignerArb, runConfigArb])('equals the oracle (both sides, either possibly empty)', async ({ left, right }, assigner, config) => {
    const out = await runTwoSided(left, right, config, (l, r) =>
      l
        .coGroup(r)
        .where((x) => x.key)
        .equalTo((x) => x.key)
        .window(engineAssigner(assigner))
        .apply<{ key: string; left: DataRecord[]; right: DataRecord[] }>((ls, rs, collector) => {
          const key = (ls[0] ?? rs[0])?.key ?? '';
          collector.collect({ key, left: [...ls].sort(byValue), right: [...rs].sort(byValue) });
        }),
    );
    const engine = out.map(({ value, timestamp }) => ({ ...value, timestamp }));
    const oracle = coGroupOracle(left, right, assigner).map((g) => ({
      key: g.key,
      left: [...g.left].sort(byValue),
      right: [...g.right].sort(byValue),
      timestamp: g.timestamp,
    }));
    expect(canonical(engine)).toEqual(canonical(oracle));
  });
});

function byValue(a: DataRecord, b: DataRecord): number {
  return a.value - b.value || a.ts - b.ts;
}

const boundsArb = fc
  .record({
    lower: fc.integer({ min: -8, max: 8 }),
    width: fc.integer({ min: 0, max: 8 }),
    lowerExclusive: fc.boolean(),
    upperExclusive: fc.boolean(),
  })
  .map(({ lower, width, lowerExclusive, upperExclusive }) => ({
    lower,
    upper: lower + width,
    // An exclusive bound on an empty-width interval is rejected by the builder (nothing could match).
    lowerExclusive: width > 0 && lowerExclusive,
    upperExclusive: width > 0 && upperExclusive,
  }));

function intervalJoin(
  l: DataStream<DataRecord>,
  r: DataStream<DataRecord>,
  b: { lower: number; upper: number; lowerExclusive: boolean; upperExclusive: boolean },
): DataStream<{ key: string; left: DataRecord; right: DataRecord }> {
  let between = l
    .keyBy((x) => x.key)
    .intervalJoin(r.keyBy((x) => x.key))
    .between(b.lower, b.upper);
  if (b.lowerExclusive) between = between.lowerBoundExclusive();
  if (b.upperExclusive) between = between.upperBoundExclusive();
  return between.process<{ key: string; left: DataRecord; right: DataRecord }>({
    processElement: (left, right, _ctx, out) => out.collect({ key: left.key, left, right }),
  });
}

describe('interval join', () => {
  test.prop([joinInputArb(), boundsArb, runConfigArb])('on bounded input equals the nested-loop oracle', async ({ left, right }, b, config) => {
    const out = await runTwoSided(left, right, config, (l, r) => intervalJoin(l, r, b));
    const engine = out.map(({ value, timestamp }) => pairKey({ ...value, timestamp })).sort();
    expect(engine).toEqual(intervalJoinOracle(left, right, b.lower, b.upper, b).map(pairKey).sort());
  });

  test.prop([joinScriptArb(), boundsArb, runConfigArb])(
    'with watermarks drops late records and cleans up state as the oracle does',
    async (script, b, config) => {
      type Tagged = { side: 'left' | 'right'; record: DataRecord };
      const env = StreamEnvironment.create({ parallelism: config.parallelism, bufferSize: config.bufferSize });
      const steps = [
        ...(script as JoinScript).map((s) =>
          s.kind === 'record'
            ? TestSource.record<Tagged>({ side: s.side, record: { key: s.key, value: s.value, ts: s.ts } }, s.ts)
            : TestSource.watermark(s.wm),
        ),
        TestSource.end(),
      ];
      const both = env.fromSource(TestSource.from(steps, { pollSize: config.pollSize }), WatermarkStrategy.noWatermarks<Tagged>(), 'script').setParallelism(1);
      const l = both.filter((t) => t.side === 'left').map((t) => t.record);
      const r = both.filter((t) => t.side === 'right').map((t) => t.record);
      const out: string[] = [];
      intervalJoin(l, r, b).sinkTo((value, timestamp) => {
        out.push(pairKey({ ...value, timestamp }));
      });
      await env.execute('interval join script');
      expect(out.sort()).toEqual(intervalJoinScriptOracle(script, b.lower, b.upper, b).pairs.map(pairKey).sort());
    },
  );
});

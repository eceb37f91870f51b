// Property suite 1, 2 and 5: tumbling, sliding and session windows over
// random out-of-order streams equal the independent oracles — every firing
// (incl. late firings), the late side output, and conservation (in =
// windows + late) — whatever the parallelism, poll size or buffer size; and
// bounded input in batch mode equals the streaming run's final results.
import { describe, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import {
  EventTimeSessionWindows,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  type DataStream,
  type TimeWindow,
  type WindowAssigner,
} from '@tributary/core';
import { scriptArb, sessionParamsArb, slidingParamsArb, tumblingParamsArb } from '../oracles/generators.js';
import {
  finalResults,
  sessionOracle,
  slidingOracle,
  tumblingOracle,
  type WindowFiring,
  type WindowOracleResult,
} from '../oracles/windows.js';
import type { DataRecord, Script } from '../oracles/types.js';
import { LATE, canonical, runConfigArb, runScript, sumCount, type RunConfig } from './engineHarness.js';

type Firing = Omit<WindowFiring, 'late'>;

function windowed(
  assigner: WindowAssigner<DataRecord, TimeWindow>,
  allowedLateness: number,
): (input: DataStream<DataRecord>) => DataStream<Firing> {
  return (input) =>
    input
      .keyBy((r) => r.key)
      .window(assigner)
      .allowedLateness(allowedLateness)
      .sideOutputLateData(LATE)
      .aggregate(sumCount, (key, window, acc) => ({
        key,
        start: window.start,
        end: window.end,
        sum: acc.sum,
        count: acc.count,
        timestamp: window.maxTimestamp(),
      }));
}

const strip = (firings: readonly WindowFiring[]): Firing[] => firings.map(({ late: _late, ...f }) => f);

async function checkAgainstOracle(
  script: Script,
  config: RunConfig,
  assigner: WindowAssigner<DataRecord, TimeWindow>,
  allowedLateness: number,
  oracle: WindowOracleResult,
): Promise<void> {
  const { output, late } = await runScript(script, config, windowed(assigner, allowedLateness), true);
  expect(canonical(output)).toEqual(canonical(strip(oracle.firings)));
  expect(canonical(late)).toEqual(canonical(oracle.lateRecords));
}

/** Every record is in a window's final result or in the late output (tumbling and sessions: exactly once). */
function expectConservation(script: Script, oracle: WindowOracleResult): void {
  const records = script.filter((s) => s.kind === 'record').length;
  const inWindows = finalResults(oracle.firings).reduce((n, f) => n + f.count, 0);
  expect(inWindows + oracle.lateRecords.length + oracle.droppedNotLate.length).toBe(records);
}

describe('tumbling event-time windows', () => {
  test.prop([scriptArb(), tumblingParamsArb(), runConfigArb])('equal the oracle, late output included', async (script, p, config) => {
    const oracle = tumblingOracle(script, p);
    expectConservation(script, oracle);
    await checkAgainstOracle(script, config, TumblingEventTimeWindows.of(p.size, p.offset), p.allowedLateness, oracle);
  });
});

describe('sliding event-time windows', () => {
  test.prop([scriptArb(), slidingParamsArb().filter((p) => p.slide <= p.size), runConfigArb])(
    'equal the oracle, late output included',
    async (script, p, config) => {
      const oracle = slidingOracle(script, p);
      expect(oracle.droppedNotLate).toEqual([]);
      await checkAgainstOracle(script, config, SlidingEventTimeWindows.of(p.size, p.slide, p.offset), p.allowedLateness, oracle);
    },
  );
});

describe('session windows', () => {
  test.prop([scriptArb(), sessionParamsArb(), runConfigArb])('equal the oracle, late output included', async (script, p, config) => {
    const oracle = sessionOracle(script, p);
    await checkAgainstOracle(script, config, EventTimeSessionWindows.withGap(p.gap), p.allowedLateness, oracle);
  });

  test.prop([scriptArb({ latePercent: 0 }), fc.integer({ min: 1, max: 6 }), runConfigArb])(
    'with a dynamic gap equal the oracle',
    async (script, base, config) => {
      const gapOf = (key: string, value: number): number => base + (value % 3) + (key === 'a' ? 1 : 0);
      const oracle = sessionOracle(script, { dynamicGap: (key, value) => gapOf(key, value), allowedLateness: 0 });
      const assigner = EventTimeSessionWindows.withDynamicGap<DataRecord>((r) => gapOf(r.key, r.value));
      await checkAgainstOracle(script, config, assigner, 0, oracle);
    },
  );
});

describe('batch mode', () => {
  test.prop([scriptArb(), tumblingParamsArb(), runConfigArb])(
    'bounded input without watermarks equals the streaming run’s final results',
    async (script, p, config) => {
      // Streaming: with allowed lateness large enough that nothing is dropped, the last firing per window is final.
      const lateness = 1_000_000;
      const streaming = await runScript(script, config, windowed(TumblingEventTimeWindows.of(p.size, p.offset), lateness), true);
      expect(streaming.late).toEqual([]);
      // Batch: the same records, no watermarks until the end of input.
      const batchScript = script.filter((s) => s.kind === 'record');
      const batch = await runScript(batchScript, config, windowed(TumblingEventTimeWindows.of(p.size, p.offset), 0), true);
      expect(batch.late).toEqual([]);
      expect(canonical(batch.output)).toEqual(canonical(finalResults(streaming.output)));
    },
  );
});

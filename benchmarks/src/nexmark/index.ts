/**
 * Nexmark on Tributary (issue 6): events/s per core of queries q0, q1, q2,
 * q4, q5, q7, q8 and q11 over the generated Person/Auction/Bid stream, next
 * to Flink 1.13's published per-core figures. The job runs at parallelism 1
 * on Node's one JavaScript thread, so events/s is events/s per core (the
 * garbage collector's helper threads aside). Every event the generator
 * produces counts (people, auctions and bids), as in the Nexmark suite.
 * Flink's figures come from different hardware: compare orders of
 * magnitude, not percentages.
 */
import { loadavg } from 'node:os';
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { median, writeResult } from '../common.js';
import { DEFAULT_NEXMARK_EVENTS_PER_SECOND, NEXMARK_OUT_OF_ORDERNESS_MS, nexmarkSource } from './generator.js';
import type { NexmarkEvent } from './model.js';
import { NEXMARK_QUERIES, type NexmarkQueryId } from './queries.js';

const quick = process.argv.includes('--quick');
const RUNS = quick ? 3 : 5;
const EVENTS = quick ? 400_000 : 5_000_000;
const WARM_UP_EVENTS = quick ? 100_000 : 1_000_000;
const SEED = 1;

/** Flink 1.13 events/s per core, as published for the Nexmark suite (nexmark/nexmark README, 8 × 4-core TaskManagers). */
export const FLINK_1_13_PER_CORE: Record<NexmarkQueryId, number> = {
  q0: 155_000,
  q1: 158_000,
  q2: 175_000,
  q4: 34_000,
  q5: 22_000,
  q7: 12_000,
  q8: 146_000,
  q11: 40_000,
};

/** Queries the DESIGN.md target names (at or above Flink's per-core figure). */
export const TARGETED_QUERIES: readonly NexmarkQueryId[] = ['q5', 'q7', 'q11'];

/** Runs one query over `events` generated events; resolves to events/s and the number of result rows. */
async function runQuery(id: NexmarkQueryId, events: number): Promise<{ eventsPerSecond: number; rows: number }> {
  const env = StreamEnvironment.create({ logger: silentLogger });
  const stream = env.fromSource(
    nexmarkSource(events, { seed: SEED }),
    WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(NEXMARK_OUT_OF_ORDERNESS_MS),
    'nexmark',
  );
  let rows = 0;
  const query = NEXMARK_QUERIES[id] as (s: typeof stream) => { sinkTo(f: (row: unknown) => void): unknown };
  query(stream).sinkTo(() => {
    rows++;
  });
  const started = performance.now();
  await env.execute(`nexmark-${id}`);
  return { eventsPerSecond: events / ((performance.now() - started) / 1000), rows };
}

export async function runNexmarkBenchmark(): Promise<Record<string, unknown>> {
  const loadBefore = loadavg();
  const queries: Record<string, unknown> = {};
  for (const id of Object.keys(NEXMARK_QUERIES) as NexmarkQueryId[]) {
    await runQuery(id, WARM_UP_EVENTS);
    const rates: number[] = [];
    let rows: number | undefined;
    for (let r = 0; r < RUNS; r++) {
      const run = await runQuery(id, EVENTS);
      if (rows !== undefined && run.rows !== rows) throw new Error(`nexmark ${id}: run ${r + 1} emitted ${run.rows} rows, an earlier run ${rows} (same seed)`);
      rows = run.rows;
      rates.push(run.eventsPerSecond);
    }
    const perCore = median(rates);
    const flink = FLINK_1_13_PER_CORE[id];
    queries[id] = {
      medianEventsPerSecondPerCore: Math.round(perCore),
      runs: rates.map(Math.round),
      resultRows: rows,
      flink113PerCore: flink,
      ratioToFlink: perCore / flink,
      targeted: TARGETED_QUERIES.includes(id),
      ...(TARGETED_QUERIES.includes(id) ? { targetMet: perCore >= flink } : {}),
    };
    console.log(`nexmark ${id}: ${Math.round(perCore).toLocaleString('en-US')} events/s per core (Flink 1.13: ${flink.toLocaleString('en-US')}), ${rows} rows`);
  }
  const result = {
    parameters: {
      events: EVENTS,
      warmUpEvents: WARM_UP_EVENTS,
      runs: RUNS,
      seed: SEED,
      eventTimeRate: DEFAULT_NEXMARK_EVENTS_PER_SECOND,
      outOfOrdernessMs: NEXMARK_OUT_OF_ORDERNESS_MS,
      parallelism: 1,
      proportions: 'person:auction:bid = 1:3:46',
      quick,
    },
    loadAverage: { before: loadBefore.map((l) => Number(l.toFixed(2))), after: loadavg().map((l) => Number(l.toFixed(2))) },
    caveat: "Flink's figures were measured on other hardware (Alibaba Cloud, 8 TaskManagers × 4 cores, events/s divided by cores); ours on this 2-core machine, one core used by the job.",
    queries,
  };
  const file = await writeResult('nexmark', result);
  console.log(`→ ${file}`);
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) await runNexmarkBenchmark();

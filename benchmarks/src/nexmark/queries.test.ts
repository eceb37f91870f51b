/**
 * Each Nexmark query on the engine against the naive oracle, on a small
 * generated stream (20,000 events at 500 events/s of event time: 40 s, so
 * windows of 10 s fire several times and sessions close), plus the
 * generator's own contract (proportions, determinism, order).
 */
import { StreamEnvironment, WatermarkStrategy, silentLogger, type DataStream } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { NEXMARK_OUT_OF_ORDERNESS_MS, NexmarkGenerator, nexmarkSource } from './generator.js';
import type { NexmarkEvent } from './model.js';
import { oracleQ0, oracleQ1, oracleQ11, oracleQ2, oracleQ4, oracleQ5, oracleQ7, oracleQ8 } from './oracle.js';
import { NEXMARK_QUERIES, type NexmarkQueryId, type Q4Row } from './queries.js';


const EVENTS = 20_000;
const OPTIONS = { seed: 42, eventsPerSecond: 500 };
const events = new NexmarkGenerator(OPTIONS).events(EVENTS);

async function run<T>(query: (events: DataStream<NexmarkEvent>) => DataStream<T>): Promise<T[]> {
  const env = StreamEnvironment.create({ logger: silentLogger });
  const stream = env.fromSource(nexmarkSource(EVENTS, OPTIONS), WatermarkStrategy.forBoundedOutOfOrderness<NexmarkEvent>(NEXMARK_OUT_OF_ORDERNESS_MS), 'nexmark');
  return query(stream).executeAndCollect();
}

/** Rows as canonical strings, sorted: a multiset comparison that ignores emission order. */
const canonical = (rows: readonly unknown[]): string[] => rows.map((r) => JSON.stringify(r)).sort();

describe('Nexmark generator', () => {
  it('keeps the 1:3:46 proportions, in event-time order, with dense person and auction ids', () => {
    const kinds = { person: 0, auction: 0, bid: 0 };
    for (const e of events) kinds[e.kind]++;
    expect(kinds).toEqual({ person: EVENTS / 50, auction: (3 * EVENTS) / 50, bid: (46 * EVENTS) / 50 });
    for (let i = 1; i < events.length; i++) expect(events[i]!.dateTime).toBeGreaterThanOrEqual(events[i - 1]!.dateTime);
    const personIds = events.filter((e) => e.kind === 'person').map((p) => p.id);
    expect(personIds).toEqual(personIds.map((_, i) => 1000 + i));
    const auctionIds = events.filter((e) => e.kind === 'auction').map((a) => a.id);
    expect(auctionIds).toEqual(auctionIds.map((_, i) => 1000 + i));
  });

  it('is deterministic for a seed, event by event, and differs across seeds', () => {
    const again = new NexmarkGenerator(OPTIONS);
    expect(again.eventAt(12_345)).toEqual(events[12_345]);
    expect(new NexmarkGenerator(OPTIONS).events(500)).toEqual(events.slice(0, 500));
    expect(new NexmarkGenerator({ ...OPTIONS, seed: 43 }).events(500)).not.toEqual(events.slice(0, 500));
  });

  it('bids on auctions and by people that exist (or are about to)', () => {
    const lastAuction = (i: number): number => Math.max(...events.slice(0, i + 1).filter((e) => e.kind === 'auction').map((a) => (a as { id: number }).id), 999);
    for (const i of [100, 5_000, 19_999]) {
      const bid = events.slice(0, i).reverse().find((e) => e.kind === 'bid');
      if (bid?.kind !== 'bid') throw new Error('no bid');
      expect(bid.auction).toBeLessThanOrEqual(lastAuction(i) + 10);
      expect(bid.price).toBeGreaterThan(0);
    }
  });
});

describe('Nexmark queries against the naive oracle', () => {
  const oracles: Record<Exclude<NexmarkQueryId, 'q4'>, (e: readonly NexmarkEvent[]) => unknown[]> = {
    q0: oracleQ0,
    q1: oracleQ1,
    q2: oracleQ2,
    q5: oracleQ5,
    q7: oracleQ7,
    q8: oracleQ8,
    q11: oracleQ11,
  };
  for (const [id, oracle] of Object.entries(oracles) as Array<[Exclude<NexmarkQueryId, 'q4'>, (e: readonly NexmarkEvent[]) => unknown[]]>) {
    it(`${id} emits exactly the oracle's rows`, async () => {
      const expected = oracle(events);
      expect(expected.length).toBeGreaterThan(0);
      const actual = await run(NEXMARK_QUERIES[id] as (events: DataStream<NexmarkEvent>) => DataStream<unknown>);
      expect(canonical(actual)).toEqual(canonical(expected));
    });
  }

  it("q4's last update per category is the oracle's average", async () => {
    const updates = await run(NEXMARK_QUERIES.q4);
    const last = new Map<number, Q4Row>();
    for (const u of updates) last.set(u.category, u);
    const expected = oracleQ4(events);
    expect(expected.length).toBeGreaterThan(0);
    expect([...last.values()].sort((a, b) => a.category - b.category)).toEqual(expected);
  });
});

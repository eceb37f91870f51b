import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_DETAILS_TABLE, ORDERS_TABLE } from '../data/contracts.js';
import { retailDataset } from '../data/generator.js';
import { pgliteTarget, prepareTables, type SqlTarget } from '../data/load.js';
import { runSimulation, type Clock } from './driver.js';
import { callbackOutput, databaseOrdersOutput, jsonLinesOutput, nextOrderNumber } from './outputs.js';
import { PlatformSimulator, type OrderRecord, type SimulatorRecord, type SimulatorStats } from './simulator.js';

const dataset = retailDataset({ customers: 2_000, seed: 42 });
const options = { dataset, sessions: 50, thinkTimeMs: 200, durationMs: 10_000, malformedFraction: 0.05 };

/** A clock that jumps forward when slept on: real-time pacing without waiting. */
function manualClock(start: number): Clock & { slept: number } {
  let now = start;
  const clock = {
    slept: 0,
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
      clock.slept += ms;
    },
  };
  return clock;
}

describe('runSimulation', { timeout: 30_000 }, () => {
  it('writes the same records as fast as possible and in real time (on an injected clock)', async () => {
    const fast: SimulatorRecord[] = [];
    const fastReport = await runSimulation(new PlatformSimulator(options), { outputs: [callbackOutput((r) => void fast.push(r))] });
    const paced: SimulatorRecord[] = [];
    const clock = manualClock(5_000_000);
    const writes: Array<{ at: number; latest: number }> = [];
    const report = await runSimulation(new PlatformSimulator(options), {
      pace: 'real-time',
      clock,
      outputs: [
        {
          write: (records) => {
            paced.push(...records);
            writes.push({ at: clock.now(), latest: records.at(-1)!.time });
          },
        },
      ],
    });
    expect(paced).toEqual(fast);
    expect(report.sessionEvents).toBe(fastReport.sessionEvents);
    expect(report.aborted).toBe(false);
    // Paced: nothing is written before its time (virtual start mapped to the clock's start).
    const offset = 5_000_000 - new PlatformSimulator(options).options.startTime;
    for (const w of writes) expect(w.latest + offset).toBeLessThanOrEqual(w.at);
    expect(clock.slept).toBeGreaterThan(9_000);
    expect(clock.slept).toBeLessThanOrEqual(10_000);
  });

  it('paces against the wall clock, stamping events with it when startTime is now', async () => {
    const lags: number[] = [];
    const started = Date.now();
    const report = await runSimulation(new PlatformSimulator({ ...options, durationMs: 800, startTime: started }), {
      pace: 'real-time',
      outputs: [callbackOutput((r) => void lags.push(Date.now() - r.time))],
    });
    expect(report.wallMs).toBeGreaterThanOrEqual(700);
    expect(report.wallMs).toBeLessThan(3_000);
    expect(lags.length).toBeGreaterThan(50);
    for (const lag of lags) expect(lag).toBeGreaterThanOrEqual(0);
    lags.sort((a, b) => a - b);
    expect(lags[Math.floor(lags.length / 2)]).toBeLessThan(100);
  });

  it('stops when aborted, flushes the outputs and says so; reports progress', async () => {
    const controller = new AbortController();
    let flushed = false;
    const progress: SimulatorStats[] = [];
    let written = 0;
    const report = await runSimulation(new PlatformSimulator({ ...options, durationMs: Number.POSITIVE_INFINITY }), {
      batchSize: 100,
      progressIntervalMs: 0,
      onProgress: (s) => progress.push(s),
      outputs: [
        {
          write: (records) => {
            written += records.length;
            if (written >= 1_000) controller.abort();
          },
          flush: async () => {
            flushed = true;
          },
        },
      ],
      signal: controller.signal,
    });
    expect(report.aborted).toBe(true);
    expect(flushed).toBe(true);
    expect(written).toBeGreaterThanOrEqual(1_000);
    expect(written).toBeLessThan(1_200);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)!.sessionEvents + progress.at(-1)!.malformedEvents + progress.at(-1)!.orders).toBe(written);
  });

  it('rejects bad options', async () => {
    await expect(runSimulation(new PlatformSimulator(options), { outputs: [], batchSize: 0 })).rejects.toThrow('batchSize must be an integer >= 1, got 0');
  });
});

describe('jsonLinesOutput', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simulator-jsonl-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes one line per session event (malformed ones raw) and optionally per order event', async () => {
    const all: SimulatorRecord[] = [];
    const events = jsonLinesOutput(join(dir, 'events.jsonl'));
    const withOrders = jsonLinesOutput(join(dir, 'all.jsonl'), { orders: true });
    await runSimulation(new PlatformSimulator(options), { outputs: [callbackOutput((r) => void all.push(r)), events, withOrders] });
    await events.close();
    await withOrders.close();
    const lines = (await readFile(join(dir, 'events.jsonl'), 'utf8')).split('\n').slice(0, -1);
    expect(lines).toEqual(all.filter((r) => r.kind !== 'order').map((r) => (r as { data: string }).data));
    const allLines = (await readFile(join(dir, 'all.jsonl'), 'utf8')).split('\n').slice(0, -1);
    const orderEvents = all.filter((r): r is OrderRecord => r.kind === 'order').flatMap((r) => r.events);
    expect(orderEvents.length).toBeGreaterThan(0);
    expect(allLines).toHaveLength(lines.length + orderEvents.length);
    expect(allLines.filter((l) => l.includes('"order_number"')).map((l) => JSON.parse(l))).toEqual(orderEvents);
  });
});

describe('databaseOrdersOutput', () => {
  let db: PGlite;
  let target: SqlTarget;
  beforeAll(async () => {
    db = await PGlite.create();
    target = pgliteTarget(db);
    await prepareTables(target, [ORDERS_TABLE, ORDER_DETAILS_TABLE], 'drop');
  }, 60_000);
  afterAll(async () => {
    await db?.close();
  });

  it('inserts every placed order and its lines; a second run continues after the last order number', async () => {
    expect(await nextOrderNumber(target, 500)).toBe(500);
    const orders: OrderRecord[] = [];
    const first = await runSimulation(new PlatformSimulator({ ...options, firstOrderNumber: 1 }), {
      outputs: [databaseOrdersOutput(target), callbackOutput((r) => void (r.kind === 'order' && orders.push(r)))],
    });
    const count = async (table: string): Promise<number> => Number((await target.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM ${table}`))[0]?.n);
    expect(first.orders).toBeGreaterThan(10);
    expect(await count('orders')).toBe(first.orders);
    expect(await count('orderdetails')).toBe(first.orderLines);
    const [row] = await target.query<Record<string, unknown>>('SELECT "customerNumber", status, "requiredDate"::text AS d FROM orders WHERE "orderNumber" = $1', [orders[0]!.order.orderNumber]);
    expect(row).toEqual({ customerNumber: orders[0]!.order.customerNumber, status: 'In Process', d: orders[0]!.order.requiredDate });

    const next = await nextOrderNumber(target);
    expect(next).toBe(first.orders + 1);
    const second = await runSimulation(new PlatformSimulator({ ...options, seed: 7, firstOrderNumber: next }), { outputs: [databaseOrdersOutput(target)] });
    expect(await count('orders')).toBe(first.orders + second.orders);
  }, 60_000);
});

/**
 * The sales dashboard's demand-spike alerts on the platform simulator's
 * traffic: hours of simulated orders as the baseline, then a regional
 * `DemandSpike` for one product line, through the dashboard's dataflow with
 * its default thresholds and early-firing interval.
 *
 * Event time and processing time are kept in lockstep, as in a real-time
 * run but deterministic: the job runs on a `TestClock`, the simulator is
 * driven as fast as possible (`runSimulation`, pace `fast`), and a source
 * the test feeds receives the orders of one early-firing interval at a time.
 * Before the clock moves to the end of an interval, the test waits until
 * the region windows have taken every order and the watermark fed so far;
 * after it moved (the early firings run inside `setTime`), it waits until
 * the spike detector has judged every firing. So each firing sees exactly
 * the orders placed before its time, and an alert's `detected_at` is the
 * virtual time at which a real-time run would have raised it.
 */
import { StreamEnvironment, WatermarkStrategy, silentLogger, type JobHandle, type ReaderOutput, type ReaderStatus, type Source, type SourceReader } from '@tributary/core';
import { TestClock, waitUntil } from '@tributary/core/testing';
import {
  DEFAULT_EARLY_FIRING_INTERVAL_MS,
  DEFAULT_MAX_OUT_OF_ORDERNESS_MS,
  HOUR_MS,
  judgeHour,
  regionResolver,
  resolveSpikeOptions,
  salesDashboardDataflow,
  type OrderEvent,
  type RegionHourlySales,
  type SpikeAlert,
} from '@tributary/pipelines';
import { describe, expect, it } from 'vitest';
import { retailDataset } from '../data/generator.js';
import { runSimulation } from './driver.js';
import type { DemandSpike } from './options.js';
import { callbackOutput } from './outputs.js';
import { PlatformSimulator, type SimulatorRecord } from './simulator.js';

const START = Date.UTC(2026, 10, 23); // an hour boundary
const BASELINE_HOURS = 8;
const SPIKE_HOUR = START + BASELINE_HOURS * HOUR_MS;
const INTERVAL = DEFAULT_EARLY_FIRING_INTERVAL_MS;
/** How long one lockstep step may take in real time. */
const STEP_TIMEOUT_MS = 10_000;
const dataset = retailDataset({ customers: 5_000, seed: 42 });
const productLines = new Map(dataset.catalog.map((p) => [p.productCode, p.productLine]));
const regionOf = regionResolver();
const spikeOptions = resolveSpikeOptions();

/**
 * Dense, steady traffic: 100 concurrent known customers stepping every 20 s
 * on average, carting and ordering readily — about 3,700 order lines an
 * hour, so even a product line outside a region's preferences sells about
 * 100 units an hour there (its busiest lines about 1,000). Nine hours and
 * a bit: eight of baseline, the spike hour, and enough of the next for the
 * watermark to pass the spike hour's end.
 */
function simulator(spikes: readonly DemandSpike[]): PlatformSimulator {
  return new PlatformSimulator({
    dataset,
    sessions: 100,
    thinkTimeMs: 20_000,
    cartProbability: 0.5,
    orderProbability: 0.5,
    newVisitorFraction: 0,
    malformedFraction: 0,
    startTime: START,
    durationMs: (BASELINE_HOURS + 1) * HOUR_MS + 5 * 60_000,
    spikes,
  });
}

/** A source the test feeds: each poll emits what was pushed since the last one (raw order events, as the dataflow takes them). */
class FedSource implements Source<unknown, { readonly id: string }> {
  readonly boundedness = 'unbounded' as const;
  private readonly queue: OrderEvent[] = [];
  private wake: (() => void) | undefined;

  push(events: readonly OrderEvent[]): void {
    this.queue.push(...events);
    this.wake?.();
  }

  discoverSplits(): Array<{ readonly id: string }> {
    return [{ id: 'fed' }];
  }

  createReader(): SourceReader<unknown, { readonly id: string }> {
    return {
      addSplits: () => {},
      pollNext: (output: ReaderOutput<unknown>): ReaderStatus => {
        for (const event of this.queue.splice(0)) output.collect('fed', event);
        return 'waiting';
      },
      available: () => (this.queue.length > 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.wake = resolve))),
      snapshotState: () => [{ id: 'fed' }],
    };
  }
}

interface Run {
  readonly orders: readonly OrderEvent[];
  readonly regionHourly: readonly RegionHourlySales[];
  readonly alerts: readonly SpikeAlert[];
}

/** The sum of one operator's counter over its subtasks. */
function counter(job: JobHandle, uid: string, field: 'recordsIn' | 'recordsOut'): number {
  return job
    .metrics()
    .filter((m) => m.uid === uid)
    .reduce((sum, m) => sum + m[field], 0);
}

function watermarkOf(job: JobHandle, uid: string): number {
  return Math.min(...job.metrics().filter((m) => m.uid === uid).map((m) => m.watermark));
}

/** Runs the simulator through the dashboard's dataflow in lockstep (see the module comment). */
async function runDashboard(spikes: readonly DemandSpike[]): Promise<Run> {
  const clock = new TestClock(START);
  const env = StreamEnvironment.create({ clock, logger: silentLogger });
  const source = new FedSource();
  const streams = salesDashboardDataflow(env.fromSource(source, WatermarkStrategy.noWatermarks(), 'simulated orders'), {
    catalog: { kind: 'static', productLines },
    regionOf,
  });
  const regionHourly: RegionHourlySales[] = [];
  const alerts: SpikeAlert[] = [];
  streams.regionHourly.sinkTo((r) => void regionHourly.push(r));
  streams.alerts.sinkTo((a) => void alerts.push(a));
  streams.quarantine.sinkTo((q) => {
    throw new Error(`a simulated order was quarantined: ${q.reason}`);
  });
  const job = env.execute('sales-spike-on-simulated-traffic');

  const orders: OrderEvent[] = [];
  let newest = Number.NEGATIVE_INFINITY;
  let boundary = START + INTERVAL;
  /** Lets the windows take everything fed so far, moves processing time to `boundary`, and lets the detector judge the firings. */
  const fire = async (): Promise<void> => {
    const watermark = newest - DEFAULT_MAX_OUT_OF_ORDERNESS_MS - 1;
    await waitUntil(() => counter(job, 'sales-region-hourly', 'recordsIn') === orders.length && (orders.length === 0 || watermarkOf(job, 'sales-region-hourly') >= watermark), STEP_TIMEOUT_MS, {
      what: `the region windows to take ${orders.length} order lines`,
      intervalMs: 1,
    });
    clock.setTime(boundary);
    await waitUntil(() => counter(job, 'sales-spikes', 'recordsIn') === counter(job, 'sales-region-hourly', 'recordsOut'), STEP_TIMEOUT_MS, {
      what: 'the spike detector to judge the firings',
      intervalMs: 1,
    });
    boundary += INTERVAL;
  };
  const sim = simulator(spikes);
  try {
    await runSimulation(sim, {
      pace: 'fast',
      outputs: [
        callbackOutput(async (record: SimulatorRecord) => {
          while (record.time >= boundary) await fire();
          if (record.kind !== 'order') return;
          source.push(record.events);
          orders.push(...record.events);
          newest = Math.max(newest, record.time);
        }),
      ],
    });
    while (boundary <= sim.endTime) await fire();
  } finally {
    await job.cancel();
  }
  return { orders, regionHourly, alerts };
}

/** Units and distinct orders of a product line × region by hour, up to `until`, from the simulator's order events (the oracle). */
function hoursOf(orders: readonly OrderEvent[], productLine: string, region: string, until = Number.POSITIVE_INFINITY): Map<number, { units: number; orders: Set<number> }> {
  const hours = new Map<number, { units: number; orders: Set<number> }>();
  for (const o of orders) {
    if (productLines.get(o.product_code) !== productLine || regionOf(o.country) !== region || o.order_time > until) continue;
    const start = o.order_time - (o.order_time % HOUR_MS);
    const hour = hours.get(start) ?? { units: 0, orders: new Set<number>() };
    hour.units += o.quantity_ordered;
    hour.orders.add(o.order_number);
    hours.set(start, hour);
  }
  return hours;
}

describe('demand spikes on simulated traffic', { timeout: 120_000 }, () => {
  const spike: DemandSpike = { region: 'Europe', productLine: 'Ships', multiplier: 6, startMs: BASELINE_HOURS * HOUR_MS, durationMs: HOUR_MS };

  it('raises one alert, for the spiking product line × region in the spike hour, within one early-firing interval, with its numbers', async () => {
    const run = await runDashboard([spike]);
    expect(run.orders.length).toBeGreaterThan(30_000);
    expect(run.alerts).toHaveLength(1);
    const alert = run.alerts[0] as SpikeAlert;
    expect(alert).toMatchObject({ alert_id: `Ships|Europe|${SPIKE_HOUR}`, product_line: 'Ships', region: 'Europe', hour_start: SPIKE_HOUR, metric: 'units' });

    // In time: at an early firing within the hour, at most one interval after the newest order it counts.
    expect(alert.detected_at % INTERVAL).toBe(0);
    expect(alert.detected_at).toBeLessThan(SPIKE_HOUR + HOUR_MS);
    expect(alert.detected_at - SPIKE_HOUR).toBeLessThanOrEqual(15 * 60_000); // within minutes of the spike's start
    expect(alert.detected_at - alert.last_event_time).toBeLessThanOrEqual(INTERVAL);
    // The baseline, from the simulator's orders: the eight hours before, their mean, spread and units per order.
    const hours = hoursOf(run.orders, 'Ships', 'Europe');
    const history = [...Array(BASELINE_HOURS).keys()].map((h) => hours.get(START + h * HOUR_MS));
    const units = history.map((h) => h?.units ?? 0);
    const mean = units.reduce((a, b) => a + b, 0) / units.length;
    const stddev = Math.sqrt(units.reduce((a, v) => a + (v - mean) ** 2, 0) / units.length);
    const perOrder = units.reduce((a, b) => a + b, 0) / history.reduce((a, h) => a + (h?.orders.size ?? 0), 0);
    expect(alert.baseline_hours).toBe(BASELINE_HOURS);
    expect(alert.baseline_mean).toBeCloseTo(mean, 9);
    expect(alert.baseline_stddev).toBeCloseTo(stddev, 9);
    expect(alert.baseline_per_order).toBeCloseTo(perOrder, 9);

    // …raised at the first firing whose totals cross the thresholds: none of the hour's earlier firings did.
    const firings = run.regionHourly.filter((r) => r.product_line === 'Ships' && r.region === 'Europe' && r.hour_start === SPIKE_HOUR);
    const at = firings.findIndex((r) => r.updated_at === alert.detected_at);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(firings[at]?.units).toBe(alert.observed);
    const baseline = { mean, stddev, hours: BASELINE_HOURS, perOrder };
    for (const earlier of firings.slice(0, at)) {
      const reached = Math.max(earlier.last_event_time, Math.min(earlier.watermark, earlier.hour_end));
      expect(judgeHour(earlier.units, (reached - SPIKE_HOUR) / HOUR_MS, baseline, spikeOptions)).toBeUndefined();
    }

    // The alert's numbers.
    expect(alert.observed).toBe(hoursOf(run.orders, 'Ships', 'Europe', alert.last_event_time).get(SPIKE_HOUR)?.units);
    const f = alert.elapsed_fraction;
    expect(f).toBeGreaterThanOrEqual(spikeOptions.minElapsedFraction);
    expect(f).toBeLessThanOrEqual((alert.detected_at - SPIKE_HOUR) / HOUR_MS);
    expect(alert.expected).toBeCloseTo(f * mean, 9);
    expect(alert.ratio).toBeCloseTo(alert.observed / alert.expected, 9);
    const spread = Math.sqrt(f * stddev ** 2 + perOrder * alert.expected);
    expect(alert.z_score).toBeCloseTo((alert.observed - alert.expected) / spread, 9);
    expect(alert.z_score).toBeGreaterThan(spikeOptions.zThreshold);
    expect(alert.ratio).toBeGreaterThan(spikeOptions.minRatio);
    // The spike is real: the whole hour sold several times the baseline.
    expect(hours.get(SPIKE_HOUR)?.units).toBeGreaterThan(3 * mean);
  });

  it('raises no alert at all on the same traffic without the spike', async () => {
    const run = await runDashboard([]);
    expect(run.orders.length).toBeGreaterThan(30_000);
    // Every product line × region was judged, hour after hour.
    const groups = new Set(run.regionHourly.map((r) => `${r.product_line}|${r.region}`));
    expect(groups.size).toBe(21);
    expect(new Set(run.regionHourly.map((r) => r.hour_start)).size).toBe(BASELINE_HOURS + 2);
    expect(run.alerts).toEqual([]);
  });
});

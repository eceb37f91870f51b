/**
 * Demand spikes: per product line × region, the current hour against a
 * trailing baseline — the rolling mean μ and standard deviation σ of the
 * same metric over the previous `baselineHours` hours (hours without
 * orders count as 0; hours before the group was first seen do not count),
 * and k, the metric per order over those hours (units or revenue per
 * order; 1 for the order count).
 *
 * The trailing-hours baseline (rather than the same hour on previous days)
 * reacts within the day a trend starts and needs only a few hours of
 * history; its blind spot is the daily cycle, which the ratio test and a
 * baseline of a full day (the default) soften.
 *
 * The current hour is still filling while early firings report it, so it is
 * compared against the share of an hour that has passed: with
 * f = (event time reached − hour start) / 1 h (at least `minElapsedFraction`),
 * expected e = f·μ and spread s = √(f·σ² + k·e), an alert is raised when
 *   observed ≥ minObserved  and  observed > e + zThreshold·s  and  observed ≥ minRatio·e + zThreshold·√(k·minRatio·e),
 * once per group and hour, with the numbers that triggered it.
 *
 * Why the k·e term (the counting noise of the elapsed part of the hour):
 * orders arrive one by one, so what f of an hour holds varies by about
 * √(k·e) however steady the hourly totals are, and σ from a few hours is
 * often far below that. The hour is also looked at every early firing, so
 * an early, small count gets many chances to look high. Without the term
 * the detector raised several alerts a day per 21 groups on the platform
 * simulator's steady traffic (about 100 units an hour for the smaller
 * groups; see the simulator's salesSpike test); with it, none, while a
 * regional spike of the simulator is still flagged within minutes. The
 * ratio test asks for the hour to run at `minRatio` times the baseline
 * beyond that noise, which also keeps a flat series with σ = 0 quiet.
 */
import { MapStateDescriptor, ValueStateDescriptor, type Collector, type KeyedProcessContext, type KeyedProcessFunction, type MapState, type RuntimeContext, type ValueState } from '@tributary/core';
import type { RegionHourlySales } from './salesMetrics.js';

const HOUR_MS = 3_600_000;

/** What a spike is measured on. */
export type SpikeMetric = 'units' | 'orders' | 'revenue';

/** Default baseline length: the previous 24 hours. */
export const DEFAULT_BASELINE_HOURS = 24;
/** Default: at least 3 hours of history before a group is judged. */
export const DEFAULT_MIN_BASELINE_HOURS = 3;
/** Default deviation threshold (standard deviations above the expected value). */
export const DEFAULT_Z_THRESHOLD = 3;
/** Default ratio threshold: at least twice the expected value. */
export const DEFAULT_MIN_RATIO = 2;
/** Default minimum observed value (units, orders or revenue in currency units) before anything is a spike. */
export const DEFAULT_MIN_OBSERVED = 10;
/** Default floor of the elapsed fraction of the hour: 5 minutes, so the first minutes do not magnify noise. */
export const DEFAULT_MIN_ELAPSED_FRACTION = 1 / 12;

/** Options of {@link spikeDetector}. */
export interface SpikeOptions {
  readonly metric?: SpikeMetric;
  readonly baselineHours?: number;
  readonly minBaselineHours?: number;
  readonly zThreshold?: number;
  readonly minRatio?: number;
  readonly minObserved?: number;
  readonly minElapsedFraction?: number;
}

/** An alert: a group's hour well above its baseline, with the numbers. */
export interface SpikeAlert {
  /** `productLine|region|hourStart`: one alert per group and hour. */
  readonly alert_id: string;
  readonly product_line: string;
  readonly region: string;
  readonly hour_start: number;
  readonly metric: SpikeMetric;
  /** The metric so far this hour. */
  readonly observed: number;
  /** f·μ: what the baseline predicts for the elapsed part of the hour. */
  readonly expected: number;
  readonly baseline_mean: number;
  readonly baseline_stddev: number;
  /** Hours the baseline was computed over. */
  readonly baseline_hours: number;
  /** k: the metric per order over the baseline hours (1 for `orders`, or when the baseline had none). */
  readonly baseline_per_order: number;
  /** (observed − e) / s with s = √(f·σ² + k·e); `null` when s = 0. */
  readonly z_score: number | null;
  /** observed / (f·μ); `null` when the expectation is 0. */
  readonly ratio: number | null;
  readonly elapsed_fraction: number;
  readonly z_threshold: number;
  readonly min_ratio: number;
  /** The newest order time of the hour when detected. */
  readonly last_event_time: number;
  /** Processing time of the detection. */
  readonly detected_at: number;
}

/** The resolved options. */
export type ResolvedSpikeOptions = Required<SpikeOptions>;

/**
 * Applies defaults and checks the options.
 *
 * @throws RangeError naming the broken constraint.
 */
export function resolveSpikeOptions(options: SpikeOptions = {}): ResolvedSpikeOptions {
  const r: ResolvedSpikeOptions = {
    metric: options.metric ?? 'units',
    baselineHours: options.baselineHours ?? DEFAULT_BASELINE_HOURS,
    minBaselineHours: options.minBaselineHours ?? DEFAULT_MIN_BASELINE_HOURS,
    zThreshold: options.zThreshold ?? DEFAULT_Z_THRESHOLD,
    minRatio: options.minRatio ?? DEFAULT_MIN_RATIO,
    minObserved: options.minObserved ?? DEFAULT_MIN_OBSERVED,
    minElapsedFraction: options.minElapsedFraction ?? DEFAULT_MIN_ELAPSED_FRACTION,
  };
  if (!['units', 'orders', 'revenue'].includes(r.metric)) throw new RangeError(`spikes.metric must be units, orders or revenue, got ${String(r.metric)}`);
  if (!Number.isInteger(r.baselineHours) || r.baselineHours < 1) throw new RangeError(`spikes.baselineHours must be an integer >= 1, got ${r.baselineHours}`);
  if (!Number.isInteger(r.minBaselineHours) || r.minBaselineHours < 1 || r.minBaselineHours > r.baselineHours) {
    throw new RangeError(`spikes.minBaselineHours must be an integer in [1, baselineHours], got ${r.minBaselineHours}`);
  }
  if (!(r.zThreshold >= 0) || !Number.isFinite(r.zThreshold)) throw new RangeError(`spikes.zThreshold must be a number >= 0, got ${r.zThreshold}`);
  if (!(r.minRatio >= 1) || !Number.isFinite(r.minRatio)) throw new RangeError(`spikes.minRatio must be a number >= 1, got ${r.minRatio}`);
  if (!(r.minObserved >= 0) || !Number.isFinite(r.minObserved)) throw new RangeError(`spikes.minObserved must be a number >= 0, got ${r.minObserved}`);
  if (!(r.minElapsedFraction > 0 && r.minElapsedFraction <= 1)) throw new RangeError(`spikes.minElapsedFraction must be in (0, 1], got ${r.minElapsedFraction}`);
  return r;
}

/** The metric of a region-hour's totals (revenue in currency units). */
export function metricValue(totals: Pick<RegionHourlySales, 'units' | 'orders' | 'revenue_cents'>, metric: SpikeMetric): number {
  return metric === 'units' ? totals.units : metric === 'orders' ? totals.orders : totals.revenue_cents / 100;
}

/** A baseline: mean and (population) standard deviation over `hours` values, and the metric per order. */
export interface Baseline {
  readonly mean: number;
  readonly stddev: number;
  readonly hours: number;
  /** k: Σ metric / Σ orders over the hours (1 when they had no orders). */
  readonly perOrder: number;
}

/**
 * The mean and population standard deviation of `values`, and — given the
 * orders of the same hours — the metric per order (default 1: each order
 * counts 1, as for the `orders` metric).
 *
 * ```ts
 * baselineOf([100, 120, 80], [50, 60, 40]); // { mean: 100, stddev: 16.33…, hours: 3, perOrder: 2 }
 * ```
 */
export function baselineOf(values: readonly number[], orders?: readonly number[]): Baseline {
  const n = values.length;
  const total = values.reduce((a, b) => a + b, 0);
  const mean = total / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
  const orderTotal = orders?.reduce((a, b) => a + b, 0) ?? 0;
  return { mean, stddev: Math.sqrt(variance), hours: n, perOrder: orderTotal > 0 ? total / orderTotal : 1 };
}

/**
 * Judges an hour so far against a baseline: the alert's numbers when it is
 * a spike (see the module comment for the tests), else `undefined`. Pure;
 * the detector calls it on every update.
 *
 * ```ts
 * const baseline = baselineOf([100, 110, 90], [50, 55, 45]);       // μ 100, k 2
 * judgeHour(90, 0.25, baseline, resolveSpikeOptions());            // e 25, s ≈ 8.2: a spike (z ≈ 8.0, ratio 3.6)
 * judgeHour(70, 0.25, baseline, resolveSpikeOptions());            // undefined: z ≈ 5.5, but not clearly twice e (2·25 + 3·√(2·50) = 80)
 * ```
 */
export function judgeHour(
  observed: number,
  elapsedFraction: number,
  baseline: Baseline,
  options: ResolvedSpikeOptions,
): Pick<SpikeAlert, 'observed' | 'expected' | 'baseline_mean' | 'baseline_stddev' | 'baseline_hours' | 'baseline_per_order' | 'z_score' | 'ratio' | 'elapsed_fraction'> | undefined {
  const { zThreshold, minRatio } = options;
  const f = Math.min(1, Math.max(options.minElapsedFraction, elapsedFraction));
  const k = baseline.perOrder;
  const expected = f * baseline.mean;
  const spread = Math.sqrt(f * baseline.stddev ** 2 + k * expected);
  if (observed < options.minObserved || observed <= expected + zThreshold * spread) return undefined;
  const atRatio = minRatio * expected;
  if (observed < atRatio + zThreshold * Math.sqrt(k * atRatio)) return undefined;
  return {
    observed,
    expected,
    baseline_mean: baseline.mean,
    baseline_stddev: baseline.stddev,
    baseline_hours: baseline.hours,
    baseline_per_order: k,
    z_score: spread > 0 ? (observed - expected) / spread : null,
    ratio: expected > 0 ? observed / expected : null,
    elapsed_fraction: f,
  };
}

/**
 * The detector, for a stream of region-hour totals keyed by product line ×
 * region (`lineRegionKey`). It keeps the latest value and order count of each of the last
 * `baselineHours + 1` hours and the hours already alerted, and emits at most
 * one {@link SpikeAlert} per group and hour.
 *
 * ```ts
 * regionHourly.keyBy(lineRegionKey).process(spikeDetector({ zThreshold: 3 })).sinkTo(alerts);
 * ```
 */
export function spikeDetector(options: SpikeOptions = {}): KeyedProcessFunction<string, RegionHourlySales, SpikeAlert> {
  const resolved = resolveSpikeOptions(options);
  return new SpikeDetector(resolved);
}

class SpikeDetector implements KeyedProcessFunction<string, RegionHourlySales, SpikeAlert> {
  private hours!: MapState<number, number>;
  private orders!: MapState<number, number>;
  private alerted!: MapState<number, boolean>;
  private firstHour!: ValueState<number>;

  constructor(private readonly options: ResolvedSpikeOptions) {}

  open(context: RuntimeContext): void {
    this.hours = context.getMapState(new MapStateDescriptor<number, number>('hour-values'));
    this.orders = context.getMapState(new MapStateDescriptor<number, number>('hour-orders'));
    this.alerted = context.getMapState(new MapStateDescriptor<number, boolean>('alerted-hours'));
    this.firstHour = context.getState(new ValueStateDescriptor<number>('first-hour'));
  }

  processElement(totals: RegionHourlySales, ctx: KeyedProcessContext<string>, out: Collector<SpikeAlert>): void {
    const { baselineHours, minBaselineHours, metric } = this.options;
    const hour = totals.hour_start;
    const value = metricValue(totals, metric);
    this.hours.put(hour, value);
    this.orders.put(hour, totals.orders);
    const first = this.firstHour.value();
    if (first === undefined || hour < first) this.firstHour.update(hour);
    const newest = Math.max(hour, ...this.hours.keys());
    const horizon = newest - (baselineHours + 1) * HOUR_MS;
    for (const h of [...this.hours.keys()]) {
      if (h < horizon) {
        this.hours.remove(h);
        this.orders.remove(h);
      }
    }
    for (const h of [...this.alerted.keys()]) if (h < horizon) this.alerted.remove(h);

    if (this.alerted.get(hour) === true) return;
    const since = Math.max(this.firstHour.value() ?? hour, hour - baselineHours * HOUR_MS);
    const history: number[] = [];
    const orders: number[] = [];
    for (let h = since; h < hour; h += HOUR_MS) {
      history.push(this.hours.get(h) ?? 0);
      orders.push(this.orders.get(h) ?? 0);
    }
    if (history.length < minBaselineHours) return;
    const reached = Math.max(totals.last_event_time, Math.min(totals.watermark, totals.hour_end));
    const judged = judgeHour(value, (reached - hour) / (totals.hour_end - hour), baselineOf(history, orders), this.options);
    if (judged === undefined) return;
    this.alerted.put(hour, true);
    out.collect({
      alert_id: `${totals.product_line}|${totals.region}|${hour}`,
      product_line: totals.product_line,
      region: totals.region,
      hour_start: hour,
      metric,
      ...judged,
      z_threshold: this.options.zThreshold,
      min_ratio: this.options.minRatio,
      last_event_time: totals.last_event_time,
      detected_at: ctx.currentProcessingTime(),
    });
  }
}

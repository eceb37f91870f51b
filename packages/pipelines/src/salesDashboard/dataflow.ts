/**
 * The sales dashboard's dataflow, from raw order events to its output
 * streams — independent of where the orders come from and where the
 * results go, so tests drive it with a TestSource and check its streams:
 *
 * ```
 * raw orders ─ validate ─ event time ─ dedupe (keyed, TTL) ─ product line + region ─┬─ line × country × hour ─→ hourly
 *      │                                                     │                        └─ line × region × hour ─→ regionHourly ─ spikes ─→ alerts
 *      └──────────── dead letters ───────────────────────────┴─ unknown product, too late ─→ quarantine
 * ```
 * Windows are 1-hour tumbling event-time windows with early firings every
 * `earlyFiringIntervalMs` of processing time ({@link EarlyFiringTrigger})
 * and an allowed lateness (a day by default): every firing is an upsert of
 * the hour's running totals, and late orders re-fire their hour.
 */
import {
  AsyncDataStream,
  OutputTag,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  WatermarkStrategy,
  type AsyncFunction,
  type Collector,
  type DataStream,
  type DeadLetter,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type RuntimeContext,
  type ValueState,
} from '@tributary/core';
import type { OrderEvent } from '../retail/events.js';
import { InvalidOrderError, orderLineKey, validateOrderEvent, type QuarantineReasonCode } from '../retail/orders.js';
import { regionResolver, type RegionOf } from './regions.js';
import {
  hourlySalesFunction,
  lineCountryKey,
  lineRegionKey,
  regionHourlySalesFunction,
  salesAggregate,
  type EnrichedOrder,
  type HourlySales,
  type RegionHourlySales,
} from './salesMetrics.js';
import { spikeDetector, type SpikeAlert, type SpikeOptions } from './spikes.js';
import { EarlyFiringTrigger } from './trigger.js';

/** The window size: one hour. */
export const HOUR_MS = 3_600_000;
/**
 * Early firings every 30 s by default. The data age peaks just before a
 * firing at one interval plus the write (≤ 0.5 s buffer, see
 * flushingSink.ts): with one-minute firings that peak would sit just above
 * the one-minute target; 30 s keeps it near 31 s (about 15 s on average),
 * at the cost of re-upserting a changed hour twice a minute.
 */
export const DEFAULT_EARLY_FIRING_INTERVAL_MS = 30_000;
/** Late orders up to a day after their hour still correct it. */
export const DEFAULT_ALLOWED_LATENESS_MS = 86_400_000;
/** Watermarks trail the newest order time by a minute by default. */
export const DEFAULT_MAX_OUT_OF_ORDERNESS_MS = 60_000;
/** A source idle this long no longer holds the watermark back. */
export const DEFAULT_IDLENESS_MS = 60_000;
/** A seen order line is remembered this long (processing time) to drop duplicates: longer than the allowed lateness. */
export const DEFAULT_DEDUPE_TTL_MS = 2 * 86_400_000;
/** How long a product lookup may take before the job fails. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 10_000;

/** An order line with its product line, if the catalog knows the product. */
export interface CatalogMatch {
  readonly order: OrderEvent;
  readonly productLine: string | undefined;
}

/**
 * Where product lines come from: a fixed map (tests, small catalogs) or an
 * async lookup (`rdsLookup` on the products table, cached).
 */
export type ProductCatalog =
  | { readonly kind: 'static'; readonly productLines: ReadonlyMap<string, string> }
  | { readonly kind: 'lookup'; readonly lookup: AsyncFunction<OrderEvent, CatalogMatch>; readonly timeoutMs?: number };

/** A quarantined order event, with why and where. */
export interface QuarantinedOrder {
  readonly reason_code: QuarantineReasonCode | 'too-late' | 'failed';
  readonly reason: string;
  readonly operator: string;
  /** The record as JSON text (or the raw text as received). */
  readonly record: string;
  readonly quarantined_at: number;
}

/** Counters the dataflow keeps while it runs (shared by its subtasks in this process). */
export interface SalesDashboardStats {
  /** Quarantined events by reason code. */
  readonly quarantined: Map<string, number>;
  /** Duplicate order lines dropped. */
  duplicates: number;
}

/** Creates empty counters. */
export function createSalesDashboardStats(): SalesDashboardStats {
  return { quarantined: new Map(), duplicates: 0 };
}

/** Options of {@link salesDashboardDataflow}. */
export interface SalesDashboardDataflowOptions {
  readonly catalog: ProductCatalog;
  /** Country → region (default: {@link regionResolver}()). */
  readonly regionOf?: RegionOf;
  readonly earlyFiringIntervalMs?: number;
  readonly allowedLatenessMs?: number;
  readonly maxOutOfOrdernessMs?: number;
  readonly idlenessMs?: number;
  readonly dedupeTtlMs?: number;
  readonly spikes?: SpikeOptions;
  /** Counters to update (default: fresh ones, returned in the streams). */
  readonly stats?: SalesDashboardStats;
}

/** The dataflow's output streams. */
export interface SalesDashboardStreams {
  /** Upserts of product line × country × hour totals. */
  readonly hourly: DataStream<HourlySales>;
  /** Upserts of product line × region × hour totals. */
  readonly regionHourly: DataStream<RegionHourlySales>;
  readonly alerts: DataStream<SpikeAlert>;
  readonly quarantine: DataStream<QuarantinedOrder>;
  readonly stats: SalesDashboardStats;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a whole number of milliseconds > 0, got ${value}`);
  return value;
}

function recordText(record: unknown): string {
  if (typeof record === 'string') return record;
  try {
    return JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(record);
  } catch {
    return String(record);
  }
}

function quarantined(letter: DeadLetter): QuarantinedOrder {
  const error = letter.error;
  return {
    reason_code: error instanceof InvalidOrderError ? error.code : 'failed',
    reason: letter.reason,
    operator: letter.operator,
    record: recordText(letter.record),
    quarantined_at: Date.now(),
  };
}

/** Drops the second and later copies of an order line, remembering each key for the TTL. */
class Dedupe implements KeyedProcessFunction<string, OrderEvent, OrderEvent> {
  private seen!: ValueState<boolean>;

  constructor(
    private readonly ttlMs: number,
    private readonly stats: SalesDashboardStats,
  ) {}

  open(context: RuntimeContext): void {
    this.seen = context.getState(new ValueStateDescriptor<boolean>('seen').enableTimeToLive({ ttl: this.ttlMs }));
  }

  processElement(order: OrderEvent, _ctx: KeyedProcessContext<string>, out: Collector<OrderEvent>): void {
    if (this.seen.value() === true) {
      this.stats.duplicates++;
      return;
    }
    this.seen.update(true);
    out.collect(order);
  }
}

/**
 * Adds the dashboard's dataflow after `raw` (order events as objects, JSON
 * text or replica rows already renamed with `orderEventFromRow`).
 *
 * ```ts
 * const streams = salesDashboardDataflow(env.fromSource(TestSource.from(events), WatermarkStrategy.noWatermarks(), 'orders'), {
 *   catalog: { kind: 'static', productLines: new Map([['S10_1678', 'Motorcycles']]) },
 * });
 * streams.hourly.sinkTo(console.log);
 * ```
 * @throws RangeError for a bad interval, lateness or spike option.
 */
export function salesDashboardDataflow(raw: DataStream<unknown>, options: SalesDashboardDataflowOptions): SalesDashboardStreams {
  const early = positive('earlyFiringIntervalMs', options.earlyFiringIntervalMs ?? DEFAULT_EARLY_FIRING_INTERVAL_MS);
  const lateness = options.allowedLatenessMs ?? DEFAULT_ALLOWED_LATENESS_MS;
  if (!Number.isSafeInteger(lateness) || lateness < 0) throw new RangeError(`allowedLatenessMs must be a whole number of milliseconds >= 0, got ${lateness}`);
  const outOfOrderness = options.maxOutOfOrdernessMs ?? DEFAULT_MAX_OUT_OF_ORDERNESS_MS;
  if (!Number.isSafeInteger(outOfOrderness) || outOfOrderness < 0) throw new RangeError(`maxOutOfOrdernessMs must be a whole number of milliseconds >= 0, got ${outOfOrderness}`);
  const idleness = positive('idlenessMs', options.idlenessMs ?? DEFAULT_IDLENESS_MS);
  const ttl = positive('dedupeTtlMs', options.dedupeTtlMs ?? DEFAULT_DEDUPE_TTL_MS);
  const regionOf = options.regionOf ?? regionResolver();
  const stats = options.stats ?? createSalesDashboardStats();
  const alertsOf = spikeDetector(options.spikes); // checks the spike options now

  const validated = raw.map((event) => validateOrderEvent(event)).name('Validate order events').uid('sales-validate');
  const invalid = validated.deadLetters();
  const timed = validated.assignTimestampsAndWatermarks(
    WatermarkStrategy.forBoundedOutOfOrderness<OrderEvent>(outOfOrderness)
      .withTimestampAssigner((o) => o.order_time)
      .withIdleness(idleness),
  );
  const unique = timed.keyBy(orderLineKey).process(new Dedupe(ttl, stats)).name('Drop duplicate order lines').uid('sales-dedupe');

  const catalog = options.catalog;
  const matched: DataStream<CatalogMatch> =
    catalog.kind === 'static'
      ? unique.map((order): CatalogMatch => ({ order, productLine: catalog.productLines.get(order.product_code) })).name('Product line')
      : AsyncDataStream.orderedWait(unique, catalog.lookup, { timeout: catalog.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS, capacity: 200 }).name('Product line lookup').uid('sales-catalog');
  const enriched = matched
    .map((m): EnrichedOrder => {
      if (m.productLine === undefined) throw new InvalidOrderError('unknown-product', `product_code: unknown product '${m.order.product_code}'`);
      return { ...m.order, product_line: m.productLine, region: regionOf(m.order.country) };
    })
    .name('Known products only')
    .uid('sales-known-products');
  const unknown = enriched.deadLetters();

  const tooLate = new OutputTag<EnrichedOrder>('sales-too-late');
  const hourly = enriched
    .keyBy(lineCountryKey)
    .window(TumblingEventTimeWindows.of(HOUR_MS))
    .trigger(EarlyFiringTrigger.every(early))
    .allowedLateness(lateness)
    .sideOutputLateData(tooLate)
    .aggregate(salesAggregate, hourlySalesFunction(regionOf))
    .name('Sales by product line × country × hour')
    .uid('sales-hourly');
  const late = hourly.getSideOutput(tooLate).map(
    (order): QuarantinedOrder => ({
      reason_code: 'too-late',
      reason: `order_time: ${new Date(order.order_time).toISOString()} is later than the allowed lateness (${lateness} ms) after its hour`,
      operator: 'Sales by product line × country × hour',
      record: recordText(order),
      quarantined_at: Date.now(),
    }),
  ).name('Too late → quarantine');

  const regionHourly = enriched
    .keyBy(lineRegionKey)
    .window(TumblingEventTimeWindows.of(HOUR_MS))
    .trigger(EarlyFiringTrigger.every(early))
    .allowedLateness(lateness)
    .aggregate(salesAggregate, regionHourlySalesFunction)
    .name('Sales by product line × region × hour')
    .uid('sales-region-hourly');
  const alerts = regionHourly.keyBy(lineRegionKey).process(alertsOf).name('Demand spikes').uid('sales-spikes');

  const quarantine = invalid
    .union(unknown)
    .map(quarantined)
    .name('Dead letters → quarantine')
    .union(late)
    .map((q) => {
      stats.quarantined.set(q.reason_code, (stats.quarantined.get(q.reason_code) ?? 0) + 1);
      return q;
    })
    .name('Quarantine');
  return { hourly, regionHourly, alerts, quarantine, stats };
}

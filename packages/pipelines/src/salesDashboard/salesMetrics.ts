/**
 * The dashboard's metrics of one group of order lines (a product line ×
 * country × hour, or a product line × region × hour): revenue
 * (Σ quantityOrdered × priceEach, in exact cents), units, distinct orders,
 * distinct customers and the newest order time — an incremental
 * `AggregateFunction`, and the window function that turns its result into
 * the rows the dashboard table and the spike detector take. Each firing of
 * a window emits the running totals of its hour; `final` tells the
 * on-time and late firings (the watermark passed the hour) from the early
 * ones.
 */
import type { AggregateFunction, ProcessWindowFunction, TimeWindow } from '@tributary/core';
import type { OrderEvent } from '../retail/events.js';
import { centsToDecimal, lineRevenueCents } from '../retail/orders.js';

/** An order line with its product line and region: what the windows aggregate. */
export interface EnrichedOrder extends OrderEvent {
  readonly product_line: string;
  readonly region: string;
}

/** The running totals of a group. */
export interface SalesAccumulator {
  revenueCents: number;
  units: number;
  readonly orders: Set<number>;
  readonly customers: Set<number>;
  lastEventTime: number;
}

/** The totals of a group, as the window function receives them. */
export interface SalesTotals {
  readonly revenueCents: number;
  readonly units: number;
  readonly orders: number;
  readonly customers: number;
  readonly lastEventTime: number;
}

/** Revenue, units, distinct orders and customers, newest order time. */
export const salesAggregate: AggregateFunction<EnrichedOrder, SalesAccumulator, SalesTotals> = {
  createAccumulator: () => ({ revenueCents: 0, units: 0, orders: new Set(), customers: new Set(), lastEventTime: Number.NEGATIVE_INFINITY }),
  add(order, acc) {
    acc.revenueCents += lineRevenueCents(order);
    acc.units += order.quantity_ordered;
    acc.orders.add(order.order_number);
    acc.customers.add(order.customer_number);
    if (order.order_time > acc.lastEventTime) acc.lastEventTime = order.order_time;
    return acc;
  },
  getResult: (acc) => ({
    revenueCents: acc.revenueCents,
    units: acc.units,
    orders: acc.orders.size,
    customers: acc.customers.size,
    lastEventTime: acc.lastEventTime,
  }),
  merge(a, b) {
    for (const o of b.orders) a.orders.add(o);
    for (const c of b.customers) a.customers.add(c);
    a.revenueCents += b.revenueCents;
    a.units += b.units;
    a.lastEventTime = Math.max(a.lastEventTime, b.lastEventTime);
    return a;
  },
};

/** One row of the dashboard table: a product line × country × hour. */
export interface HourlySales {
  readonly product_line: string;
  readonly country: string;
  readonly region: string;
  /** The hour's start, ms since the epoch (UTC). */
  readonly hour_start: number;
  readonly revenue_cents: number;
  /** Revenue as DECIMAL text (`'1234.50'`). */
  readonly revenue: string;
  readonly units: number;
  readonly orders: number;
  readonly customers: number;
  /** The newest order time in the group. */
  readonly last_event_time: number;
  /** When this version was emitted (processing time). */
  readonly updated_at: number;
  /** The watermark had passed the hour's end: the on-time result or a late correction. */
  readonly final: boolean;
}

/** The totals of a product line × region × hour: what the spike detector watches. */
export interface RegionHourlySales {
  readonly product_line: string;
  readonly region: string;
  readonly hour_start: number;
  readonly hour_end: number;
  readonly revenue_cents: number;
  readonly units: number;
  readonly orders: number;
  readonly customers: number;
  readonly last_event_time: number;
  /** The watermark when the totals were emitted (how far event time has got). */
  readonly watermark: number;
  readonly updated_at: number;
}

/** The key of a product line × country group. */
export function lineCountryKey(order: Pick<EnrichedOrder, 'product_line' | 'country'>): string {
  return `${order.product_line}|${order.country}`;
}

/** The key of a product line × region group. */
export function lineRegionKey(order: Pick<EnrichedOrder, 'product_line' | 'region'>): string {
  return `${order.product_line}|${order.region}`;
}

function splitKey(key: string): [string, string] {
  const at = key.lastIndexOf('|');
  return [key.slice(0, at), key.slice(at + 1)];
}

/** Turns a product line × country window's totals into a dashboard row. */
export function hourlySalesFunction(regionOf: (country: string) => string): ProcessWindowFunction<SalesTotals, HourlySales, string, TimeWindow> {
  return {
    process(key, ctx, totals, out) {
      const [productLine, country] = splitKey(key);
      for (const t of totals) {
        out.collect({
          product_line: productLine,
          country,
          region: regionOf(country),
          hour_start: ctx.window.start,
          revenue_cents: t.revenueCents,
          revenue: centsToDecimal(t.revenueCents),
          units: t.units,
          orders: t.orders,
          customers: t.customers,
          last_event_time: t.lastEventTime,
          updated_at: ctx.currentProcessingTime(),
          final: ctx.currentWatermark() >= ctx.window.maxTimestamp(),
        });
      }
    },
  };
}

/** Turns a product line × region window's totals into a {@link RegionHourlySales}. */
export const regionHourlySalesFunction: ProcessWindowFunction<SalesTotals, RegionHourlySales, string, TimeWindow> = {
  process(key, ctx, totals, out) {
    const [productLine, region] = splitKey(key);
    for (const t of totals) {
      out.collect({
        product_line: productLine,
        region,
        hour_start: ctx.window.start,
        hour_end: ctx.window.end,
        revenue_cents: t.revenueCents,
        units: t.units,
        orders: t.orders,
        customers: t.customers,
        last_event_time: t.lastEventTime,
        watermark: ctx.currentWatermark(),
        updated_at: ctx.currentProcessingTime(),
      });
    }
  },
};

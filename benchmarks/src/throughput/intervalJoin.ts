/**
 * Interval join: orders ⋈ shipments on the order key where
 * `shipment.ts - order.ts ∈ [0, 1000] ms` (Flink's `between(0, 1000)`).
 * Half the events are orders, half shipments; about 83 % of shipments match.
 */
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { groupBy, lastValueFrom, mergeMap, scan, tap } from 'rxjs';
import { Checksum, hashFields } from './checksum.js';
import { JOIN_KEYS, orderAt, shipmentAt, type JoinEvent } from './events.js';
import { observableOf } from './windowCommon.js';
import { generatorSource } from '../common.js';
import type { Workload } from './workload.js';

export const JOIN_LOWER_MS = 0;
export const JOIN_UPPER_MS = 1_000;

function pairHash(order: JoinEvent, shipment: JoinEvent): number {
  return hashFields(order.id, shipment.id, order.ts, shipment.ts, order.key);
}

async function tributary(events: number): Promise<string> {
  const half = Math.floor(events / 2);
  const env = StreamEnvironment.create({ logger: silentLogger });
  const ts = (e: JoinEvent): number => e.ts;
  const orders = env.fromSource(generatorSource(half, orderAt, ts), WatermarkStrategy.forMonotonousTimestamps<JoinEvent>(), 'orders');
  const shipments = env.fromSource(generatorSource(half, shipmentAt, ts), WatermarkStrategy.forMonotonousTimestamps<JoinEvent>(), 'shipments');
  const checksum = new Checksum();
  orders
    .keyBy((o) => o.key)
    .intervalJoin(shipments.keyBy((s) => s.key))
    .between(JOIN_LOWER_MS, JOIN_UPPER_MS)
    .process<number>({ processElement: (order, shipment, _ctx, out) => out.collect(pairHash(order, shipment)) })
    .sinkTo((h) => checksum.add(h));
  await env.execute('throughput-interval-join');
  return checksum.toString();
}

/** Either side's buffered events of one key, and the pairs the last event completed. */
interface JoinScan {
  orders: JoinEvent[];
  shipments: JoinEvent[];
  matched: number[];
}

/** Event `k` of the merged, time-ordered input: order k/2, then shipment k/2. */
function joinEventAt(k: number): JoinEvent {
  return k % 2 === 0 ? orderAt(k >> 1) : shipmentAt(k >> 1);
}

/** Idiomatic RxJS: one time-ordered stream of both sides, grouped by key, a `scan` buffering both sides and emitting each completed pair. */
async function rxjs(events: number): Promise<string> {
  const checksum = new Checksum();
  await lastValueFrom(
    observableOf(2 * Math.floor(events / 2), joinEventAt).pipe(
      groupBy((e) => e.key),
      mergeMap((byKey$) =>
        byKey$.pipe(
          scan(
            (s: JoinScan, e: JoinEvent): JoinScan => {
              // Drop what no later event can match: orders older than ts - upper, shipments older than ts - lower.
              const orders = s.orders.filter((o) => o.ts >= e.ts - JOIN_UPPER_MS);
              const shipments = s.shipments.filter((r) => r.ts >= e.ts + JOIN_LOWER_MS);
              if (e.side === 'L') {
                const matched = shipments.filter((r) => r.ts - e.ts >= JOIN_LOWER_MS && r.ts - e.ts <= JOIN_UPPER_MS).map((r) => pairHash(e, r));
                return { orders: [...orders, e], shipments, matched };
              }
              const matched = orders.filter((o) => e.ts - o.ts >= JOIN_LOWER_MS && e.ts - o.ts <= JOIN_UPPER_MS).map((o) => pairHash(o, e));
              return { orders, shipments: [...shipments, e], matched };
            },
            { orders: [], shipments: [], matched: [] },
          ),
          mergeMap((s) => s.matched),
        ),
      ),
      tap((h) => checksum.add(h)),
    ),
    { defaultValue: 0 },
  );
  return checksum.toString();
}

/** One loop over both sides in time order, a Map key → buffered orders and shipments, pruned as time passes. */
function handWritten(events: number): string {
  const half = Math.floor(events / 2);
  const checksum = new Checksum();
  const buffers = new Map<number, { orders: JoinEvent[]; shipments: JoinEvent[] }>();
  const add = (e: JoinEvent): void => {
    let b = buffers.get(e.key);
    if (b === undefined) buffers.set(e.key, (b = { orders: [], shipments: [] }));
    prune(b.orders, e.ts - JOIN_UPPER_MS);
    prune(b.shipments, e.ts + JOIN_LOWER_MS);
    if (e.side === 'L') {
      for (const r of b.shipments) if (r.ts - e.ts >= JOIN_LOWER_MS && r.ts - e.ts <= JOIN_UPPER_MS) checksum.add(pairHash(e, r));
      b.orders.push(e);
    } else {
      for (const o of b.orders) if (e.ts - o.ts >= JOIN_LOWER_MS && e.ts - o.ts <= JOIN_UPPER_MS) checksum.add(pairHash(o, e));
      b.shipments.push(e);
    }
  };
  for (let i = 0; i < half; i++) {
    add(orderAt(i));
    add(shipmentAt(i));
  }
  return checksum.toString();
}

/** Removes the leading events older than `minTs` (a side's buffer is in time order). */
function prune(buffer: JoinEvent[], minTs: number): void {
  let n = 0;
  while (n < buffer.length && (buffer[n] as JoinEvent).ts < minTs) n++;
  if (n > 0) buffer.splice(0, n);
}

export const intervalJoinWorkload: Workload = {
  id: 'interval-join',
  description: `interval join orders ⋈ shipments, ${JOIN_KEYS.toLocaleString('en-US')} keys, between(${JOIN_LOWER_MS}, ${JOIN_UPPER_MS} ms)`,
  events: { full: 1_000_000, quick: 80_000 },
  targeted: false,
  tributary,
  rxjs,
  handWritten,
};

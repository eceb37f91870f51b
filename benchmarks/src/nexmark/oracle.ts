/**
 * Naive reference answers for the Nexmark queries over a materialised,
 * bounded event list — straight from the SQL definitions, no streaming, no
 * state, quadratic where that is simplest. Tests compare the engine's
 * queries against these.
 */
import type { Auction, Bid, NexmarkEvent, Person } from './model.js';
import {
  Q1_RATE,
  Q2_MODULUS,
  Q5_SIZE_MS,
  Q5_SLIDE_MS,
  Q7_WINDOW_MS,
  Q8_WINDOW_MS,
  Q11_GAP_MS,
  type BidRow,
  type Q11Row,
  type Q2Row,
  type Q4Row,
  type Q5Row,
  type Q8Row,
} from './queries.js';

const bidsOf = (events: readonly NexmarkEvent[]): Bid[] => events.filter((e): e is Bid => e.kind === 'bid');
const row = (b: Bid): BidRow => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra });

export function oracleQ0(events: readonly NexmarkEvent[]): BidRow[] {
  return bidsOf(events).map(row);
}

export function oracleQ1(events: readonly NexmarkEvent[]): BidRow[] {
  return bidsOf(events).map((b) => ({ ...row(b), price: Q1_RATE * b.price }));
}

export function oracleQ2(events: readonly NexmarkEvent[]): Q2Row[] {
  return bidsOf(events)
    .filter((b) => b.auction % Q2_MODULUS === 0)
    .map((b) => ({ auction: b.auction, price: b.price }));
}

/** The final average per category (what q4's update stream ends with), sorted by category. */
export function oracleQ4(events: readonly NexmarkEvent[]): Q4Row[] {
  const bids = bidsOf(events);
  const finals = new Map<number, number[]>(); // category → max price per auction
  for (const a of events.filter((e): e is Auction => e.kind === 'auction')) {
    const prices = bids.filter((b) => b.auction === a.id && b.dateTime >= a.dateTime && b.dateTime <= a.expires).map((b) => b.price);
    if (prices.length === 0) continue;
    const list = finals.get(a.category) ?? [];
    list.push(Math.max(...prices));
    finals.set(a.category, list);
  }
  return [...finals]
    .map(([category, list]) => ({ category, avg: Math.trunc(list.reduce((s, p) => s + p, 0) / list.length) }))
    .sort((x, y) => x.category - y.category);
}

export function oracleQ5(events: readonly NexmarkEvent[]): Q5Row[] {
  const bids = bidsOf(events);
  const out: Q5Row[] = [];
  if (bids.length === 0) return out;
  const first = Math.min(...bids.map((b) => b.dateTime));
  const last = Math.max(...bids.map((b) => b.dateTime));
  for (let start = first - (first % Q5_SLIDE_MS) - Q5_SIZE_MS + Q5_SLIDE_MS; start <= last; start += Q5_SLIDE_MS) {
    const counts = new Map<number, number>();
    for (const b of bids) if (b.dateTime >= start && b.dateTime < start + Q5_SIZE_MS) counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
    if (counts.size === 0) continue;
    const max = Math.max(...counts.values());
    for (const [auction, num] of counts) if (num >= max) out.push({ auction, num, starttime: start });
  }
  return out;
}

export function oracleQ7(events: readonly NexmarkEvent[]): BidRow[] {
  const byWindow = new Map<number, Bid[]>();
  for (const b of bidsOf(events)) {
    const start = b.dateTime - (b.dateTime % Q7_WINDOW_MS);
    byWindow.set(start, [...(byWindow.get(start) ?? []), b]);
  }
  const out: BidRow[] = [];
  for (const bids of byWindow.values()) {
    const max = Math.max(...bids.map((b) => b.price));
    for (const b of bids) if (b.price === max) out.push(row(b));
  }
  return out;
}

export function oracleQ8(events: readonly NexmarkEvent[]): Q8Row[] {
  const windowOf = (t: number): number => t - (t % Q8_WINDOW_MS);
  const sellers = new Set(events.filter((e): e is Auction => e.kind === 'auction').map((a) => `${a.seller}@${windowOf(a.dateTime)}`));
  return events
    .filter((e): e is Person => e.kind === 'person')
    .filter((p) => sellers.has(`${p.id}@${windowOf(p.dateTime)}`))
    .map((p) => ({ id: p.id, name: p.name, starttime: windowOf(p.dateTime) }));
}

export function oracleQ11(events: readonly NexmarkEvent[]): Q11Row[] {
  const byBidder = new Map<number, number[]>();
  for (const b of bidsOf(events)) byBidder.set(b.bidder, [...(byBidder.get(b.bidder) ?? []), b.dateTime]);
  const out: Q11Row[] = [];
  for (const [bidder, times] of byBidder) {
    times.sort((a, b) => a - b);
    let start = times[0] as number;
    let lastTime = start;
    let count = 0;
    for (const t of times) {
      if (t >= lastTime + Q11_GAP_MS) {
        out.push({ bidder, bid_count: count, starttime: start, endtime: lastTime + Q11_GAP_MS });
        start = t;
        count = 0;
      }
      lastTime = t;
      count++;
    }
    out.push({ bidder, bid_count: count, starttime: start, endtime: lastTime + Q11_GAP_MS });
  }
  return out;
}

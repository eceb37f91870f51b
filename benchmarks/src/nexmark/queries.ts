/**
 * Nexmark queries q0, q1, q2, q4, q5, q7, q8 and q11 on Tributary's
 * DataStream API, after the SQL definitions of the nexmark/nexmark
 * benchmark (the suite Flink's published figures come from). Each takes
 * the stream of all events and returns the query's result stream.
 *
 * Where the streaming plan differs from Flink's SQL plan the result on a
 * bounded stream is the same; the comments say how.
 */
import {
  EventTimeSessionWindows,
  ListStateDescriptor,
  SlidingEventTimeWindows,
  TumblingEventTimeWindows,
  ValueStateDescriptor,
  type AggregateFunction,
  type Collector,
  type DataStream,
  type KeyedCoProcessFunction,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type ListState,
  type OnTimerContext,
  type ProcessWindowFunction,
  type RuntimeContext,
  type TimeWindow,
  type ValueState,
} from '@tributary/core';
import { isAuction, isBid, isPerson, type Auction, type Bid, type NexmarkEvent } from './model.js';

/** q0, q1, q7 output: a bid's columns. */
export interface BidRow {
  readonly auction: number;
  readonly bidder: number;
  readonly price: number;
  readonly dateTime: number;
  readonly extra: string;
}
export interface Q2Row {
  readonly auction: number;
  readonly price: number;
}
export interface Q4Row {
  readonly category: number;
  /** AVG over BIGINT, as Flink SQL computes it: truncated to an integer. */
  readonly avg: number;
}
export interface Q5Row {
  readonly auction: number;
  readonly num: number;
  readonly starttime: number;
}
export interface Q8Row {
  readonly id: number;
  readonly name: string;
  readonly starttime: number;
}
export interface Q11Row {
  readonly bidder: number;
  readonly bid_count: number;
  readonly starttime: number;
  readonly endtime: number;
}

/** q1's dollar → euro rate. */
export const Q1_RATE = 0.908;
/** q2 keeps bids on every 123rd auction. */
export const Q2_MODULUS = 123;
/** q5: HOP(10 s, every 2 s). */
export const Q5_SIZE_MS = 10_000;
export const Q5_SLIDE_MS = 2_000;
/** q7 and q8: TUMBLE(10 s). */
export const Q7_WINDOW_MS = 10_000;
export const Q8_WINDOW_MS = 10_000;
/** q11: SESSION(10 s). */
export const Q11_GAP_MS = 10_000;

const bids = (events: DataStream<NexmarkEvent>): DataStream<Bid> => events.filter(isBid).name('bids');
const bidRow = (b: Bid): BidRow => ({ auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra });

const countBids: AggregateFunction<Bid, number, number> = {
  createAccumulator: () => 0,
  add: (_b, n) => n + 1,
  getResult: (n) => n,
  merge: (a, b) => a + b,
};

/** q0 — pass-through: every bid's columns (measures the source and the engine's per-record cost). */
export function q0(events: DataStream<NexmarkEvent>): DataStream<BidRow> {
  return bids(events).map(bidRow).name('q0');
}

/** q1 — currency conversion: bids with the price in euros. */
export function q1(events: DataStream<NexmarkEvent>): DataStream<BidRow> {
  return bids(events)
    .map((b) => ({ auction: b.auction, bidder: b.bidder, price: Q1_RATE * b.price, dateTime: b.dateTime, extra: b.extra }))
    .name('q1');
}

/** q2 — selection: auction and price of the bids on every 123rd auction. */
export function q2(events: DataStream<NexmarkEvent>): DataStream<Q2Row> {
  return bids(events)
    .filter((b) => b.auction % Q2_MODULUS === 0)
    .map((b) => ({ auction: b.auction, price: b.price }))
    .name('q2');
}

/** An auction that closed with at least one bid inside its lifetime. */
interface ClosedAuction {
  readonly id: number;
  readonly category: number;
  readonly final: number;
}

/**
 * q4's join: per auction, the highest price among bids with
 * `auction.dateTime <= bid.dateTime <= auction.expires`, emitted when the
 * watermark passes `expires` (Flink's SQL plan keeps a regular join and
 * retracts; on a bounded stream the final aggregates are the same). Bids
 * that arrive before their auction wait until the watermark passes their
 * own time — an auction arriving later can only match a bid of its exact
 * creation time.
 */
class WinningBid implements KeyedCoProcessFunction<number, Auction, Bid, ClosedAuction> {
  private auction!: ValueState<Auction>;
  private best!: ValueState<number>;
  private pending!: ListState<Bid>;

  open(ctx: RuntimeContext): void {
    this.auction = ctx.getState(new ValueStateDescriptor<Auction>('auction'));
    this.best = ctx.getState(new ValueStateDescriptor<number>('best-price'));
    this.pending = ctx.getListState(new ListStateDescriptor<Bid>('early-bids'));
  }

  processElement1(auction: Auction, ctx: KeyedProcessContext<number>): void {
    this.auction.update(auction);
    ctx.timerService().registerEventTimeTimer(auction.expires);
    const early = this.pending.get();
    if (early.length === 0) return;
    for (const b of early) this.offer(auction, b);
    this.pending.clear();
  }

  processElement2(bid: Bid, ctx: KeyedProcessContext<number>): void {
    const auction = this.auction.value();
    if (auction !== undefined) this.offer(auction, bid);
    else {
      this.pending.add(bid);
      ctx.timerService().registerEventTimeTimer(bid.dateTime);
    }
  }

  onTimer(timestamp: number, _ctx: OnTimerContext<number>, out: Collector<ClosedAuction>): void {
    const auction = this.auction.value();
    if (auction !== undefined && auction.expires === timestamp) {
      const best = this.best.value();
      if (best !== undefined) out.collect({ id: auction.id, category: auction.category, final: best });
      this.auction.clear();
      this.best.clear();
    }
    const early = this.pending.get();
    if (early.length > 0) {
      const keep = early.filter((b) => b.dateTime > timestamp);
      if (keep.length === 0) this.pending.clear();
      else if (keep.length < early.length) this.pending.update(keep);
    }
  }

  private offer(auction: Auction, bid: Bid): void {
    if (bid.dateTime < auction.dateTime || bid.dateTime > auction.expires) return;
    const best = this.best.value();
    if (best === undefined || bid.price > best) this.best.update(bid.price);
  }
}

/** q4's outer aggregate: the running average final price of each category, re-emitted on every closed auction. */
class CategoryAverage implements KeyedProcessFunction<number, ClosedAuction, Q4Row> {
  private totals!: ValueState<{ readonly sum: number; readonly count: number }>;

  open(ctx: RuntimeContext): void {
    this.totals = ctx.getState(new ValueStateDescriptor<{ readonly sum: number; readonly count: number }>('category-totals'));
  }

  processElement(closed: ClosedAuction, _ctx: KeyedProcessContext<number>, out: Collector<Q4Row>): void {
    const t = this.totals.value() ?? { sum: 0, count: 0 };
    const next = { sum: t.sum + closed.final, count: t.count + 1 };
    this.totals.update(next);
    out.collect({ category: closed.category, avg: Math.trunc(next.sum / next.count) });
  }
}

/** q4 — average winning price per category: auctions ⋈ bids within the auction's lifetime, max per auction, average per category. */
export function q4(events: DataStream<NexmarkEvent>): DataStream<Q4Row> {
  const auctions = events.filter(isAuction).name('auctions');
  return auctions
    .connect(bids(events))
    .keyBy(
      (a) => a.id,
      (b) => b.auction,
    )
    .process(new WinningBid())
    .name('q4 winning bids')
    .keyBy((c) => c.category)
    .process(new CategoryAverage())
    .name('q4');
}

/** One auction's bid count in one window of q5. */
interface WindowCount {
  readonly auction: number;
  readonly num: number;
  readonly starttime: number;
}

/**
 * q5's second stage: all counts of one window (keyed by window start; they
 * carry the window's max timestamp), and on the timer at that timestamp the
 * auctions whose count reaches the window's maximum.
 */
class HottestOfWindow implements KeyedProcessFunction<number, WindowCount, Q5Row> {
  private counts!: ListState<WindowCount>;

  open(ctx: RuntimeContext): void {
    this.counts = ctx.getListState(new ListStateDescriptor<WindowCount>('window-counts'));
  }

  processElement(count: WindowCount, ctx: KeyedProcessContext<number>): void {
    if (this.counts.get().length === 0) ctx.timerService().registerEventTimeTimer(ctx.timestamp());
    this.counts.add(count);
  }

  onTimer(_timestamp: number, _ctx: OnTimerContext<number>, out: Collector<Q5Row>): void {
    const counts = this.counts.get();
    let max = 0;
    for (const c of counts) if (c.num > max) max = c.num;
    for (const c of counts) if (c.num >= max) out.collect({ auction: c.auction, num: c.num, starttime: c.starttime });
    this.counts.clear();
  }
}

/** q5 — hot items: per sliding window (10 s every 2 s), the auctions with the most bids (ties included). */
export function q5(events: DataStream<NexmarkEvent>): DataStream<Q5Row> {
  return bids(events)
    .keyBy((b) => b.auction)
    .window(SlidingEventTimeWindows.of(Q5_SIZE_MS, Q5_SLIDE_MS))
    .aggregate(countBids, (auction: number, w: TimeWindow, num: number): WindowCount => ({ auction, num, starttime: w.start }))
    .name('q5 bids per auction')
    .keyBy((c) => c.starttime)
    .process(new HottestOfWindow())
    .name('q5');
}

/** The highest bids of a window so far (all bids sharing the top price). */
interface TopBids {
  max: number;
  top: Bid[];
}

const highestBids: AggregateFunction<Bid, TopBids, TopBids> = {
  createAccumulator: () => ({ max: Number.NEGATIVE_INFINITY, top: [] }),
  add: (b, acc) => {
    if (b.price > acc.max) {
      acc.max = b.price;
      acc.top = [b];
    } else if (b.price === acc.max) acc.top.push(b);
    return acc;
  },
  getResult: (acc) => acc,
  merge: (a, b) => (a.max > b.max ? a : b.max > a.max ? b : { max: a.max, top: [...a.top, ...b.top] }),
};

const emitTopBids: ProcessWindowFunction<TopBids, BidRow, number, TimeWindow> = {
  process(_key, _ctx, results, out) {
    for (const r of results) for (const b of r.top) out.collect(bidRow(b));
  },
};

/**
 * q7 — highest bid: the bids carrying the highest price of each 10 s
 * tumbling window. Flink's SQL joins the window maximum back to the bid
 * stream; here the window keeps the top bids incrementally (same rows).
 * The SQL's join condition is inclusive at the window end (a bid at exactly
 * `window_end` with the previous window's top price would join it too); this
 * follows the original Nexmark definition, bids of the window only.
 */
export function q7(events: DataStream<NexmarkEvent>): DataStream<BidRow> {
  return bids(events)
    .keyBy(() => 0)
    .window(TumblingEventTimeWindows.of(Q7_WINDOW_MS))
    .aggregate(highestBids, emitTopBids)
    .name('q7');
}

/** q8 — monitor new users: people who registered and opened an auction in the same 10 s tumbling window. */
export function q8(events: DataStream<NexmarkEvent>): DataStream<Q8Row> {
  const persons = events.filter(isPerson).name('persons');
  const auctions = events.filter(isAuction).name('auctions');
  return persons
    .coGroup(auctions)
    .where((p) => p.id)
    .equalTo((a) => a.seller)
    .window(TumblingEventTimeWindows.of(Q8_WINDOW_MS))
    .apply<Q8Row>((people, sold, out) => {
      if (sold.length === 0) return;
      for (const p of people) out.collect({ id: p.id, name: p.name, starttime: p.dateTime - (p.dateTime % Q8_WINDOW_MS) });
    })
    .name('q8');
}

/** q11 — user sessions: bids per bidder per session (10 s gap). */
export function q11(events: DataStream<NexmarkEvent>): DataStream<Q11Row> {
  return bids(events)
    .keyBy((b) => b.bidder)
    .window(EventTimeSessionWindows.withGap(Q11_GAP_MS))
    .aggregate(countBids, (bidder: number, w: TimeWindow, count: number): Q11Row => ({ bidder, bid_count: count, starttime: w.start, endtime: w.end }))
    .name('q11');
}

export const NEXMARK_QUERIES = { q0, q1, q2, q4, q5, q7, q8, q11 } as const;
export type NexmarkQueryId = keyof typeof NEXMARK_QUERIES;

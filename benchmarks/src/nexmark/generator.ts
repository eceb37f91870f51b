/**
 * A deterministic Nexmark event generator, written from the Nexmark
 * specification (the nexmark/nexmark benchmark's generator model):
 *
 * - events come in epochs of 50: 1 person, 3 auctions, 46 bids, in that
 *   order (the standard 1:3:46 proportions);
 * - event `n` happens at `baseTime + n / eventsPerSecond` (event time, in
 *   order), so the stream has no late data;
 * - ids are dense: person and auction ids grow with the epoch (from 1000);
 *   bids go to a "hot" auction (the first of the last 100 auctions) with
 *   probability 1 - 1/2, else to one of the last 100 auctions in flight
 *   (plus 10 not created yet); bidders are a hot person with probability
 *   1 - 1/4, else one of the last 1000 active people (plus 10 ahead);
 *   sellers likewise (hot ratio 4);
 * - auctions last on average as long as it takes to create 100 more
 *   auctions; prices are `round(10^(6u) * 100)` cents, u uniform in [0, 1);
 * - every random choice of event `n` comes from a PRNG seeded by
 *   (seed, n), so any event can be generated alone, in any order, and the
 *   same seed gives the same stream.
 *
 * Strings (names, descriptions, the `extra` padding that brings records to
 * Nexmark's average sizes: person 200 B, auction 500 B, bid 100 B) are
 * slices of a seeded random pool rather than fresh per-character strings.
 */
import type { Source } from '@tributary/core';
import { generatorSource, type GeneratorSplit } from '../common.js';
import type { Auction, Bid, NexmarkEvent, Person } from './model.js';

export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
const TOTAL_PROPORTION = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const NUM_CATEGORIES = 5;
const NUM_ACTIVE_PEOPLE = 1000;
const NUM_IN_FLIGHT_AUCTIONS = 100;
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
/** Hot auctions/bidders/sellers are the first of each batch of this many. */
const HOT_BATCH = 100;
const HOT_AUCTION_RATIO = 2;
const HOT_BIDDER_RATIO = 4;
const HOT_SELLER_RATIO = 4;
const AVG_PERSON_BYTES = 200;
const AVG_AUCTION_BYTES = 500;
const AVG_BID_BYTES = 100;

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const US_CITIES = ['Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland', 'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne'];
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];

export interface NexmarkOptions {
  /** PRNG seed (default 1). */
  readonly seed?: number;
  /** Event-time rate (default 10,000 events per second of event time, the Nexmark generator's default first-event rate). */
  readonly eventsPerSecond?: number;
  /** Time of event 0 (default 2026-01-01T00:00:00Z). */
  readonly baseTime?: number;
}

export const DEFAULT_NEXMARK_EVENTS_PER_SECOND = 10_000;
export const DEFAULT_NEXMARK_BASE_TIME = Date.UTC(2026, 0, 1);

function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32 step over a state cell; returns a float in [0, 1). */
class EventRandom {
  private a = 0;
  reseed(seed: number, eventId: number): void {
    this.a = mix32(seed ^ mix32(eventId + 0x9e3779b9));
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

const POOL_SIZE = 1 << 16;
/** Seeded lowercase text the generator's strings are sliced from. */
function stringPool(seed: number): string {
  const r = new EventRandom();
  r.reseed(seed, -1);
  let s = '';
  for (let i = 0; i < POOL_SIZE + 1024; i++) s += String.fromCharCode(97 + r.int(26));
  return s;
}

/** Generates Nexmark events by number; see the module comment. One instance per reader (it reuses a PRNG). */
export class NexmarkGenerator {
  readonly seed: number;
  readonly eventsPerSecond: number;
  readonly baseTime: number;
  private readonly random = new EventRandom();
  private readonly pool: string;
  /** Event-number distance to the auction NUM_IN_FLIGHT_AUCTIONS ahead (sets the average auction length). */
  private readonly auctionHorizonEvents = Math.floor((NUM_IN_FLIGHT_AUCTIONS * TOTAL_PROPORTION) / AUCTION_PROPORTION);

  constructor(options: NexmarkOptions = {}) {
    this.seed = options.seed ?? 1;
    this.eventsPerSecond = options.eventsPerSecond ?? DEFAULT_NEXMARK_EVENTS_PER_SECOND;
    this.baseTime = options.baseTime ?? DEFAULT_NEXMARK_BASE_TIME;
    if (!(this.eventsPerSecond > 0)) throw new RangeError(`eventsPerSecond must be > 0, got ${this.eventsPerSecond}`);
    this.pool = stringPool(this.seed);
  }

  /** The event time of event `n`. */
  timestampOf(n: number): number {
    return this.baseTime + Math.floor((n * 1000) / this.eventsPerSecond);
  }

  /** Event number `n` (0-based). */
  eventAt(n: number): NexmarkEvent {
    this.random.reseed(this.seed, n);
    const offset = n % TOTAL_PROPORTION;
    const ts = this.timestampOf(n);
    if (offset < PERSON_PROPORTION) return this.person(n, ts);
    if (offset < PERSON_PROPORTION + AUCTION_PROPORTION) return this.auction(n, ts);
    return this.bid(n, ts);
  }

  /** The first `count` events, materialised (tests and oracles). */
  events(count: number): NexmarkEvent[] {
    const out: NexmarkEvent[] = [];
    for (let n = 0; n < count; n++) out.push(this.eventAt(n));
    return out;
  }

  private person(n: number, ts: number): Person {
    const r = this.random;
    const name = `${FIRST_NAMES[r.int(FIRST_NAMES.length)]} ${LAST_NAMES[r.int(LAST_NAMES.length)]}`;
    const emailAddress = `${this.text(7)}@${this.text(5)}.com`;
    const creditCard = `${pad4(r.int(10_000))} ${pad4(r.int(10_000))} ${pad4(r.int(10_000))} ${pad4(r.int(10_000))}`;
    const city = US_CITIES[r.int(US_CITIES.length)] as string;
    const state = US_STATES[r.int(US_STATES.length)] as string;
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    return {
      kind: 'person',
      id: lastBase0PersonId(n) + FIRST_PERSON_ID,
      name,
      emailAddress,
      creditCard,
      city,
      state,
      dateTime: ts,
      extra: this.extra(size, AVG_PERSON_BYTES),
    };
  }

  private auction(n: number, ts: number): Auction {
    const r = this.random;
    const seller = (r.int(HOT_SELLER_RATIO) > 0 ? Math.floor(lastBase0PersonId(n) / HOT_BATCH) * HOT_BATCH : this.nextBase0PersonId(n)) + FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + r.int(NUM_CATEGORIES);
    const initialBid = this.price();
    const horizonMs = this.timestampOf(n + this.auctionHorizonEvents) - ts;
    const expires = ts + 1 + r.int(Math.max(horizonMs * 2, 1));
    const itemName = this.text(20);
    const description = this.text(100);
    const reserve = initialBid + this.price();
    const size = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
    return {
      kind: 'auction',
      id: lastBase0AuctionId(n) + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime: ts,
      expires,
      seller,
      category,
      extra: this.extra(size, AVG_AUCTION_BYTES),
    };
  }

  private bid(n: number, ts: number): Bid {
    const r = this.random;
    const auction = (r.int(HOT_AUCTION_RATIO) > 0 ? Math.floor(lastBase0AuctionId(n) / HOT_BATCH) * HOT_BATCH : this.nextBase0AuctionId(n)) + FIRST_AUCTION_ID;
    const bidder = (r.int(HOT_BIDDER_RATIO) > 0 ? Math.floor(lastBase0PersonId(n) / HOT_BATCH) * HOT_BATCH + 1 : this.nextBase0PersonId(n)) + FIRST_PERSON_ID;
    const price = this.price();
    return { kind: 'bid', auction, bidder, price, dateTime: ts, extra: this.extra(32, AVG_BID_BYTES) };
  }

  /** One of the active people, or up to PERSON_ID_LEAD not created yet. */
  private nextBase0PersonId(n: number): number {
    const numPeople = lastBase0PersonId(n) + 1;
    const active = Math.min(numPeople, NUM_ACTIVE_PEOPLE);
    return numPeople - active + this.random.int(active + PERSON_ID_LEAD);
  }

  /** One of the auctions likely in flight, or up to AUCTION_ID_LEAD not created yet. */
  private nextBase0AuctionId(n: number): number {
    const max = lastBase0AuctionId(n);
    const min = Math.max(max - NUM_IN_FLIGHT_AUCTIONS, 0);
    return min + this.random.int(max - min + 1 + AUCTION_ID_LEAD);
  }

  private price(): number {
    return Math.round(10 ** (this.random.next() * 6) * 100);
  }

  private text(length: number): string {
    const at = this.random.int(POOL_SIZE);
    return this.pool.slice(at, at + length);
  }

  /** Padding that brings a record of `size` bytes to about `average` bytes (±20 %), as Nexmark's `extra` field does. */
  private extra(size: number, average: number): string {
    if (size >= average) return '';
    const desired = Math.floor(average * (0.8 + 0.4 * this.random.next()));
    return desired <= size ? '' : this.text(Math.min(1024, desired - size));
  }
}

function pad4(n: number): string {
  return String(n).padStart(4, '0');
}

/** The id (base 0) of the last person created at or before event `n`. */
export function lastBase0PersonId(n: number): number {
  const epoch = Math.floor(n / TOTAL_PROPORTION);
  const offset = n % TOTAL_PROPORTION;
  return epoch * PERSON_PROPORTION + Math.min(offset, PERSON_PROPORTION - 1);
}

/** The id (base 0) of the last auction created at or before event `n` (-1 before the first). */
export function lastBase0AuctionId(n: number): number {
  let epoch = Math.floor(n / TOTAL_PROPORTION);
  let offset = n % TOTAL_PROPORTION;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** Events per poll of {@link nexmarkSource}. */
export const NEXMARK_POLL_BATCH = 4096;

/** A bounded source of the first `count` Nexmark events (generated on the fly), event time as source timestamp, position checkpointed. */
export function nexmarkSource(count: number, options: NexmarkOptions = {}): Source<NexmarkEvent, GeneratorSplit> {
  const generator = new NexmarkGenerator(options); // eventAt(n) reseeds from (seed, n): one instance serves the (single) reader
  return generatorSource(count, (n) => generator.eventAt(n), (event) => event.dateTime, { batch: NEXMARK_POLL_BATCH, splitId: 'nexmark' });
}

/** The watermark delay the Nexmark Flink suite declares on `dateTime` (`WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND`). */
export const NEXMARK_OUT_OF_ORDERNESS_MS = 4_000;

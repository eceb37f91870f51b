/**
 * The platform simulator's core: a deterministic discrete-event model of N
 * concurrent shopper sessions, advanced over virtual time. It reads no
 * clock and does no I/O — `advanceTo(t)` returns the records of every step
 * due by `t` — so the same options always give the same records, whether a
 * driver (driver.ts) replays it as fast as possible or paces it against
 * real time.
 *
 * A session: a known customer (drawn uniformly from the dataset, by index)
 * or, with `newVisitorFraction`, a new visitor (customer_number null, a
 * made-up place and credit limit). Each step, after an exponentially
 * distributed think time, does one thing and emits one SessionEvent with the
 * whole browse_history so far (most recent last): the first step browses;
 * later ones put a browsed product into the cart, take one out, place the
 * order (known customers with a non-empty cart; ends the session) or browse
 * another product. Browsing and carting follow the segment's planted
 * preferences (data/preferences.ts) times any active demand spike. A
 * session ends after its planned steps (or its order) and a new one takes
 * its place after a think time, so about N are always active and the rate
 * is about N / thinkTime.
 *
 * browse_history items: `quantity` is the number in the cart, so 0 for a
 * product only looked at (`in_shopping_cart: false`) and ≥ 1 in the cart.
 */
import type { BrowseItem, OrderDetailRow, OrderEvent, OrderRow, ProductRow, SessionEvent } from '../data/contracts.js';
import { drawProfile, drawWeighted, isoDate, weightTable, type WeightTable } from '../data/generator.js';
import { segmentIndex, type Segment } from '../data/preferences.js';
import { randomStream, type Random } from '../data/random.js';
import { malformedPayload, MALFORMED_KINDS, type MalformedKind } from './malformed.js';
import { MAX_BROWSE_HISTORY, resolveSimulatorOptions, type ResolvedSimulatorOptions, type SimulatorOptions } from './options.js';

/** A valid session event and its JSON payload. */
export interface SessionRecord {
  readonly kind: 'session';
  /** Virtual time of the step (= event.event_time). */
  readonly time: number;
  /** The session id (the Kinesis partition key). */
  readonly partitionKey: string;
  readonly event: SessionEvent;
  /** JSON of the event, as it travels. */
  readonly data: string;
}

/** A malformed session event: its payload may not even be JSON. */
export interface MalformedRecord {
  readonly kind: 'malformed';
  readonly time: number;
  readonly partitionKey: string;
  readonly defect: MalformedKind;
  readonly data: string;
}

/** A placed order: the rows for orders/orderdetails and one OrderEvent per line. */
export interface OrderRecord {
  readonly kind: 'order';
  readonly time: number;
  /** The session id of the order. */
  readonly partitionKey: string;
  readonly order: OrderRow;
  readonly details: readonly OrderDetailRow[];
  readonly events: readonly OrderEvent[];
}

/** What the simulator emits. */
export type SimulatorRecord = SessionRecord | MalformedRecord | OrderRecord;

/** Counters of a simulation. */
export interface SimulatorStats {
  /** Virtual time reached. */
  readonly now: number;
  readonly sessionsStarted: number;
  readonly sessionsEnded: number;
  readonly sessionsActive: number;
  /** Valid session events. */
  readonly sessionEvents: number;
  readonly malformedEvents: number;
  readonly malformedByKind: Readonly<Record<MalformedKind, number>>;
  readonly orders: number;
  readonly orderLines: number;
  /** Steps by action. */
  readonly steps: Readonly<Record<StepAction, number>>;
}

/** What a step did. */
export type StepAction = 'browse' | 'add-to-cart' | 'remove-from-cart' | 'order';

interface Item {
  readonly product: number;
  quantity: number;
  inCart: boolean;
}

interface Session {
  readonly serial: number;
  readonly id: string;
  readonly random: Random;
  readonly customerNumber: number | null;
  readonly city: string;
  readonly country: string;
  readonly creditLimit: number;
  readonly segment: Segment;
  readonly history: Item[];
  stepsLeft: number;
  nextTime: number;
}

const DAY = 86_400_000;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * The simulator. Drive it with {@link runSimulation} (driver.ts), or step it yourself.
 *
 * ```ts
 * const sim = new PlatformSimulator({ dataset: retailDataset({ customers: 10_000 }), sessions: 1000, eventsPerSecond: 500, durationMs: 30_000 });
 * while (!sim.done) for (const record of sim.advanceTo(sim.nextTime()! + 1000)) handle(record);
 * ```
 * Gotchas: records come in time order (ties in session order); an order
 * record follows the session event of the step that placed it; times are
 * virtual (startTime + offsets): pass `startTime: Date.now()` for events
 * stamped with the wall clock.
 */
export class PlatformSimulator {
  readonly options: ResolvedSimulatorOptions;
  private readonly catalog: readonly ProductRow[];
  private readonly queue: Session[] = [];
  private readonly weightCache = new Map<string, WeightTable>();
  private readonly malformed: Random;
  private serial = 0;
  private nextOrderNumber: number;
  private current: number;
  private readonly counters = {
    sessionsStarted: 0,
    sessionsEnded: 0,
    sessionEvents: 0,
    malformedEvents: 0,
    orders: 0,
    orderLines: 0,
  };
  private readonly malformedByKind = Object.fromEntries(MALFORMED_KINDS.map((k) => [k, 0])) as Record<MalformedKind, number>;
  private readonly steps: Record<StepAction, number> = { browse: 0, 'add-to-cart': 0, 'remove-from-cart': 0, order: 0 };

  constructor(options: SimulatorOptions) {
    this.options = resolveSimulatorOptions(options);
    const o = this.options;
    this.catalog = o.dataset.catalog;
    this.malformed = randomStream(o.seed, 'simulator-malformed');
    this.nextOrderNumber = o.firstOrderNumber;
    this.current = o.startTime;
    for (let i = 0; i < o.sessions && this.serial < o.maxSessions; i++) this.startSession(o.startTime);
  }

  /** When the simulation ends (virtual ms; steps at or after it do not happen). */
  get endTime(): number {
    return this.options.startTime + this.options.durationMs;
  }

  /** True when no step is left before the end. */
  get done(): boolean {
    return this.nextTime() === undefined;
  }

  /** The virtual time of the next step, or undefined when done. */
  nextTime(): number | undefined {
    const head = this.queue[0];
    return head === undefined || head.nextTime >= this.endTime ? undefined : head.nextTime;
  }

  /**
   * Runs every step due at or before `time` (at most `maxRecords` records'
   * worth, then stops early; the rest stay due) and returns their records
   * in time order.
   */
  advanceTo(time: number, maxRecords = Number.POSITIVE_INFINITY): SimulatorRecord[] {
    const out: SimulatorRecord[] = [];
    for (;;) {
      const next = this.nextTime();
      if (next === undefined || next > time || out.length >= maxRecords) break;
      this.step(out);
    }
    const next = this.nextTime();
    if (next === undefined || next > time) this.current = Math.max(this.current, Math.min(time, this.endTime));
    return out;
  }

  /** Runs the next step alone and returns its records (empty when done). */
  next(): SimulatorRecord[] {
    const out: SimulatorRecord[] = [];
    if (this.nextTime() !== undefined) this.step(out);
    return out;
  }

  /** The counters so far. */
  stats(): SimulatorStats {
    return {
      now: this.current,
      ...this.counters,
      sessionsActive: this.queue.length,
      malformedByKind: { ...this.malformedByKind },
      steps: { ...this.steps },
    };
  }

  private startSession(after: number): void {
    const o = this.options;
    const serial = this.serial++;
    const random = randomStream(o.seed, 'simulator-session', serial);
    let customerNumber: number | null = null;
    let city: string;
    let country: string;
    let creditLimit: number;
    let segment: Segment;
    if (random.chance(o.newVisitorFraction)) {
      const profile = drawProfile(random);
      ({ segment, creditLimit } = profile);
      city = profile.city.city;
      country = profile.country.country;
    } else {
      const customer = o.dataset.customerAt(random.int(0, o.dataset.options.customers - 1));
      customerNumber = customer.row.customerNumber;
      city = customer.row.city;
      country = customer.row.country;
      segment = customer.segment;
      creditLimit = customer.row.creditLimit ?? 0;
    }
    const session: Session = {
      serial,
      id: `${o.sessionIdPrefix}-${serial}`,
      random,
      customerNumber,
      city,
      country,
      creditLimit,
      segment,
      history: [],
      stepsLeft: 1 + random.poisson(o.stepsPerSession - 1),
      nextTime: after + Math.round(random.exponential(o.thinkTimeMs)),
    };
    this.counters.sessionsStarted++;
    this.push(session);
  }

  private step(out: SimulatorRecord[]): void {
    const session = this.pop();
    const time = session.nextTime;
    this.current = time;
    const action = this.act(session, time);
    this.steps[action]++;
    const event = this.eventOf(session, time);
    if (this.malformed.chance(this.options.malformedFraction)) {
      const defect = MALFORMED_KINDS[this.malformed.weighted(MALFORMED_KINDS.map((k) => this.options.malformedKinds[k]))] as MalformedKind;
      this.counters.malformedEvents++;
      this.malformedByKind[defect]++;
      out.push({ kind: 'malformed', time, partitionKey: session.id, defect, data: malformedPayload(event, defect, this.malformed) });
    } else {
      this.counters.sessionEvents++;
      out.push({ kind: 'session', time, partitionKey: session.id, event, data: JSON.stringify(event) });
    }
    session.stepsLeft--;
    if (action === 'order') {
      out.push(this.placeOrder(session, time));
      session.stepsLeft = 0;
    }
    if (session.stepsLeft > 0) {
      session.nextTime = time + Math.round(session.random.exponential(this.options.thinkTimeMs));
      this.push(session);
    } else {
      this.counters.sessionsEnded++;
      if (this.serial < this.options.maxSessions) this.startSession(time);
    }
  }

  /** Chooses and applies the step's action. */
  private act(session: Session, time: number): StepAction {
    const o = this.options;
    const r = session.random;
    const cart = session.history.filter((i) => i.inCart);
    const browsedOnly = session.history.filter((i) => !i.inCart);
    if (session.history.length > 0) {
      if (cart.length > 0 && session.customerNumber !== null && r.chance(o.orderProbability)) return 'order';
      if (cart.length > 0 && r.chance(o.removeProbability)) {
        const item = r.pick(cart);
        item.inCart = false;
        item.quantity = 0;
        return 'remove-from-cart';
      }
      if (browsedOnly.length > 0 && r.chance(o.cartProbability)) {
        const table = this.weightsAt(session.segment, time);
        const item = browsedOnly[r.weighted(browsedOnly.map((i) => table.weights[i.product] as number))] as Item;
        item.inCart = true;
        item.quantity = r.int(1, 3);
        return 'add-to-cart';
      }
    }
    this.browse(session, time);
    return 'browse';
  }

  private browse(session: Session, time: number): void {
    const r = session.random;
    const table = this.weightsAt(session.segment, time);
    const seen = new Set(session.history.map((i) => i.product));
    const n = this.catalog.length;
    let product = -1;
    if (seen.size < n) {
      const byPreference = r.chance(this.options.preferenceBias);
      for (let attempt = 0; attempt < 64 && product < 0; attempt++) {
        const p = byPreference ? drawWeighted(r, table) : r.int(0, n - 1);
        if (!seen.has(p)) product = p;
      }
    }
    if (product < 0) {
      // Everything likely was seen: look again at a product (moved to the end).
      product = drawWeighted(r, table);
      const at = session.history.findIndex((i) => i.product === product);
      if (at >= 0) {
        session.history.push(...session.history.splice(at, 1));
        return;
      }
    }
    session.history.push({ product, quantity: 0, inCart: false });
    if (session.history.length > MAX_BROWSE_HISTORY) {
      const oldest = session.history.findIndex((i) => !i.inCart);
      session.history.splice(oldest >= 0 ? oldest : 0, 1);
    }
  }

  private eventOf(session: Session, time: number): SessionEvent {
    const browse_history: BrowseItem[] = session.history.map((i) => ({
      product_code: (this.catalog[i.product] as ProductRow).productCode,
      quantity: i.quantity,
      in_shopping_cart: i.inCart,
    }));
    return {
      session_id: session.id,
      customer_number: session.customerNumber,
      city: session.city,
      country: session.country,
      credit_limit: session.creditLimit,
      browse_history,
      event_time: time,
    };
  }

  private placeOrder(session: Session, time: number): OrderRecord {
    const r = session.random;
    const orderNumber = this.nextOrderNumber++;
    const customerNumber = session.customerNumber as number;
    const lines = session.history.filter((i) => i.inCart);
    const details = lines.map((item, line): OrderDetailRow => {
      const product = this.catalog[item.product] as ProductRow;
      return {
        orderNumber,
        productCode: product.productCode,
        quantityOrdered: item.quantity,
        priceEach: round2(product.MSRP * r.uniform(0.85, 1)),
        orderLineNumber: line + 1,
      };
    });
    const order: OrderRow = {
      orderNumber,
      orderDate: new Date(time),
      requiredDate: isoDate(time + 7 * DAY),
      shippedDate: null,
      status: 'In Process',
      comments: null,
      customerNumber,
    };
    const events = details.map(
      (d): OrderEvent => ({
        order_number: orderNumber,
        customer_number: customerNumber,
        product_code: d.productCode,
        quantity_ordered: d.quantityOrdered,
        price_each: d.priceEach,
        country: session.country,
        order_time: time,
      }),
    );
    for (const item of lines) {
      item.inCart = false;
      item.quantity = 0;
    }
    this.counters.orders++;
    this.counters.orderLines += details.length;
    return { kind: 'order', time, partitionKey: session.id, order, details, events };
  }

  /** The segment's preference weights times the spikes active for its region at `time` (cached per combination). */
  private weightsAt(segment: Segment, time: number): WeightTable {
    const offset = time - this.options.startTime;
    const active: number[] = [];
    this.options.spikes.forEach((s, i) => {
      if (s.region === segment.region && offset >= s.startMs && offset < s.startMs + s.durationMs) active.push(i);
    });
    const key = `${segmentIndex(segment)}|${active.join(',')}`;
    let table = this.weightCache.get(key);
    if (table === undefined) {
      const base = this.options.dataset.weightsFor(segment).weights;
      const weights = Float64Array.from(base);
      for (const i of active) {
        const spike = this.options.spikes[i] as (typeof this.options.spikes)[number];
        this.catalog.forEach((p, j) => {
          if (p.productLine === spike.productLine) weights[j] = (weights[j] as number) * spike.multiplier;
        });
      }
      table = weightTable(weights);
      this.weightCache.set(key, table);
    }
    return table;
  }

  // A binary min-heap of sessions by (nextTime, serial): deterministic on ties.
  private push(session: Session): void {
    const q = this.queue;
    q.push(session);
    let i = q.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(q[i] as Session, q[parent] as Session)) break;
      [q[i], q[parent]] = [q[parent] as Session, q[i] as Session];
      i = parent;
    }
  }

  private pop(): Session {
    const q = this.queue;
    const top = q[0] as Session;
    const last = q.pop() as Session;
    if (q.length > 0) {
      q[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < q.length && before(q[l] as Session, q[m] as Session)) m = l;
        if (r < q.length && before(q[r] as Session, q[m] as Session)) m = r;
        if (m === i) break;
        [q[i], q[m]] = [q[m] as Session, q[i] as Session];
        i = m;
      }
    }
    return top;
  }
}

function before(a: Session, b: Session): boolean {
  return a.nextTime < b.nextTime || (a.nextTime === b.nextTime && a.serial < b.serial);
}

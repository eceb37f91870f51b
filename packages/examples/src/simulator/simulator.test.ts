import { describe, expect, it } from 'vitest';
import { validateSessionEvent, type SessionEvent } from '../data/contracts.js';
import { retailDataset } from '../data/generator.js';
import { regionOf } from '../data/geography.js';
import { affinity, MAX_AFFINITY, segmentOf } from '../data/preferences.js';
import { MAX_BROWSE_HISTORY } from './options.js';
import { PlatformSimulator, type MalformedRecord, type OrderRecord, type SessionRecord, type SimulatorRecord } from './simulator.js';

const dataset = retailDataset({ customers: 5_000, seed: 42 });
const product = new Map(dataset.catalog.map((p) => [p.productCode, p]));

function runAll(sim: PlatformSimulator): SimulatorRecord[] {
  return sim.advanceTo(Number.POSITIVE_INFINITY);
}
const sessionsOf = (records: readonly SimulatorRecord[]): SessionRecord[] => records.filter((r): r is SessionRecord => r.kind === 'session');

describe('PlatformSimulator', { timeout: 30_000 }, () => {
  it('is deterministic for a seed: the same records, byte for byte; another seed differs', () => {
    const options = { dataset, sessions: 50, thinkTimeMs: 500, durationMs: 20_000, malformedFraction: 0.05 };
    const a = runAll(new PlatformSimulator(options));
    const b = runAll(new PlatformSimulator(options));
    expect(a.length).toBeGreaterThan(1_000);
    expect(b).toEqual(a);
    const c = runAll(new PlatformSimulator({ ...options, seed: 43 }));
    expect(c.map((r) => (r.kind === 'order' ? r.kind : r.data))).not.toEqual(a.map((r) => (r.kind === 'order' ? r.kind : r.data)));
  });

  it('gives the same records whether advanced in one go, in slices, or step by step', () => {
    const options = { dataset, sessions: 20, thinkTimeMs: 300, durationMs: 10_000 };
    const whole = runAll(new PlatformSimulator(options));
    const sliced = new PlatformSimulator(options);
    const parts: SimulatorRecord[] = [];
    for (let t = options.durationMs; !sliced.done; t += 137) parts.push(...sliced.advanceTo(sliced.options.startTime + t - options.durationMs + 1, 7));
    expect(parts).toEqual(whole);
    const stepped = new PlatformSimulator(options);
    const steps: SimulatorRecord[] = [];
    while (!stepped.done) steps.push(...stepped.next());
    expect(steps).toEqual(whole);
  });

  it('emits records in time order, within [start, start + duration)', () => {
    const sim = new PlatformSimulator({ dataset, sessions: 30, durationMs: 30_000, startTime: 1_000_000 });
    const records = runAll(sim);
    for (let i = 1; i < records.length; i++) expect(records[i]!.time).toBeGreaterThanOrEqual(records[i - 1]!.time);
    expect(records[0]!.time).toBeGreaterThanOrEqual(1_000_000);
    expect(records.at(-1)!.time).toBeLessThan(1_030_000);
    expect(sim.done).toBe(true);
    expect(sim.nextTime()).toBeUndefined();
  });

  it('runs at the configured total rate: sessions / think time, or eventsPerSecond', () => {
    const byThinkTime = new PlatformSimulator({ dataset, sessions: 200, thinkTimeMs: 1_000, durationMs: 60_000 });
    const n1 = runAll(byThinkTime).filter((r) => r.kind !== 'order').length;
    expect(n1 / 60).toBeGreaterThan(200 * 0.95);
    expect(n1 / 60).toBeLessThan(200 * 1.05);

    const byRate = new PlatformSimulator({ dataset, sessions: 100, eventsPerSecond: 500, durationMs: 20_000 });
    expect(byRate.options.thinkTimeMs).toBe(200);
    const n2 = runAll(byRate).filter((r) => r.kind !== 'order').length;
    expect(n2 / 20).toBeGreaterThan(500 * 0.95);
    expect(n2 / 20).toBeLessThan(500 * 1.05);
    // About `sessions` are active at any time.
    expect(byRate.stats().sessionsActive).toBeLessThanOrEqual(100);
    expect(byRate.stats().sessionsStarted).toBeGreaterThan(100);
  });

  it('spaces a session\'s steps by exponentially distributed think times of the configured mean', () => {
    const sim = new PlatformSimulator({ dataset, sessions: 300, thinkTimeMs: 800, durationMs: 60_000, malformedFraction: 0 });
    const last = new Map<string, number>();
    const gaps: number[] = [];
    for (const r of runAll(sim)) {
      if (r.kind !== 'session') continue;
      const previous = last.get(r.partitionKey);
      if (previous !== undefined) gaps.push(r.time - previous);
      last.set(r.partitionKey, r.time);
    }
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const sd = Math.sqrt(gaps.reduce((a, b) => a + (b - mean) ** 2, 0) / gaps.length);
    expect(gaps.length).toBeGreaterThan(10_000);
    expect(mean).toBeGreaterThan(800 * 0.95);
    expect(mean).toBeLessThan(800 * 1.05);
    // Exponential: sd ≈ mean, and P(gap < mean·ln 2) = 1/2.
    expect(sd / mean).toBeGreaterThan(0.9);
    expect(sd / mean).toBeLessThan(1.1);
    const belowMedian = gaps.filter((g) => g < 800 * Math.LN2).length / gaps.length;
    expect(belowMedian).toBeGreaterThan(0.47);
    expect(belowMedian).toBeLessThan(0.53);
  });

  it('keeps cart semantics: history accumulates, quantities match the cart, orders carry the cart and empty it', () => {
    const sim = new PlatformSimulator({ dataset, sessions: 100, thinkTimeMs: 500, durationMs: 40_000, malformedFraction: 0 });
    const records = runAll(sim);
    // Violations are collected and compared once (an expect per field of 8,000 events is slow).
    const problems: string[] = [];
    const check = (ok: boolean, what: string): void => {
      if (!ok && problems.length < 20) problems.push(what);
    };
    const previousEvent = new Map<string, SessionEvent>();
    let lastSessionEvent: SessionEvent | undefined;
    let orders = 0;
    const ordered = new Set<string>();
    for (const r of records) {
      if (r.kind === 'session') {
        const event = r.event;
        const at = `${event.session_id}@${r.time}`;
        check(!ordered.has(event.session_id), `${at}: an event after the session's order`);
        const parsed = validateSessionEvent(JSON.parse(r.data));
        check(parsed.ok && JSON.stringify(parsed.value) === r.data, `${at}: payload does not validate as the event`);
        check(r.partitionKey === event.session_id && event.event_time === r.time, `${at}: partition key or time`);
        const codes = event.browse_history.map((b) => b.product_code);
        check(new Set(codes).size === codes.length, `${at}: a product twice in the history`);
        check(codes.length <= MAX_BROWSE_HISTORY, `${at}: history too long`);
        for (const item of event.browse_history) {
          check(product.has(item.product_code), `${at}: unknown product ${item.product_code}`);
          check(item.in_shopping_cart ? item.quantity >= 1 : item.quantity === 0, `${at}: quantity ${item.quantity} with in_shopping_cart ${item.in_shopping_cart}`);
        }
        const previous = previousEvent.get(event.session_id);
        if (previous !== undefined) {
          // The same shopper; the history only grows (by at most one product a step) or changes a cart flag.
          check(
            previous.customer_number === event.customer_number && previous.city === event.city && previous.country === event.country && previous.credit_limit === event.credit_limit,
            `${at}: the shopper changed`,
          );
          const before = new Set(previous.browse_history.map((b) => b.product_code));
          check(codes.filter((c) => !before.has(c)).length <= 1, `${at}: more than one product added`);
          if (codes.length < MAX_BROWSE_HISTORY) check(codes.filter((c) => before.has(c)).length === before.size, `${at}: a product left the history`);
        } else {
          check(event.browse_history.length === 1, `${at}: a session starts with one browsed product`);
        }
        previousEvent.set(event.session_id, event);
        lastSessionEvent = event;
      } else if (r.kind === 'order') {
        orders++;
        // An order follows its checkout event: the lines are exactly that event's cart.
        const at = `order ${r.order.orderNumber}`;
        check(lastSessionEvent?.session_id === r.partitionKey, `${at}: not right after its session's event`);
        const cart = lastSessionEvent!.browse_history.filter((b) => b.in_shopping_cart);
        check(
          JSON.stringify(r.details.map((d) => [d.productCode, d.quantityOrdered])) === JSON.stringify(cart.map((b) => [b.product_code, b.quantity])),
          `${at}: lines differ from the cart`,
        );
        check(r.order.customerNumber === lastSessionEvent!.customer_number, `${at}: customer`);
        check(r.events.every((e, i) => e.order_number === r.order.orderNumber && e.product_code === r.details[i]!.productCode), `${at}: events differ from lines`);
        check(r.events.every((e) => e.country === lastSessionEvent!.country && e.order_time === r.time), `${at}: event country or time`);
        check(r.details.every((d, i) => d.orderLineNumber === i + 1), `${at}: line numbers`);
        ordered.add(r.partitionKey);
      }
    }
    expect(problems).toEqual([]);
    expect(orders).toBeGreaterThan(50);
    const stats = sim.stats();
    expect(stats.orders).toBe(orders);
    expect(stats.steps['add-to-cart']).toBeGreaterThan(0);
    expect(stats.steps['remove-from-cart']).toBeGreaterThan(0);
    // Order numbers are consecutive from firstOrderNumber.
    const numbers = records.filter((r): r is OrderRecord => r.kind === 'order').map((r) => r.order.orderNumber);
    expect(numbers).toEqual(numbers.map((_, i) => sim.options.firstOrderNumber + i));
  });

  it('mixes known customers (from the dataset) and new visitors; only known customers order', () => {
    const sim = new PlatformSimulator({ dataset, sessions: 200, thinkTimeMs: 500, durationMs: 60_000, newVisitorFraction: 0.3 });
    const records = runAll(sim);
    const firstEvents = new Map<string, SessionEvent>();
    for (const r of sessionsOf(records)) if (!firstEvents.has(r.partitionKey)) firstEvents.set(r.partitionKey, r.event);
    const visitors = [...firstEvents.values()].filter((e) => e.customer_number === null).length / firstEvents.size;
    expect(visitors).toBeGreaterThan(0.25);
    expect(visitors).toBeLessThan(0.35);
    for (const event of firstEvents.values()) {
      if (event.customer_number === null) {
        expect(segmentOf({ country: event.country, creditLimit: event.credit_limit })).toBeDefined();
        continue;
      }
      const customer = dataset.customerAt(dataset.customerIndexOf(event.customer_number)!).row;
      expect([event.city, event.country, event.credit_limit]).toEqual([customer.city, customer.country, customer.creditLimit]);
    }
    for (const r of records) if (r.kind === 'order') expect(r.order.customerNumber).not.toBeNull();
  });

  it('browses according to the segment\'s preferences', () => {
    const sim = new PlatformSimulator({ dataset, sessions: 200, thinkTimeMs: 500, durationMs: 60_000, malformedFraction: 0 });
    let preferred = 0;
    let total = 0;
    for (const r of sessionsOf(runAll(sim))) {
      const segment = segmentOf({ country: r.event.country, creditLimit: r.event.credit_limit })!;
      const newest = r.event.browse_history.at(-1)!;
      const p = product.get(newest.product_code)!;
      total++;
      if (affinity(segment, p.productLine, p.productScale) === MAX_AFFINITY) preferred++;
    }
    // 8 of 110 products (7 %) get well over a fifth of the looks.
    expect(preferred / total).toBeGreaterThan(0.2);
  });

  it('emits the configured fraction of malformed events, each of which fails validation', () => {
    const sim = new PlatformSimulator({ dataset, sessions: 200, thinkTimeMs: 500, durationMs: 60_000, malformedFraction: 0.1 });
    const records = runAll(sim);
    const malformed = records.filter((r): r is MalformedRecord => r.kind === 'malformed');
    const events = records.filter((r) => r.kind !== 'order').length;
    expect(malformed.length / events).toBeGreaterThan(0.09);
    expect(malformed.length / events).toBeLessThan(0.11);
    const kinds = new Map<string, number>();
    for (const m of malformed) {
      kinds.set(m.defect, (kinds.get(m.defect) ?? 0) + 1);
      let parsed: unknown;
      try {
        parsed = JSON.parse(m.data);
      } catch {
        expect(m.defect).toBe('not-json');
        continue;
      }
      expect(m.defect).not.toBe('not-json');
      expect(validateSessionEvent(parsed).ok, m.data).toBe(false);
    }
    expect([...kinds.keys()].sort()).toEqual(['missing-field', 'not-json', 'wrong-type']);
    for (const count of kinds.values()) expect(count / malformed.length).toBeGreaterThan(0.25);
    expect(sim.stats().malformedEvents).toBe(malformed.length);
    // Only one kind when asked.
    const onlyJson = runAll(new PlatformSimulator({ dataset, sessions: 20, durationMs: 20_000, malformedFraction: 0.5, malformedKinds: { 'missing-field': 0, 'wrong-type': 0 } }));
    expect(new Set(onlyJson.filter((r): r is MalformedRecord => r.kind === 'malformed').map((r) => r.defect))).toEqual(new Set(['not-json']));
  });

  it('makes a regional demand spike visible: the region browses the line far more during the spike, others do not', () => {
    const spike = { region: 'Europe' as const, productLine: 'Ships' as const, multiplier: 8, startMs: 20_000, durationMs: 20_000 };
    const sim = new PlatformSimulator({ dataset, sessions: 400, thinkTimeMs: 500, durationMs: 60_000, malformedFraction: 0, spikes: [spike] });
    const start = sim.options.startTime;
    const share = new Map<string, [number, number]>();
    const previous = new Map<string, number>();
    for (const r of sessionsOf(runAll(sim))) {
      const history = r.event.browse_history;
      const before = previous.get(r.partitionKey) ?? 0;
      previous.set(r.partitionKey, history.length);
      if (history.length === before) continue; // not a browse step
      const line = product.get(history.at(-1)!.product_code)!.productLine;
      const during = r.time - start >= spike.startMs && r.time - start < spike.startMs + spike.durationMs;
      const bucket = `${regionOf(r.event.country) === 'Europe' ? 'europe' : 'other'}-${during ? 'during' : 'outside'}`;
      const counts = share.get(bucket) ?? [0, 0];
      counts[1]++;
      if (line === 'Ships') counts[0]++;
      share.set(bucket, counts);
    }
    const ratio = (bucket: string): number => share.get(bucket)![0] / share.get(bucket)![1];
    expect(ratio('europe-during')).toBeGreaterThan(3 * ratio('europe-outside'));
    expect(ratio('other-during')).toBeGreaterThan(0.75 * ratio('other-outside'));
    expect(ratio('other-during')).toBeLessThan(1.25 * ratio('other-outside'));
  });

  it('stops starting sessions at maxSessions and finishes early', () => {
    const sim = new PlatformSimulator({ dataset, sessions: 10, maxSessions: 25, thinkTimeMs: 100, durationMs: 3_600_000 });
    const records = runAll(sim);
    expect(sim.done).toBe(true);
    expect(sim.stats().sessionsStarted).toBe(25);
    expect(sim.stats().sessionsEnded).toBe(25);
    expect(new Set(records.map((r) => r.partitionKey)).size).toBe(25);
  });

  it('serves new visitors only when the dataset has no customers', () => {
    const empty = retailDataset({ customers: 0 });
    const records = sessionsOf(runAll(new PlatformSimulator({ dataset: empty, sessions: 10, durationMs: 10_000 })));
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.event.customer_number === null)).toBe(true);
  });

  it('checks its options with messages that name the constraint', () => {
    const make = (o: object) => () => new PlatformSimulator({ dataset, ...o });
    expect(make({ sessions: 0 })).toThrow('sessions must be an integer >= 1, got 0');
    expect(make({ thinkTimeMs: 100, eventsPerSecond: 5 })).toThrow('give thinkTimeMs or eventsPerSecond, not both');
    expect(make({ eventsPerSecond: 0 })).toThrow('eventsPerSecond must be > 0, got 0');
    expect(make({ malformedFraction: 1.5 })).toThrow('malformedFraction must be in [0, 1], got 1.5');
    expect(make({ malformedKinds: { garbage: 1 } })).toThrow("malformedKinds: unknown kind 'garbage'");
    expect(make({ spikes: [{ region: 'Mars', productLine: 'Ships', multiplier: 2, startMs: 0, durationMs: 1 }] })).toThrow("spikes[0].region must be one of Europe, North America, APAC, got 'Mars'");
    expect(make({ spikes: [{ region: 'APAC', productLine: 'Ships', multiplier: 0, startMs: 0, durationMs: 1 }] })).toThrow('spikes[0].multiplier must be > 0, got 0');
    expect(make({ stepsPerSession: 0.5 })).toThrow('stepsPerSession must be >= 1, got 0.5');
  });
});

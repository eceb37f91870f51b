/**
 * The throughput workloads' input: keyed events computed from their index
 * (deterministic, no arrays), with event time advancing 1 ms every
 * `EVENTS_PER_MS` events — in order, so every contender can use
 * watermarks = max timestamp seen (Flink's `forMonotonousTimestamps`).
 */
import { mix32 } from './checksum.js';

/** Distinct keys of the keyed workloads (issue 6: 10k keys). */
export const KEYS = 10_000;
/** Events per millisecond of event time: 10,000 events/s. */
export const EVENTS_PER_MS = 10;

export interface Event {
  readonly key: number;
  /** Event time, ms. */
  readonly ts: number;
  readonly value: number;
}

/**
 * Event `i`: a pseudo-random key of `KEYS`, a value in 0..999. The fields
 * are made small integers (`| 0`) in every JIT tier: from an unsigned hash
 * above 2^31, unoptimized code produced keys as heap-allocated doubles,
 * which slow every Map lookup that meets one — for every contender.
 */
export function eventAt(i: number): Event {
  const h = mix32(i + 1);
  return { key: (h % KEYS) | 0, ts: Math.floor(i / EVENTS_PER_MS), value: ((h >>> 20) % 1000) | 0 };
}

/** Rotating activity for session windows: 1,000 keys active per 5 s phase, each key idle for 45 s between its visits. */
export const SESSION_PHASE_MS = 5_000;
const SESSION_GROUPS = 10;

/** Event `i` of the session workload: like {@link eventAt}, but only one tenth of the keys is active at a time. */
export function sessionEventAt(i: number): Event {
  const h = mix32(i + 1);
  const ts = Math.floor(i / EVENTS_PER_MS);
  const group = Math.floor(ts / SESSION_PHASE_MS) % SESSION_GROUPS;
  // (small integers: see eventAt)
  return { key: (group * (KEYS / SESSION_GROUPS) + (h % (KEYS / SESSION_GROUPS))) | 0, ts, value: ((h >>> 20) % 1000) | 0 };
}

/** An order or a shipment of the interval-join workload. */
export interface JoinEvent {
  readonly side: 'L' | 'R';
  /** The order id this event is about. */
  readonly id: number;
  /** id modulo `JOIN_KEYS`: the join key (same-key orders are ≥ 10 s apart, so key + interval identifies the order). */
  readonly key: number;
  readonly ts: number;
}

/** Join keys of the interval-join workload. */
export const JOIN_KEYS = 100_000;
/** A shipment refers to an order up to this many events back (≈1.2 s of event time; beyond 1 s it does not match). */
const MAX_LAG_EVENTS = 12_000;

/** Order `i` (left side). */
export function orderAt(i: number): JoinEvent {
  return { side: 'L', id: i, key: i % JOIN_KEYS, ts: Math.floor(i / EVENTS_PER_MS) };
}

/** Shipment `j` (right side): for the order `j - lag`, at the time of order `j`. */
export function shipmentAt(j: number): JoinEvent {
  const id = Math.max(0, j - (mix32(j + 7) % MAX_LAG_EVENTS));
  return { side: 'R', id, key: id % JOIN_KEYS, ts: Math.floor(j / EVENTS_PER_MS) };
}

/**
 * State time-to-live on the heap: an entry (or list element, or map entry)
 * carries the processing time it was last written (or read, with
 * `OnReadAndWrite`) and expires `ttl` ms later, like Flink's `TtlValue`.
 * Expired entries are removed lazily: when accessed and when snapshotted.
 */
import type { StateTtlConfig } from '../descriptors.js';

/** A normalized TTL config (see `normalizeTtl`). */
export type TtlSettings = Required<StateTtlConfig>;

/** A value with the processing time of its last write (or read). Mutable: reads refresh `t` in place. */
export interface TtlValue<T> {
  v: T;
  t: number;
}

/** True when an entry last touched at `t` has expired at `now` (Flink: `t + ttl <= now`). */
export function isExpired(t: number, ttl: TtlSettings, now: number): boolean {
  return t + ttl.ttl <= now;
}

/** Marks a snapshotted entry with nothing left to save (every part of it expired). */
export const EXPIRED: unique symbol = Symbol('expired');

/** Reads a `[value, timestamp]` pair from a snapshot. */
export function decodeTtlPair<T>(raw: unknown): TtlValue<T> {
  if (!Array.isArray(raw) || raw.length !== 2 || typeof raw[1] !== 'number') {
    throw new TypeError(`expected a [value, timestamp] pair in a TTL state snapshot, got ${typeof raw}`);
  }
  return { v: raw[0] as T, t: raw[1] };
}

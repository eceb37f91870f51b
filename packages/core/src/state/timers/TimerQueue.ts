/**
 * The timers of one timer service in one time domain, deduplicated by
 * (time, key, namespace identity): a binary min-heap of distinct timestamps
 * plus one slot per timestamp (key → the key's timers at that time, see
 * `KeyTimers`). Ten thousand keys whose windows end at the same time are one
 * heap entry.
 *
 * Deletion is lazy: a slot emptied by deletes stays (small, empty) until its
 * time reaches the top of the heap, so each distinct time is in the heap once.
 *
 * A slot may also hold namespace timers (`addForAllKeys`): one entry that
 * stands for a timer of every key a `KeySource` lists for the namespace when
 * the timer fires — how windows of ten thousand keys that end together cost
 * one timer. Drains and snapshots (`entries`) expand them key by key.
 */
import type { Key } from '../../api/functions.js';
import type { NamespaceId } from '../heap/StateTable.js';
import { KeyTimers } from './KeyTimers.js';

/**
 * The keys a namespace timer stands for, read when it fires or is
 * snapshotted: e.g. the keys holding state in the namespace.
 */
export interface KeySource<N> {
  keys(namespace: N): Iterable<Key>;
  count(namespace: N): number;
}

/** A timer for every key `source` lists for `namespace` (see `addForAllKeys`). */
interface NamespaceTimer<N> {
  readonly namespace: N;
  readonly source: KeySource<N>;
}

/** The timers due at one time: key → that key's namespaces, and the namespace timers. */
class TimerSlot<N> {
  readonly byKey = new Map<Key, KeyTimers<N>>();
  /** Namespace identity → namespace timer; created with the first. */
  namespaces: Map<NamespaceId, NamespaceTimer<N>> | undefined = undefined;
  /** Keys whose own timer of a namespace with a namespace timer here has fired: that namespace timer skips them. */
  firedOwn: Map<NamespaceId, Set<Key>> | undefined = undefined;

  isEmpty(): boolean {
    return this.byKey.size === 0 && (this.namespaces === undefined || this.namespaces.size === 0);
  }
}

/** Receives a timer taken off the queue; returns false to stop draining. */
export type TimerSink<N> = (time: number, key: Key, namespace: N) => boolean;

/** Deduplicated timers of one service and time domain, by time. */
export class TimerQueue<N> {
  /** The number of live timers. */
  size = 0;
  private readonly heap: number[] = [];
  private readonly slots = new Map<number, TimerSlot<N>>();
  /** The slot timers were last added to (consecutive timers mostly share a time); forgotten when its slot is dropped. */
  private lastTime = Number.NaN;
  private lastSlot: TimerSlot<N> | undefined = undefined;

  /** Adds a timer; false when an equal one was already queued. */
  add(time: number, key: Key, nsId: NamespaceId, namespace: N): boolean {
    const slot = this.slotFor(time).byKey;
    const timers = slot.get(key);
    if (timers === undefined) slot.set(key, new KeyTimers(nsId, namespace));
    else if (!timers.add(nsId, namespace)) return false;
    this.size++;
    return true;
  }

  /**
   * Adds a namespace timer: at `time`, a timer fires for every key
   * `source.keys(namespace)` lists then (a key with a timer of its own at
   * that time and namespace fires once, as timers deduplicate). False when the namespace
   * has one at that time already. Gotcha: it cannot be deleted key by key
   * (`remove` does not see it): for timers that are never deleted, such as a
   * window's end under the default trigger.
   */
  addForAllKeys(time: number, nsId: NamespaceId, namespace: N, source: KeySource<N>): boolean {
    const slot = this.slotFor(time);
    const namespaces = (slot.namespaces ??= new Map());
    if (namespaces.has(nsId)) return false;
    namespaces.set(nsId, { namespace, source });
    return true;
  }

  /** Removes a timer; false when there was none (namespace timers are not seen). */
  remove(time: number, key: Key, nsId: NamespaceId): boolean {
    const slot = this.slots.get(time);
    if (slot === undefined) return false;
    const timers = slot.byKey.get(key);
    if (timers === undefined || !timers.remove(nsId)) return false;
    if (timers.isEmpty()) slot.byKey.delete(key);
    this.size--;
    return true;
  }

  /** Whether a timer of the key is queued (its own, or a namespace timer listing the key). */
  has(time: number, key: Key, nsId: NamespaceId): boolean {
    const slot = this.slots.get(time);
    if (slot === undefined) return false;
    if (slot.byKey.get(key)?.has(nsId) ?? false) return true;
    const timer = slot.namespaces?.get(nsId);
    if (timer === undefined) return false;
    for (const k of timer.source.keys(timer.namespace)) if (k === key) return true;
    return false;
  }

  /** The number of live timers, namespace timers counted key by key (a key with its own timer there once). */
  count(): number {
    let n = this.size;
    for (const slot of this.slots.values()) {
      if (slot.namespaces === undefined) continue;
      for (const [nsId, timer] of slot.namespaces) {
        for (const key of timer.source.keys(timer.namespace)) if (!this.coveredByOwn(slot, nsId, key)) n++;
      }
    }
    return n;
  }

  /** The earliest time with a live timer (dropping emptied slots from the top of the heap). */
  peekTime(): number | undefined {
    const heap = this.heap;
    for (;;) {
      const time = heap[0];
      if (time === undefined) return undefined;
      const slot = this.slots.get(time);
      if (slot !== undefined && !slot.isEmpty()) return time;
      this.slots.delete(time);
      if (time === this.lastTime) this.lastSlot = undefined;
      this.popTime();
    }
  }

  /**
   * Takes the timers at `time` off the queue one at a time and hands each to
   * `sink` (the timer is removed before the call): the keys' own timers,
   * then the namespace timers key by key, skipping keys whose own timer of
   * that namespace fired. Timers added at `time` during the
   * drain are drained too; deleted ones are skipped. Stops early when `sink`
   * returns false (a namespace timer stopped in the middle stays queued: the
   * keys it listed then are expected to have left its source as they fired).
   */
  drain(time: number, sink: TimerSink<N>): void {
    const slot = this.slots.get(time);
    if (slot === undefined) return;
    const byKey = slot.byKey;
    const namespaces = slot.namespaces;
    for (const [key, timers] of byKey) {
      // emptied timers leave the slot for good; the key's timers added again are a new entry, visited later
      while (!timers.isEmpty()) {
        const nsId = timers.firstId();
        const namespace = timers.takeFirst();
        if (timers.isEmpty()) byKey.delete(key);
        this.size--;
        if (namespaces?.has(nsId) === true) this.noteFiredOwn(slot, nsId, key);
        if (!sink(time, key, namespace)) return;
      }
    }
    if (namespaces === undefined) return;
    for (const [nsId, timer] of namespaces) {
      const skip = slot.firedOwn?.get(nsId);
      for (const key of timer.source.keys(timer.namespace)) {
        if (skip?.has(key) === true) continue;
        if (!sink(time, key, timer.namespace)) return;
      }
      namespaces.delete(nsId);
      slot.firedOwn?.delete(nsId);
    }
  }

  /** Whether the namespace timer of `nsId` in `slot` does not stand for `key`: the key has (or fired) its own timer of `nsId` there. */
  private coveredByOwn(slot: TimerSlot<N>, nsId: NamespaceId, key: Key): boolean {
    return (slot.byKey.get(key)?.has(nsId) ?? false) || (slot.firedOwn?.get(nsId)?.has(key) ?? false);
  }

  /** Remembers that `key` fired by its own timer of `nsId`, so the namespace timer of `nsId` in `slot` skips it. */
  private noteFiredOwn(slot: TimerSlot<N>, nsId: NamespaceId, key: Key): void {
    const firedOwn = (slot.firedOwn ??= new Map());
    let keys = firedOwn.get(nsId);
    if (keys === undefined) firedOwn.set(nsId, (keys = new Set()));
    keys.add(key);
  }

  /** Every live timer as [time, key, namespace], in no particular order. */
  *entries(): Generator<[time: number, key: Key, namespace: N], void, undefined> {
    for (const [time, slot] of this.slots) {
      for (const [key, timers] of slot.byKey) {
        for (const namespace of timers.namespaces()) yield [time, key, namespace];
      }
      if (slot.namespaces === undefined) continue;
      for (const [nsId, timer] of slot.namespaces) {
        for (const key of timer.source.keys(timer.namespace)) if (!this.coveredByOwn(slot, nsId, key)) yield [time, key, timer.namespace];
      }
    }
  }

  /** The slot of `time`, created (and the time queued) when missing. */
  private slotFor(time: number): TimerSlot<N> {
    let slot = time === this.lastTime ? this.lastSlot : this.slots.get(time);
    if (slot === undefined) {
      slot = new TimerSlot<N>();
      this.slots.set(time, slot);
      this.pushTime(time);
    }
    this.lastTime = time;
    this.lastSlot = slot;
    return slot;
  }

  private pushTime(time: number): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(time);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent] as number;
      if (p <= time) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = time;
  }

  private popTime(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      if (right < n && (heap[right] as number) < (heap[left] as number)) child = right;
      const c = heap[child] as number;
      if (c >= last) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }
}

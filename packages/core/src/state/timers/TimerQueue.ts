/**
 * The timers of one timer service in one time domain, deduplicated by
 * (time, key, namespace identity): a binary min-heap of distinct timestamps
 * plus one slot per timestamp (key → the key's timers at that time, see
 * `KeyTimers`). Ten thousand keys whose windows end at the same time are one
 * heap entry.
 *
 * Deletion is lazy: a slot emptied by deletes stays (small, empty) until its
 * time reaches the top of the heap, so each distinct time is in the heap once.
 */
import type { Key } from '../../api/functions.js';
import type { NamespaceId } from '../heap/StateTable.js';
import { KeyTimers } from './KeyTimers.js';

/** The timers due at one time: key → that key's namespaces. */
type TimerSlot<N> = Map<Key, KeyTimers<N>>;

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
    let slot = time === this.lastTime ? this.lastSlot : this.slots.get(time);
    if (slot === undefined) {
      slot = new Map();
      this.slots.set(time, slot);
      this.pushTime(time);
    }
    this.lastTime = time;
    this.lastSlot = slot;
    const timers = slot.get(key);
    if (timers === undefined) slot.set(key, new KeyTimers(nsId, namespace));
    else if (!timers.add(nsId, namespace)) return false;
    this.size++;
    return true;
  }

  /** Removes a timer; false when there was none. */
  remove(time: number, key: Key, nsId: NamespaceId): boolean {
    const slot = this.slots.get(time);
    if (slot === undefined) return false;
    const timers = slot.get(key);
    if (timers === undefined || !timers.remove(nsId)) return false;
    if (timers.isEmpty()) slot.delete(key);
    this.size--;
    return true;
  }

  /** Whether a timer is queued. */
  has(time: number, key: Key, nsId: NamespaceId): boolean {
    return this.slots.get(time)?.get(key)?.has(nsId) ?? false;
  }

  /** The earliest time with a live timer (dropping emptied slots from the top of the heap). */
  peekTime(): number | undefined {
    const heap = this.heap;
    for (;;) {
      const time = heap[0];
      if (time === undefined) return undefined;
      const slot = this.slots.get(time);
      if (slot !== undefined && slot.size > 0) return time;
      this.slots.delete(time);
      if (time === this.lastTime) this.lastSlot = undefined;
      this.popTime();
    }
  }

  /**
   * Takes the timers at `time` off the queue one at a time and hands each to
   * `sink` (the timer is removed before the call). Timers added at `time`
   * during the drain are drained too; deleted ones are skipped. Stops early
   * when `sink` returns false.
   */
  drain(time: number, sink: TimerSink<N>): void {
    const slot = this.slots.get(time);
    if (slot === undefined) return;
    for (const [key, timers] of slot) {
      // emptied timers leave the slot for good; the key's timers added again are a new entry, visited later
      while (!timers.isEmpty()) {
        const namespace = timers.takeFirst();
        if (timers.isEmpty()) slot.delete(key);
        this.size--;
        if (!sink(time, key, namespace)) return;
      }
    }
  }

  /** Every live timer as [time, key, namespace], in no particular order. */
  *entries(): Generator<[time: number, key: Key, namespace: N], void, undefined> {
    for (const [time, slot] of this.slots) {
      for (const [key, timers] of slot) {
        for (const namespace of timers.namespaces()) yield [time, key, namespace];
      }
    }
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

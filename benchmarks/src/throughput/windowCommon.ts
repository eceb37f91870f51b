/**
 * What the windowed workloads share: the count/sum accumulator in each
 * contender's shape, the result hash, and the event-stream entry points
 * (engine source, RxJS observable) over the same generator.
 */
import { Observable } from 'rxjs';
import { StreamEnvironment, WatermarkStrategy, silentLogger, type AggregateFunction, type DataStream, type TimeWindow } from '@tributary/core';
import { hashFields, type Checksum } from './checksum.js';
import type { Event } from './events.js';
import { generatorSource } from '../common.js';

/** A window's running count and sum. */
export interface CountSum {
  count: number;
  sum: number;
}

/** Count and sum per window as a Flink AggregateFunction (mutable accumulator, as Flink users write it). */
export const countSumAggregate: AggregateFunction<Event, CountSum, CountSum> = {
  createAccumulator: () => ({ count: 0, sum: 0 }),
  add: (e, acc) => {
    acc.count++;
    acc.sum += e.value;
    return acc;
  },
  getResult: (acc) => acc,
  merge: (a, b) => ({ count: a.count + b.count, sum: a.sum + b.sum }),
};

/** The fingerprint of one window result: key, [start, end), count, sum. */
export function windowHash(key: number, start: number, end: number, count: number, sum: number): number {
  return hashFields(key, start, end, count, sum);
}

/** The engine's window function turning (key, window, count/sum) into the result hash. */
export const hashWindow = (key: number, window: TimeWindow, acc: CountSum): number => windowHash(key, window.start, window.end, acc.count, acc.sum);

/** A fresh environment (parallelism 1, no checkpoints, silent) and the generated events with monotonous watermarks. */
export function engineEvents(events: number, eventAt: (i: number) => Event): { env: StreamEnvironment; stream: DataStream<Event> } {
  const env = StreamEnvironment.create({ logger: silentLogger });
  const stream = env.fromSource(generatorSource(events, eventAt, (e) => e.ts), WatermarkStrategy.forMonotonousTimestamps<Event>(), 'events');
  return { env, stream };
}

/** The generated events as a cold synchronous Observable (what `from(iterable)` would do, without an iterator per event). */
export function observableOf<T>(count: number, at: (i: number) => T): Observable<T> {
  return new Observable<T>((subscriber) => {
    for (let i = 0; i < count && !subscriber.closed; i++) subscriber.next(at(i));
    subscriber.complete();
  });
}

/** The hand-written loops' open windows: start → key → count/sum. */
export type OpenWindows = Map<number, Map<number, CountSum>>;

/** Adds an event's value to its key's count/sum in the window starting at `start` (hand-written loops). */
export function addToWindow(open: OpenWindows, start: number, key: number, value: number): void {
  let byKey = open.get(start);
  if (byKey === undefined) open.set(start, (byKey = new Map()));
  const acc = byKey.get(key);
  if (acc === undefined) byKey.set(key, { count: 1, sum: value });
  else {
    acc.count++;
    acc.sum += value;
  }
}

/** Emits and drops the windows of `sizeMs` whose end is ≤ `maxTimestamp` (Flink fires at watermark ≥ end − 1, watermark = max ts − 1). */
export function fireWindows(open: OpenWindows, sizeMs: number, maxTimestamp: number, checksum: Checksum): void {
  for (const [start, byKey] of open) {
    const end = start + sizeMs;
    if (end > maxTimestamp) continue;
    for (const [key, acc] of byKey) checksum.add(windowHash(key, start, end, acc.count, acc.sum));
    open.delete(start);
  }
}

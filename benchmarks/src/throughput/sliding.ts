/**
 * Keyed sliding event-time windows, size 10 × slide (10 s every 1 s): every
 * event lands in ten windows, count and sum over 10,000 keys.
 */
import { SlidingEventTimeWindows } from '@tributary/core';
import { filter, groupBy, lastValueFrom, map, mergeMap, reduce, tap } from 'rxjs';
import { Checksum } from './checksum.js';
import { eventAt, KEYS, type Event } from './events.js';
import { addToWindow, countSumAggregate, engineEvents, fireWindows, hashWindow, observableOf, windowHash, type OpenWindows } from './windowCommon.js';
import type { Workload } from './workload.js';

export const SLIDING_SLIDE_MS = 1_000;
export const SLIDING_SIZE_MS = 10 * SLIDING_SLIDE_MS;

/** Starts of the windows containing `ts` (timestamps ≥ 0): the last `size / slide` slide boundaries. */
function windowStarts(ts: number): number[] {
  const last = ts - (ts % SLIDING_SLIDE_MS);
  const starts: number[] = [];
  for (let s = last; s > ts - SLIDING_SIZE_MS; s -= SLIDING_SLIDE_MS) starts.push(s);
  return starts;
}

async function tributary(events: number): Promise<string> {
  const { env, stream } = engineEvents(events, eventAt);
  const checksum = new Checksum();
  stream
    .keyBy((e) => e.key)
    .window(SlidingEventTimeWindows.of(SLIDING_SIZE_MS, SLIDING_SLIDE_MS))
    .aggregate(countSumAggregate, hashWindow)
    .sinkTo((h) => checksum.add(h));
  await env.execute('throughput-sliding');
  return checksum.toString();
}

/** Idiomatic RxJS: per key, each event fanned out to its windows, grouped by window start, a group closing when its key reaches the window end. */
async function rxjs(events: number): Promise<string> {
  const checksum = new Checksum();
  await lastValueFrom(
    observableOf(events, eventAt).pipe(
      groupBy((e) => e.key),
      mergeMap((byKey$) =>
        byKey$.pipe(
          mergeMap((e) => windowStarts(e.ts).map((start) => ({ start, e }))),
          groupBy((w) => w.start, { duration: (window$) => byKey$.pipe(filter((e) => e.ts >= window$.key + SLIDING_SIZE_MS)) }),
          mergeMap((window$) =>
            window$.pipe(
              reduce((acc, { e }) => ({ count: acc.count + 1, sum: acc.sum + e.value }), { count: 0, sum: 0 }),
              map((acc) => windowHash(byKey$.key, window$.key, window$.key + SLIDING_SIZE_MS, acc.count, acc.sum)),
            ),
          ),
        ),
      ),
      tap((h) => checksum.add(h)),
    ),
    { defaultValue: 0 },
  );
  return checksum.toString();
}

/** One loop: open windows start → key → count/sum, each event added to its ten windows, windows fired as the watermark passes their end. */
function handWritten(events: number): string {
  const checksum = new Checksum();
  const open: OpenWindows = new Map();
  let nextEnd = SLIDING_SIZE_MS - (SLIDING_SIZE_MS % SLIDING_SLIDE_MS); // the earliest end of a window that has not fired
  for (let i = 0; i < events; i++) {
    const e: Event = eventAt(i);
    if (e.ts >= nextEnd) {
      fireWindows(open, SLIDING_SIZE_MS, e.ts, checksum);
      nextEnd = e.ts - (e.ts % SLIDING_SLIDE_MS) + SLIDING_SLIDE_MS;
    }
    const last = e.ts - (e.ts % SLIDING_SLIDE_MS);
    for (let start = last; start > e.ts - SLIDING_SIZE_MS; start -= SLIDING_SLIDE_MS) addToWindow(open, start, e.key, e.value);
  }
  fireWindows(open, SLIDING_SIZE_MS, Number.MAX_SAFE_INTEGER, checksum);
  return checksum.toString();
}

export const slidingWorkload: Workload = {
  id: 'sliding',
  description: `keyed sliding event-time windows (${SLIDING_SIZE_MS / 1000} s every ${SLIDING_SLIDE_MS / 1000} s), count and sum, ${KEYS.toLocaleString('en-US')} keys`,
  events: { full: 1_000_000, quick: 60_000 },
  targeted: true,
  tributary,
  rxjs,
  handWritten,
};

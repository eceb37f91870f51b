/**
 * Keyed tumbling event-time windows (10 s) counting and summing values over
 * 10,000 keys — the workload the DESIGN.md target names.
 */
import { TumblingEventTimeWindows } from '@tributary/core';
import { groupBy, lastValueFrom, map, mergeMap, filter, reduce, tap } from 'rxjs';
import { Checksum } from './checksum.js';
import { eventAt, KEYS, type Event } from './events.js';
import { addToWindow, countSumAggregate, engineEvents, fireWindows, hashWindow, observableOf, windowHash, type OpenWindows } from './windowCommon.js';
import type { Workload } from './workload.js';

/** Window size, ms (≈10 events per key per window). */
export const TUMBLING_SIZE_MS = 10_000;

async function tributary(events: number): Promise<string> {
  const { env, stream } = engineEvents(events, eventAt);
  const checksum = new Checksum();
  stream
    .keyBy((e) => e.key)
    .window(TumblingEventTimeWindows.of(TUMBLING_SIZE_MS))
    .aggregate(countSumAggregate, hashWindow)
    .sinkTo((h) => checksum.add(h));
  await env.execute('throughput-tumbling');
  return checksum.toString();
}

/**
 * Idiomatic RxJS: group by key, then inside each key group by window start;
 * a window's group closes when an event of a later window arrives for its
 * key (RxJS has no watermarks) or the input completes; `reduce` then emits it.
 */
async function rxjs(events: number): Promise<string> {
  const checksum = new Checksum();
  await lastValueFrom(
    observableOf(events, eventAt).pipe(
      groupBy((e) => e.key),
      mergeMap((byKey$) =>
        byKey$.pipe(
          groupBy((e) => e.ts - (e.ts % TUMBLING_SIZE_MS), {
            duration: (window$) => byKey$.pipe(filter((e) => e.ts >= window$.key + TUMBLING_SIZE_MS)),
          }),
          mergeMap((window$) =>
            window$.pipe(
              reduce((acc, e) => ({ count: acc.count + 1, sum: acc.sum + e.value }), { count: 0, sum: 0 }),
              map((acc) => windowHash(byKey$.key, window$.key, window$.key + TUMBLING_SIZE_MS, acc.count, acc.sum)),
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

/** One loop, a Map of open windows (start → key → count/sum), fired when the watermark passes their end. */
function handWritten(events: number): string {
  const checksum = new Checksum();
  const open: OpenWindows = new Map();
  let firedUpTo = 0; // every window ending at or before this has fired
  for (let i = 0; i < events; i++) {
    const e: Event = eventAt(i);
    if (e.ts >= firedUpTo + TUMBLING_SIZE_MS) {
      fireWindows(open, TUMBLING_SIZE_MS, e.ts, checksum);
      firedUpTo = e.ts - (e.ts % TUMBLING_SIZE_MS);
    }
    addToWindow(open, e.ts - (e.ts % TUMBLING_SIZE_MS), e.key, e.value);
  }
  fireWindows(open, TUMBLING_SIZE_MS, Number.MAX_SAFE_INTEGER, checksum);
  return checksum.toString();
}

export const tumblingWorkload: Workload = {
  id: 'tumbling',
  description: `keyed tumbling event-time windows (${TUMBLING_SIZE_MS / 1000} s), count and sum, ${KEYS.toLocaleString('en-US')} keys`,
  events: { full: 5_000_000, quick: 500_000 },
  targeted: true,
  tributary,
  rxjs,
  handWritten,
};

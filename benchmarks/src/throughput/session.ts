/**
 * Keyed event-time session windows (10 s gap), count and sum: 10,000 keys,
 * one tenth of them active in each 5 s phase, so every key has a visit
 * (one session) every 50 s.
 */
import { EventTimeSessionWindows } from '@tributary/core';
import { connect, filter, groupBy, lastValueFrom, map, merge, mergeMap, scan, takeLast, tap } from 'rxjs';
import { Checksum } from './checksum.js';
import { KEYS, sessionEventAt, type Event } from './events.js';
import { countSumAggregate, engineEvents, hashWindow, observableOf, windowHash } from './windowCommon.js';
import type { Workload } from './workload.js';

export const SESSION_GAP_MS = 10_000;

async function tributary(events: number): Promise<string> {
  const { env, stream } = engineEvents(events, sessionEventAt);
  const checksum = new Checksum();
  stream
    .keyBy((e) => e.key)
    .window(EventTimeSessionWindows.withGap(SESSION_GAP_MS))
    .aggregate(countSumAggregate, hashWindow)
    .sinkTo((h) => checksum.add(h));
  await env.execute('throughput-session');
  return checksum.toString();
}

/** A session being built; `closed` is the one the last event ended, if any. */
interface SessionScan {
  readonly start: number;
  /** Exclusive end: last timestamp + gap (Flink's session window end). */
  readonly end: number;
  readonly count: number;
  readonly sum: number;
  readonly closed: SessionScan | undefined;
}

/** Idiomatic RxJS: per key, a `scan` that extends or closes the session; closed sessions are emitted, the open one when the input ends. */
async function rxjs(events: number): Promise<string> {
  const checksum = new Checksum();
  const none: SessionScan = { start: 0, end: Number.NEGATIVE_INFINITY, count: 0, sum: 0, closed: undefined };
  await lastValueFrom(
    observableOf(events, sessionEventAt).pipe(
      groupBy((e) => e.key),
      mergeMap((byKey$) =>
        byKey$.pipe(
          scan(
            (s: SessionScan, e: Event): SessionScan =>
              e.ts < s.end
                ? { start: s.start, end: e.ts + SESSION_GAP_MS, count: s.count + 1, sum: s.sum + e.value, closed: undefined }
                : { start: e.ts, end: e.ts + SESSION_GAP_MS, count: 1, sum: e.value, closed: s.count > 0 ? s : undefined },
            none,
          ),
          connect((s$) =>
            merge(
              s$.pipe(
                filter((s) => s.closed !== undefined),
                map((s) => s.closed as SessionScan),
              ),
              s$.pipe(takeLast(1)),
            ),
          ),
          map((s) => windowHash(byKey$.key, s.start, s.end, s.count, s.sum)),
        ),
      ),
      tap((h) => checksum.add(h)),
    ),
    { defaultValue: 0 },
  );
  return checksum.toString();
}

/** One loop, one Map key → open session; a session fires when the watermark passes its end (checked when time moves on by a second). */
function handWritten(events: number): string {
  const checksum = new Checksum();
  const open = new Map<number, { start: number; end: number; count: number; sum: number }>();
  let nextSweep = 1_000;
  for (let i = 0; i < events; i++) {
    const e: Event = sessionEventAt(i);
    if (e.ts >= nextSweep) {
      for (const [key, s] of open) {
        if (s.end > e.ts) continue;
        checksum.add(windowHash(key, s.start, s.end, s.count, s.sum));
        open.delete(key);
      }
      nextSweep = e.ts + 1_000;
    }
    const s = open.get(e.key);
    if (s !== undefined && e.ts < s.end) {
      s.end = e.ts + SESSION_GAP_MS;
      s.count++;
      s.sum += e.value;
    } else {
      if (s !== undefined) checksum.add(windowHash(e.key, s.start, s.end, s.count, s.sum));
      open.set(e.key, { start: e.ts, end: e.ts + SESSION_GAP_MS, count: 1, sum: e.value });
    }
  }
  for (const [key, s] of open) checksum.add(windowHash(key, s.start, s.end, s.count, s.sum));
  return checksum.toString();
}

export const sessionWorkload: Workload = {
  id: 'session',
  description: `keyed event-time session windows (${SESSION_GAP_MS / 1000} s gap), count and sum, ${KEYS.toLocaleString('en-US')} keys`,
  events: { full: 5_000_000, quick: 1_000_000 },
  targeted: true,
  tributary,
  rxjs,
  handWritten,
};

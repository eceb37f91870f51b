/**
 * A stateless chain: map → filter → map → filter, no keys, no time — the
 * engine's per-record overhead with nothing else to hide it.
 */
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import { filter, lastValueFrom, map, tap } from 'rxjs';
import { Checksum, hashFields } from './checksum.js';
import { eventAt, type Event } from './events.js';
import { observableOf } from './windowCommon.js';
import { generatorSource } from '../common.js';
import type { Workload } from './workload.js';

interface Scored {
  readonly key: number;
  readonly ts: number;
  readonly score: number;
}

// The chain's four steps, shared verbatim by the three contenders.
const double = (e: Event): Event => ({ key: e.key, ts: e.ts, value: e.value * 2 + 1 });
const notThirds = (e: Event): boolean => e.key % 3 !== 0;
const score = (e: Event): Scored => ({ key: e.key, ts: e.ts, score: e.value % 97 });
const belowNinety = (s: Scored): boolean => s.score < 90;
const hashOf = (s: Scored): number => hashFields(s.key, s.ts, s.score, 0, 0);

async function tributary(events: number): Promise<string> {
  const env = StreamEnvironment.create({ logger: silentLogger });
  const checksum = new Checksum();
  env
    .fromSource(generatorSource(events, eventAt, (e) => e.ts), WatermarkStrategy.noWatermarks<Event>(), 'events')
    .map(double)
    .filter(notThirds)
    .map(score)
    .filter(belowNinety)
    .sinkTo((s) => checksum.add(hashOf(s)));
  await env.execute('throughput-map-filter');
  return checksum.toString();
}

async function rxjs(events: number): Promise<string> {
  const checksum = new Checksum();
  await lastValueFrom(
    observableOf(events, eventAt).pipe(
      map(double),
      filter(notThirds),
      map(score),
      filter(belowNinety),
      tap((s) => checksum.add(hashOf(s))),
    ),
    { defaultValue: undefined },
  );
  return checksum.toString();
}

function handWritten(events: number): string {
  const checksum = new Checksum();
  for (let i = 0; i < events; i++) {
    const d = double(eventAt(i));
    if (!notThirds(d)) continue;
    const s = score(d);
    if (belowNinety(s)) checksum.add(hashOf(s));
  }
  return checksum.toString();
}

export const mapFilterWorkload: Workload = {
  id: 'map-filter',
  description: 'stateless map → filter → map → filter chain',
  events: { full: 10_000_000, quick: 1_000_000 },
  targeted: false,
  tributary,
  rxjs,
  handWritten,
};

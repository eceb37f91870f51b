// Naive reference implementation ("oracle") of a small KeyedProcessFunction
// with event-time timers, following Flink's InternalTimerService semantics:
// per key it counts records; when a record arrives and the key has no pending
// timer, it registers an event-time timer at ts + delay. When the timer fires
// it emits { key, count, timer } with the count of the key's records seen so
// far (the count is never reset) and the key may register a new timer with
// its next record. Independent of the engine on purpose.
//
// Timer semantics reproduced: timers fire when the watermark advances to a
// value >= the timer time, in timer-time order (ties: by key). A timer
// registered at or below the current watermark (from a late record) does
// not fire at once but at the next watermark advance. Watermark steps that
// do not advance the watermark are ignored. At the end of input the
// watermark becomes +Infinity and every pending timer fires.

import type { Script } from './types.js';

export interface TimerEmission {
  readonly key: string;
  /** Records seen for the key up to the firing (cumulative). */
  readonly count: number;
  /** The timer's time (= the emission's timestamp). */
  readonly timer: number;
}

export function keyedTimerOracle(script: Script, delay: number): TimerEmission[] {
  const counts = new Map<string, number>();
  let pending: { key: string; time: number }[] = []; // at most one per key
  const out: TimerEmission[] = [];
  let watermark = -Infinity;

  const fireDue = (): void => {
    const due = pending
      .filter((t) => t.time <= watermark)
      .sort((a, b) => a.time - b.time || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    pending = pending.filter((t) => !(t.time <= watermark));
    for (const t of due) out.push({ key: t.key, count: counts.get(t.key) ?? 0, timer: t.time });
  };

  for (const step of script) {
    if (step.kind === 'watermark') {
      if (step.wm > watermark) {
        watermark = step.wm;
        fireDue();
      }
      continue;
    }
    counts.set(step.key, (counts.get(step.key) ?? 0) + 1);
    if (!pending.some((t) => t.key === step.key)) pending.push({ key: step.key, time: step.ts + delay });
  }
  watermark = Infinity;
  fireDue();
  return out;
}

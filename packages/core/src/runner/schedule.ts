/**
 * Scheduling for batch jobs (`tributary run … --every 1d`, the training-set
 * builder): a fixed interval (`1d`, `6h`, `30m`) or a 5-field cron
 * expression (`0 3 * * *`), and `runOnSchedule`, which runs a function on
 * it until aborted. Runs never overlap: the next one is planned when the previous
 * one has ended. No dependency: the cron parser is the small one below.
 *
 * ```ts
 * const controller = new AbortController();
 * await runOnSchedule(() => runTrainingSetBuilder(config), parseSchedule('0 3 * * *'), { signal: controller.signal });
 * ```
 */

/** A fixed interval between run starts, in ms. */
export interface IntervalSchedule {
  readonly kind: 'interval';
  readonly everyMs: number;
  /** The text it was parsed from. */
  readonly text: string;
}

/** A parsed cron expression: the allowed values of each field. */
export interface CronSchedule {
  readonly kind: 'cron';
  readonly text: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly daysOfMonth: ReadonlySet<number>;
  /** 1–12. */
  readonly months: ReadonlySet<number>;
  /** 0–6, Sunday = 0 (7 is read as 0). */
  readonly daysOfWeek: ReadonlySet<number>;
  /** Whether day-of-month / day-of-week were restricted (not `*`): when both are, a day matching either runs (Vixie cron). */
  readonly domRestricted: boolean;
  readonly dowRestricted: boolean;
  /** Evaluate in UTC (default) or in the process's local time zone. */
  readonly utc: boolean;
}

export type Schedule = IntervalSchedule | CronSchedule;

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** The shortest interval accepted: 1 s (a shorter one is almost certainly a typo for a batch job). */
export const MIN_INTERVAL_MS = 1_000;

/**
 * Parses an interval such as `30m`, `6h`, `1d` (a number and a unit: ms, s, m, h, d).
 *
 * ```ts
 * parseInterval('1d'); // { kind: 'interval', everyMs: 86_400_000, text: '1d' }
 * parseInterval('10'); // RangeError: invalid interval '10': expected a number followed by ms, s, m, h or d (e.g. 30m, 6h, 1d)
 * ```
 */
export function parseInterval(text: string): IntervalSchedule {
  const match = DURATION.exec(text.trim());
  if (match === null) throw new RangeError(`invalid interval '${text}': expected a number followed by ms, s, m, h or d (e.g. 30m, 6h, 1d)`);
  const everyMs = Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
  if (!Number.isFinite(everyMs) || everyMs < MIN_INTERVAL_MS) throw new RangeError(`invalid interval '${text}': must be at least ${MIN_INTERVAL_MS} ms`);
  return { kind: 'interval', everyMs, text: text.trim() };
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Offset of names[0] (months start at 1). */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 },
  { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, nameBase: 0 },
];

/**
 * Parses a 5-field cron expression — minute, hour, day of month, month, day
 * of week — with `*`, lists `1,15`, ranges `1-5`, steps `*\/15` and `10-50/20`,
 * month and day names (`jan`, `mon-fri`), 7 as Sunday, and the macros
 * `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`.
 *
 * ```ts
 * parseCron('0 3 * * *');       // every day at 03:00 UTC
 * parseCron('*\/15 * * * mon-fri');
 * parseCron('0 3 * *');         // RangeError: invalid cron expression '0 3 * *': expected 5 fields …, got 4
 * ```
 * Gotchas: evaluated in UTC unless `{ utc: false }`; no seconds field, no
 * `L`, `W`, `#` or `?`. When both day fields are restricted a day matching
 * either one runs, as in Vixie cron.
 */
export function parseCron(text: string, options: { readonly utc?: boolean } = {}): CronSchedule {
  const trimmed = text.trim();
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new RangeError(`invalid cron expression '${text}': expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`);
  }
  const sets = parts.map((part, i) => parseField(text, part, FIELDS[i] as FieldSpec));
  const dow = new Set([...(sets[4] as Set<number>)].map((d) => (d === 7 ? 0 : d)));
  return {
    kind: 'cron',
    text: trimmed,
    minutes: sets[0] as Set<number>,
    hours: sets[1] as Set<number>,
    daysOfMonth: sets[2] as Set<number>,
    months: sets[3] as Set<number>,
    daysOfWeek: dow,
    domRestricted: parts[2] !== '*',
    dowRestricted: parts[4] !== '*',
    utc: options.utc ?? true,
  };
}

function parseField(expression: string, part: string, spec: FieldSpec): Set<number> {
  const fail = (why: string): never => {
    throw new RangeError(`invalid cron expression '${expression}': ${spec.name} field '${part}' ${why} (allowed ${spec.min}-${spec.max})`);
  };
  const value = (token: string): number => {
    const lower = token.toLowerCase();
    const named = spec.names?.indexOf(lower) ?? -1;
    if (named >= 0) return named + (spec.nameBase ?? 0);
    if (!/^\d+$/.test(token)) return fail(`has '${token}', not a number`);
    const n = Number(token);
    if (n < spec.min || n > spec.max) return fail(`has ${n} out of range`);
    return n;
  };
  const out = new Set<number>();
  for (const item of part.split(',')) {
    if (item === '') fail('has an empty list item');
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) fail('has more than one step');
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) fail(`has step '${stepText}', not a positive integer`);
      step = Number(stepText);
    }
    let lo: number;
    let hi: number;
    if (range === '*') {
      lo = spec.min;
      hi = spec.name === 'day-of-week' ? 6 : spec.max;
    } else if ((range as string).includes('-')) {
      const [a, b, more] = (range as string).split('-');
      if (more !== undefined || a === undefined || b === undefined) return fail('has a malformed range');
      lo = value(a);
      hi = value(b);
      if (lo > hi) fail(`has a backwards range ${lo}-${hi}`);
    } else {
      lo = value(range as string);
      hi = stepText === undefined ? lo : spec.name === 'day-of-week' ? 6 : spec.max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/**
 * Parses `--every` text: an interval (`1d`, `6h`) or a cron expression (`0 3 * * *`, `@daily`).
 *
 * ```ts
 * parseSchedule('1d').kind;        // 'interval'
 * parseSchedule('0 3 * * *').kind; // 'cron'
 * ```
 */
export function parseSchedule(text: string, options: { readonly utc?: boolean } = {}): Schedule {
  const trimmed = text.trim();
  if (DURATION.test(trimmed)) return parseInterval(trimmed);
  if (/^\d+$/.test(trimmed)) return parseInterval(trimmed); // throws: a unit is required
  return parseCron(trimmed, options);
}

const MINUTE = 60_000;
/** How far `nextCronTime` looks ahead before deciding an expression never fires (`0 0 30 2 *`). */
export const CRON_SEARCH_YEARS = 5;

/**
 * The first time strictly after `after` (ms) that the expression matches, at a whole minute.
 *
 * ```ts
 * nextCronTime(parseCron('0 3 * * *'), Date.UTC(2024, 4, 1, 3, 0)); // Date.UTC(2024, 4, 2, 3, 0)
 * ```
 * @throws RangeError when it never matches within {@link CRON_SEARCH_YEARS} years (e.g. 30 February).
 */
export function nextCronTime(cron: CronSchedule, after: number): number {
  const d = new Date(Math.floor(after / MINUTE) * MINUTE + MINUTE);
  const get = cron.utc
    ? { y: () => d.getUTCFullYear(), mo: () => d.getUTCMonth() + 1, dom: () => d.getUTCDate(), dow: () => d.getUTCDay(), h: () => d.getUTCHours(), mi: () => d.getUTCMinutes() }
    : { y: () => d.getFullYear(), mo: () => d.getMonth() + 1, dom: () => d.getDate(), dow: () => d.getDay(), h: () => d.getHours(), mi: () => d.getMinutes() };
  const set = {
    nextMonth(): void {
      if (cron.utc) d.setUTCFullYear(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      else d.setFullYear(d.getFullYear(), d.getMonth() + 1, 1);
      set.startOfDay();
    },
    nextDay(): void {
      if (cron.utc) d.setUTCDate(d.getUTCDate() + 1);
      else d.setDate(d.getDate() + 1);
      set.startOfDay();
    },
    startOfDay(): void {
      if (cron.utc) d.setUTCHours(0, 0, 0, 0);
      else d.setHours(0, 0, 0, 0);
    },
    nextHour(): void {
      if (cron.utc) d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
      else d.setHours(d.getHours() + 1, 0, 0, 0);
    },
  };
  const limit = get.y() + CRON_SEARCH_YEARS;
  while (get.y() <= limit) {
    if (!cron.months.has(get.mo())) {
      set.nextMonth();
      continue;
    }
    if (!dayMatches(cron, get.dom(), get.dow())) {
      set.nextDay();
      continue;
    }
    if (!cron.hours.has(get.h())) {
      set.nextHour();
      continue;
    }
    if (!cron.minutes.has(get.mi())) {
      d.setTime(d.getTime() + MINUTE);
      continue;
    }
    return d.getTime();
  }
  throw new RangeError(`cron expression '${cron.text}' never matches within ${CRON_SEARCH_YEARS} years`);
}

function dayMatches(cron: CronSchedule, dom: number, dow: number): boolean {
  const domOk = cron.daysOfMonth.has(dom);
  const dowOk = cron.daysOfWeek.has(dow);
  if (cron.domRestricted && cron.dowRestricted) return domOk || dowOk;
  return domOk && dowOk;
}

/**
 * When the next run starts, given when the last one started (undefined: none yet) and the time now.
 * An interval runs at once the first time, then every `everyMs` from the previous start (a run that
 * overran its slot is followed at once, missed slots are not made up); cron runs at its next match.
 */
export function nextRunTime(schedule: Schedule, lastStart: number | undefined, now: number): number {
  if (schedule.kind === 'cron') return nextCronTime(schedule, now);
  if (lastStart === undefined) return now;
  return Math.max(now, lastStart + schedule.everyMs);
}

/** Options of {@link runOnSchedule}. */
export interface RunOnScheduleOptions {
  /** Stops the loop: a pending wait ends at once; a run in progress is awaited (pass the signal on to it to cut it short). */
  readonly signal?: AbortSignal;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Waits `ms` or until the signal aborts (default: a timer). */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * What a failed run does: `'continue'` (default: logged through `onRunError`, the next run goes ahead as
   * planned — a failed nightly build must not stop the schedule) or `'stop'` (the loop rejects with the error).
   */
  readonly onError?: 'continue' | 'stop';
  /** Told about each failed run (default: written to stderr). */
  readonly onRunError?: (error: unknown, run: number) => void;
  /** Stop after this many runs (default: unlimited). */
  readonly maxRuns?: number;
}

/**
 * Runs `fn` on `schedule` until `signal` aborts (or `maxRuns` runs have
 * been made); resolves with the number of runs started. Runs never
 * overlap. `fn` gets the run number (1, 2, …) and the signal.
 *
 * ```ts
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * await runOnSchedule(async () => { await build(); }, parseSchedule('1d'), { signal: stop.signal });
 * ```
 */
export async function runOnSchedule(
  fn: (run: number, signal: AbortSignal | undefined) => unknown,
  schedule: Schedule,
  options: RunOnScheduleOptions = {},
): Promise<number> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const signal = options.signal;
  const maxRuns = options.maxRuns ?? Number.POSITIVE_INFINITY;
  if (!(maxRuns >= 1)) throw new RangeError(`runOnSchedule: maxRuns must be >= 1, got ${maxRuns}`);
  let lastStart: number | undefined;
  let runs = 0;
  const aborted = (): boolean => signal?.aborted === true;
  while (!aborted() && runs < maxRuns) {
    const at = nextRunTime(schedule, lastStart, now());
    const wait = at - now();
    if (wait > 0) await sleep(wait, signal);
    if (aborted()) break;
    if (now() < at) continue; // woken early (a clock or a sleep that returned early): wait again
    lastStart = now();
    runs++;
    try {
      await fn(runs, signal);
    } catch (error) {
      if (options.onError === 'stop') throw error;
      (options.onRunError ?? defaultRunError)(error, runs);
    }
  }
  return runs;
}

function defaultRunError(error: unknown, run: number): void {
  process.stderr.write(`scheduled run ${run} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
}

/** Waits `ms`, or until `signal` aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    // setTimeout caps at 2^31-1 ms (~24.8 days); longer waits wake early and are re-planned.
    const timer = setTimeout(done, Math.min(ms, 2 ** 31 - 1));
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

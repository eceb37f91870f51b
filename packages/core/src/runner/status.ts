/**
 * What the runner says about a running job, as pure functions: take a
 * sample of the job's counters (`sampleJob`), turn two samples into rates
 * and ages (`computeStatus`), and format a progress line (bounded jobs), a
 * status line (unbounded jobs) or the final summary. The timers and the
 * terminal live in progress.ts.
 *
 * ```ts
 * const status = computeStatus(start, previous, sampleJob(job, roles, Date.now()));
 * stderr.write(`${formatStatusLine(status)}\n`);
 * // in 1,204 rec/s · out 1,198 rec/s · watermark lag 2.1s · backpressure 3% · checkpoint #12 4.0s ago (12 ok, 0 failed) · restarts 0
 * ```
 */
import type { OperatorMetricsSnapshot } from '../metrics/OperatorMetrics.js';
import type { CheckpointInfo } from '../checkpoint/CheckpointData.js';
import type { JobGraph } from '../runtime/JobGraph.js';
import { formatDuration } from './durations.js';

/** The parts of a JobHandle the runner watches. */
export interface MonitoredJob {
  metrics(): readonly OperatorMetricsSnapshot[];
  progress(): { readonly recordsRead: number; readonly totalRecords?: number | undefined; readonly bounded: boolean };
  lastCheckpoint(): CheckpointInfo | undefined;
  checkpointStats(): { readonly completed: number; readonly failed: number; readonly lastDurationMs?: number | undefined };
  restarts(): number;
}

/** Which operators are sources and sinks (by uid, else name). */
export interface OperatorRoles {
  readonly sources: ReadonlySet<string>;
  readonly sinks: ReadonlySet<string>;
}

function operatorKey(operator: string, uid: string | undefined): string {
  return uid ?? operator;
}

/** The source and sink operators of a planned graph. */
export function operatorRoles(graph: JobGraph): OperatorRoles {
  const sources = new Set<string>();
  const sinks = new Set<string>();
  for (const v of graph.vertices) {
    const t = v.transformation;
    if (t.kind === 'source') sources.add(operatorKey(v.name, v.uid));
    else if (t.kind === 'oneInput' && t.isSink) sinks.add(operatorKey(v.name, v.uid));
  }
  return { sources, sinks };
}

/** The job's counters at one moment. */
export interface JobSample {
  /** When (ms). */
  readonly at: number;
  /** Records read by the sources. */
  readonly recordsIn: number;
  /** Records received by the sinks (undefined when no sink is known). */
  readonly recordsOut: number | undefined;
  /** Total records of a bounded job whose sources all know their size. */
  readonly totalRecords: number | undefined;
  readonly bounded: boolean;
  /** The largest watermark lag of any operator subtask. */
  readonly watermarkLagMs: number | undefined;
  /** Backpressure ms summed over the source subtasks. */
  readonly backpressureMs: number;
  readonly sourceSubtasks: number;
  readonly deadLetters: number;
  readonly lateRecords: number;
  readonly lastCheckpoint: CheckpointInfo | undefined;
  readonly checkpoints: { readonly completed: number; readonly failed: number; readonly lastDurationMs?: number | undefined };
  readonly restarts: number;
}

/** Reads the job's counters now. */
export function sampleJob(job: MonitoredJob, roles: OperatorRoles, now: number): JobSample {
  const metrics = job.metrics();
  const progress = job.progress();
  let recordsOut: number | undefined;
  let lag: number | undefined;
  let backpressureMs = 0;
  let sourceSubtasks = 0;
  let deadLetters = 0;
  let lateRecords = 0;
  for (const m of metrics) {
    const key = operatorKey(m.operator, m.uid);
    if (roles.sinks.has(key)) recordsOut = (recordsOut ?? 0) + m.recordsIn;
    if (roles.sources.has(key)) {
      sourceSubtasks++;
      backpressureMs += m.backpressureMs;
    }
    if (m.watermarkLagMs !== undefined) lag = Math.max(lag ?? 0, m.watermarkLagMs);
    deadLetters += m.deadLetters;
    lateRecords += m.lateRecords;
  }
  return {
    at: now,
    recordsIn: progress.recordsRead,
    recordsOut,
    totalRecords: progress.totalRecords,
    bounded: progress.bounded,
    watermarkLagMs: lag,
    backpressureMs,
    sourceSubtasks,
    deadLetters,
    lateRecords,
    lastCheckpoint: job.lastCheckpoint(),
    checkpoints: job.checkpointStats(),
    restarts: job.restarts(),
  };
}

/** A sample before the job started: every counter zero. */
export function zeroSample(at: number): JobSample {
  return {
    at,
    recordsIn: 0,
    recordsOut: undefined,
    totalRecords: undefined,
    bounded: true,
    watermarkLagMs: undefined,
    backpressureMs: 0,
    sourceSubtasks: 0,
    deadLetters: 0,
    lateRecords: 0,
    lastCheckpoint: undefined,
    checkpoints: { completed: 0, failed: 0 },
    restarts: 0,
  };
}

/** Rates and ages derived from samples. */
export interface JobStatus {
  readonly current: JobSample;
  /** ms since the first sample. */
  readonly elapsedMs: number;
  /** Records/s read over the last interval. */
  readonly inRate: number;
  /** Records/s reaching the sinks over the last interval. */
  readonly outRate: number | undefined;
  /** Records/s read since the start. */
  readonly averageInRate: number;
  /** 0..1 of the records read, when the total is known. */
  readonly fraction: number | undefined;
  /** Estimated ms to go, when the total is known and records are flowing. */
  readonly etaMs: number | undefined;
  /** Share (0..1) of the last interval the sources spent paused by backpressure. */
  readonly backpressure: number;
  /** ms since the last checkpoint was taken. */
  readonly checkpointAgeMs: number | undefined;
}

function perSecond(delta: number, ms: number): number {
  return ms <= 0 ? 0 : (Math.max(0, delta) * 1000) / ms;
}

/** Derives rates (over `previous` → `current`), averages (over `start` → `current`), progress and ETA. */
export function computeStatus(start: JobSample, previous: JobSample, current: JobSample): JobStatus {
  const interval = current.at - previous.at;
  const elapsedMs = current.at - start.at;
  const averageInRate = perSecond(current.recordsIn - start.recordsIn, elapsedMs);
  const total = current.totalRecords;
  const fraction = total === undefined ? undefined : total === 0 ? 1 : Math.min(1, current.recordsIn / total);
  const remaining = total === undefined ? undefined : Math.max(0, total - current.recordsIn);
  const etaMs = remaining === undefined ? undefined : remaining === 0 ? 0 : averageInRate > 0 ? (remaining / averageInRate) * 1000 : undefined;
  const pausedCapacity = interval * Math.max(1, current.sourceSubtasks);
  const backpressure = pausedCapacity <= 0 ? 0 : Math.min(1, Math.max(0, current.backpressureMs - previous.backpressureMs) / pausedCapacity);
  return {
    current,
    elapsedMs,
    inRate: perSecond(current.recordsIn - previous.recordsIn, interval),
    outRate: current.recordsOut === undefined ? undefined : perSecond(current.recordsOut - (previous.recordsOut ?? 0), interval),
    averageInRate,
    fraction,
    etaMs,
    backpressure,
    checkpointAgeMs: current.lastCheckpoint === undefined ? undefined : Math.max(0, current.at - current.lastCheckpoint.timestamp),
  };
}

/** `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `0.5 rec/s`, `12.3 rec/s`, `4,321 rec/s`. */
export function formatRate(perSecondValue: number): string {
  const text = perSecondValue < 100 ? (Math.round(perSecondValue * 10) / 10).toString() : formatCount(perSecondValue);
  return `${text} rec/s`;
}

/** `12.3%`. */
export function formatPercent(fraction: number): string {
  return `${(Math.floor(fraction * 1000) / 10).toFixed(1)}%`;
}

/** The progress of a bounded job: `12,345/100,000 records (12.3%) · 5,432 rec/s · ETA 16s · elapsed 2.3s`. */
export function formatProgressLine(status: JobStatus): string {
  const s = status.current;
  const parts: string[] = [];
  if (s.totalRecords !== undefined && status.fraction !== undefined) {
    parts.push(`${formatCount(s.recordsIn)}/${formatCount(s.totalRecords)} records (${formatPercent(status.fraction)})`);
  } else {
    parts.push(`${formatCount(s.recordsIn)} records`);
  }
  parts.push(formatRate(status.inRate));
  if (status.etaMs !== undefined) parts.push(`ETA ${formatDuration(status.etaMs)}`);
  parts.push(`elapsed ${formatDuration(status.elapsedMs)}`);
  return parts.join(' · ');
}

/**
 * The status of an unbounded job: rates in and out, watermark lag,
 * backpressure, the last checkpoint (id and age) and restarts.
 */
export function formatStatusLine(status: JobStatus): string {
  const s = status.current;
  const parts = [`in ${formatRate(status.inRate)}`];
  if (status.outRate !== undefined) parts.push(`out ${formatRate(status.outRate)}`);
  parts.push(`watermark lag ${s.watermarkLagMs === undefined ? 'n/a' : formatDuration(s.watermarkLagMs)}`);
  parts.push(`backpressure ${Math.round(status.backpressure * 100)}%`);
  const stats = `${s.checkpoints.completed} ok, ${s.checkpoints.failed} failed`;
  parts.push(
    s.lastCheckpoint === undefined || status.checkpointAgeMs === undefined
      ? `no checkpoint yet (${stats})`
      : `${s.lastCheckpoint.kind} #${s.lastCheckpoint.checkpointId} ${formatDuration(status.checkpointAgeMs)} ago (${stats})`,
  );
  parts.push(`restarts ${s.restarts}`);
  if (s.deadLetters > 0) parts.push(`dead letters ${formatCount(s.deadLetters)}`);
  if (s.lateRecords > 0) parts.push(`late ${formatCount(s.lateRecords)}`);
  return parts.join(' · ');
}

/** The last line of a run: `finished in 2.3s: 10,000 records in, 9,990 out (4,348 rec/s)`. */
export function formatSummary(outcome: string, status: JobStatus): string {
  const s = status.current;
  const out = s.recordsOut === undefined ? '' : `, ${formatCount(s.recordsOut)} out`;
  return `${outcome} in ${formatDuration(status.elapsedMs)}: ${formatCount(s.recordsIn)} records in${out} (${formatRate(status.averageInRate)})`;
}

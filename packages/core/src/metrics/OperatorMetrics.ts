/**
 * Metrics of one operator subtask: record counts, watermark, backpressure
 * time, dead letters, and an HDR histogram of latency (milliseconds from a
 * record leaving its source to reaching this operator, sampled by latency
 * markers). Read them from the job handle: `job.metrics()`.
 */
import * as hdr from 'hdr-histogram-js';

/** Highest latency the histogram tracks exactly: one hour in ms. */
const MAX_TRACKED_LATENCY_MS = 3_600_000;

/** A point-in-time view of one operator subtask's metrics. */
export interface OperatorMetricsSnapshot {
  readonly operator: string;
  readonly uid: string | undefined;
  readonly subtask: number;
  readonly recordsIn: number;
  readonly recordsOut: number;
  /** Records routed to the dead-letter output (user function threw, validation failed). */
  readonly deadLetters: number;
  /** Records dropped for lateness or sent to a late-data side output. */
  readonly lateRecords: number;
  /** Sinks that retry: records sent again after a failed attempt (`undefined` for other operators). */
  readonly retriedRecords: number | undefined;
  /** The operator's current input watermark, `-Infinity` before the first. */
  readonly watermark: number;
  /** Processing time minus watermark, ms (`undefined` before the first watermark or after the final one). */
  readonly watermarkLagMs: number | undefined;
  /** Total ms the operator's source was paused by backpressure (sources only). */
  readonly backpressureMs: number;
  /** Records per second over the job's lifetime so far. */
  readonly recordsInPerSecond: number;
  readonly latencyMs: { readonly count: number; readonly p50: number; readonly p99: number; readonly max: number };
}

export class OperatorMetrics {
  recordsIn = 0;
  recordsOut = 0;
  deadLetters = 0;
  lateRecords = 0;
  watermark = Number.NEGATIVE_INFINITY;
  backpressureMs = 0;
  /** Reads a sink writer's retried-records count (set by the sink operator when its writer counts them). */
  retriedRecordsProbe: (() => number) | undefined = undefined;
  /** Built on the first sample: most operators never record one, and a histogram is costly to build. */
  private latency: hdr.Histogram | undefined = undefined;

  constructor(
    readonly operator: string,
    readonly uid: string | undefined,
    readonly subtask: number,
    private readonly startedAt: number,
  ) {}

  /** Records one latency sample in milliseconds. */
  recordLatency(ms: number): void {
    this.latency ??= hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: MAX_TRACKED_LATENCY_MS, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    this.latency.recordValue(Math.min(Math.max(0, Math.round(ms)), MAX_TRACKED_LATENCY_MS));
  }

  snapshot(now: number): OperatorMetricsSnapshot {
    const elapsed = Math.max(1, now - this.startedAt) / 1000;
    const finite = Number.isFinite(this.watermark);
    return {
      operator: this.operator,
      uid: this.uid,
      subtask: this.subtask,
      recordsIn: this.recordsIn,
      recordsOut: this.recordsOut,
      deadLetters: this.deadLetters,
      lateRecords: this.lateRecords,
      retriedRecords: this.retriedRecordsProbe?.(),
      watermark: this.watermark,
      watermarkLagMs: finite ? Math.max(0, now - this.watermark) : undefined,
      backpressureMs: this.backpressureMs,
      recordsInPerSecond: this.recordsIn / elapsed,
      latencyMs: latencySummary(this.latency),
    };
  }
}

function latencySummary(latency: hdr.Histogram | undefined): OperatorMetricsSnapshot['latencyMs'] {
  if (latency === undefined) return { count: 0, p50: 0, p99: 0, max: 0 };
  return { count: latency.totalCount, p50: latency.getValueAtPercentile(50), p99: latency.getValueAtPercentile(99), max: latency.maxValue };
}

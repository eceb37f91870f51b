/**
 * The runner's live view of a job: for a bounded job a cli-progress bar on
 * a TTY (records, rate, ETA when the total is known) or a plain progress
 * line every interval otherwise; for an unbounded job a status line every
 * interval (rates, watermark lag, backpressure, last checkpoint, restarts).
 * All text comes from the pure functions in status.ts.
 *
 * ```ts
 * const reporter = new StatusReporter({ job, roles: operatorRoles(graph), stream: process.stderr, intervalMs: 10_000 });
 * reporter.start();
 * await job;
 * reporter.stop('finished');
 * ```
 */
import cliProgress from 'cli-progress';
import { formatDuration } from './durations.js';
import {
  computeStatus,
  formatCount,
  formatProgressLine,
  formatRate,
  formatStatusLine,
  formatSummary,
  sampleJob,
  zeroSample,
  type JobSample,
  type JobStatus,
  type MonitoredJob,
  type OperatorRoles,
} from './status.js';

/** Default interval of progress and status lines (ms). */
export const DEFAULT_STATUS_INTERVAL_MS = 10_000;

/** How often the TTY progress bar redraws. */
export const PROGRESS_BAR_REFRESH_MS = 250;

/** A stream the reporter writes to (stderr in the CLI). */
export interface ReporterStream {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** Options of `StatusReporter`. */
export interface StatusReporterOptions {
  readonly job: MonitoredJob;
  readonly roles: OperatorRoles;
  readonly stream: ReporterStream;
  /** Plain progress and status lines, every this many ms (0: none). */
  readonly intervalMs: number;
  /** Draw a progress bar for bounded jobs (default: when `stream.isTTY`). */
  readonly tty?: boolean;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
}

/** Samples a job on a timer and writes progress or status. */
export class StatusReporter {
  private readonly now: () => number;
  private readonly tty: boolean;
  private start_: JobSample;
  private previous: JobSample;
  private lineTimer: NodeJS.Timeout | undefined;
  private barTimer: NodeJS.Timeout | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private barTotal: number | undefined;

  constructor(private readonly options: StatusReporterOptions) {
    this.now = options.now ?? Date.now;
    this.tty = options.tty ?? options.stream.isTTY === true;
    this.start_ = zeroSample(this.now());
    this.previous = this.start_;
  }

  /** Starts the timers. */
  start(): void {
    this.start_ = zeroSample(this.now());
    this.previous = this.start_;
    if (this.options.intervalMs > 0) {
      this.lineTimer = setInterval(() => this.tick(), this.options.intervalMs);
      this.lineTimer.unref();
    }
    if (this.tty) {
      this.barTimer = setInterval(() => this.drawBar(), PROGRESS_BAR_REFRESH_MS);
      this.barTimer.unref();
    }
  }

  /** The status right now (rates over the time since the last line). */
  status(): JobStatus {
    return computeStatus(this.start_, this.previous, sampleJob(this.options.job, this.options.roles, this.now()));
  }

  /** Writes one progress or status line now (the timer calls this). */
  tick(): void {
    const status = this.status();
    this.previous = status.current;
    if (status.current.bounded) {
      if (this.bar === undefined) this.options.stream.write(`[progress] ${formatProgressLine(status)}\n`);
    } else {
      this.clearBar();
      this.options.stream.write(`[status] ${formatStatusLine(status)}\n`);
    }
  }

  private drawBar(): void {
    const status = computeStatus(this.start_, this.start_, sampleJob(this.options.job, this.options.roles, this.now()));
    const s = status.current;
    if (!s.bounded) return;
    const payload = {
      countText: formatCount(s.recordsIn),
      totalText: s.totalRecords === undefined ? '?' : formatCount(s.totalRecords),
      rateText: formatRate(status.averageInRate),
      etaText: status.etaMs === undefined ? '…' : formatDuration(status.etaMs),
      elapsedText: formatDuration(status.elapsedMs),
    };
    if (this.bar === undefined || this.barTotal !== s.totalRecords) {
      this.clearBar();
      const known = s.totalRecords !== undefined;
      this.bar = new cliProgress.SingleBar(
        {
          format: known
            ? '{bar} {percentage}% | {countText}/{totalText} records | {rateText} | ETA {etaText}'
            : '{countText} records | {rateText} | elapsed {elapsedText}',
          stream: this.options.stream as NodeJS.WritableStream,
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          fps: 1000 / PROGRESS_BAR_REFRESH_MS,
          noTTYOutput: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.barTotal = s.totalRecords;
      this.bar.start(s.totalRecords ?? 0, s.recordsIn, payload);
    } else {
      this.bar.update(s.recordsIn, payload);
    }
  }

  private clearBar(): void {
    if (this.bar === undefined) return;
    this.bar.stop();
    this.bar = undefined;
    this.barTotal = undefined;
  }

  /** Stops the timers; with an outcome (`finished`, `stopped`…), writes the summary line. */
  stop(outcome?: string): void {
    if (this.lineTimer !== undefined) clearInterval(this.lineTimer);
    if (this.barTimer !== undefined) clearInterval(this.barTimer);
    this.lineTimer = undefined;
    this.barTimer = undefined;
    let status: JobStatus | undefined;
    try {
      status = this.status();
    } catch {
      status = undefined; // the job's metrics may be gone after a failure
    }
    if (this.bar !== undefined && status !== undefined) {
      try {
        this.drawBar(); // the final count
      } catch {
        // as above
      }
    }
    this.clearBar();
    if (outcome !== undefined && status !== undefined) this.options.stream.write(`${formatSummary(outcome, status)}\n`);
  }
}

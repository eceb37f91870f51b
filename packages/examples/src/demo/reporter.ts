/**
 * What the demo prints: numbered steps with their duration, a progress line
 * that rewrites itself on a terminal (and is printed at most every few
 * seconds elsewhere, so CI logs stay short), plain result lines, and the
 * pipelines' warnings as one line each.
 */
import type { Logger } from '@tributary/core';

/** Where the demo writes. */
export interface ReporterOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

/** Minimum time between progress lines on a non-terminal. */
export const PLAIN_PROGRESS_INTERVAL_MS = 5_000;

export class Reporter {
  private step = 0;
  private stepStarted = 0;
  private lastPlainProgress = 0;
  private progressShown = false;

  constructor(
    private readonly out: ReporterOutput,
    private readonly steps: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts step n of the run. */
  begin(title: string): void {
    this.clearProgress();
    this.step++;
    this.stepStarted = this.now();
    this.out.write(`\n[${this.step}/${this.steps}] ${title}\n`);
  }

  /** A transient status line. */
  progress(text: string): void {
    if (this.out.isTTY === true) {
      this.out.write(`\r\x1b[2K  … ${text}`);
      this.progressShown = true;
      return;
    }
    const now = this.now();
    if (now - this.lastPlainProgress < PLAIN_PROGRESS_INTERVAL_MS) return;
    this.lastPlainProgress = now;
    this.out.write(`  … ${text}\n`);
  }

  /** A result of the current step. */
  done(text: string): void {
    this.clearProgress();
    const seconds = ((this.now() - this.stepStarted) / 1000).toFixed(1);
    this.out.write(`  ✓ ${text} (${seconds} s)\n`);
  }

  /** A plain line (tables, samples). */
  line(text = ''): void {
    this.clearProgress();
    this.out.write(`${text}\n`);
  }

  /** A logger for the pipelines: warnings and errors as `! message` lines, the rest dropped. */
  logger(): Logger {
    const note = (_obj: object, msg?: string): void => this.line(`  ! ${msg ?? ''}`);
    return { debug() {}, info() {}, warn: note, error: note };
  }

  private clearProgress(): void {
    if (!this.progressShown) return;
    this.out.write('\r\x1b[2K');
    this.progressShown = false;
  }
}

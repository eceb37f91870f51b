/**
 * Freshness of the dashboard: the data age — now minus the newest order
 * time visible in the dashboard table — measured where Marketing reads it,
 * in the database, by polling `MAX(last_event_time)`. The objective is
 * ≤ 1 hour, the target ≤ 1 minute; the runner exports the age as the gauge
 * `sales_dashboard_data_age_seconds` and the page shows it.
 *
 * Between polls the age grows with the clock (the newest visible time is
 * the last polled one), so the reported age is never younger than the
 * truth by more than the poll's own duration.
 */

/** The freshness objective: data no more than an hour old. */
export const FRESHNESS_OBJECTIVE_MS = 3_600_000;
/** The freshness target: data no more than a minute old. */
export const FRESHNESS_TARGET_MS = 60_000;
/** How often the monitor reads the table by default. */
export const DEFAULT_FRESHNESS_POLL_MS = 5_000;

/** Options of {@link FreshnessMonitor}. */
export interface FreshnessMonitorOptions {
  /** Reads the newest order time visible in the table (`newestEventTime(client, table)`), null when empty. */
  readonly newestEventTime: () => Promise<number | null>;
  /** Poll interval, ms (default {@link DEFAULT_FRESHNESS_POLL_MS}). */
  readonly pollMs?: number;
  /** The clock (default `Date.now`). */
  readonly now?: () => number;
  /** Called with a poll's error (the monitor keeps polling). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Polls the dashboard table for the newest visible order time.
 *
 * ```ts
 * const monitor = new FreshnessMonitor({ newestEventTime: () => newestEventTime(client, 'sales_dashboard_hourly') });
 * monitor.start();
 * monitor.dataAgeMs(); // undefined until the first row is visible
 * await monitor.stop();
 * ```
 */
export class FreshnessMonitor {
  private newest: number | null = null;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly pollMs: number;

  constructor(private readonly options: FreshnessMonitorOptions) {
    this.pollMs = options.pollMs ?? DEFAULT_FRESHNESS_POLL_MS;
    if (!(this.pollMs > 0) || !Number.isFinite(this.pollMs)) throw new RangeError(`FreshnessMonitor pollMs must be > 0, got ${this.pollMs}`);
    this.now = options.now ?? Date.now;
  }

  /** Reads the table once now. */
  async poll(): Promise<void> {
    try {
      this.newest = await this.options.newestEventTime();
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  /** Starts polling (the first poll at once). */
  start(): void {
    if (this.timer !== undefined) return;
    const tick = (): void => {
      this.polling = this.poll().finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.pollMs).unref();
      });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Stops polling and waits for a poll in progress. */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer !== undefined) clearTimeout(timer);
    await this.polling;
  }

  /** The newest order time seen in the table, or null before any. */
  newestEventTime(): number | null {
    return this.newest;
  }

  /** The data age in ms, or undefined while the table is empty. */
  dataAgeMs(): number | undefined {
    return this.newest === null ? undefined : Math.max(0, this.now() - this.newest);
  }
}

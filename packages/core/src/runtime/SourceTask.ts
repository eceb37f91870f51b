/**
 * Drives one source reader (one parallel subtask of a source): polls it
 * whenever downstream has room, assigns timestamps, tracks a watermark per
 * split and emits their minimum (idle and finished splits excluded), and at
 * the end of a bounded input emits the final +Infinity watermark and end of
 * input. Everything after the reader runs synchronously in the source's
 * chain; this loop is where the job yields to the event loop.
 */
import { TributaryError, UserFunctionError } from '../errors.js';
import type { ReaderOutput, ReaderStatus, SourceReader, SourceSplit } from '../sources/Source.js';
import type { WatermarkGenerator, WatermarkStrategy } from '../time/WatermarkStrategy.js';
import { MAX_WATERMARK, MIN_WATERMARK, NO_TIMESTAMP } from '../time/watermark.js';
import type { OperatorInstance } from './OperatorInstance.js';

/** How long a reader that said 'waiting' without `available()` rests before the next poll. */
export const IDLE_POLL_INTERVAL_MS = 10;
/** Longest stretch of synchronous work before yielding to the event loop (timers, I/O, other sources). */
export const MAX_TURN_MS = 20;

interface SplitState {
  readonly id: string;
  readonly generator: WatermarkGenerator<unknown>;
  explicitWatermark: number;
  lastActivity: number;
  activeThisPoll: boolean;
  idle: boolean;
  finished: boolean;
}

/** What the task needs from the job. */
export interface SourceHost {
  isRunning(): boolean;
  /** Resolves when downstream has room (undefined when it has room now). */
  waitForCapacity(): Promise<void> | undefined;
  now(): number;
  sleep(ms: number): Promise<void>;
  readonly pollStarted: (at: number) => void;
  splitFinished(splitId: string): void;
  /** The source subtask's part of a checkpoint: its split positions (and the coordinator's state, subtask 0). */
  acknowledgeCheckpoint(checkpointId: number, task: SourceTask<unknown>, splits: readonly unknown[]): void;
}

export class SourceTask<T> implements ReaderOutput<T> {
  private readonly splits = new Map<string, SplitState>();
  private lastSplit: SplitState | undefined;
  private emitted = MIN_WATERMARK;
  private idle = false;
  private readonly assigner: ((value: T, previous: number) => number) | undefined;
  /** True while discovery may still add splits (unbounded sources, periodic discovery). */
  moreSplitsMayCome: boolean;
  private wakeForSplits: (() => void) | undefined;
  private ended = false;
  /** A checkpoint barrier to inject before the next poll. */
  private pendingBarrier: number | undefined;
  private wakeForBarrier: (() => void) | undefined;
  /** Records emitted so far (progress reporting). */
  recordsEmitted = 0;

  constructor(
    readonly instance: OperatorInstance,
    readonly reader: SourceReader<T, SourceSplit>,
    private readonly strategy: WatermarkStrategy<T>,
    private readonly host: SourceHost,
    private readonly bounded: boolean,
  ) {
    this.assigner = strategy.timestampAssigner;
    this.moreSplitsMayCome = !bounded;
  }

  /** Hands splits to the reader and starts tracking their watermarks. */
  addSplits(splits: readonly SourceSplit[]): void {
    if (splits.length === 0) return;
    const now = this.host.now();
    for (const split of splits) {
      this.splits.set(split.id, {
        id: split.id,
        generator: this.strategy.createGenerator() as WatermarkGenerator<unknown>,
        explicitWatermark: MIN_WATERMARK,
        lastActivity: now,
        activeThisPoll: false,
        idle: false,
        finished: false,
      });
    }
    this.reader.addSplits(splits);
    const wake = this.wakeForSplits;
    this.wakeForSplits = undefined;
    wake?.();
  }

  /**
   * Called for every subtask of a source before any of them runs: a reader
   * without splits ends at once (bounded) or turns idle (unbounded), so it
   * never holds back the watermark of the others.
   */
  prepare(): void {
    if (this.activeSplitCount() > 0) return;
    if (this.moreSplitsMayCome) this.emitCombinedWatermark();
    else {
      this.ended = true;
      this.endInput();
    }
  }

  /** True once this subtask has ended its input. */
  hasEnded(): boolean {
    return this.ended;
  }

  /** Asks for checkpoint barrier `checkpointId` to be injected before the next poll. */
  requestBarrier(checkpointId: number): void {
    this.pendingBarrier = checkpointId;
    const wake = this.wakeForBarrier;
    this.wakeForBarrier = undefined;
    wake?.();
  }

  /** Runs until the reader ends or the job stops. */
  async run(): Promise<void> {
    if (this.ended) return;
    let turnStarted = this.host.now();
    while (this.host.isRunning()) {
      if (this.pendingBarrier !== undefined) this.injectBarrier();
      const capacity = this.host.waitForCapacity();
      if (capacity !== undefined) {
        const blockedAt = this.host.now();
        await capacity;
        this.instance.metrics.backpressureMs += this.host.now() - blockedAt;
        turnStarted = this.host.now();
        if (!this.host.isRunning()) return;
      }
      if (this.activeSplitCount() === 0 && this.moreSplitsMayCome) {
        await this.waitForSplits();
        continue;
      }
      const status = await this.pollOnce();
      if (status === 'end') {
        if (this.activeSplitCount() === 0 && !this.moreSplitsMayCome) break;
        await this.waitForSplits();
        continue;
      }
      if (status === 'waiting') {
        await this.waitForData();
        turnStarted = this.host.now();
      } else if (this.host.now() - turnStarted >= MAX_TURN_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        turnStarted = this.host.now();
      }
    }
    if (this.host.isRunning()) {
      if (this.pendingBarrier !== undefined) this.injectBarrier();
      this.ended = true;
      this.endInput();
    }
  }

  /** Snapshots the reader's split positions and sends the barrier downstream, between two polls. */
  private injectBarrier(): void {
    const id = this.pendingBarrier as number;
    this.pendingBarrier = undefined;
    const splits = this.reader.snapshotState(id);
    this.host.acknowledgeCheckpoint(id, this as SourceTask<unknown>, splits);
    this.withScope(() => this.instance.output.emitBarrier(id));
  }

  collect(splitId: string, value: T, timestamp?: number): void {
    let split = this.lastSplit;
    if (split === undefined || split.id !== splitId) {
      split = this.splits.get(splitId);
      if (split === undefined) throw new TributaryError('UNKNOWN_SPLIT', `Source '${this.instance.vertex.name}' emitted a record for unknown split '${splitId}'`);
      this.lastSplit = split;
    }
    let ts = timestamp ?? NO_TIMESTAMP;
    if (this.assigner !== undefined) {
      try {
        ts = this.assigner(value, ts);
      } catch (error) {
        throw new UserFunctionError(this.instance.vertex.name, this.instance.vertex.uid, value, error, 'record (timestamp assigner)');
      }
    }
    split.generator.onEvent(value, ts);
    split.activeThisPoll = true;
    this.recordsEmitted++;
    this.instance.output.collect(value, ts);
  }

  emitWatermark(splitId: string, watermark: number): void {
    const split = this.splits.get(splitId);
    if (split === undefined) return;
    split.activeThisPoll = true;
    if (watermark > split.explicitWatermark) split.explicitWatermark = watermark;
    this.emitCombinedWatermark();
  }

  finishSplit(splitId: string): void {
    const split = this.splits.get(splitId);
    if (split === undefined || split.finished) return;
    split.finished = true;
    this.host.splitFinished(splitId);
    this.emitCombinedWatermark();
  }

  private async pollOnce(): Promise<ReaderStatus> {
    const head = this.instance;
    const started = this.host.now();
    this.host.pollStarted(started);
    // The scope covers the synchronous part of the poll; records a reader emits
    // after an await are flushed when the poll ends (see OperatorInstance.polling).
    head.beginBatch();
    let pending: ReaderStatus | Promise<ReaderStatus>;
    try {
      pending = this.reader.pollNext(this);
    } finally {
      head.endBatch();
    }
    let status: ReaderStatus;
    head.polling = true;
    try {
      status = await pending;
    } finally {
      head.polling = false;
    }
    head.flushScheduledOutput();
    this.afterPoll();
    return status;
  }

  /** Updates idleness and emits the combined watermark after a poll. */
  private afterPoll(): void {
    const now = this.host.now();
    const timeout = this.strategy.idleTimeout;
    for (const split of this.splits.values()) {
      if (split.activeThisPoll) {
        split.activeThisPoll = false;
        split.lastActivity = now;
        split.idle = false;
      } else if (timeout !== undefined && !split.idle && now - split.lastActivity >= timeout) {
        split.idle = true;
      }
    }
    this.emitCombinedWatermark();
  }

  private emitCombinedWatermark(): void {
    let min = MAX_WATERMARK;
    let active = 0;
    for (const split of this.splits.values()) {
      if (split.finished || split.idle) continue;
      active++;
      const wm = Math.max(split.generator.currentWatermark(), split.explicitWatermark);
      if (wm < min) min = wm;
    }
    const head = this.instance;
    const shouldBeIdle = active === 0 && (this.moreSplitsMayCome || [...this.splits.values()].some((s) => !s.finished));
    if (shouldBeIdle !== this.idle) {
      this.idle = shouldBeIdle;
      this.withScope(() => head.processIdle(shouldBeIdle));
    }
    if (active === 0) return;
    if (min > this.emitted && min !== MAX_WATERMARK) {
      this.emitted = min;
      this.withScope(() => head.output.emitWatermark(min));
    }
  }

  private endInput(): void {
    const head = this.instance;
    this.withScope(() => {
      if (this.idle) head.processIdle(false);
      if (this.bounded || this.emitted !== MAX_WATERMARK) {
        this.emitted = MAX_WATERMARK;
        head.output.emitWatermark(MAX_WATERMARK);
      }
    });
    head.endOfInput();
  }

  private withScope(fn: () => void): void {
    const head = this.instance;
    head.beginBatch();
    try {
      fn();
    } finally {
      head.endBatch();
    }
  }

  private activeSplitCount(): number {
    let n = 0;
    for (const split of this.splits.values()) if (!split.finished) n++;
    return n;
  }

  private async waitForData(): Promise<void> {
    const timeout = this.strategy.idleTimeout;
    const rest = timeout === undefined ? IDLE_POLL_INTERVAL_MS : Math.min(IDLE_POLL_INTERVAL_MS, timeout);
    const available = this.reader.available?.();
    const barrier = new Promise<void>((resolve) => (this.wakeForBarrier = resolve));
    if (available === undefined) {
      await Promise.race([this.host.sleep(rest), barrier]);
      return;
    }
    // Wake up for data, a checkpoint, or after a while to re-check idleness.
    await Promise.race([available, barrier, this.host.sleep(timeout === undefined ? 1_000 : rest)]);
    this.afterPollIdleCheck();
  }

  private afterPollIdleCheck(): void {
    if (this.strategy.idleTimeout !== undefined) this.afterPoll();
  }

  private waitForSplits(): Promise<void> {
    if (!this.moreSplitsMayCome) return Promise.resolve();
    this.emitCombinedWatermark();
    return new Promise<void>((resolve) => {
      this.wakeForSplits = resolve;
      this.wakeForBarrier = resolve;
      void this.host.sleep(1_000).then(resolve);
    });
  }

  /** Stops waiting for new splits (discovery is over). */
  noMoreSplits(): void {
    this.moreSplitsMayCome = false;
    const wake = this.wakeForSplits;
    this.wakeForSplits = undefined;
    wake?.();
  }
}

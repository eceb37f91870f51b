/**
 * The input side of a task: one channel per (upstream subtask, input edge).
 * Runs incoming batches through the task's head operator, combines the
 * channels' watermarks by minimum (idle and finished channels excluded),
 * signals end of input when every channel has ended, and aligns checkpoint
 * barriers: once a channel delivers the barrier of checkpoint n, whatever it
 * sends next waits in the gate until every channel has delivered that
 * barrier; then the task snapshots its state, forwards the barrier and
 * replays what waited. So the snapshot holds exactly the records before the
 * barrier on every input.
 */
import type { Key } from '../api/functions.js';
import { MAX_WATERMARK, MIN_WATERMARK } from '../time/watermark.js';
import type { OperatorInstance } from './OperatorInstance.js';

type Held =
  | { readonly kind: 'batch'; readonly values: unknown[]; readonly timestamps: number[]; readonly keys: (Key | undefined)[] }
  | { readonly kind: 'watermark'; readonly watermark: number }
  | { readonly kind: 'idle'; readonly idle: boolean }
  | { readonly kind: 'end' };

interface Channel {
  readonly input: number;
  watermark: number;
  idle: boolean;
  ended: boolean;
  /** Delivered the barrier of the checkpoint being aligned: hold what comes next. */
  blocked: boolean;
  held: Held[];
}

export class InputGate {
  private readonly channels: Channel[] = [];
  private combined = MIN_WATERMARK;
  private allIdle = false;
  private open = 0;
  private aligning: number | undefined;

  constructor(private readonly head: OperatorInstance) {}

  /** Adds a channel for logical input `input`; returns its index. */
  addChannel(input: number): number {
    this.channels.push({ input, watermark: MIN_WATERMARK, idle: false, ended: false, blocked: false, held: [] });
    this.open++;
    return this.channels.length - 1;
  }

  processBatch(channel: number, values: unknown[], timestamps: number[], keys: (Key | undefined)[], size: number): void {
    const c = this.channels[channel] as Channel;
    if (c.blocked) {
      // The exchange reuses its arrays: keep a copy.
      c.held.push({ kind: 'batch', values: values.slice(0, size), timestamps: timestamps.slice(0, size), keys: keys.slice(0, size) });
      return;
    }
    if (c.idle) this.idle(channel, false);
    const head = this.head;
    const input = c.input;
    head.beginBatch();
    try {
      for (let i = 0; i < size; i++) head.processRecord(values[i], timestamps[i] as number, keys[i], input);
    } finally {
      head.endBatch();
    }
  }

  watermark(channel: number, watermark: number): void {
    const c = this.channels[channel] as Channel;
    if (c.blocked) {
      c.held.push({ kind: 'watermark', watermark });
      return;
    }
    if (watermark <= c.watermark) return;
    c.watermark = watermark;
    this.recompute();
  }

  idle(channel: number, idle: boolean): void {
    const c = this.channels[channel] as Channel;
    if (c.blocked) {
      c.held.push({ kind: 'idle', idle });
      return;
    }
    if (c.idle === idle) return;
    c.idle = idle;
    const allIdle = this.channels.every((ch) => ch.idle || ch.ended);
    if (allIdle !== this.allIdle) {
      this.allIdle = allIdle;
      this.head.processIdle(allIdle);
    }
    this.recompute();
  }

  endOfInput(channel: number): void {
    const c = this.channels[channel] as Channel;
    if (c.blocked) {
      c.held.push({ kind: 'end' });
      return;
    }
    if (c.ended) return;
    c.ended = true;
    c.watermark = MAX_WATERMARK;
    this.open--;
    this.recompute();
    if (this.open === 0) this.head.endOfInput();
    else if (this.aligning !== undefined) this.completeAlignmentIfReady();
  }

  barrier(channel: number, checkpointId: number): void {
    const c = this.channels[channel] as Channel;
    if (this.aligning === undefined) this.aligning = checkpointId;
    c.blocked = true;
    this.completeAlignmentIfReady();
  }

  private completeAlignmentIfReady(): void {
    const id = this.aligning;
    if (id === undefined) return;
    for (const c of this.channels) if (!c.blocked && !c.ended) return;
    this.aligning = undefined;
    this.head.processBarrier(id);
    for (let i = 0; i < this.channels.length; i++) {
      const c = this.channels[i] as Channel;
      c.blocked = false;
      const held = c.held;
      c.held = [];
      for (const event of held) this.replay(i, event);
    }
  }

  private replay(channel: number, event: Held): void {
    switch (event.kind) {
      case 'batch':
        this.processBatch(channel, event.values, event.timestamps, event.keys, event.values.length);
        return;
      case 'watermark':
        this.watermark(channel, event.watermark);
        return;
      case 'idle':
        this.idle(channel, event.idle);
        return;
      case 'end':
        this.endOfInput(channel);
        return;
    }
  }

  /** The minimum watermark over active channels; forwarded when it advances. */
  private recompute(): void {
    let min = MAX_WATERMARK;
    let active = 0;
    for (const c of this.channels) {
      if (c.ended || c.idle) continue;
      active++;
      if (c.watermark < min) min = c.watermark;
    }
    if (active === 0) {
      // All idle: hold the watermark; all ended: the channels' +Infinity passes.
      if (this.open > 0) return;
      min = MAX_WATERMARK;
    }
    if (min > this.combined) {
      this.combined = min;
      this.head.processWatermark(min);
    }
  }
}

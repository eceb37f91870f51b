import type { SinkWriter } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { flushingSink } from './flushingSink.js';
import { waitUntil } from './fixtures.js';

/** A writer that buffers until flushed, recording what reached its "table" and whether a write ever overlapped a flush. */
function bufferingSink(flushDelayMs = 0) {
  const written: number[] = [];
  const events: string[] = [];
  let flushing = false;
  let overlapped = false;
  let failNext: Error | undefined;
  const sink = {
    createWriter(): SinkWriter<number> {
      let buffer: number[] = [];
      return {
        write(value) {
          if (flushing) overlapped = true;
          buffer.push(value);
        },
        async flush(endOfInput) {
          flushing = true;
          events.push(`flush(${endOfInput})`);
          await new Promise((r) => setTimeout(r, flushDelayMs));
          flushing = false;
          if (failNext !== undefined) {
            const error = failNext;
            failNext = undefined;
            throw error;
          }
          written.push(...buffer);
          buffer = [];
        },
      };
    },
  };
  return { sink, written, events, overlapped: () => overlapped, failNextFlush: (e: Error) => (failNext = e) };
}

const context = { subtaskIndex: 0, parallelism: 1, sinkName: 'test', now: () => Date.now() };

describe('flushingSink', () => {
  it('flushes a quiet buffer after the delay, holds writes during a flush and replays them in order', async () => {
    const inner = bufferingSink(30);
    const writer = flushingSink(inner.sink, 20).createWriter(context);
    await writer.write(1, 0);
    await writer.write(2, 0);
    expect(inner.written).toEqual([]);
    await waitUntil(() => inner.events.length === 1, 2_000, 'the timed flush');
    const held = writer.write(3, 0); // during the flush: held, with backpressure
    expect(held).toBeInstanceOf(Promise);
    await held;
    await waitUntil(() => inner.written.length === 3, 2_000, 'the replayed write to be flushed');
    expect(inner.written).toEqual([1, 2, 3]);
    expect(inner.overlapped()).toBe(false);
    await writer.flush?.(true);
    expect(inner.events.at(-1)).toBe('flush(true)');
    await writer.close?.();
  });

  it('fails the next write after a failed background flush', async () => {
    const inner = bufferingSink();
    const writer = flushingSink(inner.sink, 10).createWriter(context);
    inner.failNextFlush(new Error('connection lost'));
    await writer.write(1, 0);
    await waitUntil(() => inner.events.length === 1, 2_000, 'the timed flush');
    await new Promise((r) => setTimeout(r, 10));
    expect(() => writer.write(2, 0)).toThrow('connection lost');
  });

  it('checks its delay', () => {
    expect(() => flushingSink(bufferingSink().sink, 0)).toThrow('flushingSink: maxDelayMs must be a finite number > 0, got 0');
  });
});

import { describe, expect, it } from 'vitest';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import { silentLogger } from '../runtime/Logger.js';
import { TestSink } from '../testing/TestSink.js';

describe('fromAsyncIterable', () => {
  it('reads a live iterable as it yields, and a cancel ends the job although the generator waits for input forever', async () => {
    const queue: number[] = [];
    let wake: (() => void) | undefined;
    let returned = false;
    async function* live(): AsyncGenerator<number> {
      try {
        for (;;) {
          while (queue.length > 0) yield queue.shift()!;
          await new Promise<void>((resolve) => (wake = resolve));
        }
      } finally {
        returned = true;
      }
    }
    const env = StreamEnvironment.create({ logger: silentLogger });
    const sink = new TestSink<number>();
    env.fromAsyncIterable(live()).map((n) => n * 2).sinkTo(sink);
    const job = env.execute('live');
    queue.push(1, 2, 3);
    wake?.();
    while (sink.values().length < 3) await new Promise((r) => setTimeout(r, 5));
    expect(sink.values()).toEqual([2, 4, 6]);
    const started = Date.now();
    await job.cancel();
    const result = await job.done;
    expect(result.status).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(returned).toBe(false); // still blocked: closing did not wait for it
  });

  it('sends what a poll reads after awaits in batches, not one record per microtask', async () => {
    async function* numbers(): AsyncGenerator<number> {
      for (let i = 0; i < 2_000; i++) yield i; // each item is an await that resolves at once
    }
    const env = StreamEnvironment.create({ logger: silentLogger });
    const sink = new TestSink<number>();
    env.fromAsyncIterable(numbers()).map((n) => n + 1).sinkTo(sink).name('sink');
    const job = env.execute('batches');
    await job;
    expect(sink.values()).toHaveLength(2_000);
    // The sink samples one latency per batch it gets: about one per poll of 256 records.
    const batches = job.metrics().find((m) => m.operator.includes('sink'))?.latencyMs.count ?? 0;
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThan(50);
  });
});

import { describe, expect, expectTypeOf, it } from 'vitest';
import type { DataStream } from '../api/DataStream.js';
import type { DeadLetter } from '../api/DeadLetter.js';
import { StreamEnvironment } from '../api/StreamEnvironment.js';
import { runToCompletion, runToCompletionWithTimestamps } from '../testing/runToCompletion.js';
import { TestSource, type TestStep } from '../testing/TestSource.js';
import { WatermarkStrategy } from '../time/WatermarkStrategy.js';
import { AsyncDataStream } from './AsyncDataStream.js';
import type { AsyncCallContext } from './options.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Records 0..n-1 with timestamp = value, and a watermark every `every` records. */
function script(n: number, every: number): TestStep<number>[] {
  const steps: TestStep<number>[] = [];
  for (let i = 0; i < n; i++) {
    steps.push(TestSource.record(i, i));
    if (i % every === every - 1) steps.push(TestSource.watermark(i));
  }
  steps.push(TestSource.end());
  return steps;
}

function numbers(env: StreamEnvironment, n: number, every = 10, pollSize = 16): DataStream<number> {
  return env.fromSource(TestSource.from(script(n, every), { pollSize }), WatermarkStrategy.noWatermarks(), 'numbers');
}

describe('AsyncDataStream.orderedWait', () => {
  it('keeps input order and timestamps under random latencies', async () => {
    const env = StreamEnvironment.create();
    const rnd = random(7);
    const out = await runToCompletionWithTimestamps(
      AsyncDataStream.orderedWait(
        numbers(env, 200),
        async (x) => {
          await sleep(Math.floor(rnd() * 5));
          return x * 2;
        },
        { timeout: 5_000, capacity: 20 },
      ),
    );
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => ({ value: i * 2, timestamp: i })));
  });

  it('types the result stream from the function', () => {
    const env = StreamEnvironment.create();
    const s = AsyncDataStream.orderedWait(numbers(env, 1), async (x: number, ctx) => {
      expectTypeOf(ctx).toEqualTypeOf<AsyncCallContext>();
      return String(x);
    }, { timeout: 10, onTimeout: (x) => `${x}?` });
    expectTypeOf(s).toEqualTypeOf<DataStream<string>>();
    // @ts-expect-error the fallback must have the result type
    AsyncDataStream.orderedWait(numbers(env, 1), async (x: number) => String(x), { timeout: 10, onTimeout: (x) => x });
  });
});

describe('AsyncDataStream.unorderedWait', () => {
  it('completes out of order, but no record is late for the watermark downstream', async () => {
    const env = StreamEnvironment.create();
    const rnd = random(42);
    const async = AsyncDataStream.unorderedWait(
      numbers(env, 300, 7),
      async (x) => {
        await sleep(Math.floor(rnd() * 6));
        return x;
      },
      { timeout: 5_000, capacity: 25 },
    );
    const seen = async.process<{ value: number; late: boolean }>({
      processElement(value, ctx, out) {
        out.collect({ value, late: ctx.timestamp() <= ctx.currentWatermark() });
      },
    });
    const out = await runToCompletion(seen);
    expect(out.filter((r) => r.late)).toEqual([]);
    expect(out.map((r) => r.value).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(out.map((r) => r.value)).not.toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});

describe('AsyncDataStream flow control', () => {
  it('never exceeds `capacity` concurrent calls', async () => {
    const env = StreamEnvironment.create();
    let concurrent = 0;
    let maxConcurrent = 0;
    const rnd = random(3);
    const out = await runToCompletion(
      AsyncDataStream.unorderedWait(
        numbers(env, 300),
        async (x) => {
          concurrent++;
          maxConcurrent = Math.max(maxConcurrent, concurrent);
          await sleep(Math.floor(rnd() * 4));
          concurrent--;
          return x;
        },
        { timeout: 5_000, capacity: 7 },
      ),
    );
    expect(out).toHaveLength(300);
    expect(maxConcurrent).toBe(7);
  });

  it('backpressure keeps a fast source from running ahead: in flight + queued <= capacity + one poll', async () => {
    const env = StreamEnvironment.create();
    const capacity = 8;
    const pollSize = 16;
    let sent = 0;
    let received = 0;
    let maxAhead = 0;
    const input = numbers(env, 2_000, 50, pollSize).map((x) => {
      sent++;
      maxAhead = Math.max(maxAhead, sent - received);
      return x;
    });
    const enriched = AsyncDataStream.orderedWait(input, (x) => sleep(0).then(() => x), { timeout: 5_000, capacity });
    enriched.sinkTo(() => {
      received++;
    });
    await env.execute();
    expect(received).toBe(2_000);
    expect(maxAhead).toBeLessThanOrEqual(capacity + pollSize);
  });
});

describe('AsyncDataStream failures', () => {
  it('degrades to onTimeout(input) when a call is too slow', async () => {
    const env = StreamEnvironment.create();
    const out = await runToCompletion(
      AsyncDataStream.orderedWait(
        numbers(env, 6),
        async (x, { signal }) => {
          if (x % 3 === 0) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
          return `ok ${x}`;
        },
        { timeout: 30, onTimeout: (x) => `fallback ${x}` },
      ),
    );
    expect(out).toEqual(['fallback 0', 'ok 1', 'ok 2', 'fallback 3', 'ok 4', 'ok 5']);
  });

  it('fails the job naming the operator and the record when a call times out without fallback', async () => {
    const env = StreamEnvironment.create();
    const stream = AsyncDataStream.orderedWait(numbers(env, 3), () => new Promise<number>(() => {}), { timeout: 20 }).name('price-lookup');
    // All three calls time out in the same millisecond: whichever timer the event loop runs first fails the job.
    await expect(runToCompletion(stream)).rejects.toThrow(/Operator 'price-lookup' failed on record [012]: async call timed out after 20 ms \(attempt 1\)/);
  });

  it('retries transient failures', async () => {
    const env = StreamEnvironment.create();
    const attempts = new Map<number, number>();
    const out = await runToCompletion(
      AsyncDataStream.orderedWait(
        numbers(env, 20),
        async (x, { attempt }) => {
          attempts.set(x, attempt);
          if (attempt < 3) throw new Error(`transient ${x}`);
          return x;
        },
        { timeout: 5_000, retry: { maxAttempts: 3, backoffMs: 1 } },
      ),
    );
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect([...attempts.values()].every((a) => a === 3)).toBe(true);
  });

  it('sends records that fail for good to the dead letters when enabled', async () => {
    const env = StreamEnvironment.create();
    const enriched = AsyncDataStream.unorderedWait(
      numbers(env, 10),
      async (x) => {
        if (x % 4 === 1) throw new Error(`no price for ${x}`);
        return x;
      },
      { timeout: 5_000 },
    ).name('price-lookup');
    const letters: DeadLetter[] = [];
    enriched.deadLetters().sinkTo((l) => {
      letters.push(l);
    });
    const out = await runToCompletion(enriched);
    expect(out.sort((a, b) => a - b)).toEqual([0, 2, 3, 4, 6, 7, 8, 10].filter((x) => x < 10));
    expect(letters.map((l) => [l.record, l.reason, l.operator]).sort()).toEqual([
      [1, 'no price for 1', 'price-lookup'],
      [5, 'no price for 5', 'price-lookup'],
      [9, 'no price for 9', 'price-lookup'],
    ]);
  });

  it('checks its arguments when the operator is added', () => {
    const env = StreamEnvironment.create();
    expect(() => AsyncDataStream.unorderedWait(numbers(env, 1), async (x) => x, { timeout: -1 })).toThrow(
      new RangeError('async I/O timeout must be a number of milliseconds > 0 (or Infinity), got -1'),
    );
  });
});

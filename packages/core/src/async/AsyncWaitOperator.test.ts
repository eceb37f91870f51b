import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_TAG } from '../api/DeadLetter.js';
import { UserFunctionError } from '../errors.js';
import { OperatorTestHarness } from '../testing/OperatorTestHarness.js';
import { MAX_WATERMARK } from '../time/watermark.js';
import { AsyncWaitOperator, type AsyncOutputMode, type AsyncWaitSnapshot } from './AsyncWaitOperator.js';
import type { AsyncCallContext, AsyncWaitOptions } from './options.js';

/** A call the test completes by hand. */
interface Call<IN, OUT> {
  readonly input: IN;
  readonly ctx: AsyncCallContext;
  resolve(value: OUT): void;
  reject(error: unknown): void;
}

/** An async function whose calls the test settles, in any order. */
function manual<IN, OUT>() {
  const calls: Array<Call<IN, OUT>> = [];
  const fn = (input: IN, ctx: AsyncCallContext): Promise<OUT> =>
    new Promise<OUT>((resolve, reject) => {
      calls.push({ input, ctx, resolve, reject });
    });
  const call = (input: IN, attempt = 1): Call<IN, OUT> => {
    const found = calls.find((c) => c.input === input && c.ctx.attempt === attempt);
    if (found === undefined) throw new Error(`no call for ${String(input)} (attempt ${attempt})`);
    return found;
  };
  return { fn, calls, call };
}

function harness<IN, OUT>(
  fn: (input: IN, ctx: AsyncCallContext) => Promise<OUT>,
  options: AsyncWaitOptions<IN, OUT>,
  mode: AsyncOutputMode = 'ordered',
  harnessOptions: { deadLetters?: boolean } = {},
) {
  const h = new OperatorTestHarness<OUT, IN>(new AsyncWaitOperator<IN, OUT>(fn, options, mode), { name: 'enrich', ...harnessOptions });
  h.open();
  return h;
}

/** Lets settled promises run their callbacks. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('AsyncWaitOperator (ordered)', () => {
  it('emits results in input order with the input timestamps, holding watermarks behind earlier records', async () => {
    const { fn, call } = manual<string, string>();
    const h = harness(fn, { timeout: 1_000 });
    h.processElement('a', 1);
    h.processElement('b', 2);
    h.processWatermark(2);
    h.processElement('c', 3);
    call('c').resolve('C');
    call('b').resolve('B');
    await settle();
    expect(h.output).toEqual([]);
    call('a').resolve('A');
    await settle();
    expect(h.output).toEqual([
      { kind: 'record', value: 'A', timestamp: 1 },
      { kind: 'record', value: 'B', timestamp: 2 },
      { kind: 'watermark', watermark: 2 },
      { kind: 'record', value: 'C', timestamp: 3 },
    ]);
  });

  it('forwards a watermark at once when nothing is in flight', () => {
    const h = harness(manual<string, string>().fn, { timeout: 1_000 });
    h.processWatermark(5);
    expect(h.watermarks()).toEqual([5]);
  });

  it('finish() resolves once every record is emitted; the final watermark follows them', async () => {
    const { fn, call } = manual<string, string>();
    const h = harness(fn, { timeout: 1_000 });
    h.processElement('a', 1);
    h.processWatermark(MAX_WATERMARK);
    let finished = false;
    const done = h.finish().then(() => {
      finished = true;
    });
    await settle();
    expect(finished).toBe(false);
    call('a').resolve('A');
    await done;
    expect(h.output).toEqual([
      { kind: 'record', value: 'A', timestamp: 1 },
      { kind: 'watermark', watermark: MAX_WATERMARK },
    ]);
  });
});

describe('AsyncWaitOperator (unordered)', () => {
  it('emits results as they complete, but never across a watermark', async () => {
    const { fn, call } = manual<string, string>();
    const h = harness(fn, { timeout: 1_000 }, 'unordered');
    h.processElement('a', 1);
    h.processElement('b', 2);
    h.processWatermark(5);
    h.processElement('c', 6);
    h.processWatermark(7);
    h.processWatermark(8); // collapses with 7: no record in between
    h.processElement('d', 9);
    call('c').resolve('C');
    call('d').resolve('D');
    call('b').resolve('B');
    await settle();
    expect(h.output).toEqual([{ kind: 'record', value: 'B', timestamp: 2 }]);
    call('a').resolve('A');
    await settle();
    expect(h.output).toEqual([
      { kind: 'record', value: 'B', timestamp: 2 },
      { kind: 'record', value: 'A', timestamp: 1 },
      { kind: 'watermark', watermark: 5 },
      { kind: 'record', value: 'C', timestamp: 6 },
      { kind: 'watermark', watermark: 8 },
      { kind: 'record', value: 'D', timestamp: 9 },
    ]);
  });
});

describe('AsyncWaitOperator capacity and backpressure', () => {
  it('never has more than `capacity` calls in flight; queues the rest of the batch and backpressures', async () => {
    const { fn, calls, call } = manual<number, number>();
    const h = harness(fn, { timeout: 10_000, capacity: 3 }, 'unordered');
    for (let i = 0; i < 5; i++) h.processElement(i, i);
    expect(calls.map((c) => c.input)).toEqual([0, 1, 2]);
    expect(h.backpressured).toHaveLength(1);
    let released = false;
    void h.backpressured[0]?.then(() => {
      released = true;
    });
    call(1).resolve(10);
    await settle();
    expect(calls.map((c) => c.input)).toEqual([0, 1, 2, 3]);
    expect(released).toBe(false);
    call(0).resolve(0);
    call(2).resolve(20);
    await settle();
    expect(calls.map((c) => c.input)).toEqual([0, 1, 2, 3, 4]);
    call(3).resolve(30);
    await settle();
    expect(released).toBe(true);
    expect(h.records().sort((a, b) => a - b)).toEqual([0, 10, 20, 30]);
  });

  it('an ordered slot stays taken until its result is emitted', async () => {
    const { fn, calls, call } = manual<number, number>();
    const h = harness(fn, { timeout: 10_000, capacity: 2 });
    for (let i = 0; i < 3; i++) h.processElement(i, i);
    call(1).resolve(1); // completed, but held behind 0
    await settle();
    expect(calls).toHaveLength(2);
    call(0).resolve(0);
    await settle();
    expect(calls).toHaveLength(3);
    expect(h.records()).toEqual([0, 1]);
  });
});

describe('AsyncWaitOperator timeouts, retries and dead letters', () => {
  it('aborts a call that times out and emits onTimeout(input) instead', async () => {
    const { fn, call } = manual<string, string>();
    const h = harness(fn, { timeout: 100, onTimeout: (input) => `${input}-fallback` });
    h.processElement('a', 1);
    h.processElement('b', 2);
    h.advanceProcessingTime(50);
    call('b').resolve('B');
    await settle();
    h.advanceProcessingTime(50);
    expect(call('a').ctx.signal.aborted).toBe(true);
    expect(call('b').ctx.signal.aborted).toBe(false);
    call('a').resolve('too late'); // ignored
    await settle();
    expect(h.records()).toEqual(['a-fallback', 'B']);
  });

  it('fails with a UserFunctionError naming the operator and the record when a call times out without fallback', async () => {
    const { fn } = manual<{ id: string }, string>();
    const h = harness(fn, { timeout: 100 });
    h.processElement({ id: 'order-7' }, 1);
    h.advanceProcessingTime(100);
    expect(h.failure).toBeInstanceOf(UserFunctionError);
    expect((h.failure as Error).message).toBe(
      `Operator 'enrich' failed on record {"id":"order-7"}: async call timed out after 100 ms (attempt 1)`,
    );
    expect((h.failure as UserFunctionError).record).toEqual({ id: 'order-7' });
  });

  it('retries failed calls with exponential backoff until one succeeds', async () => {
    const { fn, calls, call } = manual<string, string>();
    const h = harness(fn, { timeout: 10_000, retry: { maxAttempts: 4, backoffMs: 10, maxBackoffMs: 15 } });
    h.processElement('a', 1);
    call('a', 1).reject(new Error('503'));
    await settle();
    expect(calls).toHaveLength(1);
    h.advanceProcessingTime(10);
    call('a', 2).reject(new Error('503'));
    await settle();
    h.advanceProcessingTime(14);
    expect(calls).toHaveLength(2); // 20 ms capped at 15
    h.advanceProcessingTime(1);
    call('a', 3).resolve('A');
    await settle();
    expect(h.records()).toEqual(['A']);
    expect(h.failures).toEqual([]);
  });

  it('does not retry errors `retryOn` rejects', async () => {
    const { fn, calls, call } = manual<string, string>();
    const h = harness(fn, {
      timeout: 10_000,
      retry: { maxAttempts: 3, backoffMs: 0, retryOn: (e) => (e as Error).message !== 'fatal' },
    });
    h.processElement('a', 1);
    call('a').reject(new Error('fatal'));
    await settle();
    expect(calls).toHaveLength(1);
    expect((h.failure as Error).message).toBe(`Operator 'enrich' failed on record "a": fatal`);
  });

  it('routes records that still fail to the dead letters when enabled, and counts them', async () => {
    const { fn, call } = manual<string, string>();
    const h = harness(fn, { timeout: 100, retry: { maxAttempts: 2, backoffMs: 0 } }, 'ordered', { deadLetters: true });
    h.processElement('a', 1);
    h.processElement('b', 2);
    h.processElement('c', 3);
    call('a', 1).reject(new Error('503'));
    await settle();
    call('a', 2).reject(new Error('503 again'));
    call('c').resolve('C');
    await settle();
    h.advanceProcessingTime(100); // b times out
    expect(h.failures).toEqual([]);
    expect(h.records()).toEqual(['C']);
    const letters = h.sideOutputRecords(DEAD_LETTER_TAG);
    expect(letters.map((l) => [l.value.record, l.value.reason, l.value.operator, l.timestamp])).toEqual([
      ['a', 'async call failed after 2 attempts: 503 again', 'enrich', 1],
      ['b', 'async call timed out after 100 ms (attempt 1)', 'enrich', 2],
    ]);
    expect(h.metrics.deadLetters).toBe(2);
  });
});

describe('AsyncWaitOperator checkpoints', () => {
  it('snapshots the records not yet emitted and re-issues them on restore', async () => {
    const first = manual<string, string>();
    const h = harness(first.fn, { timeout: 10_000, capacity: 2 });
    h.processElement('a', 1);
    h.processElement('b', 2);
    h.processElement('c', Number.NEGATIVE_INFINITY); // waiting for a slot
    first.call('b').resolve('B'); // completed, held behind a
    await settle();
    const snapshot = h.snapshot();
    expect(snapshot.operator as AsyncWaitSnapshot).toEqual({
      records: [
        { value: 'a', timestamp: 1 },
        { value: 'b', timestamp: 2 },
        { value: 'c', timestamp: null },
      ],
    });
    await h.close();
    expect(first.call('a').ctx.signal.aborted).toBe(true);

    const second = manual<string, string>();
    const restored = OperatorTestHarness.restored(
      new AsyncWaitOperator<string, string>(second.fn, { timeout: 10_000, capacity: 2 }, 'ordered'),
      JSON.parse(JSON.stringify(snapshot)) as typeof snapshot,
    );
    restored.open();
    expect(second.calls.map((c) => c.input)).toEqual(['a', 'b']);
    for (const input of ['a', 'b']) second.call(input).resolve(input.toUpperCase());
    await settle();
    second.call('c').resolve('C');
    await settle();
    expect(restored.timestampedRecords()).toEqual([
      { value: 'A', timestamp: 1 },
      { value: 'B', timestamp: 2 },
      { value: 'C', timestamp: Number.NEGATIVE_INFINITY },
    ]);
  });
});

describe('AsyncWaitOperator options', () => {
  it('checks its options at once', () => {
    const fn = async (x: number) => x;
    expect(() => new AsyncWaitOperator(fn, { timeout: 0 }, 'ordered')).toThrow(
      new RangeError('async I/O timeout must be a number of milliseconds > 0 (or Infinity), got 0'),
    );
    expect(() => new AsyncWaitOperator(fn, { timeout: 10, capacity: 0 }, 'ordered')).toThrow(
      new RangeError('async I/O capacity must be an integer >= 1, got 0'),
    );
    expect(() => new AsyncWaitOperator(fn, { timeout: 10, retry: { maxAttempts: 0, backoffMs: 1 } }, 'ordered')).toThrow(
      /retry.maxAttempts must be an integer >= 1, got 0/,
    );
    expect(() => new AsyncWaitOperator(fn, { timeout: 10, retry: { maxAttempts: 2, backoffMs: 10, maxBackoffMs: 5 } }, 'ordered')).toThrow(
      /retry.maxBackoffMs must be >= backoffMs \(10\), got 5/,
    );
  });
});

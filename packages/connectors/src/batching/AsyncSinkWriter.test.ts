import { StreamEnvironment, silentLogger } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import { AsyncSinkWriter, type AsyncSinkService, type EntryFailure, type SinkDeadLetter } from './AsyncSinkWriter.js';
import { backoffDelay } from './backoff.js';
import { AsyncSinkError, isRetryableError } from './errors.js';
import { resolveAsyncSinkOptions, type AsyncSinkLimits } from './options.js';

const LIMITS: AsyncSinkLimits = { maxBatchSize: 10, maxBatchSizeBytes: 100, maxRecordSizeBytes: 40 };
const FAST_RETRY = { initialBackoffMs: 1, maxBackoffMs: 5 };

/** A fake service: entries are strings, their size is their length; it records every request. */
class FakeService implements AsyncSinkService<string, string> {
  readonly requests: string[][] = [];
  readonly accepted: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  closed = 0;
  /** Decides per request which entries fail; default: none. */
  reject: (entries: readonly string[], attempt: number) => EntryFailure[] = () => [];
  /** Throws for a whole request when it returns an error. */
  throwFor: (entries: readonly string[], attempt: number) => unknown = () => undefined;
  /** Each request waits for this before answering. */
  gate: Promise<void> | undefined;

  toEntry(value: string): string {
    if (value.startsWith('!')) throw new Error('cannot encode');
    return value;
  }
  sizeOf(entry: string): number {
    return entry.length;
  }
  async submit(entries: readonly string[]): Promise<readonly EntryFailure[]> {
    const attempt = this.requests.length + 1;
    this.requests.push([...entries]);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await (this.gate ?? Promise.resolve());
      await new Promise((r) => setImmediate(r));
      const error = this.throwFor(entries, attempt);
      if (error !== undefined) throw error;
      const failures = this.reject(entries, attempt);
      const failed = new Set(failures.map((f) => f.index));
      entries.forEach((e, i) => {
        if (!failed.has(i)) this.accepted.push(e);
      });
      return failures;
    } finally {
      this.inFlight--;
    }
  }
  close(): void {
    this.closed++;
  }
}

function records(n: number, prefix = 'r'): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

describe('AsyncSinkWriter', { timeout: 30_000 }, () => {
  it('forms requests within the record and byte limits and sends the rest on flush', async () => {
    const service = new FakeService();
    const writer = new AsyncSinkWriter(service, { limits: LIMITS, maxTimeInBufferMs: 60_000 });
    // 10 records of 2-3 bytes: a full request by count.
    for (const r of records(10)) await writer.write(r, 0);
    await writer.flush(false);
    expect(service.requests).toEqual([records(10)]);
    // 30-byte records: at most 3 per request (100 bytes).
    const big = records(7, 'x'.repeat(28));
    for (const r of big) await writer.write(r, 0);
    await writer.flush(true);
    expect(service.requests.slice(1).map((r) => r.length)).toEqual([3, 3, 1]);
    expect(service.requests.slice(1).every((r) => r.reduce((s, e) => s + e.length, 0) <= LIMITS.maxBatchSizeBytes)).toBe(true);
    expect(service.accepted).toEqual([...records(10), ...big]);
    expect(writer.stats()).toMatchObject({ recordsWritten: 17, requests: 4, retriedEntries: 0, bufferedRecords: 0, inFlightRequests: 0 });
  });

  it('rejects an oversized record with a clear error, or hands it to onDeadLetter and counts it', async () => {
    const service = new FakeService();
    const strict = new AsyncSinkWriter(service, { limits: LIMITS, name: 'orders-out' });
    let thrown: unknown;
    try {
      void strict.write('y'.repeat(41), 0);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(AsyncSinkError);
    expect(thrown).toMatchObject({ code: 'SINK_RECORD_TOO_LARGE', retryable: false });
    expect((thrown as Error).message).toBe(
      'orders-out: a record of 41 bytes exceeds the limit of 40 bytes per record (set onDeadLetter to divert such records instead of failing)',
    );

    const letters: SinkDeadLetter<string>[] = [];
    const lenient = new AsyncSinkWriter(service, { limits: LIMITS, name: 'orders-out', onDeadLetter: (l) => letters.push(l) });
    await lenient.write('ok', 1);
    await lenient.write('y'.repeat(41), 2);
    await lenient.write('!bad', 3);
    await lenient.flush(true);
    expect(letters.map((l) => [l.code, l.timestamp, l.sink])).toEqual([
      ['SINK_RECORD_TOO_LARGE', 2, 'orders-out'],
      ['SINK_RECORD_INVALID', 3, 'orders-out'],
    ]);
    expect(letters[1]?.reason).toBe('could not build a request entry: cannot encode');
    expect(lenient.stats().deadLetters).toBe(2);
    expect(service.accepted).toEqual(['ok']);
  });

  it('bounds requests in flight and pushes back once the buffer is full', async () => {
    const service = new FakeService();
    let open!: () => void;
    service.gate = new Promise<void>((r) => (open = r));
    const writer = new AsyncSinkWriter(service, { limits: LIMITS, maxInFlightRequests: 2, maxBufferedRecords: 20, maxTimeInBufferMs: 60_000 });
    const results: Array<void | Promise<void>> = [];
    for (const r of records(60)) {
      const pending = writer.write(r, 0);
      results.push(pending);
      if (pending !== undefined) break;
    }
    // 2 requests of 10 in flight, then 20 buffered: the 40th write pushes back.
    expect(results.length).toBe(40);
    expect(results.slice(0, 39).every((r) => r === undefined)).toBe(true);
    expect(writer.stats()).toMatchObject({ inFlightRequests: 2, bufferedRecords: 20 });
    let settled = false;
    void (results[39] as Promise<void>).then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    open();
    await results[39];
    for (const r of records(20, 'z')) await writer.write(r, 0);
    await writer.flush(true);
    expect(service.maxInFlight).toBe(2);
    expect(service.accepted.length).toBe(60);
  });

  it('retries only the rejected entries, with backoff, until each is accepted exactly once', async () => {
    const service = new FakeService();
    // Every request rejects its entries at odd positions, except on the 5th attempt overall.
    service.reject = (entries, attempt) =>
      attempt === 5 ? [] : entries.flatMap((_, index) => (index % 2 === 1 ? [{ index, code: 'ProvisionedThroughputExceededException', message: 'slow down' }] : []));
    const writer = new AsyncSinkWriter(service, { limits: LIMITS, maxInFlightRequests: 1, retry: FAST_RETRY });
    const input = records(10);
    for (const r of input) await writer.write(r, 0);
    await writer.flush(false);
    // The first request carried all ten; each retry carried exactly the entries the previous one rejected.
    expect(service.requests[0]).toEqual(input);
    for (let i = 1; i < service.requests.length; i++) {
      const previous = service.requests[i - 1] as string[];
      expect(service.requests[i]).toEqual(previous.filter((_, index) => index % 2 === 1));
    }
    expect([...service.accepted].sort()).toEqual([...input].sort());
    expect(new Set(service.accepted).size).toBe(input.length);
    expect(writer.stats()).toMatchObject({ recordsWritten: 10, retriedEntries: 5 + 2 + 1 });
  });

  it('fails with SINK_RETRIES_EXHAUSTED after maxAttempts and names the last error', async () => {
    const service = new FakeService();
    service.reject = (entries) => [{ index: entries.length - 1, code: 'InternalFailure', message: 'try again' }];
    const writer = new AsyncSinkWriter(service, { limits: LIMITS, name: 'k', retry: { ...FAST_RETRY, maxAttempts: 3 } });
    for (const r of records(4)) await writer.write(r, 0);
    const flushed = writer.flush(false);
    await expect(flushed).rejects.toThrow('k: 1 entries were still rejected after 3 attempts (InternalFailure: try again)');
    await expect(flushed).rejects.toMatchObject({ code: 'SINK_RETRIES_EXHAUSTED', retryable: true });
    expect(service.requests.map((r) => r.length)).toEqual([4, 1, 1]);
    // The writer stays failed: the next write fails too.
    expect(() => writer.write('again', 0)).toThrow(/still rejected/);
  });

  it('fails at once on a non-retryable request error or entry rejection, and retries retryable request errors', async () => {
    const fatal = new FakeService();
    fatal.throwFor = () => Object.assign(new Error('Stream orders not found'), { name: 'ResourceNotFoundException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
    const w1 = new AsyncSinkWriter(fatal, { limits: LIMITS, name: 'k', retry: FAST_RETRY });
    await w1.write('a', 0);
    await expect(w1.flush(false)).rejects.toMatchObject({
      code: 'SINK_REQUEST_FAILED',
      message: 'k: a request of 1 entries failed: ResourceNotFoundException: Stream orders not found',
    });
    expect(fatal.requests.length).toBe(1);

    const rejecting = new FakeService();
    rejecting.reject = () => [{ index: 0, code: 'KMSAccessDeniedException', message: 'no key', retryable: false }];
    const w2 = new AsyncSinkWriter(rejecting, { limits: LIMITS, name: 'k', retry: FAST_RETRY });
    await w2.write('a', 0);
    await expect(w2.flush(false)).rejects.toMatchObject({ code: 'SINK_ENTRY_REJECTED', message: 'k: the service rejected 1 of 1 entries (KMSAccessDeniedException: no key)' });

    const flaky = new FakeService();
    flaky.throwFor = (_entries, attempt) => (attempt <= 2 ? Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) : undefined);
    const w3 = new AsyncSinkWriter(flaky, { limits: LIMITS, retry: FAST_RETRY });
    for (const r of records(3)) await w3.write(r, 0);
    await w3.flush(true);
    expect(flaky.requests).toEqual([records(3), records(3), records(3)]);
    expect(flaky.accepted).toEqual(records(3));
  });

  it('sends a partial batch after maxTimeInBufferMs without waiting for a flush', async () => {
    const service = new FakeService();
    const writer = new AsyncSinkWriter(service, { limits: LIMITS, maxTimeInBufferMs: 5 });
    await writer.write('a', 0);
    await writer.write('b', 0);
    const started = Date.now();
    while (service.accepted.length < 2 && Date.now() - started < 2_000) await new Promise((r) => setTimeout(r, 2));
    expect(service.requests).toEqual([['a', 'b']]);
    await writer.close();
  });

  it('close aborts retries in flight, releases the service once, and refuses later writes', async () => {
    const service = new FakeService();
    service.reject = () => [{ index: 0, code: 'InternalFailure', message: 'x' }];
    const writer = new AsyncSinkWriter(service, { limits: LIMITS, retry: { initialBackoffMs: 60_000, maxBackoffMs: 60_000 } });
    await writer.write('a', 0);
    const flushed = writer.flush(false);
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await writer.close();
    await writer.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(service.closed).toBe(1);
    expect(() => writer.write('b', 0)).toThrow(expect.objectContaining({ code: 'SINK_CLOSED' }));
    void flushed.catch(() => undefined);
  });

  it('works as a job sink: every record arrives once, at the end and at checkpoints', async () => {
    const service = new FakeService();
    service.reject = (entries, attempt) => (attempt % 3 === 0 ? [{ index: 0, code: 'InternalFailure', message: 'x' }] : []);
    const env = StreamEnvironment.create({ parallelism: 1, logger: silentLogger });
    const input = Array.from({ length: 1_000 }, (_, i) => `v${i}`);
    env.fromCollection(input).sinkTo({ createWriter: (ctx) => new AsyncSinkWriter(service, { limits: LIMITS, name: ctx.sinkName, retry: FAST_RETRY }) });
    await env.execute('batching');
    expect([...service.accepted].sort()).toEqual([...input].sort());
  });

  it('checks its options and names the broken constraint', () => {
    expect(() => resolveAsyncSinkOptions(LIMITS, { maxBatchSize: 11 })).toThrow(new RangeError('maxBatchSize must be <= the service limit 10, got 11'));
    expect(() => resolveAsyncSinkOptions(LIMITS, { maxInFlightRequests: 0 })).toThrow('maxInFlightRequests must be an integer >= 1, got 0');
    expect(() => resolveAsyncSinkOptions(LIMITS, { maxBufferedRecords: 5 })).toThrow('maxBufferedRecords must be >= maxBatchSize (10), got 5');
    expect(() => resolveAsyncSinkOptions(LIMITS, { retry: { initialBackoffMs: 10, maxBackoffMs: 5 } })).toThrow(
      'retry.maxBackoffMs must be a finite number of ms >= initialBackoffMs (10), got 5',
    );
    expect(resolveAsyncSinkOptions(LIMITS)).toMatchObject({ maxBatchSize: 10, maxBatchSizeBytes: 100, maxRecordSizeBytes: 40, maxAttempts: 10 });
  });
});

describe('backoffDelay and isRetryableError', () => {
  it('doubles from the initial backoff, caps at the maximum, and jitters within [base/2, base]', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0)).toBe(50);
    expect(backoffDelay(1, 100, 10_000, () => 1)).toBe(100);
    expect(backoffDelay(4, 100, 10_000, () => 1)).toBe(800);
    expect(backoffDelay(50, 100, 10_000, () => 0)).toBe(5_000);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(3, 100, 10_000);
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  it('classifies SDK errors: throttling, 5xx and network faults retry; validation and missing resources do not', () => {
    expect(isRetryableError(Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { name: 'InternalFailure', $fault: 'server' }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { name: 'Whatever', $metadata: { httpStatusCode: 503 } }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('x'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }))).toBe(false);
    expect(isRetryableError(Object.assign(new Error('x'), { name: 'ValidationException', $fault: 'client' }))).toBe(false);
    expect(isRetryableError(new AsyncSinkError('SINK_RETRIES_EXHAUSTED', 'x', { retryable: true }))).toBe(true);
    expect(isRetryableError('nope')).toBe(false);
  });
});

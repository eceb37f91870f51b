/**
 * AsyncDataStream: async I/O — enrich or look up every record with an
 * async call (an HTTP API, a database, an AWS SDK client) without waiting
 * for each call before starting the next.
 *
 * ```ts
 * const enriched = AsyncDataStream.orderedWait(
 *   orders,
 *   async (order, { signal }) => ({ ...order, customer: await customers.get(order.customerId, { signal }) }),
 *   { timeout: 2_000, capacity: 50, retry: { maxAttempts: 3, backoffMs: 100 } },
 * ).name('enrich-orders');
 * ```
 * `orderedWait` emits results in input order; `unorderedWait` emits them as
 * they complete (lower latency) but never across a watermark, so event-time
 * results stay correct downstream. Results carry the input record's
 * timestamp. See AsyncWaitOperator for flow control, timeouts, retries,
 * dead letters and checkpoints.
 */
import type { DataStream } from '../api/DataStream.js';
import { AsyncWaitOperator, type AsyncOutputMode } from './AsyncWaitOperator.js';
import { checkAsyncOptions, type AsyncFunction, type AsyncWaitOptions } from './options.js';

function asyncWait<IN, OUT>(
  stream: DataStream<IN>,
  fn: AsyncFunction<IN, OUT>,
  options: AsyncWaitOptions<IN, OUT>,
  mode: AsyncOutputMode,
): DataStream<OUT> {
  if (typeof fn !== 'function') throw new TypeError('AsyncDataStream needs an async function (input, { signal, attempt }) => Promise<result>');
  checkAsyncOptions(options);
  const name = mode === 'ordered' ? 'Async Wait (ordered)' : 'Async Wait (unordered)';
  return stream.transform<OUT>(name, () => new AsyncWaitOperator<IN, OUT>(fn, options, mode));
}

/**
 * Adds async I/O operators to a stream (Flink's AsyncDataStream).
 *
 * ```ts
 * const geo = AsyncDataStream.unorderedWait(clicks, (c, { signal }) => geoip.lookup(c.ip, { signal }), {
 *   timeout: 500,
 *   onTimeout: (c) => ({ ...c, country: 'unknown' }),
 * });
 * ```
 * Gotchas: `timeout` covers all attempts of a record; with `onTimeout` a
 * slow call degrades to the fallback instead of failing the job. Failed
 * records go to `stream.deadLetters()` when enabled on the returned stream.
 */
export class AsyncDataStream {
  private constructor() {}

  /** Calls `fn` per record and emits the results in input order. */
  static orderedWait<IN, OUT>(stream: DataStream<IN>, fn: AsyncFunction<IN, OUT>, options: AsyncWaitOptions<IN, OUT>): DataStream<OUT> {
    return asyncWait(stream, fn, options, 'ordered');
  }

  /** Calls `fn` per record and emits each result as soon as it completes, never across a watermark. */
  static unorderedWait<IN, OUT>(stream: DataStream<IN>, fn: AsyncFunction<IN, OUT>, options: AsyncWaitOptions<IN, OUT>): DataStream<OUT> {
    return asyncWait(stream, fn, options, 'unordered');
  }
}

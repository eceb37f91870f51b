/**
 * @tributary/connectors/batching — the async sink base that the Kinesis and
 * Firehose sinks are built on (after Flink's AsyncSinkBase): one place owns
 * buffering, request limits, in-flight bounds, backpressure, partial-failure
 * retries with backoff and jitter, dead letters and checkpoint flushes; a
 * service supplies its entry type, entry size, request and result mapping.
 *
 * ```ts
 * const writer = new AsyncSinkWriter(service, { limits: { maxBatchSize: 500, maxBatchSizeBytes: 5 * 2 ** 20, maxRecordSizeBytes: 2 ** 20 } });
 * ```
 */
export {
  AsyncSinkWriter,
  type AsyncSinkService,
  type AsyncSinkWriterOptions,
  type AsyncSinkStats,
  type EntryFailure,
  type SinkDeadLetter,
} from './AsyncSinkWriter.js';
export {
  resolveAsyncSinkOptions,
  DEFAULT_MAX_IN_FLIGHT_REQUESTS,
  DEFAULT_MAX_BUFFERED_RECORDS,
  DEFAULT_MAX_TIME_IN_BUFFER_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_INITIAL_BACKOFF_MS,
  DEFAULT_MAX_BACKOFF_MS,
  type AsyncSinkLimits,
  type AsyncSinkTuning,
  type AsyncSinkRetryOptions,
  type ResolvedAsyncSinkOptions,
} from './options.js';
export { backoffDelay, sleep } from './backoff.js';
export {
  AsyncSinkError,
  isRetryableError,
  isThrottlingError,
  errorMessage,
  THROTTLING_ERROR_NAMES,
  TRANSIENT_ERROR_NAMES,
  type AsyncSinkErrorCode,
} from './errors.js';

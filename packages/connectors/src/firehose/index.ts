/**
 * @tributary/connectors/firehose — an at-least-once sink into Amazon Data
 * Firehose delivery streams through PutRecordBatch, on the shared batching
 * base (limits, partial-failure retries, backpressure, checkpoint flushes).
 *
 * ```ts
 * clicks.sinkTo(firehoseSink<Click>({ deliveryStreamName: 'clicks' }));
 * ```
 */
export { firehoseSink, type FirehoseSink, type FirehoseSinkWriter } from './sink.js';
export {
  FIREHOSE_MAX_BATCH_RECORDS,
  FIREHOSE_MAX_BATCH_BYTES,
  FIREHOSE_MAX_RECORD_BYTES,
  FIREHOSE_LIMITS,
  DEFAULT_NEWLINE_DELIMITED,
  DELIVERY_STREAM_NAME_PATTERN,
  type FirehoseSinkOptions,
} from './options.js';
export { isRetryableEntryError, NON_RETRYABLE_ENTRY_ERRORS } from './errors.js';

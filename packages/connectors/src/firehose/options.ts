/**
 * Options of the Firehose sink and the PutRecordBatch limits they respect.
 * Every default is a named constant next to the AWS limit it stays within.
 */
import type { FirehoseClient, FirehoseClientConfig } from '@aws-sdk/client-firehose';
import type { AsyncSinkLimits, AsyncSinkTuning, SinkDeadLetter } from '../batching/index.js';

/** Records per PutRecordBatch request (AWS limit). */
export const FIREHOSE_MAX_BATCH_RECORDS = 500;
/** Bytes of record data per PutRecordBatch request, before base64: 4 MiB (AWS limit). */
export const FIREHOSE_MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Bytes of data per record, before base64: 1000 KiB (AWS limit; note KiB, not MiB). */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;

/** The PutRecordBatch limits, as the batching base takes them. */
export const FIREHOSE_LIMITS: AsyncSinkLimits = Object.freeze({
  maxBatchSize: FIREHOSE_MAX_BATCH_RECORDS,
  maxBatchSizeBytes: FIREHOSE_MAX_BATCH_BYTES,
  maxRecordSizeBytes: FIREHOSE_MAX_RECORD_BYTES,
});

/**
 * Whether a `\n` is appended to each record by default. Firehose
 * concatenates records into S3 objects with no delimiter, so without it
 * JSON documents run together; with it the objects are JSON Lines.
 */
export const DEFAULT_NEWLINE_DELIMITED = true;

/** What a delivery stream name may look like (AWS: 1–64 of `[a-zA-Z0-9_.-]`). */
export const DELIVERY_STREAM_NAME_PATTERN = /^[a-zA-Z0-9_.-]{1,64}$/;

/** Options of {@link firehoseSink}. Tuning (in-flight requests, buffer, retries) comes from the batching base. */
export interface FirehoseSinkOptions<T> extends AsyncSinkTuning {
  /** The delivery stream (DirectPut) to write to. */
  readonly deliveryStreamName: string;
  /** A client to use; the sink never destroys it. */
  readonly client?: FirehoseClient;
  /**
   * Configuration for the client the sink builds (one per subtask, destroyed
   * on close) when `client` is not given. Default `awsClientConfig('firehose')`:
   * AWS through the SDK's default chains, or the local stack when
   * `AWS_ENDPOINT_URL_FIREHOSE` points at it.
   */
  readonly clientConfig?: FirehoseClientConfig;
  /** Turns a record into its bytes (default `JSON.stringify`). Throwing makes the record a dead letter. */
  readonly serializer?: (value: T) => string | Uint8Array;
  /** Append `\n` to every record (default {@link DEFAULT_NEWLINE_DELIMITED}). */
  readonly newlineDelimited?: boolean;
  /**
   * Receives records no request can carry — larger than 1000 KiB, or the
   * serializer threw — with the reason; they are counted in the writer's
   * stats. Without it such a record fails the job with a clear error.
   */
  readonly onDeadLetter?: (letter: SinkDeadLetter<T>) => void;
}

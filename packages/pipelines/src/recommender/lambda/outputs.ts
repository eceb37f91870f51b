/**
 * Where the Lambda handlers write: a Kinesis stream (PutRecords) and
 * Firehose delivery streams (PutRecordBatch), with an outcome per entry
 * rather than per job. The streaming job's sinks (the batching base) fail
 * the job when a request fails; a Lambda handler must instead say which
 * records to retry. So an invocation's entries are sent in order, in
 * requests within the service's limits (the connectors' constants), one
 * request at a time; entries a service rejects are retried alone with
 * backoff and jitter (the batching base's `backoffDelay`, its retryable
 * error classification); and when an entry is still not accepted, the
 * writer stops and reports the first entry not known to be written.
 * Everything before it was accepted; everything from it on is the
 * handler's to report for retry (at-least-once: some of those may already
 * be written).
 *
 * ```ts
 * const output = kinesisOutput(client, 'recommendations');
 * const outcome = await output.write([{ data: encode(rec), partitionKey: rec.session_id }]);
 * if (outcome.failedFrom !== undefined) retryFrom(outcome.failedFrom, outcome.error);
 * ```
 */
import { PutRecordBatchCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { PutRecordsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { backoffDelay, errorMessage, isRetryableError, sleep, type AsyncSinkLimits, type EntryFailure } from '@tributary/connectors/batching';
import { FIREHOSE_LIMITS, isRetryableEntryError } from '@tributary/connectors/firehose';
import { KINESIS_PUT_RECORDS_LIMITS, RETRYABLE_PUT_RECORDS_ERROR_CODES } from '@tributary/connectors/kinesis';

/**
 * Attempts per entry within one invocation, the first included. Few on
 * purpose: Lambda retries the batch from the first failed record anyway,
 * and an invocation must finish within the function's timeout.
 */
export const DEFAULT_OUTPUT_MAX_ATTEMPTS = 3;
/** First backoff before retrying rejected entries; doubles (with jitter) per retry. */
export const DEFAULT_OUTPUT_INITIAL_BACKOFF_MS = 100;
/** Longest backoff between two attempts within an invocation. */
export const DEFAULT_OUTPUT_MAX_BACKOFF_MS = 1_000;

/** How rejected entries and failed requests are retried within one invocation. */
export interface OutputRetryOptions {
  /** Attempts per entry, the first included (integer >= 1; default {@link DEFAULT_OUTPUT_MAX_ATTEMPTS}). */
  readonly maxAttempts?: number;
  /** Default {@link DEFAULT_OUTPUT_INITIAL_BACKOFF_MS}. */
  readonly initialBackoffMs?: number;
  /** Default {@link DEFAULT_OUTPUT_MAX_BACKOFF_MS}. */
  readonly maxBackoffMs?: number;
}

/** One record to write. */
export interface OutputEntry {
  readonly data: Uint8Array;
  /** The Kinesis partition key (ignored by Firehose). */
  readonly partitionKey?: string;
}

/** What became of a {@link BatchOutput.write}. */
export interface WriteOutcome {
  /** The index of the first entry not known to be written; undefined when every entry was. */
  readonly failedFrom: number | undefined;
  /** Why, when an entry failed. */
  readonly error?: string;
  /** Entries the service accepted. */
  readonly written: number;
  /** Requests sent, retries included. */
  readonly requests: number;
}

/** A destination the handlers write to. */
export interface BatchOutput {
  /** Names the destination in logs (`Kinesis stream 'recommendations'`). */
  readonly description: string;
  /** Writes the entries in order (see the module comment). */
  write(entries: readonly OutputEntry[]): Promise<WriteOutcome>;
}

/** The service-specific part of an output: its limits, an entry's size, and one request. */
interface BatchService {
  readonly limits: AsyncSinkLimits;
  sizeOf(entry: OutputEntry): number;
  /** Sends one request; resolves with the entries the service rejected, throws when the request failed as a whole. */
  submit(entries: readonly OutputEntry[]): Promise<readonly EntryFailure[]>;
}

/**
 * An output to a Kinesis data stream (its name or ARN); entries need a partition key.
 *
 * ```ts
 * const output = kinesisOutput(new KinesisClient(awsClientConfig('kinesis')), 'recommendations');
 * ```
 */
export function kinesisOutput(client: KinesisClient, stream: string, retry: OutputRetryOptions = {}): BatchOutput {
  const target = stream.startsWith('arn:') ? { StreamARN: stream } : { StreamName: stream };
  return batchOutput(`Kinesis stream '${stream}'`, retry, {
    limits: KINESIS_PUT_RECORDS_LIMITS,
    sizeOf: (entry) => entry.data.byteLength + Buffer.byteLength(entry.partitionKey ?? '', 'utf8'),
    async submit(entries) {
      const out = await client.send(new PutRecordsCommand({ ...target, Records: entries.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey })) }));
      if ((out.FailedRecordCount ?? 0) === 0) return [];
      return entryFailures(out.Records ?? [], entries.length, (code) => RETRYABLE_PUT_RECORDS_ERROR_CODES.has(code));
    },
  });
}

/**
 * An output to a Firehose delivery stream (DirectPut). Add the `\n` to each
 * entry's data yourself when the destination should hold JSON Lines.
 *
 * ```ts
 * const output = firehoseOutput(new FirehoseClient(awsClientConfig('firehose')), 'recommendations-to-s3');
 * ```
 */
export function firehoseOutput(client: FirehoseClient, deliveryStreamName: string, retry: OutputRetryOptions = {}): BatchOutput {
  return batchOutput(`Firehose delivery stream '${deliveryStreamName}'`, retry, {
    limits: FIREHOSE_LIMITS,
    sizeOf: (entry) => entry.data.byteLength,
    async submit(entries) {
      const out = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: deliveryStreamName, Records: entries.map((e) => ({ Data: e.data })) }));
      if ((out.FailedPutCount ?? 0) === 0) return [];
      return entryFailures(out.RequestResponses ?? [], entries.length, isRetryableEntryError);
    },
  });
}

function entryFailures(
  results: ReadonlyArray<{ ErrorCode?: string | undefined; ErrorMessage?: string | undefined }>,
  sent: number,
  retryable: (code: string) => boolean,
): EntryFailure[] {
  if (results.length !== sent) throw new Error(`the service answered ${results.length} results for ${sent} entries`);
  const failures: EntryFailure[] = [];
  results.forEach((result, index) => {
    const code = result.ErrorCode;
    if (code !== undefined && code !== '') failures.push({ index, code, message: result.ErrorMessage ?? '', retryable: retryable(code) });
  });
  return failures;
}

function batchOutput(description: string, retry: OutputRetryOptions, service: BatchService): BatchOutput {
  const maxAttempts = retry.maxAttempts ?? DEFAULT_OUTPUT_MAX_ATTEMPTS;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new RangeError(`retry.maxAttempts must be an integer >= 1, got ${maxAttempts}`);
  const initialBackoffMs = retry.initialBackoffMs ?? DEFAULT_OUTPUT_INITIAL_BACKOFF_MS;
  const maxBackoffMs = retry.maxBackoffMs ?? Math.max(DEFAULT_OUTPUT_MAX_BACKOFF_MS, initialBackoffMs);
  if (!(initialBackoffMs >= 0 && maxBackoffMs >= initialBackoffMs && Number.isFinite(maxBackoffMs))) {
    throw new RangeError(`retry backoffs must satisfy 0 <= initialBackoffMs <= maxBackoffMs < Infinity, got ${initialBackoffMs} and ${maxBackoffMs}`);
  }
  const { maxBatchSize, maxBatchSizeBytes, maxRecordSizeBytes } = service.limits;

  /** Sends entries[from, to) until all are accepted; the index of the first one that never was, and why. */
  const deliver = async (entries: readonly OutputEntry[], from: number, to: number, counts: { written: number; requests: number }) => {
    let pending = Array.from({ length: to - from }, (_, i) => from + i);
    for (let attempt = 1; ; attempt++) {
      let failures: readonly EntryFailure[];
      counts.requests++;
      try {
        failures = await service.submit(pending.map((i) => entries[i]!));
      } catch (error) {
        if (!isRetryableError(error) || attempt >= maxAttempts) {
          return { failedFrom: pending[0]!, error: `${description}: a request of ${pending.length} entries failed (attempt ${attempt}): ${errorMessage(error)}` };
        }
        await sleep(backoffDelay(attempt, initialBackoffMs, maxBackoffMs));
        continue;
      }
      counts.written += pending.length - failures.length;
      if (failures.length === 0) return undefined;
      const first = failures.reduce((a, b) => (b.index < a.index ? b : a));
      if (failures.some((f) => f.retryable === false) || attempt >= maxAttempts) {
        return {
          failedFrom: pending[first.index]!,
          error: `${description}: ${failures.length} of ${pending.length} entries rejected (attempt ${attempt}; ${first.code}: ${first.message})`,
        };
      }
      const failed = new Set(failures.map((f) => f.index));
      pending = pending.filter((_, i) => failed.has(i));
      await sleep(backoffDelay(attempt, initialBackoffMs, maxBackoffMs));
    }
  };

  return {
    description,
    async write(entries) {
      const counts = { written: 0, requests: 0 };
      let start = 0;
      while (start < entries.length) {
        let end = start;
        let bytes = 0;
        while (end < entries.length && end - start < maxBatchSize) {
          const size = service.sizeOf(entries[end]!);
          if (size > maxRecordSizeBytes) break;
          if (end > start && bytes + size > maxBatchSizeBytes) break;
          bytes += size;
          end++;
        }
        if (end === start) {
          const size = service.sizeOf(entries[start]!);
          return { failedFrom: start, error: `${description}: entry ${start} has ${size} bytes, over the limit of ${maxRecordSizeBytes} bytes per record`, ...counts };
        }
        const failure = await deliver(entries, start, end, counts);
        if (failure !== undefined) return { ...failure, ...counts };
        start = end;
      }
      return { failedFrom: undefined, ...counts };
    },
  };
}

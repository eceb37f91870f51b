/**
 * The Kinesis Data Streams sink: PutRecords through the batching base —
 * requests within 500 records and 5 MiB, records within 1 MiB (data plus
 * partition key), bounded requests in flight, only the entries Kinesis
 * rejected retried (with backoff and jitter), everything buffered flushed on
 * each checkpoint: at-least-once. With `aggregate`, each request's records
 * are packed into KPL-aggregated records per shard (aggregatedPut.ts).
 */
import { randomUUID } from 'node:crypto';
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import type { Sink, SinkWriterContext } from '@tributary/core';
import { AsyncSinkWriter, type AsyncSinkService, type AsyncSinkStats, type EntryFailure } from '../batching/AsyncSinkWriter.js';
import { AsyncSinkError } from '../batching/errors.js';
import { resolveAsyncSinkOptions, type AsyncSinkLimits } from '../batching/options.js';
import { AggregatedPutRecords } from './aggregatedPut.js';
import { KinesisClientHandle } from './client.js';
import { RETRYABLE_PUT_RECORDS_ERROR_CODES } from './errors.js';
import {
  checkStream,
  KINESIS_AGGREGATED_PUT_RECORDS_LIMITS,
  KINESIS_PUT_RECORDS_LIMITS,
  PARTITION_KEY_MAX_LENGTH,
  streamParameter,
  type KinesisSinkOptions,
} from './options.js';
import { jsonSerializer } from './serde.js';

const encoder = new TextEncoder();

/**
 * Writes records to a Kinesis data stream, at least once.
 *
 * ```ts
 * orders.sinkTo(
 *   new KinesisSink<Order>({
 *     stream: 'orders',
 *     partitionKey: (order) => order.customerId,
 *     onDeadLetter: (letter) => quarantine.push(letter), // records over 1 MiB, serializer failures
 *   }),
 * );
 * ```
 * Gotchas: several requests are in flight at once, so records of one key
 * may be reordered; set `maxInFlightRequests: 1` when order per key
 * matters. Without `onDeadLetter`, a record that cannot be sent (over 1 MiB
 * with its partition key, empty or over-long partition key, serializer
 * error) fails the job with an `AsyncSinkError` saying why.
 */
export class KinesisSink<T> implements Sink<T> {
  private readonly writers: AsyncSinkWriter<T, PutRecordsRequestEntry>[] = [];

  constructor(private readonly options: KinesisSinkOptions<T>) {
    checkStream(options.stream);
    resolveAsyncSinkOptions(limitsOf(options), options); // fail at build time on bad tuning
  }

  createWriter(context: SinkWriterContext): AsyncSinkWriter<T, PutRecordsRequestEntry> {
    const { onDeadLetter } = this.options;
    const writer = new AsyncSinkWriter<T, PutRecordsRequestEntry>(new PutRecordsService(this.options), {
      ...this.options,
      limits: limitsOf(this.options),
      name: `Kinesis sink '${context.sinkName}' (stream ${this.options.stream})`,
      ...(onDeadLetter === undefined ? {} : { onDeadLetter }),
    });
    this.writers.push(writer);
    return writer;
  }

  /** Counters summed over every writer this sink created (all subtasks, all attempts). */
  stats(): AsyncSinkStats {
    const total = { recordsWritten: 0, requests: 0, retriedEntries: 0, deadLetters: 0, bufferedRecords: 0, inFlightRequests: 0 };
    for (const writer of this.writers) {
      const s = writer.stats();
      total.recordsWritten += s.recordsWritten;
      total.requests += s.requests;
      total.retriedEntries += s.retriedEntries;
      total.deadLetters += s.deadLetters;
      total.bufferedRecords += s.bufferedRecords;
      total.inFlightRequests += s.inFlightRequests;
    }
    return total;
  }
}

/** The batching limits: records as they are, or before aggregation packs them. */
const limitsOf = (options: { readonly aggregate?: boolean }): AsyncSinkLimits =>
  options.aggregate === true ? KINESIS_AGGREGATED_PUT_RECORDS_LIMITS : KINESIS_PUT_RECORDS_LIMITS;

/** PutRecords as an {@link AsyncSinkService}. */
class PutRecordsService<T> implements AsyncSinkService<T, PutRecordsRequestEntry> {
  private readonly handle: KinesisClientHandle;
  private readonly client: KinesisClient;
  private readonly serialize: (value: T) => Uint8Array | string;
  private readonly partitionKey: (value: T) => string;
  private readonly aggregated: AggregatedPutRecords | undefined;

  constructor(private readonly options: KinesisSinkOptions<T>) {
    this.handle = new KinesisClientHandle(options);
    this.client = this.handle.acquire();
    this.aggregated = options.aggregate === true ? new AggregatedPutRecords(this.client, options.stream) : undefined;
    this.serialize = options.serializer ?? jsonSerializer;
    this.partitionKey = options.partitionKey ?? (() => randomUUID());
  }

  toEntry(value: T): PutRecordsRequestEntry {
    const serialized = this.serialize(value);
    const data = typeof serialized === 'string' ? encoder.encode(serialized) : serialized;
    const key = this.partitionKey(value);
    if (typeof key !== 'string' || key.length === 0 || (key.length > PARTITION_KEY_MAX_LENGTH && [...key].length > PARTITION_KEY_MAX_LENGTH)) {
      throw new RangeError(`the partition key must be a string of 1 to ${PARTITION_KEY_MAX_LENGTH} characters, got ${typeof key === 'string' ? `${[...key].length} characters` : typeof key}`);
    }
    const hashKey = this.options.explicitHashKey?.(value);
    return hashKey === undefined ? { Data: data, PartitionKey: key } : { Data: data, PartitionKey: key, ExplicitHashKey: hashKey };
  }

  sizeOf(entry: PutRecordsRequestEntry): number {
    return (entry.Data?.byteLength ?? 0) + Buffer.byteLength(entry.PartitionKey ?? '', 'utf8');
  }

  async submit(entries: readonly PutRecordsRequestEntry[], signal: AbortSignal): Promise<readonly EntryFailure[]> {
    if (this.aggregated !== undefined) {
      const failed = await this.aggregated.put(entries, signal);
      return failed.map(({ index, code, message }) => ({ index, code, message, retryable: RETRYABLE_PUT_RECORDS_ERROR_CODES.has(code) }));
    }
    const out = await this.client.send(
      new PutRecordsCommand({ ...streamParameter(this.options.stream), Records: entries as PutRecordsRequestEntry[] }),
      { abortSignal: signal },
    );
    if ((out.FailedRecordCount ?? 0) === 0) return [];
    const results = out.Records ?? [];
    if (results.length !== entries.length) {
      throw new AsyncSinkError(
        'SINK_REQUEST_FAILED',
        `PutRecords on stream ${this.options.stream} answered ${results.length} results for ${entries.length} records`,
        { retryable: false },
      );
    }
    const failures: EntryFailure[] = [];
    results.forEach((result, index) => {
      const code = result.ErrorCode;
      if (code === undefined || code === '') return;
      failures.push({ index, code, message: result.ErrorMessage ?? '', retryable: RETRYABLE_PUT_RECORDS_ERROR_CODES.has(code) });
    });
    return failures;
  }

  close(): void {
    this.handle.release();
  }
}

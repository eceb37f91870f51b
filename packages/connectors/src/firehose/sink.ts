/**
 * The Firehose sink: records go to a DirectPut delivery stream through
 * PutRecordBatch, at least once. Built on the batching base
 * (../batching), which owns buffering within the request limits (500
 * records, 4 MiB), bounded in-flight requests and backpressure, retrying
 * only the entries Firehose rejected with exponential backoff and jitter,
 * and flushing on every checkpoint; this file supplies the entry (the
 * serialised record, optionally `\n`-terminated), its size and the request.
 */
import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import type { Sink, SinkWriterContext } from '@tributary/core';
import { AsyncSinkError, AsyncSinkWriter, type AsyncSinkService, type EntryFailure } from '../batching/index.js';
import { awsClientConfig } from '../local/clientConfig.js';
import { isRetryableEntryError } from './errors.js';
import { DEFAULT_NEWLINE_DELIMITED, DELIVERY_STREAM_NAME_PATTERN, FIREHOSE_LIMITS, type FirehoseSinkOptions } from './options.js';

/** A Firehose sink's writer: the batching base over PutRecordBatch entries (`stats()` for counters). */
export type FirehoseSinkWriter<T> = AsyncSinkWriter<T, _Record>;

/** A Firehose sink; `createWriter` returns the typed writer. */
export interface FirehoseSink<T> extends Sink<T> {
  createWriter(context: SinkWriterContext): FirehoseSinkWriter<T>;
}

const NEWLINE = 0x0a;
const encoder = new TextEncoder();

/**
 * Writes records to a Firehose delivery stream with PutRecordBatch, at
 * least once: every checkpoint waits until Firehose has accepted everything
 * written before it.
 *
 * ```ts
 * const env = StreamEnvironment.create({ checkpointInterval: 10_000, checkpointDir: 'chk' });
 * env.fromCollection(orders).sinkTo(firehoseSink<Order>({ deliveryStreamName: 'orders' }));
 * // objects in the destination bucket are JSON Lines: one order per line
 * ```
 * Gotchas: at least once — a restart replays records sent since the last
 * checkpoint, so consumers should tolerate duplicates (e.g. by an id).
 * Records over 1000 KiB (after the serializer and newline) fail the job
 * unless `onDeadLetter` is set. Requests in flight may complete out of
 * order; set `maxInFlightRequests: 1` when order matters.
 */
export function firehoseSink<T>(options: FirehoseSinkOptions<T>): FirehoseSink<T> {
  const { deliveryStreamName } = options;
  if (!DELIVERY_STREAM_NAME_PATTERN.test(deliveryStreamName)) {
    throw new RangeError(`deliveryStreamName must be 1-64 characters of [a-zA-Z0-9_.-], got '${deliveryStreamName}'`);
  }
  const serialize = options.serializer ?? ((value: T): string => JSON.stringify(value));
  const newline = options.newlineDelimited ?? DEFAULT_NEWLINE_DELIMITED;
  const { client: injected, clientConfig, serializer: _s, newlineDelimited: _n, onDeadLetter, deliveryStreamName: _d, ...tuning } = options;

  return {
    createWriter(context: SinkWriterContext): FirehoseSinkWriter<T> {
      const ownClient = injected === undefined ? new FirehoseClient(clientConfig ?? awsClientConfig('firehose')) : undefined;
      const client = injected ?? (ownClient as FirehoseClient);
      const name = `Firehose sink '${context.sinkName}' (delivery stream '${deliveryStreamName}', subtask ${context.subtaskIndex})`;
      const service: AsyncSinkService<T, _Record> = {
        toEntry(value: T): _Record {
          return { Data: toBytes(serialize(value), newline) };
        },
        sizeOf(entry: _Record): number {
          return (entry.Data as Uint8Array).byteLength;
        },
        async submit(entries: readonly _Record[], signal: AbortSignal): Promise<readonly EntryFailure[]> {
          const out = await client.send(new PutRecordBatchCommand({ DeliveryStreamName: deliveryStreamName, Records: [...entries] }), {
            abortSignal: signal,
          });
          if ((out.FailedPutCount ?? 0) === 0) return [];
          const responses = out.RequestResponses ?? [];
          if (responses.length !== entries.length) {
            throw new AsyncSinkError(
              'SINK_REQUEST_FAILED',
              `${name}: Firehose reported ${out.FailedPutCount} failed entries but answered ${responses.length} of ${entries.length} entries`,
              { retryable: false },
            );
          }
          const failures: EntryFailure[] = [];
          responses.forEach((r, index) => {
            if (r.ErrorCode !== undefined) {
              failures.push({ index, code: r.ErrorCode, message: r.ErrorMessage ?? '', retryable: isRetryableEntryError(r.ErrorCode) });
            }
          });
          return failures;
        },
        close(): void {
          ownClient?.destroy();
        },
      };
      return new AsyncSinkWriter<T, _Record>(service, {
        ...tuning,
        limits: FIREHOSE_LIMITS,
        name,
        ...(onDeadLetter === undefined ? {} : { onDeadLetter }),
      });
    },
  };
}

function toBytes(data: string | Uint8Array, newline: boolean): Uint8Array {
  if (typeof data === 'string') return encoder.encode(newline ? `${data}\n` : data);
  if (!newline) return data;
  const out = new Uint8Array(data.byteLength + 1);
  out.set(data);
  out[data.byteLength] = NEWLINE;
  return out;
}

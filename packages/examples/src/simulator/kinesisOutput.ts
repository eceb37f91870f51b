/**
 * The simulator's Kinesis output: session events (valid and malformed) to
 * a stream through PutRecords, partition key = session_id, and optionally
 * order events to a second stream (partition key = customer number). It is
 * built on the connectors' batching base (AsyncSinkWriter), which owns
 * buffering, request limits, backpressure and retrying only the rejected
 * entries.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { AsyncSinkWriter, type AsyncSinkService, type AsyncSinkTuning } from '@tributary/connectors/batching';
import type { ClosableOutput } from './outputs.js';

/** PutRecords: at most 500 records per request (AWS limit). */
export const PUT_RECORDS_MAX_RECORDS = 500;
/** PutRecords: at most 5 MiB per request, data and partition keys (AWS limit). */
export const PUT_RECORDS_MAX_BYTES = 5 * 2 ** 20;
/** PutRecords: at most 1 MiB per record, data and partition key (AWS limit). */
export const PUT_RECORDS_MAX_RECORD_BYTES = 2 ** 20;
/**
 * Requests in flight per stream by default: one, so that a session's events
 * reach their shard in order (browse_history grows from event to event).
 * Raise it for throughput when order does not matter.
 */
export const DEFAULT_KINESIS_OUTPUT_IN_FLIGHT = 1;

/** Options of {@link kinesisOutput}. */
export interface KinesisOutputOptions {
  /** An injected client (never destroyed by the output). */
  readonly client: KinesisClient;
  /** The stream session events go to. */
  readonly streamName: string;
  /** When set, each OrderEvent goes to this stream too. */
  readonly orderStreamName?: string;
  /** Batching tuning (defaults: full 500-record requests, {@link DEFAULT_KINESIS_OUTPUT_IN_FLIGHT} in flight, 200 ms max wait). */
  readonly tuning?: AsyncSinkTuning;
}

interface Outgoing {
  readonly data: string;
  readonly partitionKey: string;
}

/** Counters of a Kinesis output. */
export interface KinesisOutputStats {
  readonly sessionRecords: number;
  readonly orderRecords: number;
  readonly requests: number;
  readonly retriedEntries: number;
}

function writerFor(client: KinesisClient, streamName: string, tuning: AsyncSinkTuning | undefined): AsyncSinkWriter<Outgoing, PutRecordsRequestEntry> {
  const service: AsyncSinkService<Outgoing, PutRecordsRequestEntry> = {
    toEntry: (record) => ({ Data: Buffer.from(record.data, 'utf8'), PartitionKey: record.partitionKey }),
    sizeOf: (entry) => (entry.Data as Uint8Array).byteLength + Buffer.byteLength(entry.PartitionKey as string, 'utf8'),
    async submit(entries, signal) {
      const response = await client.send(new PutRecordsCommand({ StreamName: streamName, Records: [...entries] }), { abortSignal: signal });
      if ((response.FailedRecordCount ?? 0) === 0) return [];
      return (response.Records ?? []).flatMap((r, index) => (r.ErrorCode === undefined ? [] : [{ index, code: r.ErrorCode, message: r.ErrorMessage ?? '' }]));
    },
  };
  return new AsyncSinkWriter(service, {
    limits: { maxBatchSize: PUT_RECORDS_MAX_RECORDS, maxBatchSizeBytes: PUT_RECORDS_MAX_BYTES, maxRecordSizeBytes: PUT_RECORDS_MAX_RECORD_BYTES },
    maxInFlightRequests: DEFAULT_KINESIS_OUTPUT_IN_FLIGHT,
    maxTimeInBufferMs: 200,
    ...tuning,
    name: `simulator → kinesis ${streamName}`,
  });
}

/**
 * Sends session events to a Kinesis stream (and order events to another).
 *
 * ```ts
 * const out = kinesisOutput({ client: stack.clients.kinesis, streamName: 'sessions' });
 * await runSimulation(sim, { outputs: [out] });
 * await out.close();
 * ```
 * Gotchas: a malformed event is sent as its raw payload (that is the
 * point); `flush` waits until Kinesis accepted everything written;
 * `close` flushes first.
 */
export function kinesisOutput(options: KinesisOutputOptions): ClosableOutput & { stats(): KinesisOutputStats } {
  const sessions = writerFor(options.client, options.streamName, options.tuning);
  const orders = options.orderStreamName === undefined ? undefined : writerFor(options.client, options.orderStreamName, options.tuning);
  let closed = false;
  const flush = async (): Promise<void> => {
    await Promise.all([sessions.flush(false), orders?.flush(false)]);
  };
  return {
    async write(records) {
      for (const record of records) {
        if (record.kind === 'order') {
          if (orders === undefined) continue;
          for (const event of record.events) {
            const pending = orders.write({ data: JSON.stringify(event), partitionKey: String(event.customer_number) }, record.time);
            if (pending !== undefined) await pending;
          }
        } else {
          const pending = sessions.write({ data: record.data, partitionKey: record.partitionKey }, record.time);
          if (pending !== undefined) await pending;
        }
      }
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await flush();
      } finally {
        await Promise.all([sessions.close(), orders?.close()]);
      }
    },
    stats() {
      const s = sessions.stats();
      const o = orders?.stats();
      return {
        sessionRecords: s.recordsWritten,
        orderRecords: o?.recordsWritten ?? 0,
        requests: s.requests + (o?.requests ?? 0),
        retriedEntries: s.retriedEntries + (o?.retriedEntries ?? 0),
      };
    },
  };
}

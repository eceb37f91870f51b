/**
 * The recommender as a Kinesis event-source Lambda handler. Each
 * invocation gets a batch of one shard's session events, in order; every
 * valid event is merged into its session and answered (the streaming
 * operator's code, see runtime.ts), and the answers go to the output
 * Kinesis stream (partition key: the session id) and/or a Firehose
 * delivery stream (JSON Lines). Malformed records — not JSON, or not a
 * valid session event — go to the dead-letter delivery stream with the
 * reason and are not retried (retrying cannot fix them). A KPL-aggregated
 * record is handled user record by user record (a failure lists the whole
 * aggregated record for the retry).
 *
 * The answer is a partial-batch response (`ReportBatchItemFailures`):
 * when an output could not take a record's recommendation (or dead
 * letter), that record and every later one of the batch are listed, so
 * Lambda retries from the first failed record and the shard's order
 * holds. Recommendations before it may be written twice: at-least-once.
 *
 * ```ts
 * // handler: index.kinesisHandler, with OUTPUT_STREAM, MODEL_BUCKET… set
 * export { kinesisHandler } from '@tributary/pipelines/recommender-lambda';
 * // or, configured in code:
 * export const handler = createKinesisHandler({ outputs: { stream: 'recommendations' }, models: { bucket: 'lake', prefix: 'recommender/' } });
 * ```
 */
import { deaggregate } from '@tributary/connectors/kinesis';
import type { Recommendation } from '../../retail/events.js';
import type { QuarantinedEvent } from '../pipeline.js';
import type { KinesisStreamBatchResponse, KinesisStreamEvent, KinesisStreamRecord } from './events.js';
import type { BatchOutput, OutputEntry } from './outputs.js';
import { LAMBDA_ENV, RecommenderLambdaRuntime, type RecommenderLambdaOptions } from './runtime.js';

/** A Kinesis event-source handler; `runtime` is its container state (sessions, model, stats). */
export interface KinesisHandler {
  (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse>;
  readonly runtime: RecommenderLambdaRuntime;
}

const encoder = new TextEncoder();

/**
 * A Kinesis event-source handler over its own runtime (one per container).
 *
 * ```ts
 * const handler = createKinesisHandler({ outputs: { stream: 'recommendations', deadLetterDeliveryStream: 'session-dlq' } });
 * const { batchItemFailures } = await handler(event);
 * ```
 * Throws a RangeError when no output is configured (`OUTPUT_STREAM` or
 * `OUTPUT_DELIVERY_STREAM`). Without `DEAD_LETTER_DELIVERY_STREAM`,
 * malformed records are logged (reason and sequence number, not the data)
 * and skipped.
 */
export function createKinesisHandler(options: RecommenderLambdaOptions = {}): KinesisHandler {
  const runtime = new RecommenderLambdaRuntime(options);
  if (runtime.config.outputStream === undefined && runtime.config.outputDeliveryStream === undefined) {
    throw new RangeError(`the Kinesis handler needs an output: set ${LAMBDA_ENV.outputStream} and/or ${LAMBDA_ENV.outputDeliveryStream} (or options.outputs)`);
  }
  const handler = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
    await runtime.prepare();
    const records = event.Records;
    const answers: Array<{ readonly index: number; readonly recommendation: Recommendation }> = [];
    const letters: Array<{ readonly index: number; readonly letter: QuarantinedEvent }> = [];
    records.forEach((record, index) => {
      for (const { data, sub } of userRecordsOf(record)) {
        const decoded = runtime.decode(data);
        if (decoded.ok) answers.push({ index, recommendation: runtime.answer(decoded.event)! });
        else letters.push({ index, letter: runtime.quarantine(decoded, origin(record, sub)) });
      }
    });

    const json = answers.map((a) => JSON.stringify(a.recommendation));
    const failedAt = await Promise.all([
      write(runtime, runtime.output('stream'), answers, (i) => ({ data: encoder.encode(json[i]!), partitionKey: answers[i]!.recommendation.session_id }), records),
      write(runtime, runtime.output('deliveryStream'), answers, (i) => ({ data: encoder.encode(`${json[i]!}\n`) }), records),
      deadLetters(runtime, letters, records),
    ]);
    const first = Math.min(...failedAt.filter((i): i is number => i !== undefined));
    const failures = Number.isFinite(first) ? records.slice(first).map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })) : [];
    runtime.log.info(
      { records: records.length, answered: answers.length, malformed: letters.length, retry: failures.length, modelVersion: runtime.modelVersion ?? null, sessions: runtime.sessions.size },
      'Kinesis batch processed',
    );
    return { batchItemFailures: failures };
  };
  return Object.assign(handler, { runtime });
}

/** Writes one entry per item to `output`; the record index of the first item not written, if any. */
async function write<T extends { readonly index: number }>(
  runtime: RecommenderLambdaRuntime,
  output: BatchOutput | undefined,
  items: readonly T[],
  entry: (i: number) => OutputEntry,
  records: readonly KinesisStreamRecord[],
): Promise<number | undefined> {
  if (output === undefined || items.length === 0) return undefined;
  const outcome = await output.write(items.map((_, i) => entry(i)));
  if (outcome.failedFrom === undefined) return undefined;
  const index = items[outcome.failedFrom]!.index;
  runtime.log.error(
    { output: output.description, sequenceNumber: records[index]!.kinesis.sequenceNumber, notWritten: items.length - outcome.failedFrom },
    `${outcome.error ?? 'write failed'}; the batch is retried from this record`,
  );
  return index;
}

async function deadLetters(
  runtime: RecommenderLambdaRuntime,
  letters: ReadonlyArray<{ readonly index: number; readonly letter: QuarantinedEvent }>,
  records: readonly KinesisStreamRecord[],
): Promise<number | undefined> {
  const output = runtime.output('deadLetters');
  if (output === undefined) {
    for (const { index, letter } of letters) {
      runtime.log.warn({ sequenceNumber: records[index]!.kinesis.sequenceNumber, reason: letter.reason }, `malformed session event skipped (${LAMBDA_ENV.deadLetterDeliveryStream} is unset)`);
    }
    return undefined;
  }
  return write(runtime, output, letters, (i) => ({ data: encoder.encode(`${JSON.stringify(letters[i]!.letter)}\n`) }), records);
}

/**
 * A record's data, decoded from base64 once: the user records of a
 * KPL-aggregated record (Lambda hands those over whole) with their index,
 * else the record's own bytes.
 */
function userRecordsOf(record: KinesisStreamRecord): Array<{ readonly data: Uint8Array; readonly sub: number | undefined }> {
  const bytes = Buffer.from(record.kinesis.data, 'base64');
  const users = deaggregate(bytes);
  return users === undefined ? [{ data: bytes, sub: undefined }] : users.map((u, sub) => ({ data: u.data, sub }));
}

/** Where a record (user record `sub` of an aggregated one) came from, for its dead letter: the stream name from the ARN, the shard from the event id. */
function origin(record: KinesisStreamRecord, sub: number | undefined): NonNullable<QuarantinedEvent['kinesis']> {
  const arn = record.eventSourceARN;
  const slash = arn.indexOf(':stream/');
  const colon = record.eventID.indexOf(':');
  return {
    stream: slash >= 0 ? arn.slice(slash + ':stream/'.length) : arn,
    shardId: colon >= 0 ? record.eventID.slice(0, colon) : record.eventID,
    sequenceNumber: record.kinesis.sequenceNumber,
    ...(sub === undefined ? {} : { subSequenceNumber: sub }),
  };
}

let defaultHandler: KinesisHandler | undefined;

/**
 * The Kinesis handler configured from the environment (see `LAMBDA_ENV`),
 * created on the first invocation and kept for the container's life.
 *
 * ```ts
 * // Lambda handler setting: index.kinesisHandler
 * export { kinesisHandler } from '@tributary/pipelines/recommender-lambda';
 * ```
 */
export function kinesisHandler(event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> {
  defaultHandler ??= createKinesisHandler();
  return defaultHandler(event);
}

/**
 * The recommender as a Firehose data-transformation Lambda handler: a
 * delivery stream of session events becomes a delivery stream of
 * recommendations (JSON Lines in S3). Each record of the invocation is
 * answered exactly once, in order, by its recordId:
 *
 * - `Ok` — a valid session event newer than (or as new as) what the
 *   container has seen of its session: the recommendation as JSON plus
 *   `\n`, base64;
 * - `ProcessingFailed` — malformed input (not JSON, not a valid session
 *   event); `data` is the original, which Firehose writes under the
 *   destination's error prefix — Firehose's own dead-letter path;
 * - `Dropped` — a valid event older than the newest event this container
 *   has already answered for its session. Firehose does not keep a shard's
 *   order, so a late event arrives after its successors; its answer would
 *   recommend against a cart the newer event has replaced, and the
 *   session's newest answer is already in the output. The event is still
 *   merged into the session (it may add history or a customer number).
 *
 * KPL-aggregated records need nothing here: a delivery stream reading a
 * Kinesis stream de-aggregates them before the transformation Lambda.
 *
 * ```ts
 * // handler: index.firehoseTransformationHandler, with MODEL_BUCKET… set
 * export { firehoseTransformationHandler } from '@tributary/pipelines/recommender-lambda';
 * ```
 * Gotcha: Firehose caps a transformation's response at 6 MB; a
 * recommendation is far smaller than the session event it answers.
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResult, FirehoseTransformationResultRecord } from './events.js';
import { RecommenderLambdaRuntime, type RecommenderLambdaOptions } from './runtime.js';

/** A Firehose transformation handler; `runtime` is its container state (sessions, model, stats). */
export interface FirehoseTransformationHandler {
  (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult>;
  readonly runtime: RecommenderLambdaRuntime;
}

/**
 * A Firehose data-transformation handler over its own runtime (one per container).
 *
 * ```ts
 * const handler = createFirehoseTransformationHandler({ models: { bucket: 'lake', prefix: 'recommender/' }, recommender: { k: 5 } });
 * const { records } = await handler(event); // [{ recordId, result: 'Ok', data: base64(JSON + '\n') }, …]
 * ```
 * The output options (streams) are not used: Firehose delivers what the handler returns.
 */
export function createFirehoseTransformationHandler(options: RecommenderLambdaOptions = {}): FirehoseTransformationHandler {
  const runtime = new RecommenderLambdaRuntime(options);
  const handler = async (event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> => {
    await runtime.prepare();
    const counts = { Ok: 0, Dropped: 0, ProcessingFailed: 0 };
    const records = event.records.map((record): FirehoseTransformationResultRecord => {
      const decoded = runtime.decode(record.data);
      let result: FirehoseTransformationResultRecord;
      if (!decoded.ok) {
        runtime.log.warn({ recordId: record.recordId, reason: decoded.reason }, 'malformed session event: ProcessingFailed');
        result = { recordId: record.recordId, result: 'ProcessingFailed', data: record.data };
      } else {
        const recommendation = runtime.answer(decoded.event, 'skip');
        result =
          recommendation === undefined
            ? { recordId: record.recordId, result: 'Dropped', data: record.data }
            : { recordId: record.recordId, result: 'Ok', data: Buffer.from(`${JSON.stringify(recommendation)}\n`, 'utf8').toString('base64') };
      }
      counts[result.result]++;
      return result;
    });
    runtime.log.info(
      { invocationId: event.invocationId, records: records.length, ...counts, modelVersion: runtime.modelVersion ?? null, sessions: runtime.sessions.size },
      'Firehose transformation processed',
    );
    return { records };
  };
  return Object.assign(handler, { runtime });
}

let defaultHandler: FirehoseTransformationHandler | undefined;

/**
 * The Firehose transformation handler configured from the environment
 * (see `LAMBDA_ENV`), created on the first invocation and kept for the
 * container's life.
 *
 * ```ts
 * // Lambda handler setting: index.firehoseTransformationHandler
 * export { firehoseTransformationHandler } from '@tributary/pipelines/recommender-lambda';
 * ```
 */
export function firehoseTransformationHandler(event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> {
  defaultHandler ??= createFirehoseTransformationHandler();
  return defaultHandler(event);
}

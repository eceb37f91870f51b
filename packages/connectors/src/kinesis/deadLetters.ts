/**
 * A Kinesis source whose undeserializable records become a dead-letter
 * stream instead of failing the job. The source deserializes inside the
 * reader (so the watermark strategy sees typed values, per shard) but never
 * throws: a failure travels as a marked record to the next operator, which
 * routes it to the core's dead-letter output — counted in that operator's
 * `deadLetters` metric like any other dead letter — with the shard, the
 * sequence number, the bytes and the reason.
 */
import {
  WatermarkStrategy,
  type DataStream,
  type DeadLetter,
  type StreamEnvironment,
  type WatermarkGenerator,
} from '@tributary/core';
import { errorMessage } from '../batching/errors.js';
import type { KinesisRecordInfo, KinesisSourceOptions } from './options.js';
import { jsonDeserializer } from './serde.js';
import { KinesisSource } from './source.js';

/** A record that could not be deserialized: where it is, its bytes, and why. */
export interface KinesisUndeserializableRecord extends KinesisRecordInfo {
  readonly data: Uint8Array;
  readonly reason: string;
}

/** A deserialized value, or the record that failed (internal to the pair of operators). */
export type KinesisDecoded<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failed: KinesisUndeserializableRecord; readonly error: unknown };

/** The streams {@link kinesisSourceWithDeadLetters} returns. */
export interface KinesisStreams<T> {
  /** The deserialized records. */
  readonly records: DataStream<T>;
  /** One dead letter per record the deserializer threw on; `record` says where it is and holds its bytes. */
  readonly deadLetters: DataStream<DeadLetter<KinesisUndeserializableRecord>>;
  /** The source itself (before deserialization), e.g. to set its uid or parallelism. */
  readonly source: DataStream<KinesisDecoded<T>>;
}

/**
 * Reads a Kinesis stream, diverting records the deserializer throws on to a
 * dead-letter stream.
 *
 * ```ts
 * const { records, deadLetters } = kinesisSourceWithDeadLetters(
 *   env,
 *   { stream: 'orders', startPosition: 'TRIM_HORIZON', deserializer: (bytes) => parseOrder(bytes) },
 *   WatermarkStrategy.forBoundedOutOfOrderness<Order>(5_000),
 *   'orders',
 * );
 * records.keyBy((o) => o.customerId).process(new Totals()).sinkTo(totalsSink);
 * deadLetters.sinkTo(quarantine); // { record: { shardId, sequenceNumber, data, reason, … }, reason, operator, … }
 * ```
 * Dead letters are counted in the `deadLetters` metric of the operator
 * `<name>: deserialize` (see `job.metrics()`). The source's uid is `name`
 * unless you set another through `source.uid(…)`; both operators are
 * chained, so the pair costs one extra function call per record.
 */
export function kinesisSourceWithDeadLetters<T>(
  env: StreamEnvironment,
  options: KinesisSourceOptions<T>,
  watermarkStrategy: WatermarkStrategy<T>,
  name: string,
): KinesisStreams<T> {
  const deserialize = options.deserializer ?? (jsonDeserializer as (data: Uint8Array, record: KinesisRecordInfo) => T);
  const source = new KinesisSource<KinesisDecoded<T>>({
    ...options,
    deserializer: (data, info) => {
      try {
        return { ok: true, value: deserialize(data, info) };
      } catch (error) {
        return { ok: false, failed: { ...info, data, reason: errorMessage(error) }, error };
      }
    },
  });
  const raw = env.fromSource(source, liftStrategy(watermarkStrategy), name).uid(name);
  const records = raw
    .map((decoded: KinesisDecoded<T>): T => {
      if (decoded.ok) return decoded.value;
      throw decoded.error instanceof Error ? decoded.error : new Error(decoded.failed.reason);
    })
    .name(`${name}: deserialize`);
  const deadLetters = records
    .deadLetters()
    .map((letter): DeadLetter<KinesisUndeserializableRecord> => {
      // Only failed records throw in the map above, so every dead letter holds one.
      const decoded = letter.record as Extract<KinesisDecoded<T>, { ok: false }>;
      return { ...letter, record: decoded.failed };
    })
    .name(`${name}: dead letters`);
  return { records, deadLetters, source: raw };
}

/** The user's strategy applied to the values inside `KinesisDecoded`; failed records do not move watermarks. */
function liftStrategy<T>(strategy: WatermarkStrategy<T>): WatermarkStrategy<KinesisDecoded<T>> {
  let lifted = WatermarkStrategy.forGenerator<KinesisDecoded<T>>((): WatermarkGenerator<KinesisDecoded<T>> => {
    const inner = strategy.createGenerator();
    return {
      onEvent: (element, timestamp) => {
        if (element.ok) inner.onEvent(element.value, timestamp);
      },
      currentWatermark: () => inner.currentWatermark(),
    };
  });
  const assigner = strategy.timestampAssigner;
  if (assigner !== undefined) lifted = lifted.withTimestampAssigner((element, previous) => (element.ok ? assigner(element.value, previous) : previous));
  if (strategy.idleTimeout !== undefined) lifted = lifted.withIdleness(strategy.idleTimeout);
  return lifted;
}

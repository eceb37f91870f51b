/**
 * Default conversions between values and Kinesis record bytes: UTF-8 JSON
 * both ways, and plain UTF-8 text.
 */
import type { KinesisRecordInfo } from './options.js';

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Parses a record as UTF-8 JSON (the source's default deserializer).
 *
 * ```ts
 * new KinesisSource<Order>({ stream: 'orders', deserializer: jsonDeserializer });
 * ```
 * Throws on invalid UTF-8 or JSON — a dead letter with
 * `kinesisSourceWithDeadLetters`, a job failure otherwise.
 */
export function jsonDeserializer(data: Uint8Array, _record?: KinesisRecordInfo): unknown {
  return JSON.parse(decoder.decode(data));
}

/**
 * Decodes a record as UTF-8 text.
 *
 * ```ts
 * new KinesisSource<string>({ stream: 'logs', deserializer: utf8Deserializer });
 * ```
 * Throws on invalid UTF-8 (it never replaces bad bytes silently).
 */
export function utf8Deserializer(data: Uint8Array, _record?: KinesisRecordInfo): string {
  return decoder.decode(data);
}

/**
 * Encodes a value as UTF-8 JSON (the sink's default serializer).
 *
 * ```ts
 * new KinesisSink<Order>({ stream: 'orders', serializer: jsonSerializer, partitionKey: (o) => o.customerId });
 * ```
 * Throws for values JSON cannot represent (`undefined`, a BigInt).
 */
export function jsonSerializer(value: unknown): Uint8Array {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError(`cannot serialize ${typeof value} as JSON`);
  return encoder.encode(text);
}

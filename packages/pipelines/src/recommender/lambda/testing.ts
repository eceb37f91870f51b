/**
 * Test support for the Lambda handlers: the AWS-shaped event fixtures
 * (fixtures/*.json), events built in the same shape from session events,
 * and readers for what the handlers wrote to the local stack. Not part of
 * the package's public API.
 */
import { readFileSync } from 'node:fs';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, type KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { FirehoseTransformationEvent, KinesisStreamEvent, KinesisStreamRecord } from './events.js';

/** The Kinesis event-source fixture: 6 records of one shard (4 valid session events, one not JSON, one invalid). */
export function kinesisFixture(): KinesisStreamEvent {
  return JSON.parse(readFileSync(new URL('./fixtures/kinesis-event.json', import.meta.url), 'utf8')) as KinesisStreamEvent;
}

/** The Firehose transformation fixture: 6 records (3 new events, one late event, two malformed). */
export function firehoseFixture(): FirehoseTransformationEvent {
  return JSON.parse(readFileSync(new URL('./fixtures/firehose-event.json', import.meta.url), 'utf8')) as FirehoseTransformationEvent;
}

/** The JSON (or text) a record's base64 data holds. */
export function decodeData(base64: string): unknown {
  const text = Buffer.from(base64, 'base64').toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A Kinesis event like the fixture's, carrying `payloads` (objects as JSON, strings as they are) with increasing sequence numbers. */
export function kinesisEventOf(payloads: readonly unknown[], firstSequence = 1n): KinesisStreamEvent {
  const template = kinesisFixture().Records[0]!;
  const base = 49590338271490256608559692538361571095921575989136588000n + firstSequence * 1000n;
  return {
    Records: payloads.map((payload, i): KinesisStreamRecord => {
      const sequenceNumber = `${base + BigInt(i)}`;
      const key = typeof payload === 'object' && payload !== null && 'session_id' in payload ? String(payload.session_id) : `key-${i}`;
      return {
        ...template,
        kinesis: { ...template.kinesis, partitionKey: key, sequenceNumber, data: encode(payload) },
        eventID: `shardId-000000000000:${sequenceNumber}`,
      };
    }),
  };
}

/** A Firehose event like the fixture's, carrying `payloads`. */
export function firehoseEventOf(payloads: readonly unknown[], invocation = 1): FirehoseTransformationEvent {
  const fixture = firehoseFixture();
  return {
    ...fixture,
    invocationId: `${fixture.invocationId.slice(0, -4)}${String(invocation).padStart(4, '0')}`,
    records: payloads.map((payload, i) => ({ ...fixture.records[0]!, recordId: `record-${invocation}-${i}`, data: encode(payload) })),
  };
}

function encode(payload: unknown): string {
  return Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8').toString('base64');
}

/** Every record of a stream, from TRIM_HORIZON, as parsed JSON. */
export async function readStream(kinesis: KinesisClient, stream: string): Promise<unknown[]> {
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const out: unknown[] = [];
  for (const shard of shards.Shards ?? []) {
    const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
    for (const r of got.Records ?? []) out.push(JSON.parse(Buffer.from(r.Data!).toString('utf8')));
  }
  return out;
}

/** The lines of every object under a prefix, as parsed JSON. */
export async function readJsonLines(s3: S3Client, bucket: string, prefix: string): Promise<unknown[]> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const lines: unknown[] = [];
  for (const object of listed.Contents ?? []) {
    const body = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
    for (const line of (await body.Body!.transformToString()).split('\n')) if (line.length > 0) lines.push(JSON.parse(line));
  }
  return lines;
}

/** A logger keeping `[level, message]` pairs. */
export function recordingLogger(lines: Array<[string, string]>): {
  debug(o: object, m?: string): void;
  info(o: object, m?: string): void;
  warn(o: object, m?: string): void;
  error(o: object, m?: string): void;
} {
  return {
    debug: () => {},
    info: (_o, m) => void lines.push(['info', m ?? '']),
    warn: (_o, m) => void lines.push(['warn', m ?? '']),
    error: (_o, m) => void lines.push(['error', m ?? '']),
  };
}

import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { saveModel, type ModelStoreOptions } from '../../model/modelStore.js';
import { randomArtifact } from '../../model/testing.js';
import type { Recommendation, SessionEvent } from '../../retail/events.js';
import { aggregate } from '@tributary/connectors/kinesis';
import type { QuarantinedEvent } from '../pipeline.js';
import type { KinesisStreamRecord } from './events.js';
import { createKinesisHandler, kinesisHandler, type KinesisHandler } from './kinesisHandler.js';
import type { RecommenderLambdaOptions } from './runtime.js';
import { decodeData, kinesisEventOf, kinesisFixture, readJsonLines, readStream, recordingLogger } from './testing.js';

const BUCKET = 'lambda-models';
const LAKE = 'lambda-lake';
const artifact = randomArtifact(1);
const catalog = artifact.products.map((p) => p.productCode);
let stack: LocalStack;
let counter = 0;
const handlers: KinesisHandler[] = [];

beforeAll(async () => {
  stack = await startLocalStack({ postgres: false });
  await stack.createBucket(BUCKET);
  await stack.createBucket(LAKE);
}, 120_000);

afterEach(() => {
  for (const handler of handlers.splice(0)) handler.runtime.close();
  stack.firehose.setFaults(undefined);
  vi.unstubAllEnvs();
});

afterAll(async () => {
  await stack?.stop();
});

/** A fresh model store prefix, output stream, delivery streams; the model saved unless told otherwise. */
async function setup(model: 'model' | 'none' | 'corrupt' = 'model') {
  const id = `${++counter}-${Date.now()}`;
  const store: ModelStoreOptions = { client: stack.clients.s3, bucket: BUCKET, prefix: `case-${id}/` };
  if (model === 'model') await saveModel(store, artifact);
  if (model === 'corrupt') {
    await stack.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `case-${id}/models/broken-1/model.json`, Body: '{"formatVersion":1,"version":' }));
    await stack.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `case-${id}/models/LATEST`, Body: 'broken-1' }));
  }
  const names = { stream: `recs-${id}`, deliveryStream: `recs-to-s3-${id}`, deadLetterDeliveryStream: `dlq-${id}` };
  await stack.createStream(names.stream, 1);
  await stack.createDeliveryStream(names.deliveryStream, { bucket: LAKE, prefix: `${names.deliveryStream}/`, bufferingHints: { intervalInSeconds: 0 } });
  await stack.createDeliveryStream(names.deadLetterDeliveryStream, { bucket: LAKE, prefix: `${names.deadLetterDeliveryStream}/`, bufferingHints: { intervalInSeconds: 0 } });
  return { store, names, prefix: `case-${id}/` };
}

function handlerFor(options: RecommenderLambdaOptions, logs: Array<[string, string]> = []): KinesisHandler {
  const handler = createKinesisHandler({
    clients: { s3: stack.clients.s3, kinesis: stack.clients.kinesis, firehose: stack.clients.firehose },
    logger: recordingLogger(logs),
    retry: { maxAttempts: 2, initialBackoffMs: 1 },
    ...options,
  });
  handlers.push(handler);
  return handler;
}

function cartOf(event: SessionEvent): string[] {
  return event.browse_history.filter((b) => b.in_shopping_cart).map((b) => b.product_code);
}

const fixtureEvents = (): Array<SessionEvent | unknown> => kinesisFixture().Records.map((r) => decodeData(r.kinesis.data));

describe('the Kinesis event-source handler on the local stack', () => {
  it('answers the fixture batch with the model: k distinct products never in the cart, to Kinesis and Firehose; malformed records to the dead-letter stream, not retried', async () => {
    const { store, names } = await setup();
    const handler = handlerFor({ models: store, outputs: names, recommender: { k: 4 } });
    const event = kinesisFixture();

    const response = await handler(event);
    expect(response).toEqual({ batchItemFailures: [] });

    const valid = fixtureEvents().filter((e, i) => i !== 2 && i !== 4) as SessionEvent[];
    const recs = (await readStream(stack.clients.kinesis, names.stream)) as Recommendation[];
    expect(recs.map((r) => [r.session_id, r.event_time])).toEqual(valid.map((e) => [e.session_id, e.event_time]));
    recs.forEach((rec, i) => {
      expect(rec).toMatchObject({ source: 'model', model_version: artifact.version, customer_number: valid[i]!.customer_number });
      expect(rec.recommended_items).toHaveLength(4);
      expect(new Set(rec.recommended_items).size).toBe(4);
      for (const code of rec.recommended_items) {
        expect(catalog).toContain(code);
        expect(cartOf(valid[i]!)).not.toContain(code);
      }
    });

    await stack.firehose.flush();
    const delivered = (await readJsonLines(stack.clients.s3, LAKE, `${names.deliveryStream}/`)) as Recommendation[];
    expect(delivered).toEqual(recs);
    const letters = (await readJsonLines(stack.clients.s3, LAKE, `${names.deadLetterDeliveryStream}/`)) as QuarantinedEvent[];
    expect(letters.map((l) => l.reason)).toEqual([expect.stringContaining('not JSON'), 'credit_limit: must be a number >= 0']);
    expect(letters[0]).toMatchObject({
      input: '{"session_id": "s-1003", "city": ',
      kinesis: { stream: 'session-events', shardId: 'shardId-000000000000', sequenceNumber: event.Records[2]!.kinesis.sequenceNumber },
    });
    expect(letters[1]!.input).toEqual(fixtureEvents()[4]);
    expect(handler.runtime.stats.snapshot()).toMatchObject({ events: 4, model: 4, fallback: 0, modelsLoaded: 1 });
  }, 60_000);

  it('answers KPL-aggregated records user record by user record; a malformed one is quarantined with its index in the aggregate', async () => {
    const { store, names } = await setup();
    const handler = handlerFor({ models: store, outputs: names, recommender: { k: 4 } });
    const payloads = fixtureEvents(); // 2 and 4 are malformed
    const bytes = (p: unknown): Uint8Array => new TextEncoder().encode(typeof p === 'string' ? p : JSON.stringify(p));
    const aggregated = (ps: unknown[]): string => Buffer.from(aggregate(ps.map((p, i) => ({ partitionKey: `k${i}`, data: bytes(p) })))).toString('base64');
    const withData = (record: KinesisStreamRecord, data: string): KinesisStreamRecord => ({ ...record, kinesis: { ...record.kinesis, data } });
    const plain = kinesisEventOf([payloads[0], payloads[3], payloads[4]]).Records as [KinesisStreamRecord, KinesisStreamRecord, KinesisStreamRecord];
    const first = withData(plain[0], aggregated([payloads[0], payloads[1], payloads[2]]));
    const third = withData(plain[2], aggregated([payloads[4]]));
    const event = { Records: [first, plain[1], third] };

    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    const valid = [payloads[0], payloads[1], payloads[3]] as SessionEvent[];
    const recs = (await readStream(stack.clients.kinesis, names.stream)) as Recommendation[];
    expect(recs.map((r) => [r.session_id, r.event_time])).toEqual(valid.map((e) => [e.session_id, e.event_time]));
    await stack.firehose.flush();
    const letters = (await readJsonLines(stack.clients.s3, LAKE, `${names.deadLetterDeliveryStream}/`)) as QuarantinedEvent[];
    expect(letters.map((l) => [l.kinesis?.sequenceNumber, l.kinesis?.subSequenceNumber])).toEqual([
      [first.kinesis.sequenceNumber, 2],
      [third.kinesis.sequenceNumber, 0],
    ]);
    expect(letters[0]!.input).toBe('{"session_id": "s-1003", "city": ');
  }, 60_000);

  it('carries session state across invocations: a late event is answered against the cart the session has now', async () => {
    const { names } = await setup();
    const [a, b, c, d] = catalog as [string, string, string, string];
    const handler = handlerFor({ models: false, outputs: { stream: names.stream }, recommender: { k: 3, fallbackProducts: [a, b, c, d] } });
    const first: SessionEvent = {
      session_id: 'carry',
      customer_number: null,
      city: 'Lyon',
      country: 'France',
      credit_limit: 10,
      browse_history: [{ product_code: a, quantity: 1, in_shopping_cart: true }],
      event_time: 2_000,
    };
    expect(await handler(kinesisEventOf([first], 1n))).toEqual({ batchItemFailures: [] });
    // The second invocation brings an older event whose own cart is empty and which never saw `a`.
    const late: SessionEvent = { ...first, browse_history: [{ product_code: b, quantity: 1, in_shopping_cart: false }], event_time: 1_000 };
    expect(await handler(kinesisEventOf([late], 2n))).toEqual({ batchItemFailures: [] });

    const recs = (await readStream(stack.clients.kinesis, names.stream)) as Recommendation[];
    expect(recs).toHaveLength(2);
    expect(recs[1]).toMatchObject({ session_id: 'carry', source: 'fallback', event_time: 1_000 });
    expect(recs[1]!.recommended_items).not.toContain(a); // the cart from the first invocation
    expect(recs[1]!.recommended_items).toHaveLength(3);
    expect(handler.runtime.sessions.get('carry')).toMatchObject({ events: 2, cart: [a], lastEventTime: 2_000 });
  }, 60_000);

  it.each([
    ['none', 'no model is published at s3://'],
    ['corrupt', 'model broken-1 at s3://'],
  ] as const)('serves the popular products, marked fallback, when the model is %s, and says why', async (model, logged) => {
    const { store, names } = await setup(model);
    const logs: Array<[string, string]> = [];
    const handler = handlerFor({ models: store, outputs: { stream: names.stream }, recommender: { k: 3, fallbackProducts: catalog.slice(0, 8) } }, logs);
    expect(await handler(kinesisFixture())).toEqual({ batchItemFailures: [] });
    const recs = (await readStream(stack.clients.kinesis, names.stream)) as Recommendation[];
    expect(recs).toHaveLength(4);
    for (const rec of recs) {
      expect(rec).toMatchObject({ source: 'fallback', model_version: 'popular' });
      expect(new Set(rec.recommended_items).size).toBe(3);
    }
    expect(handler.runtime.stats.fallbackReasons['no-model']).toBe(4);
    expect(logs.filter(([level, m]) => level === 'warn' && m.includes(logged) && m.includes('serving the most popular products'))).toHaveLength(1);
  }, 60_000);

  it('reports every record from the first one whose output failed: a missing output stream', async () => {
    const { store, names } = await setup();
    const logs: Array<[string, string]> = [];
    const handler = handlerFor({ models: store, outputs: { stream: `${names.stream}-missing`, deadLetterDeliveryStream: names.deadLetterDeliveryStream } }, logs);
    const event = kinesisFixture();
    const response = await handler(event);
    expect(response.batchItemFailures).toEqual(event.Records.map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })));
    expect(logs.some(([level, m]) => level === 'error' && m.includes('ResourceNotFoundException'))).toBe(true);
  }, 60_000);

  it('reports from the record whose recommendation Firehose kept rejecting, and retries only rejected entries', async () => {
    const { store, names } = await setup();
    const handler = handlerFor({ models: store, outputs: { stream: names.stream, deliveryStream: names.deliveryStream } });
    // Every attempt for session s-1005's recommendation fails; s-1002's fails once, then succeeds.
    let s1002 = 0;
    stack.firehose.setFaults({
      failEntry: (data) => {
        const text = data.toString('utf8');
        return text.includes('"s-1005"') || (text.includes('"s-1002"') && s1002++ === 0);
      },
    });
    const before = stack.firehose.stats().requests['PutRecordBatch'] ?? 0;
    const event = kinesisFixture();
    const response = await handler(event);
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: event.Records[5]!.kinesis.sequenceNumber }]);
    // first request: 4 entries (s-1002 and s-1005 rejected); the retry carries only those two; then the attempts are used up.
    expect((stack.firehose.stats().requests['PutRecordBatch'] ?? 0) - before).toBe(2);
    expect(s1002).toBe(2);
    // Kinesis took every recommendation.
    expect(await readStream(stack.clients.kinesis, names.stream)).toHaveLength(4);
  }, 60_000);

  it('reports a record whose dead letter could not be written, so it is not lost', async () => {
    const { store, names } = await setup();
    const handler = handlerFor({ models: store, outputs: { stream: names.stream, deadLetterDeliveryStream: `${names.deadLetterDeliveryStream}-missing` } });
    const event = kinesisFixture();
    const response = await handler(event);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(event.Records.slice(2).map((r) => r.kinesis.sequenceNumber));
  }, 60_000);

  it('runs as the default export, configured from environment variables only', async () => {
    const { names, prefix } = await setup();
    for (const [name, value] of Object.entries({
      ...stack.env(),
      MODEL_BUCKET: BUCKET,
      MODEL_PREFIX: prefix,
      K: '2',
      DEADLINE_MS: '500',
      OUTPUT_STREAM: names.stream,
      DEAD_LETTER_DELIVERY_STREAM: names.deadLetterDeliveryStream,
    })) {
      vi.stubEnv(name, value);
    }
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      expect(await kinesisHandler(kinesisFixture())).toEqual({ batchItemFailures: [] });
      const recs = (await readStream(stack.clients.kinesis, names.stream)) as Recommendation[];
      expect(recs).toHaveLength(4);
      for (const rec of recs) expect(rec).toMatchObject({ source: 'model', model_version: artifact.version, recommended_items: [expect.any(String), expect.any(String)] });
      const logged = [...log.mock.calls, ...warn.mock.calls].map((c) => String(c[0])).join('\n');
      expect(logged).toContain('"msg":"serving model test-1"');
      expect(logged).not.toContain(stack.credentials.secretAccessKey);
    } finally {
      log.mockRestore();
      warn.mockRestore();
    }
  }, 60_000);

  it('refuses to start without an output, naming the variables', () => {
    expect(() => createKinesisHandler({ env: {}, models: false, logger: recordingLogger([]) })).toThrow('set OUTPUT_STREAM and/or OUTPUT_DELIVERY_STREAM');
  });
});

import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetRecordsCommand, GetShardIteratorCommand, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { StreamEnvironment, WatermarkStrategy, silentLogger, type Logger } from '@tributary/core';
import { TestSink, TestSource } from '@tributary/core/testing';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel, type ModelStoreOptions } from '../model/modelStore.js';
import { randomArtifact } from '../model/testing.js';
import type { Recommendation, SessionEvent } from '../retail/events.js';
import { buildStreamingRecommender, type QuarantinedEvent } from './pipeline.js';
import { startServingEndpoint } from './serving.js';

let stack: LocalStack;
const BUCKET = 'recommender-models';
let prefixCounter = 0;

beforeAll(async () => {
  stack = await startLocalStack({ postgres: false });
  await stack.createBucket(BUCKET);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** A model store under a fresh prefix of the local S3. */
function store(): ModelStoreOptions {
  return { client: stack.clients.s3, bucket: BUCKET, prefix: `case-${++prefixCounter}/` };
}

const v1 = randomArtifact(1);
const v2 = { ...randomArtifact(2), version: 'test-2' };
const codes = v1.products.map((p) => p.productCode);

function sessionEvent(session: number, time: number, carted: string[] = [], browsed: string[] = []): SessionEvent {
  return {
    session_id: `session-${session}`,
    customer_number: session % 3 === 0 ? null : 100 + session,
    city: 'Lyon',
    country: 'France',
    credit_limit: 40_000 + session,
    browse_history: [
      ...browsed.map((product_code) => ({ product_code, quantity: 1, in_shopping_cart: false })),
      ...carted.map((product_code) => ({ product_code, quantity: 1, in_shopping_cart: true })),
    ],
    event_time: time,
  };
}

/** Valid events for 40 sessions (two each) and malformed ones, in a fixed order. */
function mixedEvents(): { events: unknown[]; valid: SessionEvent[]; malformed: Array<{ event: unknown; field: string }> } {
  const valid: SessionEvent[] = [];
  for (let i = 0; i < 80; i++) valid.push(sessionEvent(i % 40, 1_000 + i, [codes[i % codes.length]!], [codes[(i * 7) % codes.length]!]));
  const malformed = [
    { event: { ...sessionEvent(1, 5), credit_limit: 'lots' }, field: 'credit_limit' },
    { event: { ...sessionEvent(2, 5), session_id: '' }, field: 'session_id' },
    { event: { ...sessionEvent(3, 5), browse_history: [{ product_code: 'S10_1678', quantity: -1, in_shopping_cart: false }] }, field: 'browse_history[0].quantity' },
    { event: 'not an object', field: 'event is not a JSON object' },
  ];
  const events: unknown[] = [...valid];
  malformed.forEach((m, i) => events.splice(10 + i * 15, 0, m.event));
  return { events, valid, malformed };
}

/** A logger keeping the messages (warnings and infos) for assertions. */
function capturingLogger(lines: string[]): Logger {
  const capture = (_obj: object, msg?: string): void => void lines.push(msg ?? '');
  return { debug() {}, info: capture, warn: capture, error: capture };
}

describe('the streaming recommender on an in-memory source, with models on the local S3', () => {
  it('answers every valid event with the model (k distinct products, none in the cart) and quarantines the malformed ones with the field', async () => {
    const models = store();
    await saveModel(models, v1);
    const { events, valid, malformed } = mixedEvents();
    const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
    const sink = new TestSink<Recommendation>();
    const letters = new TestSink<QuarantinedEvent>();
    const job = buildStreamingRecommender(env, {
      events: { stream: env.fromSource(TestSource.of(...events), WatermarkStrategy.noWatermarks(), 'events') },
      models: { store: models, once: true },
      recommender: { k: 4 },
    });
    job.recommendations.sinkTo(sink);
    job.deadLetters.sinkTo(letters);
    await env.execute('recommender').done;

    const recs = sink.values();
    expect(recs).toHaveLength(valid.length);
    const bySession = new Map(valid.map((e) => [e.session_id, e]));
    for (const rec of recs) {
      expect(rec.source).toBe('model');
      expect(rec.model_version).toBe(v1.version);
      expect(rec.recommended_items).toHaveLength(4);
      expect(new Set(rec.recommended_items).size).toBe(4);
      expect(bySession.has(rec.session_id)).toBe(true);
      const event = valid.find((e) => e.session_id === rec.session_id && e.event_time === rec.event_time)!;
      const cart = event.browse_history.filter((b) => b.in_shopping_cart).map((b) => b.product_code);
      for (const code of rec.recommended_items) expect(cart).not.toContain(code);
      expect(rec.emitted_at).toBeGreaterThanOrEqual(rec.event_time);
    }
    expect(letters.values().map((l) => l.reason)).toEqual(malformed.map((m) => expect.stringContaining(m.field)));
    expect(letters.values()[0]!.input).toEqual(malformed[0]!.event);
    expect(letters.values()[0]!.operator).toContain('validate session events');
    expect(job.stats.snapshot()).toMatchObject({ events: valid.length, model: valid.length, fallback: 0, modelsLoaded: 2 });
    // The serving store holds each session's newest answer.
    expect(job.store!.size).toBe(40);
    expect(job.store!.get('session-5')!.event_time).toBe(1_045);
  });

  it.each([
    ['missing', async (_models: ModelStoreOptions) => {}, 'no model is published'],
    [
      'corrupt',
      async (models: ModelStoreOptions) => {
        await models.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${models.prefix}models/broken-1/model.json`, Body: '{"formatVersion":1,"version":' }));
        await models.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: `${models.prefix}models/LATEST`, Body: 'broken-1' }));
      },
      'model broken-1 at s3://',
    ],
  ] as const)('serves the most popular products, marked fallback, when the model is %s', async (_case, prepare, logged) => {
    const models = store();
    await prepare(models);
    const lines: string[] = [];
    const { valid } = mixedEvents();
    const env = StreamEnvironment.create({ logger: silentLogger });
    const sink = new TestSink<Recommendation>();
    const job = buildStreamingRecommender(env, {
      events: { stream: env.fromSource(TestSource.of<unknown>(...valid), WatermarkStrategy.noWatermarks(), 'events') },
      models: { store: models, once: true },
      recommender: { k: 3, fallbackProducts: codes.slice(0, 10) },
      logger: capturingLogger(lines),
    });
    job.recommendations.sinkTo(sink);
    await env.execute('recommender').done;
    expect(sink.values()).toHaveLength(valid.length);
    for (const rec of sink.values()) {
      expect(rec).toMatchObject({ source: 'fallback', model_version: 'popular' });
      expect(new Set(rec.recommended_items).size).toBe(3);
    }
    expect(job.stats.fallbackReasons['no-model']).toBe(valid.length);
    expect(lines.some((l) => l.includes(logged) && l.includes('serving the most popular products'))).toBe(true);
  });

  it('picks up a new model version without a restart, and answers over HTTP', async () => {
    const models = store();
    await saveModel(models, v1);
    const events = pushable<unknown>();
    const env = StreamEnvironment.create({ logger: silentLogger });
    const sink = new TestSink<Recommendation>();
    const job = buildStreamingRecommender(env, {
      events: { stream: env.fromAsyncIterable(events) },
      models: { store: models, pollIntervalMs: 50 },
    });
    job.recommendations.sinkTo(sink);
    const endpoint = await startServingEndpoint(job.store!);
    const handle = env.execute('recommender');
    try {
      const answered = async (n: number): Promise<Recommendation> => {
        await until(() => sink.values().length >= n);
        return sink.values()[n - 1]!;
      };
      events.push(sessionEvent(1, 1));
      expect((await answered(1)).model_version).toBe(v1.version);
      await saveModel(models, v2);
      let last: Recommendation | undefined;
      for (let n = 2; last?.model_version !== v2.version; n++) {
        events.push(sessionEvent(1, n, [codes[3]!]));
        last = await answered(n);
        if (n > 200) throw new Error('model v2 was never picked up');
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(last.recommended_items).not.toContain(codes[3]);

      const response = await fetch(`${endpoint.url}/recommendations/session-1`);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(last);
      const missing = await fetch(`${endpoint.url}/recommendations/nobody`);
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as { error: string }).error).toContain("'nobody'");
      expect(endpoint.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await endpoint.close();
      handle.cancel();
      await handle.done.catch(() => {});
    }
  }, 30_000);
});

describe('the streaming recommender on the local Kinesis and Firehose', () => {
  it('reads session events from Kinesis and writes recommendations to Kinesis and through Firehose to S3, dead letters to their own delivery stream', async () => {
    const models = store();
    await saveModel(models, v1);
    const id = `${Date.now()}`;
    await stack.createStream(`sessions-${id}`, 2);
    await stack.createStream(`recommendations-${id}`, 1);
    await stack.createBucket('recommendations-lake');
    await stack.createDeliveryStream(`recs-${id}`, { bucket: 'recommendations-lake', prefix: `recs-${id}/`, bufferingHints: { intervalInSeconds: 1 } });
    await stack.createDeliveryStream(`dlq-${id}`, { bucket: 'recommendations-lake', prefix: `dlq-${id}/`, bufferingHints: { intervalInSeconds: 1 } });

    const { valid } = mixedEvents();
    const records = [...valid.map((e) => JSON.stringify(e)), '{"not json', JSON.stringify({ session_id: 'x' })];
    await stack.clients.kinesis.send(
      new PutRecordsCommand({ StreamName: `sessions-${id}`, Records: records.map((r, i) => ({ Data: Buffer.from(r), PartitionKey: `k${i}` })) }),
    );

    const env = StreamEnvironment.create({ logger: silentLogger });
    const job = buildStreamingRecommender(env, {
      events: { kinesis: { stream: `sessions-${id}`, client: stack.clients.kinesis, startPosition: 'TRIM_HORIZON', pollIntervalMs: 200 } },
      models: { store: models, pollIntervalMs: 1_000 },
      outputs: {
        kinesis: { stream: `recommendations-${id}`, client: stack.clients.kinesis },
        firehose: { deliveryStreamName: `recs-${id}`, client: stack.clients.firehose },
        deadLetters: { deliveryStreamName: `dlq-${id}`, client: stack.clients.firehose },
      },
    });
    const handle = env.execute('recommender');
    try {
      await until(() => job.stats.events >= valid.length, 30_000);
      // Kinesis output: one record per valid event.
      const out = await readAll(`recommendations-${id}`, valid.length);
      expect(out).toHaveLength(valid.length);
      expect(new Set(out.map((r) => r.session_id))).toEqual(new Set(valid.map((e) => e.session_id)));
      // Firehose → S3: the same recommendations as JSON Lines; dead letters with their reasons.
      const delivered = await until(async () => {
        const lines = await objectLines(`recs-${id}/`);
        return lines.length >= valid.length ? lines : undefined;
      }, 30_000);
      expect(delivered.map((l) => (JSON.parse(l) as Recommendation).session_id).sort()).toEqual(valid.map((e) => e.session_id).sort());
      const quarantine = await until(async () => {
        const lines = await objectLines(`dlq-${id}/`);
        return lines.length >= 2 ? lines : undefined;
      }, 30_000);
      const reasons = quarantine.map((l) => (JSON.parse(l) as QuarantinedEvent).reason).sort();
      expect(reasons).toEqual(['Unterminated string in JSON at position 10', 'city: must be a string']);
      expect((JSON.parse(quarantine.find((l) => l.includes('JSON'))!) as QuarantinedEvent).kinesis?.stream).toBe(`sessions-${id}`);
    } finally {
      handle.cancel();
      await handle.done.catch(() => {});
    }
  }, 90_000);
});

async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function readAll(stream: string, expected: number): Promise<Recommendation[]> {
  const kinesis = stack.clients.kinesis;
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: stream }));
  const result: Recommendation[] = [];
  return until(async () => {
    result.length = 0;
    for (const shard of shards.Shards ?? []) {
      const it = await kinesis.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
      const got = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator! }));
      for (const r of got.Records ?? []) result.push(JSON.parse(Buffer.from(r.Data!).toString('utf8')) as Recommendation);
    }
    return result.length >= expected ? [...result] : undefined;
  }, 30_000);
}

async function objectLines(prefix: string): Promise<string[]> {
  const s3 = stack.clients.s3;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'recommendations-lake', Prefix: prefix }));
  const lines: string[] = [];
  for (const object of listed.Contents ?? []) {
    const body = await s3.send(new GetObjectCommand({ Bucket: 'recommendations-lake', Key: object.Key! }));
    lines.push(...(await body.Body!.transformToString()).split('\n').filter((l) => l.length > 0));
  }
  return lines;
}

/** An async iterable that yields what is pushed, waiting when empty (a live input for tests). */
function pushable<T>(): AsyncIterable<T> & { push(value: T): void } {
  const queue: T[] = [];
  let wake: (() => void) | undefined;
  return {
    push(value: T): void {
      queue.push(value);
      wake?.();
    },
    async *[Symbol.asyncIterator](): AsyncGenerator<T> {
      for (;;) {
        while (queue.length > 0) yield queue.shift()!;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
  };
}

import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel, type ModelStoreOptions } from '../../model/modelStore.js';
import { randomArtifact } from '../../model/testing.js';
import type { Recommendation, SessionEvent } from '../../retail/events.js';
import { createFirehoseTransformationHandler, type FirehoseTransformationHandler } from './firehoseHandler.js';
import type { RecommenderLambdaOptions } from './runtime.js';
import { decodeData, firehoseEventOf, firehoseFixture, recordingLogger } from './testing.js';

const BUCKET = 'lambda-firehose-models';
const artifact = randomArtifact(1);
let stack: LocalStack;
let store: ModelStoreOptions;

beforeAll(async () => {
  stack = await startLocalStack({ postgres: false, kinesis: false, firehose: false });
  await stack.createBucket(BUCKET);
  store = { client: stack.clients.s3, bucket: BUCKET, prefix: 'firehose/' };
  await saveModel(store, artifact);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

function handlerFor(options: RecommenderLambdaOptions, logs: Array<[string, string]> = []): FirehoseTransformationHandler {
  return createFirehoseTransformationHandler({ env: {}, logger: recordingLogger(logs), ...options });
}

describe('the Firehose data-transformation handler', () => {
  it('answers every recordId once, in order: Ok with the recommendation as a JSON line, ProcessingFailed with the original data, Dropped for a late event', async () => {
    const logs: Array<[string, string]> = [];
    const handler = handlerFor({ models: store, recommender: { k: 4 } }, logs);
    const event = firehoseFixture();
    const { records } = await handler(event);

    expect(records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(records.map((r) => r.result)).toEqual(['Ok', 'Ok', 'Dropped', 'ProcessingFailed', 'ProcessingFailed', 'Ok']);
    expect(records[3]!.data).toBe(event.records[3]!.data);
    expect(records[4]!.data).toBe(event.records[4]!.data);

    const inputs = event.records.map((r) => decodeData(r.data));
    for (const i of [0, 1, 5]) {
      const text = Buffer.from(records[i]!.data, 'base64').toString('utf8');
      expect(text.endsWith('\n')).toBe(true);
      expect(text.indexOf('\n')).toBe(text.length - 1);
      const rec = JSON.parse(text) as Recommendation;
      const input = inputs[i] as SessionEvent;
      expect(rec).toMatchObject({ session_id: input.session_id, event_time: input.event_time, source: 'model', model_version: artifact.version });
      expect(new Set(rec.recommended_items).size).toBe(4);
      const cart = input.browse_history.filter((b) => b.in_shopping_cart).map((b) => b.product_code);
      for (const code of rec.recommended_items) expect(cart).not.toContain(code);
    }
    expect(logs.filter(([level, m]) => level === 'warn' && m.includes('ProcessingFailed'))).toHaveLength(2);
    // The late event was still merged into its session.
    expect(handler.runtime.sessions.get('s-2001')).toMatchObject({ events: 2, lastEventTime: (inputs[0] as SessionEvent).event_time });
  }, 30_000);

  it('keeps sessions across invocations: a later invocation drops what is older than the session and excludes its new cart', async () => {
    const handler = handlerFor({ models: store, recommender: { k: 3 } });
    const codes = artifact.products.map((p) => p.productCode);
    const base: SessionEvent = { session_id: 'fh-1', customer_number: 103, city: 'Paris', country: 'France', credit_limit: 5_000, browse_history: [], event_time: 5_000 };
    const first = await handler(firehoseEventOf([base], 1));
    expect(first.records.map((r) => r.result)).toEqual(['Ok']);
    const firstRec = decodeData(first.records[0]!.data) as Recommendation;
    // Put the first answer's top product in the cart, and replay an older event.
    const carted: SessionEvent = { ...base, browse_history: [{ product_code: firstRec.recommended_items[0]!, quantity: 1, in_shopping_cart: true }], event_time: 6_000 };
    const older: SessionEvent = { ...base, browse_history: [{ product_code: codes[9]!, quantity: 1, in_shopping_cart: true }], event_time: 4_000 };
    const second = await handler(firehoseEventOf([carted, older], 2));
    expect(second.records.map((r) => [r.recordId, r.result])).toEqual([
      ['record-2-0', 'Ok'],
      ['record-2-1', 'Dropped'],
    ]);
    const secondRec = decodeData(second.records[0]!.data) as Recommendation;
    expect(secondRec.recommended_items).not.toContain(firstRec.recommended_items[0]);
    expect(secondRec.recommended_items).toHaveLength(3);
    expect(handler.runtime.sessions.get('fh-1')).toMatchObject({ events: 3, lastEventTime: 6_000, cart: [firstRec.recommended_items[0]] });
  }, 30_000);

  it('serves the popular products, marked fallback, without a model store', async () => {
    const codes = artifact.products.map((p) => p.productCode);
    const logs: Array<[string, string]> = [];
    const handler = handlerFor({ models: false, recommender: { k: 2, fallbackProducts: codes.slice(0, 5) } }, logs);
    const { records } = await handler(firehoseFixture());
    const ok = records.filter((r) => r.result === 'Ok').map((r) => decodeData(r.data) as Recommendation);
    expect(ok).toHaveLength(3);
    for (const rec of ok) expect(rec).toMatchObject({ source: 'fallback', model_version: 'popular', recommended_items: [expect.any(String), expect.any(String)] });
    expect(logs.some(([level, m]) => level === 'warn' && m.includes('MODEL_BUCKET is unset') && m.includes('serving the most popular products'))).toBe(true);
  });
});

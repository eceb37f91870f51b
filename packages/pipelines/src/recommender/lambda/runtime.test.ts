import { PutObjectCommand } from '@aws-sdk/client-s3';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../../model/modelStore.js';
import { randomArtifact } from '../../model/testing.js';
import { RecommenderLambdaRuntime } from './runtime.js';
import { recordingLogger } from './testing.js';

const BUCKET = 'lambda-runtime-models';
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ postgres: false, kinesis: false, firehose: false });
  await stack.createBucket(BUCKET);
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const event = { session_id: 'r-1', customer_number: null, city: 'Lyon', country: 'France', credit_limit: 1, browse_history: [], event_time: 1 };

describe('RecommenderLambdaRuntime', () => {
  it('reads its configuration from environment variables, explicit options winning', () => {
    const runtime = new RecommenderLambdaRuntime({
      env: { K: '7', SIMILAR_K: '2', DEADLINE_MS: '250', MODEL_REFRESH_MS: '5000', MAX_SESSIONS: '10', SESSION_TTL_MS: '60000', FALLBACK_PRODUCTS: 'A, B,,C', OUTPUT_STREAM: 'recs', MODEL_BUCKET: 'lake', MODEL_PREFIX: 'recommender/' },
      recommender: { k: 3 },
      logger: recordingLogger([]),
    });
    expect(runtime.config).toEqual({
      models: 's3://lake/recommender/',
      modelRefreshMs: 5_000,
      k: 3,
      similarK: 2,
      deadlineMs: 250,
      maxSessions: 10,
      sessionTtlMs: 60_000,
      fallbackProducts: ['A', 'B', 'C'],
      outputStream: 'recs',
      outputDeliveryStream: undefined,
      deadLetterDeliveryStream: undefined,
    });
  });

  it('rejects a malformed variable, naming it', () => {
    expect(() => new RecommenderLambdaRuntime({ env: { K: 'five' }, logger: recordingLogger([]) })).toThrow("environment variable K must be a number, got 'five'");
    expect(() => new RecommenderLambdaRuntime({ env: { K: '0' }, logger: recordingLogger([]) })).toThrow('k must be an integer >= 1, got 0');
  });

  it('loads the model on the first invocation, re-checks it every modelRefreshMs, and keeps the last good one when the newest is corrupt', async () => {
    let now = 1_000_000;
    const logs: Array<[string, string]> = [];
    const store = { client: stack.clients.s3, bucket: BUCKET, prefix: 'refresh/' };
    await saveModel(store, randomArtifact(1));
    const runtime = new RecommenderLambdaRuntime({ env: {}, models: store, modelRefreshMs: 60_000, now: () => now, logger: recordingLogger(logs) });
    expect(runtime.modelVersion).toBeUndefined();
    await runtime.prepare();
    expect(runtime.modelVersion).toBe('test-1');

    await saveModel(store, { ...randomArtifact(2), version: 'test-2' });
    now += 59_000;
    await runtime.prepare();
    expect(runtime.modelVersion).toBe('test-1'); // not due yet
    now += 1_000;
    await runtime.prepare();
    expect(runtime.modelVersion).toBe('test-2');
    expect(runtime.answer(event)).toMatchObject({ source: 'model', model_version: 'test-2' });

    await stack.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'refresh/models/broken-3/model.json', Body: '{"formatVersion":1' }));
    await stack.clients.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'refresh/models/LATEST', Body: 'broken-3' }));
    for (let i = 0; i < 3; i++) {
      now += 60_000;
      await runtime.prepare();
    }
    expect(runtime.modelVersion).toBe('test-2');
    expect(runtime.answer(event)).toMatchObject({ source: 'model', model_version: 'test-2' });
    expect(runtime.stats.modelLoadFailures).toBe(3);
    const warnings = logs.filter(([level]) => level === 'warn').map(([, m]) => m);
    expect(warnings).toEqual([expect.stringMatching(/^model broken-3 at s3:\/\/lambda-runtime-models\/refresh\/ cannot be loaded: .*; still serving model test-2$/)]);
    expect(logs.filter(([level]) => level === 'info').map(([, m]) => m)).toContain('switched from model test-1 to test-2');
  }, 30_000);

  it('decodes records: valid events, and the reason for what is not JSON, invalid, or an over-long session id', () => {
    const runtime = new RecommenderLambdaRuntime({ env: {}, models: false, logger: recordingLogger([]) });
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    expect(runtime.decode(b64(JSON.stringify(event)))).toEqual({ ok: true, event });
    expect(runtime.decode(b64('{"a":'))).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON: /), input: '{"a":' });
    expect(runtime.decode(b64(JSON.stringify({ ...event, city: 3 })))).toMatchObject({ ok: false, reason: 'city: must be a string', input: { ...event, city: 3 } });
    expect(runtime.decode(b64(JSON.stringify({ ...event, session_id: 'x'.repeat(257) })))).toMatchObject({ ok: false, reason: expect.stringContaining('at most 256 characters') });
    const huge = runtime.quarantine({ ok: false, reason: 'not JSON: …', input: 'y'.repeat(600_000) });
    expect((huge.input as string).length).toBeLessThan(600_000);
    expect(huge.reason).toContain('input cut to its first');
  });
});

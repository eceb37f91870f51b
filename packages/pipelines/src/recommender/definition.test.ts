/**
 * The streaming recommender as users run it: `tributary run
 * @tributary/pipelines/streaming-recommender` against the embedded local
 * stack (Kinesis in and out, the model on S3), answering over HTTP.
 */
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveModel } from '../model/modelStore.js';
import { randomArtifact } from '../model/testing.js';
import type { Recommendation } from '../retail/events.js';
import { startTributary } from '../testSupport/tributaryCli.js';
import { streamingRecommenderConfigSchema, toStreamingRecommenderOptions } from './config.js';

describe('the streaming recommender config', () => {
  it('applies defaults and names every problem with its path', () => {
    const config = streamingRecommenderConfigSchema.parse({ events: { stream: 'sessions' }, models: { bucket: 'lake' } });
    expect(config).toMatchObject({
      events: { stream: 'sessions', startPosition: 'LATEST' },
      models: { prefix: 'recommender/', pollIntervalMs: 30_000 },
      recommender: { k: 5, similarK: 5, deadlineMs: 100 },
      serving: { enabled: true, port: 8080, host: '127.0.0.1' },
    });
    const bad = streamingRecommenderConfigSchema.safeParse({ events: { stream: 'bad name!' }, models: { bucket: 'Lake' }, recommender: { k: 0 }, extra: 1 });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['events.stream', 'models.bucket', 'recommender.k', '']));
  });

  it('turns the config into builder options (serving off, outputs on)', () => {
    const options = toStreamingRecommenderOptions(
      streamingRecommenderConfigSchema.parse({
        events: { stream: 'sessions' },
        models: { bucket: 'lake' },
        outputs: { kinesisStream: 'recs', deadLetterDeliveryStream: 'dlq' },
        serving: { enabled: false },
        aws: { region: 'eu-west-1' },
      }),
    );
    expect(options.outputs).toMatchObject({ kinesis: { stream: 'recs' }, deadLetters: { deliveryStreamName: 'dlq' }, serving: false });
    expect(options.outputs?.firehose).toBeUndefined();
    expect(options.events).toMatchObject({ kinesis: { stream: 'sessions', startPosition: 'LATEST' } });
    expect(options.outputs?.kinesis?.aggregate).toBeUndefined();
  });

  it('aggregates the Kinesis output when told to', () => {
    const config = streamingRecommenderConfigSchema.parse({ events: { stream: 's' }, models: { bucket: 'lake' }, outputs: { kinesisStream: 'recs', kinesisAggregate: true } });
    expect(toStreamingRecommenderOptions(config).outputs?.kinesis).toMatchObject({ stream: 'recs', aggregate: true });
  });
});

describe('tributary run @tributary/pipelines/streaming-recommender', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startLocalStack({ postgres: false, firehose: false });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('answers session events from Kinesis at GET /recommendations/:sessionId, and stops cleanly on SIGTERM', { timeout: 120_000 }, async () => {
    const artifact = randomArtifact(3);
    await stack.createBucket('cli-lake');
    await saveModel({ client: stack.clients.s3, bucket: 'cli-lake', prefix: 'recommender/' }, artifact);
    await stack.createStream('cli-sessions', 1);
    await stack.createStream('cli-recommendations', 1);
    const run = await startTributary(['run', '@tributary/pipelines/streaming-recommender', '--serving-port', '0', '--status-interval', '0s', '--no-progress'], {
      events: { stream: 'cli-sessions', startPosition: 'TRIM_HORIZON', pollIntervalMs: 200 },
      models: { bucket: 'cli-lake' },
      outputs: { kinesisStream: 'cli-recommendations' },
      aws: { region: stack.region, endpoints: { kinesis: stack.endpoints.kinesis, s3: stack.endpoints.s3 } },
    });
    try {
      const url = await until(() => /serving recommendations at (http:\/\/127\.0\.0\.1:\d+)/.exec(run.stderr())?.[1], 60_000, run);
      const cart = artifact.products[0]!.productCode;
      const event = {
        session_id: 'cli-session-1',
        customer_number: 103,
        city: 'Lyon',
        country: 'France',
        credit_limit: 50_000,
        browse_history: [{ product_code: cart, quantity: 1, in_shopping_cart: true }],
        event_time: Date.now(),
      };
      await stack.clients.kinesis.send(new PutRecordsCommand({ StreamName: 'cli-sessions', Records: [{ Data: Buffer.from(JSON.stringify(event)), PartitionKey: event.session_id }] }));
      const answer = await until(
        async () => {
          const response = await fetch(`${url}/recommendations/cli-session-1`);
          return response.status === 200 ? ((await response.json()) as Recommendation) : undefined;
        },
        30_000,
        run,
      );
      expect(answer).toMatchObject({ session_id: 'cli-session-1', source: 'model', model_version: artifact.version });
      expect(answer.recommended_items).toHaveLength(5);
      expect(answer.recommended_items).not.toContain(cart);
      run.child.kill('SIGTERM');
      const code = await run.exited;
      expect([0, 130]).toContain(code);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

async function until<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, run: { stderr(): string }): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out; the runner said:\n${run.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Test support for the Kinesis connectors (used by their tests, not exported
 * from the package index): kinesalite on a loopback port with a client on
 * it, and streams created and awaited until ACTIVE.
 *
 * ```ts
 * const kinesis = useKinesisTestServer(); // started before the file's tests, stopped after
 * const stream = await createTestStream(kinesis.client, 'sink-test', 2);
 * ```
 */
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { waitUntil } from '@tributary/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { localAwsClientConfig } from '../local/clientConfig.js';
import { startLocalKinesis, type LocalKinesis } from '../local/kinesis.js';

/** How long {@link createTestStream} waits for a new stream to become ACTIVE (ms). */
export const STREAM_ACTIVE_TIMEOUT_MS = 20_000;

/** kinesalite with a client on it; `stop()` destroys the client, then stops kinesalite. */
export interface KinesisTestServer extends LocalKinesis {
  readonly client: KinesisClient;
}

/** Starts kinesalite in memory on 127.0.0.1 and a client on it (see startLocalKinesis). */
export async function startKinesisTestServer(): Promise<KinesisTestServer> {
  const kinesis = await startLocalKinesis();
  const client = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
  return {
    endpoint: kinesis.endpoint,
    client,
    async stop() {
      client.destroy();
      await kinesis.stop();
    },
  };
}

/** How long starting or stopping the test server may take (ms). */
const SERVER_HOOK_TIMEOUT_MS = 30_000;

/**
 * Starts a test server before the calling file's tests and stops it after
 * them (`beforeAll`/`afterAll`); the returned object reads the running
 * server, so call it at the top level of a test file.
 */
export function useKinesisTestServer(): KinesisTestServer {
  let server: KinesisTestServer | undefined;
  beforeAll(async () => {
    server = await startKinesisTestServer();
  }, SERVER_HOOK_TIMEOUT_MS);
  afterAll(() => server?.stop(), SERVER_HOOK_TIMEOUT_MS);
  const running = (): KinesisTestServer => {
    if (server === undefined) throw new Error('the Kinesis test server runs only while the file\'s tests do (useKinesisTestServer)');
    return server;
  };
  return {
    get endpoint() {
      return running().endpoint;
    },
    get client() {
      return running().client;
    },
    stop: () => running().stop(),
  };
}

const created = new Map<string, number>();

/** Creates the stream `${prefix}-${n}` (n counts the streams of that prefix, from 1) with `shards` shards; resolves with its name once it is ACTIVE. */
export async function createTestStream(client: KinesisClient, prefix: string, shards: number): Promise<string> {
  const n = (created.get(prefix) ?? 0) + 1;
  created.set(prefix, n);
  const name = `${prefix}-${n}`;
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  await waitUntil(
    async () => (await client.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus === 'ACTIVE',
    STREAM_ACTIVE_TIMEOUT_MS,
    `stream ${name} to become ACTIVE`,
  );
  return name;
}

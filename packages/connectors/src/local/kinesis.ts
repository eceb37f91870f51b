/**
 * The local stack's Kinesis Data Streams: kinesalite, in memory, on a
 * loopback ephemeral port, with streams ACTIVE at once.
 */
import kinesalite from 'kinesalite';
import { closeServer, listen, LOOPBACK } from './http.js';

/** Shards kinesalite allows in total (its default is 10; resharding tests need more). */
export const LOCAL_KINESIS_SHARD_LIMIT = 100;

/** A running local Kinesis. */
export interface LocalKinesis {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * Starts kinesalite in memory on 127.0.0.1.
 *
 * ```ts
 * const kinesis = await startLocalKinesis();
 * const client = new KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
 * ```
 * Gotchas: no SubscribeToShard (enhanced fan-out); clients need an
 * HTTP/1.1 handler (see localAwsClientConfig).
 */
export async function startLocalKinesis(port = 0): Promise<LocalKinesis> {
  const server = kinesalite({
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: LOCAL_KINESIS_SHARD_LIMIT,
  });
  const bound = await listen(server, port);
  return {
    endpoint: `http://${LOOPBACK}:${bound}`,
    stop: () => closeServer(server),
  };
}

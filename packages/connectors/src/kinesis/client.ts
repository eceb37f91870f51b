/**
 * The Kinesis client a connector uses: the injected one (shared, never
 * destroyed by the connector) or one it builds from `clientConfig` (or the
 * SDK defaults) when first needed and destroys when its last user is done.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisClientOptions } from './options.js';

/**
 * Hands out one client to several users (a source's readers and its shard
 * discovery) and destroys it only if it created it, once all released it.
 *
 * ```ts
 * const handle = new KinesisClientHandle({ clientConfig: { region: 'eu-west-1' } });
 * const client = handle.acquire();
 * try {
 *   await client.send(new ListShardsCommand({ StreamName: 'clicks' }));
 * } finally {
 *   handle.release(); // destroys the client it built; an injected one is left alone
 * }
 * ```
 */
export class KinesisClientHandle {
  private owned: KinesisClient | undefined;
  private users = 0;

  constructor(private readonly options: KinesisClientOptions) {}

  /** Whether the client is the caller's (injected) rather than built here. */
  get injected(): boolean {
    return this.options.client !== undefined;
  }

  acquire(): KinesisClient {
    if (this.options.client !== undefined) return this.options.client;
    this.users++;
    this.owned ??= new KinesisClient(this.options.clientConfig ?? {});
    return this.owned;
  }

  release(): void {
    if (this.options.client !== undefined || this.users === 0) return;
    this.users--;
    if (this.users === 0) {
      this.owned?.destroy();
      this.owned = undefined;
    }
  }
}

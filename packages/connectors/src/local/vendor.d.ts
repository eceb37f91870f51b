/**
 * Minimal type declarations for the two untyped in-process emulators the
 * local stack embeds (kinesalite 3.3.3 and s3rver 3.7.1). Only what the
 * stack calls is declared.
 */
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  interface KinesaliteOptions {
    /** Milliseconds a stream stays CREATING (0: ACTIVE at once). */
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
    /** LevelDB directory; omitted: in memory. */
    path?: string;
    ssl?: boolean;
  }

  function kinesalite(options?: KinesaliteOptions): Server;
  export default kinesalite;
}

declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  interface S3rverLogger {
    exceptions: { unhandle(): void };
    close(): void;
  }

  class S3rver {
    constructor(options: S3rverOptions);
    /** The Koa request listener (s3rver is a Koa application). */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    configureBuckets(): Promise<void>;
    reset(): void;
    readonly logger: S3rverLogger;
  }
  export default S3rver;
}

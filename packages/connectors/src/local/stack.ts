/**
 * startLocalStack: Kinesis (kinesalite), S3 (s3rver), Firehose (delivering
 * to that S3) and PostgreSQL (PGlite over the wire protocol), in this
 * process, on 127.0.0.1 ephemeral ports — the embedded default that
 * pipelines and tests run against. It hands out endpoints, ready-configured
 * SDK clients and plain client configurations, and `stop()` closes
 * everything it opened.
 */
import { CreateDeliveryStreamCommand, FirehoseClient } from '@aws-sdk/client-firehose';
import { CreateStreamCommand, DescribeStreamSummaryCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { TributaryError } from '@tributary/core';
import {
  ENDPOINT_ENV_VARIABLES,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localAwsClientConfig,
  type ClientConfigs,
  type LocalService,
} from './clientConfig.js';
import { LOCAL_ACCOUNT_ID, startLocalFirehose, type LocalBufferingHints, type LocalFirehose } from './firehose.js';
import { startLocalKinesis, type LocalKinesis } from './kinesis.js';
import { startLocalPostgres, type LocalPostgres, type LocalPostgresOptions } from './postgres.js';
import { startLocalS3, type LocalS3, type LocalS3Options } from './s3.js';

/** How often `createStream` polls for the stream to become ACTIVE. */
export const STREAM_ACTIVE_POLL_MS = 10;
/** How long `createStream` waits for ACTIVE before failing. */
export const STREAM_ACTIVE_TIMEOUT_MS = 30_000;

/** A service of the local stack (the three AWS ones and PostgreSQL). */
export type LocalStackService = LocalService | 'postgres';

/** Options of {@link startLocalStack}: each service on (default) or off, some with settings. */
export interface LocalStackOptions {
  readonly kinesis?: boolean | { readonly port?: number };
  readonly s3?: boolean | LocalS3Options;
  /** Needs `s3`. */
  readonly firehose?: boolean | { readonly port?: number };
  readonly postgres?: boolean | LocalPostgresOptions;
}

/** Endpoint URLs (and the PostgreSQL connection string); reading a disabled service's throws. */
export interface LocalStackEndpoints {
  readonly kinesis: string;
  readonly s3: string;
  readonly firehose: string;
  /** A connection string for `pg`. */
  readonly postgres: string;
}

/** Ready-configured SDK clients, created on first use and destroyed by `stop()`. */
export interface LocalStackClients {
  readonly kinesis: KinesisClient;
  readonly s3: S3Client;
  readonly firehose: FirehoseClient;
}

/** Options of {@link LocalStack.createDeliveryStream}. */
export interface LocalDeliveryStreamOptions {
  /** The destination bucket (create it first with `createBucket`). */
  readonly bucket: string;
  /** Key prefix of delivered objects (default none; end it with `/`). */
  readonly prefix?: string;
  readonly bufferingHints?: LocalBufferingHints;
  readonly compression?: 'UNCOMPRESSED' | 'GZIP';
}

/** A running local stack. Reading a disabled service's endpoint, client or handle throws `LOCAL_SERVICE_DISABLED`. */
export interface LocalStack {
  /** The services running. */
  readonly services: readonly LocalStackService[];
  readonly endpoints: LocalStackEndpoints;
  readonly region: string;
  /** The dummy static credentials the clients use. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly clients: LocalStackClients;
  /** The local Kinesis (kinesalite). */
  readonly kinesis: LocalKinesis;
  /** The local S3: its directory (one folder per bucket) and the front server's stats. */
  readonly s3: LocalS3;
  /** The Firehose endpoint's controls (fault injection, flush, stats). */
  readonly firehose: LocalFirehose;
  /** The embedded PostgreSQL (its PGlite instance for direct queries). */
  readonly postgres: LocalPostgres;
  /** A plain client configuration for building more clients (each call a fresh one). */
  clientConfig<S extends LocalService>(service: S): ClientConfigs[S];
  /** Environment variables pointing the SDK and `awsClientConfig` at this stack. */
  env(): Record<string, string>;
  /** Creates a Kinesis stream and waits until it is ACTIVE. */
  createStream(name: string, shards?: number): Promise<void>;
  /** Creates an S3 bucket (no error if it exists). */
  createBucket(name: string): Promise<void>;
  /** Creates a DirectPut Firehose delivery stream into a bucket of the local S3. */
  createDeliveryStream(name: string, options: LocalDeliveryStreamOptions): Promise<void>;
  /** Stops every service and destroys the clients the stack created. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the local stack (every service unless turned off).
 *
 * ```ts
 * const stack = await startLocalStack({ postgres: false });
 * await stack.createStream('clicks', 2);
 * await stack.createBucket('lake');
 * const kinesis = new KinesisClient(stack.clientConfig('kinesis')); // or stack.clients.kinesis
 * // … run pipelines …
 * await stack.stop();
 * ```
 * Gotchas: PostgreSQL (PGlite) takes a few seconds to start — turn it off
 * when unused; reading an endpoint or client of a disabled service throws
 * `LOCAL_SERVICE_DISABLED`; Firehose needs S3.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const enabled = (o: unknown): boolean => o === undefined || o !== false;
  const portOf = (o: boolean | { readonly port?: number } | undefined): number => (typeof o === 'object' ? (o.port ?? 0) : 0);
  const wantFirehose = enabled(options.firehose);
  if (wantFirehose && !enabled(options.s3)) {
    throw new RangeError('the local Firehose delivers to the local S3: enable s3 or disable firehose');
  }

  const started: Array<{ stop(): Promise<void> }> = [];
  const track = async <T extends { stop(): Promise<void> }>(start: Promise<T>): Promise<T> => {
    const service = await start;
    started.push(service);
    return service;
  };
  const createdClients: Array<{ destroy(): void }> = [];
  let firehoseS3: S3Client | undefined;

  let kinesis: LocalKinesis | undefined;
  let s3: LocalS3 | undefined;
  let postgres: LocalPostgres | undefined;
  let firehose: LocalFirehose | undefined;
  try {
    const results = await Promise.allSettled([
      enabled(options.kinesis) ? track(startLocalKinesis(portOf(options.kinesis))) : undefined,
      enabled(options.s3) ? track(startLocalS3(typeof options.s3 === 'object' ? options.s3 : {})) : undefined,
      enabled(options.postgres) ? track(startLocalPostgres(typeof options.postgres === 'object' ? options.postgres : {})) : undefined,
    ]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    [kinesis, s3, postgres] = results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as [LocalKinesis?, LocalS3?, LocalPostgres?];
    if (wantFirehose && s3 !== undefined) {
      firehoseS3 = new S3Client(localAwsClientConfig('s3', s3.endpoint));
      firehose = await track(startLocalFirehose({ s3: firehoseS3, port: portOf(options.firehose), region: LOCAL_REGION }));
    }
  } catch (err) {
    await Promise.allSettled(started.reverse().map((s) => s.stop()));
    firehoseS3?.destroy();
    throw err;
  }

  const services: LocalStackService[] = [];
  if (kinesis !== undefined) services.push('kinesis');
  if (s3 !== undefined) services.push('s3');
  if (firehose !== undefined) services.push('firehose');
  if (postgres !== undefined) services.push('postgres');

  const disabled = (service: LocalStackService): never => {
    throw new TributaryError('LOCAL_SERVICE_DISABLED', `${service} is not running in this local stack (it was started with ${service}: false)`);
  };
  const awsEndpoint = (service: LocalService): string => {
    const endpoint = service === 'kinesis' ? kinesis?.endpoint : service === 's3' ? s3?.endpoint : firehose?.endpoint;
    return endpoint ?? disabled(service);
  };
  const clientConfig = <S extends LocalService>(service: S): ClientConfigs[S] => localAwsClientConfig(service, awsEndpoint(service));

  const clientCache: Partial<LocalStackClients> = {};
  const client = <S extends LocalService>(service: S, make: (config: ClientConfigs[S]) => LocalStackClients[S]): LocalStackClients[S] => {
    const cached = clientCache[service] as LocalStackClients[S] | undefined;
    if (cached !== undefined) return cached;
    const created = make(clientConfig(service));
    createdClients.push(created);
    (clientCache as Record<string, unknown>)[service] = created;
    return created;
  };
  const clients: LocalStackClients = {
    get kinesis() {
      return client('kinesis', (c) => new KinesisClient(c));
    },
    get s3() {
      return client('s3', (c) => new S3Client(c));
    },
    get firehose() {
      return client('firehose', (c) => new FirehoseClient(c));
    },
  };

  const endpoints: LocalStackEndpoints = {
    get kinesis() {
      return awsEndpoint('kinesis');
    },
    get s3() {
      return awsEndpoint('s3');
    },
    get firehose() {
      return awsEndpoint('firehose');
    },
    get postgres() {
      return postgres?.connectionString ?? disabled('postgres');
    },
  };

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: unknown[] = [];
      const attempt = async (f: () => Promise<void>): Promise<void> => {
        try {
          await f();
        } catch (err) {
          errors.push(err);
        }
      };
      // Firehose first: it delivers what it buffered to S3 before S3 goes.
      if (firehose !== undefined) await attempt(() => (firehose as LocalFirehose).stop());
      for (const c of createdClients) c.destroy();
      firehoseS3?.destroy();
      await Promise.all([kinesis, s3, postgres].map((s) => (s === undefined ? undefined : attempt(() => s.stop()))));
      if (errors.length > 0) throw errors[0];
    })();
    return stopping;
  };

  return {
    services,
    endpoints,
    region: LOCAL_REGION,
    credentials: { ...LOCAL_CREDENTIALS },
    clients,
    get kinesis() {
      return kinesis ?? disabled('kinesis');
    },
    get s3() {
      return s3 ?? disabled('s3');
    },
    get firehose() {
      return firehose ?? disabled('firehose');
    },
    get postgres() {
      return postgres ?? disabled('postgres');
    },
    clientConfig,
    env() {
      const env: Record<string, string> = {
        AWS_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      };
      for (const service of ['kinesis', 's3', 'firehose'] as const) {
        if (services.includes(service)) env[ENDPOINT_ENV_VARIABLES[service]] = awsEndpoint(service);
      }
      if (s3 !== undefined) {
        env['AWS_REQUEST_CHECKSUM_CALCULATION'] = 'WHEN_REQUIRED';
        env['AWS_RESPONSE_CHECKSUM_VALIDATION'] = 'WHEN_REQUIRED';
      }
      if (postgres !== undefined) env['DATABASE_URL'] = postgres.connectionString;
      return env;
    },
    async createStream(name, shards = 1) {
      const kinesisClient = clients.kinesis;
      await kinesisClient.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
      const deadline = Date.now() + STREAM_ACTIVE_TIMEOUT_MS;
      for (;;) {
        const summary = await kinesisClient.send(new DescribeStreamSummaryCommand({ StreamName: name }));
        if (summary.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
        if (Date.now() > deadline) throw new TributaryError('LOCAL_STREAM_NOT_ACTIVE', `stream '${name}' did not become ACTIVE within ${STREAM_ACTIVE_TIMEOUT_MS} ms`);
        await new Promise((r) => setTimeout(r, STREAM_ACTIVE_POLL_MS));
      }
    },
    async createBucket(name) {
      try {
        await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
      } catch (err) {
        // Every bucket of the local stack is ours; s3rver answers BucketAlreadyExists.
        const name = (err as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw err;
      }
    },
    async createDeliveryStream(name, o) {
      const hints = o.bufferingHints ?? {};
      await clients.firehose.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          DeliveryStreamType: 'DirectPut',
          ExtendedS3DestinationConfiguration: {
            BucketARN: `arn:aws:s3:::${o.bucket}`,
            RoleARN: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/tributary-local`,
            ...(o.prefix === undefined ? {} : { Prefix: o.prefix }),
            BufferingHints: {
              ...(hints.sizeInMBs === undefined ? {} : { SizeInMBs: hints.sizeInMBs }),
              ...(hints.intervalInSeconds === undefined ? {} : { IntervalInSeconds: hints.intervalInSeconds }),
            },
            CompressionFormat: o.compression ?? 'UNCOMPRESSED',
          },
        }),
      );
    },
    stop,
  };
}

/**
 * Where the demo runs: the embedded local stack (Kinesis, S3, Firehose and
 * PostgreSQL in-process on loopback; the streams, bucket and delivery
 * streams created on start) or real AWS and a real database (which must
 * already have the streams, bucket and delivery streams named by the flags).
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig, startLocalStack, type ClientConfigs, type LocalService, type LocalStack } from '@tributary/connectors/local';
import type { RdsConnectionOptions } from '@tributary/connectors/rds';
import { mysqlTarget, pgliteTarget, postgresTarget, type SqlTarget } from '../data/index.js';
import type { DemoOptions } from './options.js';

/** The services and clients the demo's steps use. */
export interface DemoInfrastructure {
  readonly local: LocalStack | undefined;
  readonly s3: S3Client;
  readonly kinesis: KinesisClient;
  readonly firehose: FirehoseClient;
  /** The sales database, as the RDS connectors and the loader reach it. */
  readonly database: { readonly source: RdsConnectionOptions; readonly target: () => SqlTarget; readonly description: string };
  /** Endpoint overrides for pipelines that build their own clients (undefined on AWS). */
  readonly endpoints: { readonly kinesis?: string; readonly s3?: string; readonly firehose?: string };
  readonly region: string | undefined;
  /** A client configuration for pipelines that build their own clients. */
  clientConfig<S extends LocalService>(service: S): ClientConfigs[S];
  stop(): Promise<void>;
}

/** Firehose buffering on the local stack: deliver within a second so the demo can show the objects. */
const LOCAL_FIREHOSE_BUFFER_SECONDS = 1;

/** Starts (local) or connects to (AWS) everything the demo needs. */
export async function openInfrastructure(options: DemoOptions): Promise<DemoInfrastructure> {
  const local = options.aws ? undefined : await startLocalStack({});
  const database = databaseOf(options, local);
  if (local === undefined) {
    const region = options.region === undefined ? {} : { region: options.region };
    const s3 = new S3Client(region);
    const kinesis = new KinesisClient(region);
    const firehose = new FirehoseClient(region);
    return {
      local,
      s3,
      kinesis,
      firehose,
      database,
      endpoints: {},
      region: options.region,
      clientConfig: (service) => awsClientConfig(service, options.region === undefined ? {} : { region: options.region }),
      async stop() {
        s3.destroy();
        kinesis.destroy();
        firehose.destroy();
      },
    };
  }
  await local.createBucket(options.bucket);
  await local.createStream(options.sessionStream, 4);
  await local.createStream(options.orderStream, 1);
  await local.createStream(options.recommendationStream, 2);
  const delivery = (prefix: string) => ({ bucket: options.bucket, prefix, bufferingHints: { intervalInSeconds: LOCAL_FIREHOSE_BUFFER_SECONDS } });
  await local.createDeliveryStream(options.recommendationDeliveryStream, delivery('recommendations/'));
  await local.createDeliveryStream(options.quarantineDeliveryStream, delivery('quarantine/recommender/'));
  return {
    local,
    s3: local.clients.s3,
    kinesis: local.clients.kinesis,
    firehose: local.clients.firehose,
    database,
    endpoints: { kinesis: local.endpoints.kinesis, s3: local.endpoints.s3, firehose: local.endpoints.firehose },
    region: local.region,
    clientConfig: (service) => local.clientConfig(service),
    stop: () => local.stop(),
  };
}

function databaseOf(options: DemoOptions, local: LocalStack | undefined): DemoInfrastructure['database'] {
  const url = options.databaseUrl;
  if (url === undefined) {
    if (local === undefined) throw new RangeError('--aws needs --database-url (the embedded PostgreSQL runs only with the local stack)');
    const connectionString = local.endpoints.postgres;
    return {
      source: { dialect: 'postgres', connection: { connectionString } },
      target: () => pgliteTarget(local.postgres.db), // in-process: COPY straight into the embedded database
      description: `embedded PostgreSQL (PGlite) at ${connectionString.replace(/:[^:@/]*@/, ':***@')}`,
    };
  }
  const redacted = url.replace(/:[^:@/]*@/, ':***@');
  if (/^(mysql|mariadb):/.test(url)) {
    const uri = url.replace(/^mariadb:/, 'mysql:');
    return { source: { dialect: 'mysql', connection: { uri } }, target: () => mysqlTarget({ url: uri }), description: `MySQL/MariaDB at ${redacted}` };
  }
  return { source: { dialect: 'postgres', connection: { connectionString: url } }, target: () => postgresTarget({ url }), description: `PostgreSQL at ${redacted}` };
}

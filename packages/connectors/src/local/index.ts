/**
 * @tributary/connectors/local — the embedded local stack: Kinesis
 * (kinesalite), S3 (s3rver), a Firehose endpoint delivering to that S3,
 * and PostgreSQL (PGlite over the wire protocol), in-process on loopback
 * ephemeral ports; plus the client configuration helpers that point
 * pipelines at AWS or at the stack by configuration alone.
 *
 * ```ts
 * const stack = await startLocalStack();
 * await stack.createStream('clicks', 2);
 * const kinesis = new KinesisClient(stack.clientConfig('kinesis'));
 * await stack.stop();
 * ```
 */
export {
  startLocalStack,
  STREAM_ACTIVE_POLL_MS,
  STREAM_ACTIVE_TIMEOUT_MS,
  type LocalStack,
  type LocalStackOptions,
  type LocalStackEndpoints,
  type LocalStackClients,
  type LocalStackService,
  type LocalDeliveryStreamOptions,
} from './stack.js';
export {
  localAwsClientConfig,
  awsClientConfig,
  isLoopbackEndpoint,
  LOCAL_REGION,
  LOCAL_CREDENTIALS,
  ENDPOINT_ENV_VARIABLES,
  type LocalService,
  type ClientConfigs,
  type LocalClientConfigOptions,
  type AwsClientConfigOptions,
} from './clientConfig.js';
export { startLocalKinesis, LOCAL_KINESIS_SHARD_LIMIT, type LocalKinesis } from './kinesis.js';
export {
  startLocalS3,
  DELETE_OBJECTS_RETRIES,
  DELETE_OBJECTS_RETRY_DELAY_MS,
  MAX_DELETE_OBJECTS_BODY_BYTES,
  type LocalS3,
  type LocalS3Options,
} from './s3.js';
export {
  startLocalFirehose,
  FIREHOSE_MAX_RECORDS_PER_BATCH,
  FIREHOSE_MAX_BYTES_PER_BATCH,
  FIREHOSE_MAX_RECORD_BYTES,
  DEFAULT_BUFFER_SIZE_MB,
  DEFAULT_BUFFER_INTERVAL_SECONDS,
  MAX_REQUEST_BODY_BYTES,
  DELIVERY_RETRIES,
  DELIVERY_RETRY_DELAY_MS,
  LOCAL_ACCOUNT_ID,
  type LocalFirehose,
  type LocalFirehoseOptions,
  type LocalBufferingHints,
  type FirehoseFaults,
  type FirehoseDelivery,
  type FirehoseStats,
} from './firehose.js';
export { startLocalPostgres, DEFAULT_POSTGRES_MAX_CONNECTIONS, type LocalPostgres, type LocalPostgresOptions } from './postgres.js';
export { runLocalCli, describeStack, type LocalCliIo } from './cliProgram.js';

/**
 * Client configuration for the local stack and for AWS, chosen by
 * configuration alone: `awsClientConfig('kinesis')` gives the SDK defaults
 * (region and credentials from the default provider chain) unless an
 * endpoint is configured — explicitly or through the SDK's own
 * `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL` variables — and a
 * loopback endpoint gets the settings the local emulators need
 * (../shared/DEPS.md): an HTTP/1.1 handler for kinesalite, path-style
 * addressing and checksums only when required for s3rver.
 */
import type { FirehoseClientConfig } from '@aws-sdk/client-firehose';
import type { KinesisClientConfig } from '@aws-sdk/client-kinesis';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The services the local stack emulates. */
export type LocalService = 'kinesis' | 's3' | 'firehose';

/** The client configuration type of each service. */
export interface ClientConfigs {
  kinesis: KinesisClientConfig;
  s3: S3ClientConfig;
  firehose: FirehoseClientConfig;
}

/** The region the local stack reports and its clients use (any region works locally). */
export const LOCAL_REGION = 'us-east-1';

/**
 * The dummy static credentials of the local stack. s3rver checks request
 * signatures against its single built-in key pair, so these are exactly
 * that pair; kinesalite and the Firehose endpoint accept any.
 */
export const LOCAL_CREDENTIALS: Readonly<{ accessKeyId: string; secretAccessKey: string }> = Object.freeze({
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
});

/** Options of {@link localAwsClientConfig}. */
export interface LocalClientConfigOptions {
  /** Default {@link LOCAL_REGION}. */
  readonly region?: string;
  /** Default {@link LOCAL_CREDENTIALS}. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

/**
 * The client configuration for a local emulator at `endpoint`.
 *
 * ```ts
 * const kinesis = new KinesisClient(localAwsClientConfig('kinesis', 'http://127.0.0.1:4567'));
 * const s3 = new S3Client(localAwsClientConfig('s3', stack.endpoints.s3));
 * ```
 * Gotchas: each call builds a new request handler (kinesis), so clients do
 * not share sockets; S3 gets `forcePathStyle` and checksums `WHEN_REQUIRED`
 * — without them s3rver silently stores aws-chunked framing.
 */
export function localAwsClientConfig<S extends LocalService>(
  service: S,
  endpoint: string,
  options: LocalClientConfigOptions = {},
): ClientConfigs[S] {
  const base = {
    endpoint,
    region: options.region ?? LOCAL_REGION,
    credentials: { ...(options.credentials ?? LOCAL_CREDENTIALS) },
  };
  switch (service) {
    case 'kinesis':
      // kinesalite speaks HTTP/1.1 only; the Kinesis client defaults to HTTP/2.
      return { ...base, requestHandler: new NodeHttpHandler() } satisfies KinesisClientConfig as ClientConfigs[S];
    case 's3':
      return {
        ...base,
        forcePathStyle: true,
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      } satisfies S3ClientConfig as ClientConfigs[S];
    default:
      return { ...base } satisfies FirehoseClientConfig as ClientConfigs[S];
  }
}

/** Options of {@link awsClientConfig}. */
export interface AwsClientConfigOptions {
  /** An explicit endpoint; otherwise `AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL` from `env`. */
  readonly endpoint?: string;
  /** An explicit region; otherwise the SDK resolves it (AWS_REGION, profile). */
  readonly region?: string;
  /** Where endpoint variables are read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

const ENDPOINT_VARIABLES: Record<LocalService, string> = {
  kinesis: 'AWS_ENDPOINT_URL_KINESIS',
  s3: 'AWS_ENDPOINT_URL_S3',
  firehose: 'AWS_ENDPOINT_URL_FIREHOSE',
};

/**
 * Whether `endpoint` points at this machine (127.0.0.0/8, localhost, ::1).
 *
 * ```ts
 * isLoopbackEndpoint('http://127.0.0.1:4567'); // true
 * isLoopbackEndpoint('https://kinesis.eu-west-1.amazonaws.com'); // false
 * ```
 */
export function isLoopbackEndpoint(endpoint: string): boolean {
  let host: string;
  try {
    host = new URL(endpoint).hostname;
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The client configuration for AWS or the local stack, by configuration
 * alone. No endpoint configured: only the region if given (the SDK finds
 * everything else in its default chains). A loopback endpoint: the local
 * stack's settings ({@link localAwsClientConfig}). Any other endpoint: the
 * endpoint and region, credentials from the default chain.
 *
 * ```ts
 * // AWS in production; `eval "$(tributary-local)"` in a dev shell points it at the local stack.
 * const kinesis = new KinesisClient(awsClientConfig('kinesis'));
 * ```
 * Gotchas: the SDK reads `AWS_ENDPOINT_URL_*` itself too, but without the
 * settings the emulators need; build clients through this function.
 */
export function awsClientConfig<S extends LocalService>(service: S, options: AwsClientConfigOptions = {}): ClientConfigs[S] {
  const env = options.env ?? process.env;
  const endpoint = options.endpoint ?? nonEmpty(env[ENDPOINT_VARIABLES[service]]) ?? nonEmpty(env['AWS_ENDPOINT_URL']);
  const region = options.region === undefined ? {} : { region: options.region };
  if (endpoint === undefined) return { ...region } as ClientConfigs[S];
  if (isLoopbackEndpoint(endpoint)) return localAwsClientConfig(service, endpoint, region);
  return { ...region, endpoint } as ClientConfigs[S];
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The environment variable naming each service's endpoint (the SDK's own names).
 *
 * ```ts
 * ENDPOINT_ENV_VARIABLES.kinesis; // 'AWS_ENDPOINT_URL_KINESIS'
 * ```
 */
export const ENDPOINT_ENV_VARIABLES: Readonly<Record<LocalService, string>> = Object.freeze({ ...ENDPOINT_VARIABLES });

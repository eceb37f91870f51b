/**
 * S3 limits, the connectors' defaults (each beside the limit it respects),
 * and how a connector gets its client: injected (never destroyed by the
 * connector) or built from a configuration (destroyed when the connector
 * closes). Credentials come from the SDK's default provider chain or the
 * given configuration; they are never logged.
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { awsClientConfig } from '../local/clientConfig.js';

/** S3's smallest part of a multipart upload (every part but the last): 5 MiB. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's largest part: 5 GiB. */
export const MAX_PART_BYTES = 5 * 1024 * 1024 * 1024;
/** S3's most parts in one multipart upload. */
export const MAX_PARTS = 10_000;
/** S3's largest object: 5 TiB. */
export const MAX_OBJECT_BYTES = 5 * 1024 ** 4;
/** S3's longest object key, in UTF-8 bytes. */
export const MAX_KEY_BYTES = 1024;
/** S3's most keys (or uploads) per list page. */
export const MAX_LIST_PAGE = 1000;

/**
 * Bytes per uploaded part (default): 8 MiB — above the 5 MiB minimum, the
 * AWS CLI's default, and what one writer buffers per open file.
 */
export const DEFAULT_PART_BYTES = 8 * 1024 * 1024;
/**
 * A file is rolled (closed, a new one opened) once it reaches this size
 * (default 1 GiB). With 8 MiB parts that is 128 parts, far below the
 * 10,000-part limit; big files are what S3 readers want.
 */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024;
/** Part uploads in flight per writer (default); more and `write` pushes back on the sources. */
export const DEFAULT_MAX_IN_FLIGHT_PARTS = 4;
/** Records gathered before they are encoded as one batch. */
export const RECORDS_PER_ENCODE = 1024;
/** CompleteMultipartUpload (or Abort) requests in flight per committer. */
export const DEFAULT_COMMIT_CONCURRENCY = 8;

/** How a connector gets its S3 client. */
export interface S3ClientOptions {
  /** An S3 client to use; the connector never destroys it. */
  readonly client?: S3Client;
  /**
   * Configuration for a client the connector builds (and destroys when it
   * closes) when no `client` is given. Default: `awsClientConfig('s3')` —
   * AWS through the SDK's default chains, or the local stack when
   * `AWS_ENDPOINT_URL_S3` points at loopback.
   */
  readonly clientConfig?: S3ClientConfig;
}

/** A client and whether the connector made it (and so must destroy it). */
export interface ResolvedClient {
  readonly client: S3Client;
  readonly owned: boolean;
}

/**
 * The injected client, or a new one from the configuration.
 *
 * ```ts
 * const { client, owned } = resolveClient({ clientConfig: { region: 'eu-west-1' } });
 * // … later
 * if (owned) client.destroy();
 * ```
 */
export function resolveClient(options: S3ClientOptions): ResolvedClient {
  if (options.client !== undefined) return { client: options.client, owned: false };
  return { client: new S3Client(options.clientConfig ?? awsClientConfig('s3')), owned: true };
}

/** Checks a bucket name the way S3 does for new buckets (3–63 lowercase letters, digits, dots, hyphens). */
export function checkBucket(where: string, bucket: string): void {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new RangeError(`${where}: bucket must be a valid S3 bucket name (3–63 lowercase letters, digits, '.', '-'), got ${JSON.stringify(bucket)}`);
  }
}

/** Normalises a key prefix: no leading `/`, and a trailing `/` unless empty. */
export function normalisePrefix(where: string, prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+/, '');
  if (p.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new RangeError(`${where}: prefix must not contain '.' or '..' segments, got ${JSON.stringify(prefix)}`);
  }
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

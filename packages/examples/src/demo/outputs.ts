/**
 * Where the demo's outputs live: the S3 prefixes with their object counts
 * (waiting briefly for Firehose to deliver what it buffers), the Kinesis
 * streams, the serving endpoint and the checkpoints.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** Objects and bytes under a prefix. */
export interface PrefixSummary {
  readonly prefix: string;
  readonly objects: number;
  readonly bytes: number;
}

/** Lists a prefix (all pages). */
export async function summarisePrefix(s3: S3Client, bucket: string, prefix: string): Promise<PrefixSummary> {
  let objects = 0;
  let bytes = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    for (const object of page.Contents ?? []) {
      objects++;
      bytes += object.Size ?? 0;
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return { prefix, objects, bytes };
}

/**
 * Waits (up to `timeoutMs`) until Firehose has delivered under the prefix —
 * something, or `enough(bytes)` — then summarises it.
 */
export async function awaitDelivery(s3: S3Client, bucket: string, prefix: string, timeoutMs: number, enough: (bytes: number) => boolean = (b) => b > 0): Promise<PrefixSummary> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const summary = await summarisePrefix(s3, bucket, prefix);
    if (enough(summary.bytes) || Date.now() >= deadline) return summary;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `12.3 KiB` */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

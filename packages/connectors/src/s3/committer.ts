/**
 * The committer of the S3 file sink: completes the multipart uploads of a
 * checkpoint once it is complete — the moment files become visible — and,
 * at start, aborts the uploads a crashed attempt left behind. Completing is
 * idempotent: an upload that is already complete (its object exists) counts
 * as committed.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  type MultipartUpload,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Committer, Logger, SinkWriterContext } from '@tributary/core';
import { isNotFound, S3ConnectorError, s3RequestFailed } from './errors.js';
import type { S3Committable } from './multipartFile.js';
import { MAX_LIST_PAGE, type ResolvedClient } from './options.js';

/** What the committer shares with the sink. */
export interface CommitterSettings {
  readonly bucket: string;
  /** The sink's key prefix ('' or ending with '/'). */
  readonly prefix: string;
  /** Matches the base name of the sink's files: group 1 the subtask, group 2 the writer token. */
  readonly fileName: RegExp;
  readonly commitConcurrency: number;
  readonly logger: Logger;
  readonly sinkName: string;
}

/** Counters the committer updates. */
export interface CommitterCounters {
  filesCommitted: number;
  recordsCommitted: number;
  bytesCommitted: number;
  uploadsAborted: number;
  commitsLost: number;
}

/** Makes staged files visible by completing their uploads; aborts leftovers. */
export class S3Committer implements Committer<S3Committable> {
  constructor(
    private readonly settings: CommitterSettings,
    private readonly resolved: ResolvedClient,
    private readonly counters: CommitterCounters,
    /** The token of the live writer of this subtask: its uploads are never leftovers. */
    private readonly liveToken: () => string | undefined,
  ) {}

  private get client(): S3Client {
    return this.resolved.client;
  }

  async commit(committables: readonly S3Committable[]): Promise<void> {
    await forEachLimited(committables, this.settings.commitConcurrency, (c) => this.complete(c));
  }

  /**
   * Aborts the multipart uploads under the sink's prefix that belong to this
   * subtask (or, after a scale-down, to a subtask that maps to it) and are
   * neither among `restored` nor the live writer's.
   */
  async cleanup(context: SinkWriterContext, restored: readonly S3Committable[]): Promise<void> {
    const { bucket, prefix, fileName } = this.settings;
    const keep = new Set(restored.map((c) => c.uploadId));
    const live = this.liveToken();
    const doomed: Array<{ key: string; uploadId: string }> = [];
    for await (const uploads of this.uploadPages(bucket, prefix, MAX_LIST_PAGE)) {
      for (const upload of uploads) {
        const { Key: key, UploadId: uploadId } = upload;
        if (key === undefined || uploadId === undefined || keep.has(uploadId)) continue;
        const match = fileName.exec(key.slice(key.lastIndexOf('/') + 1));
        if (match === null || match[2] === live) continue;
        const subtask = Number(match[1]);
        const owner = subtask < context.parallelism ? subtask : subtask % context.parallelism;
        if (owner === context.subtaskIndex) doomed.push({ key, uploadId });
      }
    }
    await forEachLimited(doomed, this.settings.commitConcurrency, async ({ key, uploadId }) => {
      try {
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }));
        this.counters.uploadsAborted++;
        this.settings.logger.debug({ bucket, key, uploadId }, 's3FileSink: aborted a leftover multipart upload');
      } catch (error) {
        if (!isNotFound(error)) throw s3RequestFailed('AbortMultipartUpload', bucket, key, error);
      }
    });
  }

  async close(): Promise<void> {
    if (this.resolved.owned) this.resolved.client.destroy();
  }

  private async complete(committable: S3Committable): Promise<void> {
    this.check(committable);
    const { bucket, key, uploadId, parts } = committable;
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, ...p.checksums })) },
        }),
      );
    } catch (error) {
      // Completed before (then the upload is gone and the object exists: keys are never reused), or a real failure.
      if (await this.exists(bucket, key)) return;
      if (isNotFound(error) || !(await this.uploadExists(bucket, key, uploadId))) {
        this.counters.commitsLost++;
        this.settings.logger.warn(
          { bucket, key, uploadId, records: committable.records },
          `${this.settings.sinkName}: the upload to commit no longer exists and neither does its object (aborted by someone else, or by a lifecycle rule); its records are lost`,
        );
        return;
      }
      throw s3RequestFailed('CompleteMultipartUpload', bucket, key, error);
    }
    this.counters.filesCommitted++;
    this.counters.recordsCommitted += committable.records;
    this.counters.bytesCommitted += committable.bytes;
  }

  /** Whether the multipart upload is still in progress (some S3 stand-ins answer 500 rather than NoSuchUpload). */
  private async uploadExists(bucket: string, key: string, uploadId: string): Promise<boolean> {
    for await (const uploads of this.uploadPages(bucket, key)) {
      if (uploads.some((u) => u.UploadId === uploadId && u.Key === key)) return true;
    }
    return false;
  }

  /**
   * The multipart uploads in progress whose keys start with `prefix` ('' for
   * the whole bucket), a page (of at most `maxUploads`, when given) at a time.
   */
  private async *uploadPages(bucket: string, prefix: string, maxUploads?: number): AsyncGenerator<MultipartUpload[]> {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: bucket,
            ...(prefix === '' ? {} : { Prefix: prefix }),
            ...(maxUploads === undefined ? {} : { MaxUploads: maxUploads }),
            ...(keyMarker === undefined ? {} : { KeyMarker: keyMarker }),
            ...(uploadIdMarker === undefined ? {} : { UploadIdMarker: uploadIdMarker }),
          }),
        );
      } catch (error) {
        throw s3RequestFailed('ListMultipartUploads', bucket, prefix, error);
      }
      yield page.Uploads ?? [];
      if (page.IsTruncated !== true) return;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
      if (keyMarker === undefined && uploadIdMarker === undefined) return;
    }
  }

  private async exists(bucket: string, key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw s3RequestFailed('HeadObject', bucket, key, error);
    }
  }

  /** Committables come from checkpoints: refuse what this sink cannot have written. */
  private check(c: S3Committable): void {
    const { bucket, prefix, fileName } = this.settings;
    const ok =
      typeof c === 'object' &&
      c !== null &&
      c.bucket === bucket &&
      typeof c.key === 'string' &&
      c.key.startsWith(prefix) &&
      fileName.test(c.key.slice(c.key.lastIndexOf('/') + 1)) &&
      typeof c.uploadId === 'string' &&
      Array.isArray(c.parts) &&
      c.parts.length > 0 &&
      c.parts.every((p) => Number.isSafeInteger(p.partNumber) && typeof p.etag === 'string');
    if (!ok) {
      throw new S3ConnectorError(
        'S3_BAD_COMMITTABLE',
        `${this.settings.sinkName}: a committable in the checkpoint is not a file of this sink (s3://${bucket}/${prefix}…): ${JSON.stringify({ bucket: c?.bucket, key: c?.key })}`,
      );
    }
  }
}

/** Runs `fn` over `items`, at most `limit` at a time; fails with the first error once all have settled. */
export async function forEachLimited<I>(items: readonly I[], limit: number, fn: (item: I) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && failure === undefined) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure;
}

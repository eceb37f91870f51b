/**
 * One file of the S3 sink, written as a multipart upload: records are
 * encoded as they arrive, the bytes gather into parts of at least the part
 * size (S3's minimum is 5 MiB for every part but the last), and full parts
 * are uploaded at once, a bounded number in flight per writer. The upload
 * is created as the file opens, in the background, so a small file (one
 * part, uploaded when it finishes) does not wait for that round trip at the
 * checkpoint. Finishing the file uploads the last (possibly small) part and
 * returns the committable — the upload id and part ETags — without
 * completing the upload: until CompleteMultipartUpload no reader can see
 * any of it.
 */
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type S3Client,
  type UploadPartCommandOutput,
} from '@aws-sdk/client-s3';
import type { FileEncoder, FileFormat } from '../formats/fileFormat.js';
import { concat } from '../formats/parquetFormat.js';
import { s3RequestFailed } from './errors.js';
import { RECORDS_PER_ENCODE } from './options.js';

/** An uploaded part: its number and ETag (plus any checksum S3 returned, needed to complete it). */
export interface PartRef {
  readonly partNumber: number;
  readonly etag: string;
  readonly checksums?: Readonly<Partial<Record<ChecksumField, string>>>;
}

/** The checksum fields UploadPart may return and CompleteMultipartUpload then expects. */
export type ChecksumField = 'ChecksumCRC32' | 'ChecksumCRC32C' | 'ChecksumCRC64NVME' | 'ChecksumSHA1' | 'ChecksumSHA256';
const CHECKSUM_FIELDS: readonly ChecksumField[] = ['ChecksumCRC32', 'ChecksumCRC32C', 'ChecksumCRC64NVME', 'ChecksumSHA1', 'ChecksumSHA256'];

/**
 * A staged file: everything needed to complete its multipart upload (and
 * so make it visible) once the checkpoint that covers it is complete.
 * JSON-friendly: it is stored in checkpoints.
 */
export interface S3Committable {
  readonly bucket: string;
  readonly key: string;
  readonly uploadId: string;
  readonly parts: readonly PartRef[];
  /** Records in the file. */
  readonly records: number;
  /** Bytes of the file. */
  readonly bytes: number;
}

/** Bounds the part uploads in flight across one writer's files. */
export class UploadSlots {
  private active = 0;
  private waiters: Array<() => void> = [];

  constructor(readonly max: number) {}

  /** Whether `write` should push back until a slot frees. */
  get full(): boolean {
    return this.active >= this.max;
  }

  acquire(): void {
    this.active++;
  }

  release(): void {
    this.active--;
    if (this.active < this.max) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
  }

  /** Resolves once fewer than `max` uploads are in flight. */
  whenFree(): Promise<void> {
    return this.full ? new Promise((resolve) => this.waiters.push(resolve)) : Promise.resolve();
  }
}

/** What a file needs from its writer. */
export interface MultipartFileContext<T> {
  readonly client: S3Client;
  readonly bucket: string;
  readonly format: FileFormat<T>;
  readonly partBytes: number;
  readonly slots: UploadSlots;
  /** A record the format rejected (goes to the dead letters). */
  readonly reject: (record: T, timestamp: number, reason: string) => void;
}

/** One file being written. */
export class MultipartFile<T> {
  /** When the file was opened (ms, the writer's clock), for rolling by time. */
  readonly openedAt: number;
  private readonly encoder: FileEncoder<T>;
  private batch: T[] = [];
  private batchTimestamps: number[] = [];
  private chunks: Uint8Array[] = [];
  private bufferedBytes = 0;
  private uploadedBytes = 0;
  /** The multipart upload, created as the file opens (a failure surfaces through the part uploads and `finish`). */
  private readonly uploadId: Promise<string>;
  private nextPart = 1;
  private readonly parts: PartRef[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;
  /** The encoder is still working on a batch (asynchronous Parquet writers). */
  private encoding: Promise<void> | undefined;
  /** Timestamps of the records in the batch being encoded, for the dead letters. */
  private encodingTimestamps: readonly number[] = [];
  private encodingRecords: readonly T[] = [];

  constructor(
    private readonly context: MultipartFileContext<T>,
    readonly key: string,
    now: number,
  ) {
    this.openedAt = now;
    this.uploadId = this.createUpload();
    this.uploadId.catch(() => {}); // surfaced by the part uploads and `finish`
    this.encoder = context.format.open({
      write: (chunk) => this.onChunk(chunk),
      reject: (record, reason) => context.reject(record, this.timestampOf(record), reason),
    });
  }

  /**
   * Bytes the file holds so far, uploaded or not, with the records not yet
   * encoded estimated at the file's average record size (for rolling by size).
   */
  get size(): number {
    const encoded = this.uploadedBytes + this.bufferedBytes + this.encoder.pendingBytes;
    const records = this.encoder.records;
    return records === 0 ? encoded : encoded + Math.ceil((encoded / records) * this.batch.length);
  }

  /** Records accepted by the format so far (those still batched included). */
  get records(): number {
    return this.encoder.records + this.batch.length;
  }

  /** An upload failed: the error, to fail the job with. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Adds a record; a returned promise means "wait before the next one" (an asynchronous encoder is busy). */
  write(record: T, timestamp: number): void | Promise<void> {
    this.batch.push(record);
    this.batchTimestamps.push(timestamp);
    // The first records are encoded at once, so `size` has an average record size to estimate with.
    if (this.batch.length >= RECORDS_PER_ENCODE || this.encoder.records === 0) return this.encodeBatch();
    return undefined;
  }

  /**
   * Ends the file: encodes what is left, uploads the last part, waits for
   * every part. Returns the committable, or undefined when the file holds
   * no record (its upload, if any, is aborted).
   */
  async finish(): Promise<S3Committable | undefined> {
    await this.encoding;
    await this.encodeBatch();
    await this.encoder.finish();
    if (this.encoder.records === 0) {
      await this.abort();
      return undefined;
    }
    if (this.bufferedBytes > 0 || this.nextPart === 1) this.cutPart();
    while (this.inFlight.size > 0) await Promise.all(this.inFlight);
    if (this.failure !== undefined) throw this.failure;
    const uploadId = await this.uploadId;
    return {
      bucket: this.context.bucket,
      key: this.key,
      uploadId,
      parts: [...this.parts].sort((a, b) => a.partNumber - b.partNumber),
      records: this.encoder.records,
      bytes: this.uploadedBytes,
    };
  }

  /** Abandons the file: aborts its upload (best effort; cleanup after a restart catches what this misses). */
  async abort(): Promise<void> {
    this.batch = [];
    this.batchTimestamps = [];
    this.chunks = [];
    this.bufferedBytes = 0;
    await Promise.allSettled([...this.inFlight]);
    const uploadId = await this.uploadId.catch(() => undefined);
    if (uploadId === undefined) return;
    try {
      await this.context.client.send(new AbortMultipartUploadCommand({ Bucket: this.context.bucket, Key: this.key, UploadId: uploadId }));
    } catch (error) {
      throw s3RequestFailed('AbortMultipartUpload', this.context.bucket, this.key, error);
    }
  }

  private createUpload(): Promise<string> {
    const { client, bucket, format } = this.context;
    return client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: this.key, ContentType: format.contentType })).then(
      (created) => created.UploadId ?? Promise.reject(new Error('CreateMultipartUpload returned no UploadId')),
      (error: unknown) => Promise.reject(s3RequestFailed('CreateMultipartUpload', bucket, this.key, error)),
    );
  }

  private encodeBatch(): void | Promise<void> {
    if (this.batch.length === 0) return undefined;
    const records = this.batch;
    this.encodingRecords = records;
    this.encodingTimestamps = this.batchTimestamps;
    this.batch = [];
    this.batchTimestamps = [];
    const result = this.encoder.write(records);
    if (result === undefined) return undefined;
    const encoding: Promise<void> = result.finally(() => {
      if (this.encoding === encoding) this.encoding = undefined;
    });
    encoding.catch(() => {}); // surfaced through `write`'s return value and `finish`
    this.encoding = encoding;
    return encoding;
  }

  private timestampOf(record: T): number {
    const i = this.encodingRecords.indexOf(record);
    return i === -1 ? Number.NEGATIVE_INFINITY : (this.encodingTimestamps[i] ?? Number.NEGATIVE_INFINITY);
  }

  private onChunk(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    if (this.bufferedBytes >= this.context.partBytes) this.cutPart();
  }

  /** Uploads the buffered bytes as the next part, in the background. */
  private cutPart(): void {
    const body = concat(this.chunks);
    this.chunks = [];
    this.uploadedBytes += this.bufferedBytes;
    this.bufferedBytes = 0;
    const partNumber = this.nextPart++;
    const { client, bucket, slots } = this.context;
    slots.acquire();
    const upload = (async (): Promise<void> => {
      const uploadId = await this.uploadId;
      let output: UploadPartCommandOutput;
      try {
        output = await client.send(new UploadPartCommand({ Bucket: bucket, Key: this.key, UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: body.length }));
      } catch (error) {
        throw s3RequestFailed(`UploadPart ${partNumber}`, bucket, this.key, error);
      }
      if (output.ETag === undefined) throw s3RequestFailed(`UploadPart ${partNumber}`, bucket, this.key, new Error('no ETag in the answer'));
      const checksums: Partial<Record<ChecksumField, string>> = {};
      for (const field of CHECKSUM_FIELDS) {
        const value = output[field];
        if (value !== undefined) checksums[field] = value;
      }
      this.parts.push(Object.keys(checksums).length > 0 ? { partNumber, etag: output.ETag, checksums } : { partNumber, etag: output.ETag });
    })()
      .catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => {
        slots.release();
        this.inFlight.delete(upload);
      });
    this.inFlight.add(upload);
  }
}

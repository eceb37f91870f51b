/**
 * The S3 source: a bounded read of every object under a prefix (JSON Lines,
 * CSV or Parquet — any FileReadFormat), one split per object. A split's
 * position is the object and the number of records already emitted from
 * it, so a restored job resumes mid-object: text formats re-read the
 * object's start and skip, Parquet seeks to the row. Undecodable records go
 * to `onDeadLetter` with the object, the record offset and the reason.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceReaderContext, SourceSplit } from '@tributary/core';
import type { DecodedRecord, FileReadFormat, ReadableFile } from '../formats/readFormat.js';
import { S3ConnectorError, s3RequestFailed } from './errors.js';
import { checkBucket, MAX_LIST_PAGE, normalisePrefix, resolveClient, type ResolvedClient, type S3ClientOptions } from './options.js';

/** One object to read and how far it has been read. */
export interface S3Split extends SourceSplit {
  readonly bucket: string;
  readonly key: string;
  /** The object's size when listed. */
  readonly size: number;
  /** The object's LastModified (ms): the event time of its records unless a timestamp assigner says otherwise. */
  readonly lastModified: number;
  /** Records already emitted (undecodable ones included). */
  readonly offset: number;
}

/** An undecodable record. */
export interface S3SourceDeadLetter {
  readonly bucket: string;
  readonly key: string;
  /** The record's index in the object (0 = the first). */
  readonly offset: number;
  readonly reason: string;
  /** The raw text, shortened. */
  readonly raw: string;
  readonly code: 'S3_RECORD_UNDECODABLE';
}

/** Options of {@link s3Source}. */
export interface S3SourceOptions<T> extends S3ClientOptions {
  readonly bucket: string;
  /** Read the objects under this prefix (default: the whole bucket). */
  readonly prefix?: string;
  /** How objects become records: `jsonLinesReader()`, `csvReader()`, `parquetReader()`. */
  readonly format: FileReadFormat<T>;
  /** Which keys to read (default: all but "directories" and names starting with `_` or `.`, such as `_SUCCESS`). */
  readonly filter?: (key: string) => boolean;
  /** Receives undecodable records; each is counted in `stats().deadLetters`. Without it such a record fails the job. */
  readonly onDeadLetter?: (letter: S3SourceDeadLetter) => void;
}

/** Counters of a source (all its readers in this process). */
export interface S3SourceStats {
  readonly objectsRead: number;
  readonly recordsRead: number;
  readonly deadLetters: number;
}

/** The source, with its counters. */
export interface S3Source<T> extends Source<T, S3Split> {
  stats(): S3SourceStats;
}

/**
 * Reads the objects under a prefix, once (bounded), in parallel by object.
 *
 * ```ts
 * const orders = env.fromSource(
 *   s3Source<Order>({ bucket: 'lake', prefix: 'orders/dt=2024-05-01/', format: parquetReader() }),
 *   WatermarkStrategy.forBoundedOutOfOrderness<Order>(5_000).withTimestampAssigner((o) => o.at.getTime()),
 *   'orders',
 * );
 * ```
 * Gotchas: objects are listed once, at start (a restored job keeps its
 * list); objects changed after listing are read as they are then. Text
 * formats resume by re-reading up to the offset.
 */
export function s3Source<T>(options: S3SourceOptions<T>): S3Source<T> {
  checkBucket('s3Source', options.bucket);
  const prefix = normalisePrefix('s3Source', options.prefix);
  const filter = options.filter ?? defaultFilter;
  const counters = { objectsRead: 0, recordsRead: 0, deadLetters: 0 };
  return {
    boundedness: 'bounded',
    async discoverSplits(): Promise<S3Split[]> {
      const resolved = resolveClient(options);
      try {
        return await listSplits(resolved.client, options.bucket, prefix, filter);
      } finally {
        if (resolved.owned) resolved.client.destroy();
      }
    },
    createReader(context: SourceReaderContext): SourceReader<T, S3Split> {
      return new S3SourceReader(options, context, resolveClient(options), counters);
    },
    stats: () => ({ ...counters }),
  };
}

function defaultFilter(key: string): boolean {
  if (key.endsWith('/')) return false;
  const name = key.slice(key.lastIndexOf('/') + 1);
  return !name.startsWith('_') && !name.startsWith('.');
}

async function listSplits(client: S3Client, bucket: string, prefix: string, filter: (key: string) => boolean): Promise<S3Split[]> {
  const splits: S3Split[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          MaxKeys: MAX_LIST_PAGE,
          ...(prefix === '' ? {} : { Prefix: prefix }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      );
    } catch (error) {
      throw s3RequestFailed('ListObjectsV2', bucket, prefix, error);
    }
    for (const object of page.Contents ?? []) {
      if (object.Key === undefined || !filter(object.Key)) continue;
      splits.push({ id: object.Key, bucket, key: object.Key, size: object.Size ?? 0, lastModified: object.LastModified?.getTime() ?? 0, offset: 0 });
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return splits.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

interface OpenSplit<T> {
  readonly split: S3Split;
  readonly iterator: AsyncIterator<Array<DecodedRecord<T>>>;
  offset: number;
}

/** Reads one subtask's objects, one at a time, in key order. */
class S3SourceReader<T> implements SourceReader<T, S3Split> {
  private readonly queue: S3Split[] = [];
  private current: OpenSplit<T> | undefined;

  constructor(
    private readonly options: S3SourceOptions<T>,
    private readonly context: SourceReaderContext,
    private readonly resolved: ResolvedClient,
    private readonly counters: { objectsRead: number; recordsRead: number; deadLetters: number },
  ) {}

  addSplits(splits: readonly S3Split[]): void {
    this.queue.push(...splits);
    this.queue.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async pollNext(output: ReaderOutput<T>): Promise<ReaderStatus> {
    for (;;) {
      if (this.current === undefined) {
        const split = this.queue.shift();
        if (split === undefined) return 'end';
        this.current = {
          split,
          iterator: this.options.format.read(objectFile(this.resolved.client, split), split.offset)[Symbol.asyncIterator](),
          offset: split.offset,
        };
      }
      const current = this.current;
      const { split } = current;
      let next: IteratorResult<Array<DecodedRecord<T>>>;
      try {
        next = await current.iterator.next();
      } catch (error) {
        if (error instanceof S3ConnectorError) throw error;
        throw s3RequestFailed(`Reading (${this.options.format.name})`, split.bucket, split.key, error);
      }
      if (next.done === true) {
        output.finishSplit(split.id);
        this.current = undefined;
        this.counters.objectsRead++;
        continue;
      }
      for (const record of next.value) {
        if (record.ok) {
          output.collect(split.id, record.value, split.lastModified);
          this.counters.recordsRead++;
        } else {
          this.deadLetter(split, current.offset, record.reason, record.raw);
        }
        current.offset++;
      }
      return 'more';
    }
  }

  snapshotState(): S3Split[] {
    const positions = this.current === undefined ? [] : [{ ...this.current.split, offset: this.current.offset }];
    return [...positions, ...this.queue];
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.iterator.return?.();
    if (this.resolved.owned) this.resolved.client.destroy();
  }

  private deadLetter(split: S3Split, offset: number, reason: string, raw: string): void {
    const onDeadLetter = this.options.onDeadLetter;
    if (onDeadLetter === undefined) {
      throw new S3ConnectorError(
        'S3_RECORD_UNDECODABLE',
        `${this.context.sourceName}: record ${offset} of s3://${split.bucket}/${split.key} cannot be decoded: ${reason} (set onDeadLetter to divert such records instead of failing)`,
      );
    }
    this.counters.deadLetters++;
    onDeadLetter({ bucket: split.bucket, key: split.key, offset, reason, raw, code: 'S3_RECORD_UNDECODABLE' });
  }
}

/** An S3 object as a ReadableFile: ranged GETs and a streaming GET. */
export function objectFile(client: S3Client, split: Pick<S3Split, 'bucket' | 'key' | 'size'>): ReadableFile {
  const { bucket, key, size } = split;
  return {
    name: `s3://${bucket}/${key}`,
    size,
    async read(start: number, end: number): Promise<Uint8Array> {
      if (end <= start) return new Uint8Array(0);
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
        return (await answer.Body?.transformToByteArray()) ?? new Uint8Array(0);
      } catch (error) {
        throw s3RequestFailed('GetObject (range)', bucket, key, error);
      }
    },
    async *stream(): AsyncIterable<Uint8Array> {
      if (size === 0) return;
      let body: AsyncIterable<Uint8Array>;
      try {
        const answer = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        body = answer.Body as unknown as AsyncIterable<Uint8Array>;
      } catch (error) {
        throw s3RequestFailed('GetObject', bucket, key, error);
      }
      try {
        for await (const chunk of body) yield chunk;
      } catch (error) {
        throw s3RequestFailed('GetObject (body)', bucket, key, error);
      }
    },
  };
}

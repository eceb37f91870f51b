/**
 * The S3 file sink: exactly-once files in S3 through two-phase commit over
 * multipart uploads.
 *
 * Each subtask writes one file per partition it sees. A file is a multipart
 * upload: parts (≥ the part size, 8 MiB by default; S3's minimum is 5 MiB)
 * are uploaded while records arrive. At a checkpoint barrier the writer
 * detaches its open files at once, uploads their last parts and returns
 * committables — bucket, key, upload id, part ETags — that go into the
 * checkpoint. When the checkpoint completes the committer completes the
 * uploads: only then does any of a file become visible, whole. After a
 * failure the job restores the last checkpoint, completes its committables
 * again (idempotent) and aborts every other upload of the subtask under the
 * sink's prefix, so no partial object is ever visible and each record is in
 * exactly one visible file.
 *
 * Rolling and small files. A multipart upload cannot be completed in part
 * and continued, and Parquet cannot be appended to, so a file that has to
 * survive a checkpoint must end at it (as Flink's bulk formats do): files
 * roll at every checkpoint, plus by size (`maxFileBytes`, 1 GiB default)
 * and, if asked, by age (`maxFileAgeMs`, off by default). Small files are
 * avoided by not adding reasons to roll: no time rolling by default, no
 * file for a partition without records, and the checkpoint interval —
 * choose it long for S3 sinks (one to several minutes) — sets how much a
 * file holds. The alternative, keeping an upload open across checkpoints,
 * would need the unfinished tail stored in the checkpoint; it is not done.
 */
import { randomBytes } from 'node:crypto';
import {
  defaultLogger,
  type Logger,
  type RecordFormat,
  type SinkWriterContext,
  type TwoPhaseCommitSink,
  type TwoPhaseCommitSinkWriter,
} from '@tributary/core';
import { textFormat, type FileFormat } from '../formats/fileFormat.js';
import { S3Committer, type CommitterCounters } from './committer.js';
import { errorMessage, S3ConnectorError } from './errors.js';
import { MultipartFile, UploadSlots, type S3Committable } from './multipartFile.js';
import {
  checkBucket,
  DEFAULT_COMMIT_CONCURRENCY,
  DEFAULT_MAX_FILE_BYTES,
  DEFAULT_MAX_IN_FLIGHT_PARTS,
  DEFAULT_PART_BYTES,
  MAX_KEY_BYTES,
  MAX_OBJECT_BYTES,
  MAX_PART_BYTES,
  MAX_PARTS,
  MIN_PART_BYTES,
  normalisePrefix,
  resolveClient,
  type ResolvedClient,
  type S3ClientOptions,
} from './options.js';
import { checkPartitionPath, type Partitioner } from './partitioning.js';

/** The default file name prefix: files are `part-<subtask>-<writer>-<n>.<ext>`. */
export const DEFAULT_S3_FILE_PREFIX = 'part';
/** How often (ms of the job clock, at most) the writer looks for files older than `maxFileAgeMs`. */
export const FILE_AGE_CHECK_INTERVAL_MS = 1_000;

/** A record the sink could not write, handed to `onDeadLetter`. */
export interface S3SinkDeadLetter<T> {
  readonly record: T;
  readonly timestamp: number;
  readonly code: 'S3_RECORD_REJECTED';
  readonly reason: string;
  /** The sink's name. */
  readonly sink: string;
}

/** Options of {@link s3FileSink}. */
export interface S3FileSinkOptions<T> extends S3ClientOptions {
  readonly bucket: string;
  /** Key prefix of every file (`orders/` → `s3://bucket/orders/…`); one sink per prefix. */
  readonly prefix?: string;
  /** `parquet({...})`, `textFormat(jsonLines())`, or a core RecordFormat (`jsonLines()`, `csv({...})`). */
  readonly format: FileFormat<T> | RecordFormat<T>;
  /** The partition path of a record (default: none — every file directly under the prefix). */
  readonly partitioning?: Partitioner<T>;
  /** The file name prefix (default `part`). */
  readonly filePrefix?: string;
  /** Bytes per uploaded part (default 8 MiB; at least S3's 5 MiB minimum). */
  readonly partBytes?: number;
  /** Roll a file once it holds this many bytes (default 1 GiB). */
  readonly maxFileBytes?: number;
  /** Roll a file once it is this old (ms; default: never — files roll at checkpoints). */
  readonly maxFileAgeMs?: number;
  /** Part uploads in flight per writer before `write` pushes back (default 4). */
  readonly maxInFlightParts?: number;
  /**
   * Receives records that cannot be written (the partitioner threw or gave
   * an invalid path, the format rejected the record); each is counted in
   * `stats().deadLetters`. Without it such a record fails the job.
   */
  readonly onDeadLetter?: (letter: S3SinkDeadLetter<T>) => void;
  /** Where lost commits are reported (default: stderr). */
  readonly logger?: Logger;
}

/** Counters of a sink (all its writers and committers in this process). */
export interface S3FileSinkStats extends Readonly<CommitterCounters> {
  /** Records handed to `onDeadLetter`. */
  readonly deadLetters: number;
  /** Files whose uploads were finished at checkpoints (pre-committed). */
  readonly filesStaged: number;
}

/** The sink, with its counters. */
export interface S3FileSink<T> extends TwoPhaseCommitSink<T, S3Committable> {
  stats(): S3FileSinkStats;
}

/**
 * Writes records to files in S3, exactly once.
 *
 * ```ts
 * const env = StreamEnvironment.create({ checkpointInterval: 60_000, checkpointStorage: new S3CheckpointStorage({ bucket: 'ops', prefix: 'checkpoints/orders' }) });
 * orders.sinkTo(
 *   s3FileSink<Order>({
 *     bucket: 'lake',
 *     prefix: 'orders',
 *     format: parquet({ schema: { id: 'INT64', total: 'DOUBLE', at: 'TIMESTAMP_MILLIS' } }),
 *     partitioning: eventTimePartitioning(),   // orders/dt=2024-05-01/hour=07/part-0-1a2b3c4d-0.parquet
 *   }),
 * );
 * ```
 * Gotchas: nothing is visible before the first checkpoint completes (or,
 * without periodic checkpoints, before a bounded job ends — give the job
 * checkpoint storage even then: the last files are committed by its final
 * checkpoint). One sink per bucket and
 * prefix: cleanup aborts this sink's uploads (by file name) under the
 * prefix. Each open file buffers up to a part in memory: many partitions
 * per subtask cost memory. Give the bucket a lifecycle rule that aborts
 * incomplete multipart uploads after a few days, for jobs that are never
 * restarted.
 */
export function s3FileSink<T>(options: S3FileSinkOptions<T>): S3FileSink<T> {
  const settings = checkOptions(options);
  const counters: CommitterCounters & { deadLetters: number; filesStaged: number } = {
    filesCommitted: 0,
    recordsCommitted: 0,
    bytesCommitted: 0,
    uploadsAborted: 0,
    commitsLost: 0,
    deadLetters: 0,
    filesStaged: 0,
  };
  const writers = new Map<number, S3FileSinkWriter<T>>();
  return {
    kind: 'two-phase-commit',
    createWriter(context: SinkWriterContext): S3FileSinkWriter<T> {
      const writer = new S3FileSinkWriter<T>(settings, context, resolveClient(options), counters);
      writers.set(context.subtaskIndex, writer);
      return writer;
    },
    createCommitter(context: SinkWriterContext): S3Committer {
      return new S3Committer(
        {
          bucket: settings.bucket,
          prefix: settings.prefix,
          fileName: settings.fileName,
          commitConcurrency: DEFAULT_COMMIT_CONCURRENCY,
          logger: settings.logger,
          sinkName: context.sinkName,
        },
        resolveClient(options),
        counters,
        () => writers.get(context.subtaskIndex)?.token,
      );
    },
    stats: () => ({ ...counters }),
  };
}

interface Settings<T> {
  readonly bucket: string;
  readonly prefix: string;
  readonly format: FileFormat<T>;
  readonly partitioning: Partitioner<T> | undefined;
  readonly filePrefix: string;
  readonly fileName: RegExp;
  readonly partBytes: number;
  readonly maxFileBytes: number;
  readonly maxFileAgeMs: number;
  readonly maxInFlightParts: number;
  readonly onDeadLetter: ((letter: S3SinkDeadLetter<T>) => void) | undefined;
  readonly logger: Logger;
}

function checkOptions<T>(options: S3FileSinkOptions<T>): Settings<T> {
  checkBucket('s3FileSink', options.bucket);
  const prefix = normalisePrefix('s3FileSink', options.prefix);
  const format = 'open' in options.format ? options.format : textFormat(options.format);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(format.extension.replace(/\./g, '_'))) {
    throw new RangeError(`s3FileSink: format.extension must be a file name extension without the leading dot, got ${JSON.stringify(format.extension)}`);
  }
  const filePrefix = options.filePrefix ?? DEFAULT_S3_FILE_PREFIX;
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.]*$/.test(filePrefix)) {
    throw new RangeError(`s3FileSink: filePrefix must be letters, digits, '_' and '.', got ${JSON.stringify(filePrefix)}`);
  }
  const partBytes = options.partBytes ?? DEFAULT_PART_BYTES;
  if (!(Number.isSafeInteger(partBytes) && partBytes >= MIN_PART_BYTES && partBytes <= MAX_PART_BYTES)) {
    throw new RangeError(`s3FileSink: partBytes must be an integer from ${MIN_PART_BYTES} (S3's 5 MiB minimum part) to ${MAX_PART_BYTES}, got ${partBytes}`);
  }
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  // Parts are at least partBytes; a file stops growing one part past maxFileBytes at most.
  const largest = Math.min(MAX_OBJECT_BYTES, partBytes * (MAX_PARTS - 2));
  if (!(Number.isSafeInteger(maxFileBytes) && maxFileBytes >= 1 && maxFileBytes <= largest)) {
    throw new RangeError(`s3FileSink: maxFileBytes must be an integer from 1 to ${largest} (${MAX_PARTS} parts of partBytes), got ${maxFileBytes}`);
  }
  const maxFileAgeMs = options.maxFileAgeMs ?? Infinity;
  if (!(maxFileAgeMs > 0)) throw new RangeError(`s3FileSink: maxFileAgeMs must be > 0, got ${maxFileAgeMs}`);
  const maxInFlightParts = options.maxInFlightParts ?? DEFAULT_MAX_IN_FLIGHT_PARTS;
  if (!(Number.isSafeInteger(maxInFlightParts) && maxInFlightParts >= 1)) {
    throw new RangeError(`s3FileSink: maxInFlightParts must be an integer >= 1, got ${maxInFlightParts}`);
  }
  const extension = format.extension.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    bucket: options.bucket,
    prefix,
    format,
    partitioning: options.partitioning,
    filePrefix,
    fileName: new RegExp(`^${filePrefix.replace(/\./g, '\\.')}-(\\d+)-([0-9a-f]{8})-\\d+\\.${extension}$`),
    partBytes,
    maxFileBytes,
    maxFileAgeMs,
    maxInFlightParts,
    onDeadLetter: options.onDeadLetter,
    logger: options.logger ?? defaultLogger,
  };
}

/** Writes one subtask's records. */
class S3FileSinkWriter<T> implements TwoPhaseCommitSinkWriter<T, S3Committable> {
  /** Sets this writer's file names apart from any other attempt's. */
  readonly token = randomBytes(4).toString('hex');
  private open = new Map<string, MultipartFile<T>>();
  /** Files rolled by size or age, finishing in the background until the next barrier. */
  private rolled: Array<Promise<S3Committable | undefined>> = [];
  /** Files rolled but not pre-committed: aborted if the writer closes first. */
  private readonly rolledFiles = new Set<MultipartFile<T>>();
  private readonly slots: UploadSlots;
  private sequence = 0;
  private nextAgeCheck = 0;
  private closed = false;
  /** A pre-commit failed: records were lost from this attempt, which must not checkpoint again. */
  private failure: Error | undefined;

  constructor(
    private readonly settings: Settings<T>,
    private readonly context: SinkWriterContext,
    private readonly resolved: ResolvedClient,
    private readonly counters: { deadLetters: number; filesStaged: number },
  ) {
    this.slots = new UploadSlots(settings.maxInFlightParts);
  }

  write(value: T, timestamp: number): void | Promise<void> {
    if (this.closed) throw new S3ConnectorError('S3_WRITER_CLOSED', `${this.context.sinkName}: write after close`);
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const { partitioning, maxFileBytes, maxFileAgeMs } = this.settings;
    let partition = '';
    if (partitioning !== undefined) {
      try {
        partition = partitioning(value, timestamp);
      } catch (error) {
        this.deadLetter(value, timestamp, `partitioning failed: ${errorMessage(error)}`);
        return undefined;
      }
    }
    const file = this.open.get(partition) ?? this.openFile(partition, value, timestamp);
    if (file === undefined) return undefined;
    if (file.error !== undefined) return Promise.reject(file.error);
    const encoding = file.write(value, timestamp);
    if (file.size >= maxFileBytes) this.roll(partition, file);
    if (maxFileAgeMs !== Infinity) this.rollOldFiles(maxFileAgeMs);
    if (encoding !== undefined) return this.slots.full ? encoding.then(() => this.slots.whenFree()) : encoding;
    return this.slots.full ? this.slots.whenFree() : undefined;
  }

  /** Files are made durable at `preCommit`; there is nothing to flush between barriers. */
  flush(): void {}

  /**
   * Detaches every file at once, then finishes them. If that fails, the
   * detached records are in no file: the writer stays failed — every later
   * `write` and `preCommit` rejects — so no later checkpoint can complete
   * without them, and the job recovers from the last complete one.
   */
  preCommit(): Promise<S3Committable[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    // Detach every file before the first await: records after the barrier go to new files.
    const finishing = [...this.rolled, ...[...this.open.values()].map((file) => file.finish())];
    this.open = new Map();
    this.rolled = [];
    this.rolledFiles.clear();
    return Promise.all(finishing).then(
      (results) => {
        const committables = results.filter((c): c is S3Committable => c !== undefined);
        this.counters.filesStaged += committables.length;
        return committables;
      },
      (error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
        throw error;
      },
    );
  }

  /**
   * Aborts the files not pre-committed (best effort: cleanup at the next
   * start catches what fails here). Pre-committed uploads are kept: their
   * checkpoint may yet complete, or be restored.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const files = [...this.open.values(), ...this.rolledFiles];
    this.open = new Map();
    this.rolledFiles.clear();
    const results = await Promise.allSettled(files.map((file) => file.abort()));
    for (const result of results) {
      if (result.status === 'rejected') this.settings.logger.warn({ err: result.reason }, `${this.context.sinkName}: could not abort an unfinished upload (cleanup at the next start will)`);
    }
    await Promise.allSettled(this.rolled);
    if (this.resolved.owned) this.resolved.client.destroy();
  }

  /**
   * Opens the file of a partition not open yet — after checking the path
   * (once per file, not per record) and the key length; undefined when the
   * record went to the dead letters instead.
   */
  private openFile(partition: string, value: T, timestamp: number): MultipartFile<T> | undefined {
    const invalid = checkPartitionPath(partition);
    if (invalid !== undefined) {
      this.deadLetter(value, timestamp, invalid);
      return undefined;
    }
    const key = this.keyFor(partition);
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
      this.deadLetter(value, timestamp, `the object key would be longer than S3's ${MAX_KEY_BYTES} bytes (partition ${JSON.stringify(partition.slice(0, 80))})`);
      return undefined;
    }
    const file = new MultipartFile<T>(
      {
        client: this.resolved.client,
        bucket: this.settings.bucket,
        format: this.settings.format,
        partBytes: this.settings.partBytes,
        slots: this.slots,
        reject: (record, ts, reason) => this.deadLetter(record, ts, reason),
      },
      key,
      this.context.now(),
    );
    this.sequence++;
    this.open.set(partition, file);
    return file;
  }

  /** Rolls the files older than `maxFileAgeMs`, looking at most every {@link FILE_AGE_CHECK_INTERVAL_MS}. */
  private rollOldFiles(maxFileAgeMs: number): void {
    const now = this.context.now();
    if (now < this.nextAgeCheck) return;
    this.nextAgeCheck = now + Math.min(FILE_AGE_CHECK_INTERVAL_MS, maxFileAgeMs);
    for (const [p, f] of this.open) if (now - f.openedAt >= maxFileAgeMs) this.roll(p, f);
  }

  private keyFor(partition: string): string {
    const { prefix, filePrefix, format } = this.settings;
    const name = `${filePrefix}-${this.context.subtaskIndex}-${this.token}-${this.sequence}.${format.extension}`;
    return partition === '' ? `${prefix}${name}` : `${prefix}${partition}/${name}`;
  }

  private roll(partition: string, file: MultipartFile<T>): void {
    this.open.delete(partition);
    this.rolledFiles.add(file);
    const finishing = file.finish();
    finishing.catch(() => {}); // surfaced at the next barrier
    this.rolled.push(finishing);
  }

  private deadLetter(record: T, timestamp: number, reason: string): void {
    const { onDeadLetter, bucket, prefix } = this.settings;
    if (onDeadLetter === undefined) {
      throw new S3ConnectorError(
        'S3_RECORD_REJECTED',
        `${this.context.sinkName} (s3://${bucket}/${prefix}): ${reason} (set onDeadLetter to divert such records instead of failing)`,
      );
    }
    this.counters.deadLetters++;
    onDeadLetter({ record, timestamp, code: 'S3_RECORD_REJECTED', reason, sink: this.context.sinkName });
  }
}

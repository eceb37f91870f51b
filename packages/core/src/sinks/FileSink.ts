/**
 * An exactly-once sink of part files in a local directory, through
 * two-phase commit.
 *
 * Each subtask appends records (buffered) to a hidden in-progress file. On a
 * checkpoint barrier the writer flushes, fsyncs and closes it and renames it
 * to its staged name `.<prefix>-<subtask>-<checkpointId>-<n>.<ext>.inprogress`;
 * the staged names go into the checkpoint. Once the checkpoint is complete
 * the committer renames each staged file to its final name
 * `<prefix>-<subtask>-<checkpointId>-<n>.<ext>` — the moment it becomes
 * visible. Readers that list `*.<ext>` never see a dot-file, so they see each
 * record exactly once, whatever crashes happen in between.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsync, mkdirSync, openSync, writeSync } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { exists, syncDirectory } from '../checkpoint/durableFiles.js';
import { checkArgument, TributaryError } from '../errors.js';
import { defaultLogger, type Logger } from '../runtime/Logger.js';
import type { RecordFormat } from './formats.js';
import type { SinkWriterContext } from './Sink.js';
import type { Committer, TwoPhaseCommitSink, TwoPhaseCommitSinkWriter } from './TwoPhaseCommitSink.js';

/** The default part-file prefix. */
export const DEFAULT_FILE_PREFIX = 'part';
/** Records buffered before they are encoded and written with one system call. */
export const RECORDS_PER_WRITE = 1024;
/** The suffix of files not committed yet. */
export const IN_PROGRESS_SUFFIX = '.inprogress';

/** Options of {@link fileSink}. */
export interface FileSinkOptions<T> {
  /** Where part files go; created when missing. */
  readonly directory: string;
  /** How records become file content: `jsonLines()`, `csv({...})`, or your own. */
  readonly format: RecordFormat<T>;
  /** The part-file name prefix (default `part`). */
  readonly prefix?: string;
  /** Start new files only at checkpoints (default true; false needs `maxRecordsPerFile`). */
  readonly rollOnCheckpointOnly?: boolean;
  /** Also start a new file once one holds this many records (integer >= 1). */
  readonly maxRecordsPerFile?: number;
  /** Where commits of files that have vanished are reported (default: stderr). */
  readonly logger?: Logger;
}

/** A staged file and the name it gets when committed (names relative to the sink's directory). */
export interface FileCommittable {
  readonly staged: string;
  readonly final: string;
}

/**
 * Writes records to part files in a local directory, exactly once: files
 * appear (atomically, by rename) only when the checkpoint that covers them
 * is complete.
 *
 * ```ts
 * const env = StreamEnvironment.create({ checkpointInterval: 10_000, checkpointDir: 'checkpoints' });
 * orders.sinkTo(fileSink<Order>({ directory: 'out/orders', format: jsonLines() }));
 * // out/orders/part-0-1-0.jsonl, part-1-1-0.jsonl, part-0-2-0.jsonl, …
 * fileSink<Order>({ directory: 'out', format: csv({ columns: ['id', 'total'], header: true }), maxRecordsPerFile: 100_000 });
 * ```
 * Gotchas: without checkpoints nothing is committed until the end of a
 * bounded job. One sink per directory and prefix (cleanup deletes the
 * in-progress files of its own prefix and subtasks). Checkpoint ids must
 * not be reused within a directory: a commit replaces a file of the same
 * name. Writes use synchronous file system calls, one per
 * {@link RECORDS_PER_WRITE} records; fsyncs are asynchronous.
 */
export function fileSink<T>(options: FileSinkOptions<T>): TwoPhaseCommitSink<T, FileCommittable> {
  const settings = checkOptions(options);
  /** The newest writer of each subtask: cleanup never deletes what it is writing. */
  const writers = new Map<number, FileSinkWriter<T>>();
  return {
    kind: 'two-phase-commit',
    createWriter(context: SinkWriterContext): FileSinkWriter<T> {
      const writer = new FileSinkWriter<T>(settings, context.subtaskIndex);
      writers.set(context.subtaskIndex, writer);
      return writer;
    },
    createCommitter(context: SinkWriterContext): Committer<FileCommittable> {
      return new FileCommitter(settings, () => writers.get(context.subtaskIndex));
    },
  };
}

interface Settings<T> {
  readonly directory: string;
  readonly format: RecordFormat<T>;
  readonly prefix: string;
  readonly extension: string;
  readonly maxRecordsPerFile: number;
  readonly logger: Logger;
}

function checkOptions<T>(options: FileSinkOptions<T>): Settings<T> {
  const { directory, format, prefix = DEFAULT_FILE_PREFIX, maxRecordsPerFile } = options;
  checkArgument(directory.length > 0, 'fileSink: directory must not be empty');
  checkArgument(isPlainName(prefix), `fileSink: prefix must be a file name not starting with a dot, got ${JSON.stringify(prefix)}`);
  checkArgument(
    isPlainName(format.extension),
    `fileSink: format.extension must be a file name extension without the leading dot, got ${JSON.stringify(format.extension)}`,
  );
  checkArgument(
    maxRecordsPerFile === undefined || (Number.isSafeInteger(maxRecordsPerFile) && maxRecordsPerFile >= 1),
    `fileSink: maxRecordsPerFile must be an integer >= 1, got ${maxRecordsPerFile}`,
  );
  const rollOnCheckpointOnly = options.rollOnCheckpointOnly ?? maxRecordsPerFile === undefined;
  checkArgument(
    rollOnCheckpointOnly === (maxRecordsPerFile === undefined),
    rollOnCheckpointOnly
      ? 'fileSink: rollOnCheckpointOnly: true excludes maxRecordsPerFile'
      : 'fileSink: rollOnCheckpointOnly: false needs maxRecordsPerFile',
  );
  return {
    directory,
    format,
    prefix,
    extension: format.extension,
    maxRecordsPerFile: maxRecordsPerFile ?? Infinity,
    logger: options.logger ?? defaultLogger,
  };
}

function isPlainName(name: string): boolean {
  return name.length > 0 && !name.startsWith('.') && basename(name) === name && !name.includes('\\');
}

/** The file being written. */
interface OpenFile {
  readonly name: string;
  readonly fd: number;
  records: number;
}

/** A file closed by rolling: its fsync and close run in the background; the promise yields the error, if any. */
interface RolledFile {
  readonly name: string;
  readonly closed: Promise<unknown>;
}

/** Writes one subtask's records. */
class FileSinkWriter<T> implements TwoPhaseCommitSinkWriter<T, FileCommittable> {
  /** Names of the files this writer has made and not seen committed. */
  readonly ownFiles = new Set<string>();
  /** Sets this writer's in-progress file names apart from any other attempt's. */
  private readonly token = `w${randomBytes(4).toString('hex')}`;
  private sequence = 0;
  private directoryReady = false;
  private current: OpenFile | undefined;
  private rolled: RolledFile[] = [];
  private buffer: T[] = [];

  constructor(
    private readonly settings: Settings<T>,
    private readonly subtask: number,
  ) {}

  write(value: T): void {
    const file = this.current ?? this.openFile();
    this.buffer.push(value);
    file.records++;
    if (this.buffer.length >= RECORDS_PER_WRITE) this.drain(file);
    if (file.records >= this.settings.maxRecordsPerFile) this.roll();
  }

  /** Hands buffered records to the operating system (no fsync: that happens on `preCommit`). */
  flush(): void {
    if (this.current !== undefined) this.drain(this.current);
  }

  async preCommit(checkpointId: number): Promise<FileCommittable[]> {
    if (this.current !== undefined) this.roll();
    const files = this.rolled;
    this.rolled = [];
    if (files.length === 0) return [];
    const errors = await Promise.all(files.map((file) => file.closed));
    const failed = errors.find((error) => error !== undefined);
    if (failed !== undefined) {
      throw new TributaryError('FILE_SINK_WRITE_FAILED', `fileSink: cannot sync a part file in '${this.settings.directory}'`, { cause: failed });
    }
    const { directory, prefix, extension } = this.settings;
    const committables: FileCommittable[] = [];
    for (const [n, file] of files.entries()) {
      const final = `${prefix}-${this.subtask}-${checkpointId}-${n}.${extension}`;
      const staged = `.${final}${IN_PROGRESS_SUFFIX}`;
      await rename(join(directory, file.name), join(directory, staged));
      this.ownFiles.delete(file.name);
      this.ownFiles.add(staged);
      committables.push({ staged, final });
    }
    // The staged names must survive a crash: the checkpoint refers to them.
    await syncDirectory(directory);
    return committables;
  }

  /**
   * Closes the open file without committing it. What was not pre-committed
   * stays as a hidden in-progress file until the next start's cleanup.
   */
  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    this.buffer = [];
    if (current !== undefined) closeSync(current.fd);
    await Promise.all(this.rolled.map((file) => file.closed));
    this.rolled = [];
  }

  private openFile(): OpenFile {
    const { directory, prefix, extension, format } = this.settings;
    if (!this.directoryReady) {
      mkdirSync(directory, { recursive: true });
      this.directoryReady = true;
    }
    const name = `.${prefix}-${this.subtask}-${this.token}-${this.sequence++}.${extension}${IN_PROGRESS_SUFFIX}`;
    const fd = openSync(join(directory, name), 'w');
    this.ownFiles.add(name);
    const file: OpenFile = { name, fd, records: 0 };
    this.current = file;
    if (format.header !== undefined) writeFully(fd, format.header);
    return file;
  }

  private drain(file: OpenFile): void {
    if (this.buffer.length === 0) return;
    const records = this.buffer;
    this.buffer = [];
    writeFully(file.fd, this.settings.format.encode(records));
  }

  /** Closes the current file (fsync and close in the background); the next record opens a new one. */
  private roll(): void {
    const file = this.current;
    if (file === undefined) return;
    this.drain(file);
    this.current = undefined;
    this.rolled.push({ name: file.name, closed: syncAndClose(file.fd) });
  }
}

/** Makes staged files visible by renaming them. */
class FileCommitter<T> implements Committer<FileCommittable> {
  constructor(
    private readonly settings: Settings<T>,
    private readonly liveWriter: () => FileSinkWriter<T> | undefined,
  ) {}

  async commit(committables: readonly FileCommittable[]): Promise<void> {
    const { directory, logger } = this.settings;
    let renamed = false;
    for (const { staged, final } of committables) {
      checkCommittable(staged, final);
      try {
        await rename(join(directory, staged), join(directory, final));
        renamed = true;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
        // Already committed (before a crash, or by an earlier attempt): nothing to do.
        if (!(await exists(join(directory, final)))) {
          logger.warn({ directory, staged, final }, 'fileSink: neither the staged nor the committed file exists; it was removed by someone else');
        }
      }
      this.liveWriter()?.ownFiles.delete(staged);
    }
    if (renamed) await syncDirectory(directory);
  }

  /**
   * Deletes in-progress files of this subtask (and of subtasks beyond the
   * current parallelism that map to it, after a rescale) that are neither
   * among `restored` nor being written by the live writer.
   */
  async cleanup(context: SinkWriterContext, restored: readonly FileCommittable[]): Promise<void> {
    const { directory, prefix, extension } = this.settings;
    let names: string[];
    try {
      names = await readdir(directory);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return;
      throw error;
    }
    const keep = new Set(restored.map((committable) => committable.staged));
    const live = this.liveWriter();
    const pattern = new RegExp(`^\\.${escapeRegExp(prefix)}-(\\d+)-.+\\.${escapeRegExp(extension)}${escapeRegExp(IN_PROGRESS_SUFFIX)}$`);
    for (const name of names) {
      const match = pattern.exec(name);
      if (match === null || keep.has(name) || live?.ownFiles.has(name) === true) continue;
      const subtask = Number(match[1]);
      const owner = subtask < context.parallelism ? subtask : subtask % context.parallelism;
      if (owner === context.subtaskIndex) await rm(join(directory, name), { force: true });
    }
  }
}

function checkCommittable(staged: string, final: string): void {
  if (!isPlainName(staged.replace(/^\./, '')) || !isPlainName(final)) {
    throw new TributaryError('FILE_SINK_BAD_COMMITTABLE', `fileSink: committable names must be plain file names, got ${JSON.stringify({ staged, final })}`);
  }
}

function writeFully(fd: number, content: string | Uint8Array): void {
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  let offset = 0;
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
}

/** Fsyncs and closes; resolves with the error instead of rejecting, so nothing goes unhandled while it waits. */
function syncAndClose(fd: number): Promise<unknown> {
  return new Promise((resolve) => {
    fsync(fd, (syncError) => {
      try {
        closeSync(fd);
      } catch (closeError) {
        resolve(syncError ?? closeError);
        return;
      }
      resolve(syncError ?? undefined);
    });
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

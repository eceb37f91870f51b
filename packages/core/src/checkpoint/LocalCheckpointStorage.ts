/**
 * Checkpoint storage in a local directory — the default.
 *
 * Layout:
 * ```
 * <dir>/chk-0000000042/state        the encoded CheckpointData (serialization.ts)
 * <dir>/chk-0000000042/_metadata    { formatVersion, checkpointId, kind, timestamp, jobName, stateFile, bytes, sha256 }
 * <dir>/savepoints/sp-0000000043-1718000000000/{state,_metadata}
 * ```
 * `_metadata` is written last, to a temporary file that is fsynced and then
 * renamed into place (atomic on POSIX filesystems), after the state file has
 * been fsynced: a checkpoint without `_metadata` was never completed. On
 * load the state's size and SHA-256 are checked against the metadata, so a
 * truncated or corrupted checkpoint is detected and skipped, never restored.
 */
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { checkArgument, TributaryError } from '../errors.js';
import { defaultLogger, type Logger } from '../runtime/Logger.js';
import { CHECKPOINT_FORMAT_VERSION, type CheckpointData, type CheckpointInfo, type CheckpointStorage } from './CheckpointData.js';
import { exists, syncDirectory, writeDurably } from './durableFiles.js';
import { encodeCheckpointFile, sha256Hex } from './checkpointFile.js';
import { decodeState } from './serialization.js';

/** The name of the metadata file that marks a checkpoint as complete. */
export const METADATA_FILE = '_metadata';
/** The name of the state file inside a checkpoint directory. */
export const STATE_FILE = 'state';
/** The folder (inside the storage directory) that holds savepoints. */
export const SAVEPOINTS_DIR = 'savepoints';

const METADATA_TEMP_FILE = `${METADATA_FILE}.inprogress`;
const CHECKPOINT_DIR = /^chk-(\d+)$/;
const SAVEPOINT_DIR = /^sp-(\d+)-(\d+)$/;

/** What `_metadata` holds. */
export interface CheckpointMetadata {
  readonly formatVersion: number;
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly timestamp: number;
  readonly jobName: string;
  /** The state file's name, relative to the checkpoint directory. */
  readonly stateFile: string;
  /** The state file's size in bytes. */
  readonly bytes: number;
  /** Hex SHA-256 of the state file. */
  readonly sha256: string;
}

export interface LocalCheckpointStorageOptions {
  /** Where skipped checkpoints (when `loadLatest` has no `onSkip`) and failed deletions are reported. */
  readonly logger?: Logger;
}

/** A checkpoint directory found on disk, complete or not. */
interface Candidate {
  readonly location: string;
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  /** From the directory name for savepoints; 0 for checkpoints until the metadata is read. */
  readonly timestamp: number;
}

type Inspection =
  | { readonly ok: true; readonly info: CheckpointInfo; readonly data: CheckpointData }
  | { readonly ok: false; readonly code: 'CHECKPOINT_UNREADABLE' | 'CHECKPOINT_FORMAT_UNSUPPORTED'; readonly reason: string };

/**
 * Stores checkpoints and savepoints as directories under `directory`.
 *
 * ```ts
 * const storage = new LocalCheckpointStorage('/var/lib/tributary/orders');
 * const env = StreamEnvironment.create({ checkpointInterval: 1_000, checkpointStorage: storage, restoreFrom: 'latest' });
 * // or by hand:
 * const latest = await storage.loadLatest((location, reason) => console.warn(`skipped ${location}: ${reason}`));
 * ```
 * Gotchas: one job per directory. Saving a checkpoint id that already exists
 * replaces it. `prune` never deletes savepoints, nor incomplete directories
 * newer than the newest complete checkpoint (they may still be being written).
 */
export class LocalCheckpointStorage implements CheckpointStorage {
  private readonly logger: Logger;

  constructor(
    readonly directory: string,
    options: LocalCheckpointStorageOptions = {},
  ) {
    checkArgument(directory.length > 0, 'LocalCheckpointStorage: directory must not be empty');
    this.logger = options.logger ?? defaultLogger;
  }

  /** The directory a checkpoint or savepoint with this id (and timestamp) is written to. */
  locationOf(kind: 'checkpoint' | 'savepoint', checkpointId: number, timestamp: number): string {
    const id = String(checkpointId).padStart(10, '0');
    return kind === 'checkpoint'
      ? join(this.directory, `chk-${id}`)
      : join(this.directory, SAVEPOINTS_DIR, `sp-${id}-${Math.trunc(timestamp)}`);
  }

  async save(data: CheckpointData): Promise<CheckpointInfo> {
    checkArgument(
      Number.isSafeInteger(data.checkpointId) && data.checkpointId >= 0,
      `checkpointId must be a non-negative integer, got ${data.checkpointId}`,
    );
    const location = this.locationOf(data.kind, data.checkpointId, data.timestamp);
    // A leftover of an earlier attempt with the same id is replaced, never mixed with.
    await rm(location, { recursive: true, force: true });
    await mkdir(location, { recursive: true });

    const { bytes: state, sha256 } = await encodeCheckpointFile(data);
    await writeDurably(join(location, STATE_FILE), state);
    const metadata: CheckpointMetadata = {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      checkpointId: data.checkpointId,
      kind: data.kind,
      timestamp: data.timestamp,
      jobName: data.jobName,
      stateFile: STATE_FILE,
      bytes: state.length,
      sha256,
    };
    const temp = join(location, METADATA_TEMP_FILE);
    await writeDurably(temp, Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`, 'utf8'));
    await rename(temp, join(location, METADATA_FILE));
    await syncDirectory(location);
    if (data.kind === 'savepoint') await syncDirectory(join(this.directory, SAVEPOINTS_DIR));
    await syncDirectory(this.directory);
    return { location, checkpointId: data.checkpointId, kind: data.kind, timestamp: data.timestamp };
  }

  async loadLatest(
    onSkip?: (location: string, reason: string) => void,
  ): Promise<{ info: CheckpointInfo; data: CheckpointData } | undefined> {
    const candidates = await this.candidates();
    for (let i = candidates.length - 1; i >= 0; i--) {
      const candidate = candidates[i]!;
      const result = await inspect(candidate.location);
      if (result.ok) return { info: result.info, data: result.data };
      if (onSkip !== undefined) onSkip(candidate.location, result.reason);
      else this.logger.warn({ location: candidate.location, reason: result.reason }, 'Skipping unreadable checkpoint');
    }
    return undefined;
  }

  async load(location: string): Promise<CheckpointData> {
    const directory = basename(location) === METADATA_FILE ? dirname(location) : location;
    const result = await inspect(directory);
    if (result.ok) return result.data;
    throw new TributaryError(result.code, `Cannot restore checkpoint '${directory}': ${result.reason}`);
  }

  async list(): Promise<CheckpointInfo[]> {
    const infos: CheckpointInfo[] = [];
    for (const candidate of await this.candidates()) {
      const metadata = await readMetadata(candidate.location);
      if (metadata.ok) infos.push(infoOf(candidate.location, metadata.metadata));
    }
    return infos.sort(compareNewestLast);
  }

  async prune(retain: number): Promise<void> {
    checkArgument(Number.isSafeInteger(retain) && retain >= 0, `prune: retain must be an integer >= 0, got ${retain}`);
    const checkpoints = (await this.candidates()).filter((candidate) => candidate.kind === 'checkpoint');
    const complete: Candidate[] = [];
    const incomplete: Candidate[] = [];
    for (const candidate of checkpoints) {
      // Complete means "has _metadata", whatever it says: what this build cannot read is not ours to judge.
      ((await exists(join(candidate.location, METADATA_FILE))) ? complete : incomplete).push(candidate);
    }
    const newestComplete = complete.at(-1)?.checkpointId;
    if (newestComplete === undefined) return;
    const doomed = [
      ...complete.slice(0, Math.max(0, complete.length - retain)),
      ...incomplete.filter((candidate) => candidate.checkpointId < newestComplete),
    ];
    for (const candidate of doomed) {
      try {
        await rm(candidate.location, { recursive: true, force: true });
        this.logger.debug({ location: candidate.location }, 'Deleted checkpoint');
      } catch (error) {
        this.logger.warn({ location: candidate.location, err: error }, 'Could not delete checkpoint');
      }
    }
  }

  /** Every checkpoint and savepoint directory, complete or not, oldest first (by id, then timestamp). */
  private async candidates(): Promise<Candidate[]> {
    const found: Candidate[] = [];
    for (const name of await listDirectories(this.directory)) {
      const match = CHECKPOINT_DIR.exec(name);
      if (match !== null) {
        found.push({ location: join(this.directory, name), checkpointId: Number(match[1]), kind: 'checkpoint', timestamp: 0 });
      }
    }
    const savepoints = join(this.directory, SAVEPOINTS_DIR);
    for (const name of await listDirectories(savepoints)) {
      const match = SAVEPOINT_DIR.exec(name);
      if (match !== null) {
        found.push({ location: join(savepoints, name), checkpointId: Number(match[1]), kind: 'savepoint', timestamp: Number(match[2]) });
      }
    }
    return found.sort(compareNewestLast);
  }
}

/** Orders by checkpoint id, then timestamp, then checkpoints before savepoints. */
function compareNewestLast(a: Candidate | CheckpointInfo, b: Candidate | CheckpointInfo): number {
  return a.checkpointId - b.checkpointId || a.timestamp - b.timestamp || (a.kind === b.kind ? 0 : a.kind === 'checkpoint' ? -1 : 1);
}

function infoOf(location: string, metadata: CheckpointMetadata): CheckpointInfo {
  return { location, checkpointId: metadata.checkpointId, kind: metadata.kind, timestamp: metadata.timestamp };
}

async function listDirectories(directory: string): Promise<string[]> {
  try {
    const entries = await readdir(directory, { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
}

type MetadataResult =
  | { readonly ok: true; readonly metadata: CheckpointMetadata }
  | { readonly ok: false; readonly code: 'CHECKPOINT_UNREADABLE' | 'CHECKPOINT_FORMAT_UNSUPPORTED'; readonly reason: string };

async function readMetadata(directory: string): Promise<MetadataResult> {
  let text: string;
  try {
    text = await readFile(join(directory, METADATA_FILE), 'utf8');
  } catch (error) {
    if (!isNotFound(error)) return unreadable(`cannot read _metadata: ${messageOf(error)}`);
    const isDirectory = await stat(directory).then(
      (s) => s.isDirectory(),
      () => false,
    );
    return unreadable(isDirectory ? 'no _metadata (incomplete)' : 'no such checkpoint directory');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return unreadable(`_metadata is not valid JSON: ${messageOf(error)} (corrupt)`);
  }
  if (typeof parsed !== 'object' || parsed === null) return unreadable('_metadata is not an object (corrupt)');
  const m = parsed as Partial<Record<keyof CheckpointMetadata, unknown>>;
  if (m.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    return {
      ok: false,
      code: 'CHECKPOINT_FORMAT_UNSUPPORTED',
      reason: `unknown format version ${String(m.formatVersion)} (this build reads ${CHECKPOINT_FORMAT_VERSION})`,
    };
  }
  const valid =
    typeof m.checkpointId === 'number' &&
    (m.kind === 'checkpoint' || m.kind === 'savepoint') &&
    typeof m.timestamp === 'number' &&
    typeof m.jobName === 'string' &&
    typeof m.stateFile === 'string' &&
    // The state file lives in the checkpoint directory: no paths.
    m.stateFile.length > 0 &&
    basename(m.stateFile) === m.stateFile &&
    m.stateFile !== '..' &&
    typeof m.bytes === 'number' &&
    typeof m.sha256 === 'string';
  return valid ? { ok: true, metadata: parsed as CheckpointMetadata } : unreadable('_metadata is missing fields (corrupt)');
}

/** Reads and verifies one checkpoint directory. */
async function inspect(directory: string): Promise<Inspection> {
  const read = await readMetadata(directory);
  if (!read.ok) return read;
  const metadata = read.metadata;
  let state: Buffer;
  try {
    state = await readFile(join(directory, metadata.stateFile));
  } catch (error) {
    return unreadable(isNotFound(error) ? `state file '${metadata.stateFile}' missing` : `cannot read state: ${messageOf(error)}`);
  }
  if (state.length < metadata.bytes) return unreadable(`state truncated: ${state.length} of ${metadata.bytes} bytes`);
  if (state.length > metadata.bytes) return unreadable(`state has ${state.length} bytes, expected ${metadata.bytes} (corrupt)`);
  if (sha256Hex(state) !== metadata.sha256) return unreadable('state checksum mismatch (corrupt)');
  let data: CheckpointData;
  try {
    data = decodeState(state.toString('utf8')) as CheckpointData;
  } catch (error) {
    return unreadable(`state cannot be decoded: ${messageOf(error)} (corrupt)`);
  }
  if (typeof data !== 'object' || data === null || typeof data.operators !== 'object' || data.operators === null) {
    return unreadable('state is not checkpoint data (corrupt)');
  }
  if (data.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
    return {
      ok: false,
      code: 'CHECKPOINT_FORMAT_UNSUPPORTED',
      reason: `unknown format version ${String(data.formatVersion)} (this build reads ${CHECKPOINT_FORMAT_VERSION})`,
    };
  }
  if (data.checkpointId !== metadata.checkpointId) {
    return unreadable(`state is of checkpoint ${data.checkpointId}, _metadata says ${metadata.checkpointId} (corrupt)`);
  }
  return { ok: true, info: infoOf(directory, metadata), data };
}

function unreadable(reason: string): { ok: false; code: 'CHECKPOINT_UNREADABLE'; reason: string } {
  return { ok: false, code: 'CHECKPOINT_UNREADABLE', reason };
}


function isNotFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ENOENT';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

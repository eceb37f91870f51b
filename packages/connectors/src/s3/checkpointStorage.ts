/**
 * Checkpoint storage in S3, with the layout and guarantees of core's
 * LocalCheckpointStorage:
 * ```
 * s3://<bucket>/<prefix>chk-0000000042/state        the encoded CheckpointData (core's encodeState)
 * s3://<bucket>/<prefix>chk-0000000042/_metadata    { formatVersion, checkpointId, kind, timestamp, jobName, stateFile, bytes, sha256 }
 * s3://<bucket>/<prefix>savepoints/sp-0000000043-1718000000000/{state,_metadata}
 * ```
 * A PUT is atomic per object and S3 reads are strongly consistent, so the
 * state object is written first and `_metadata` last: a checkpoint without
 * `_metadata` was never completed. On load the state's size and SHA-256 are
 * checked against the metadata, so a truncated or corrupted checkpoint is
 * skipped (and reported), never restored.
 */
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CHECKPOINT_FORMAT_VERSION,
  decodeState,
  defaultLogger,
  encodeCheckpointFile,
  sha256Hex,
  TributaryError,
  type CheckpointData,
  type CheckpointInfo,
  type CheckpointStorage,
  type Logger,
} from '@tributary/core';
import { errorMessage, isNotFound, s3RequestFailed } from './errors.js';
import { checkBucket, MAX_LIST_PAGE, normalisePrefix, resolveClient, type ResolvedClient, type S3ClientOptions } from './options.js';

/** The object that marks a checkpoint as complete (the name core's local storage uses). */
export const METADATA_OBJECT = '_metadata';
/** The object holding the encoded checkpoint. */
export const STATE_OBJECT = 'state';
/** The folder (under the prefix) holding savepoints. */
export const SAVEPOINTS_FOLDER = 'savepoints';

const CHECKPOINT_KEY = /^chk-(\d+)\/([^/]+)$/;
const SAVEPOINT_KEY = /^savepoints\/sp-(\d+)-(\d+)\/([^/]+)$/;

/** What `_metadata` holds (the same fields as core's local storage). */
export interface S3CheckpointMetadata {
  readonly formatVersion: number;
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly timestamp: number;
  readonly jobName: string;
  /** The state object's name, relative to the checkpoint's folder. */
  readonly stateFile: string;
  readonly bytes: number;
  /** Hex SHA-256 of the state object. */
  readonly sha256: string;
}

/** Options of {@link S3CheckpointStorage}. */
export interface S3CheckpointStorageOptions extends S3ClientOptions {
  readonly bucket: string;
  /** Key prefix of this job's checkpoints (one job per prefix). */
  readonly prefix?: string;
  /** Where skipped checkpoints (when `loadLatest` has no `onSkip`) and failed deletions are reported. */
  readonly logger?: Logger;
}

/** A checkpoint folder found in the listing, complete or not. */
interface Candidate {
  readonly location: string;
  /** Key of the folder, relative to the bucket, ending with '/'. */
  readonly folder: string;
  readonly checkpointId: number;
  readonly kind: 'checkpoint' | 'savepoint';
  readonly timestamp: number;
  readonly keys: string[];
}

type Inspection =
  | { readonly ok: true; readonly info: CheckpointInfo; readonly data: CheckpointData }
  | { readonly ok: false; readonly code: 'CHECKPOINT_UNREADABLE' | 'CHECKPOINT_FORMAT_UNSUPPORTED'; readonly reason: string };

/**
 * Stores checkpoints and savepoints in S3.
 *
 * ```ts
 * const storage = new S3CheckpointStorage({ bucket: 'ops', prefix: 'checkpoints/orders' });
 * const env = StreamEnvironment.create({ checkpointInterval: 60_000, checkpointStorage: storage, restoreFrom: 'latest' });
 * // by hand:
 * const latest = await storage.loadLatest((location, reason) => console.warn(`skipped ${location}: ${reason}`));
 * await storage.load('s3://ops/checkpoints/orders/chk-0000000042');
 * ```
 * Gotchas: one job per prefix. Saving a checkpoint id that exists replaces
 * it. `prune` never deletes savepoints, nor incomplete checkpoints newer
 * than the newest complete one. Call `close()` when done if the storage
 * built its own client.
 */
export class S3CheckpointStorage implements CheckpointStorage {
  readonly bucket: string;
  readonly prefix: string;
  private readonly resolved: ResolvedClient;
  private readonly logger: Logger;

  constructor(options: S3CheckpointStorageOptions) {
    checkBucket('S3CheckpointStorage', options.bucket);
    this.bucket = options.bucket;
    this.prefix = normalisePrefix('S3CheckpointStorage', options.prefix);
    this.resolved = resolveClient(options);
    this.logger = options.logger ?? defaultLogger;
  }

  private get client(): S3Client {
    return this.resolved.client;
  }

  /** The location (`s3://bucket/prefix/chk-…`) a checkpoint or savepoint with this id (and timestamp) is written to. */
  locationOf(kind: 'checkpoint' | 'savepoint', checkpointId: number, timestamp: number): string {
    return `s3://${this.bucket}/${this.folderOf(kind, checkpointId, timestamp).slice(0, -1)}`;
  }

  async save(data: CheckpointData): Promise<CheckpointInfo> {
    if (!(Number.isSafeInteger(data.checkpointId) && data.checkpointId >= 0)) {
      throw new RangeError(`checkpointId must be a non-negative integer, got ${data.checkpointId}`);
    }
    const folder = this.folderOf(data.kind, data.checkpointId, data.timestamp);
    // A leftover of an earlier attempt with the same id stops counting as complete before its state is replaced.
    await this.delete(`${folder}${METADATA_OBJECT}`);
    const { bytes: state, sha256 } = await encodeCheckpointFile(data);
    await this.put(`${folder}${STATE_OBJECT}`, state, 'application/json');
    const metadata: S3CheckpointMetadata = {
      formatVersion: CHECKPOINT_FORMAT_VERSION,
      checkpointId: data.checkpointId,
      kind: data.kind,
      timestamp: data.timestamp,
      jobName: data.jobName,
      stateFile: STATE_OBJECT,
      bytes: state.length,
      sha256,
    };
    await this.put(`${folder}${METADATA_OBJECT}`, Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`, 'utf8'), 'application/json');
    return { location: this.locationOf(data.kind, data.checkpointId, data.timestamp), checkpointId: data.checkpointId, kind: data.kind, timestamp: data.timestamp };
  }

  async loadLatest(onSkip?: (location: string, reason: string) => void): Promise<{ info: CheckpointInfo; data: CheckpointData } | undefined> {
    const candidates = await this.candidates();
    for (let i = candidates.length - 1; i >= 0; i--) {
      const candidate = candidates[i]!;
      const result = await this.inspect(this.bucket, candidate.folder, candidate.location);
      if (result.ok) return { info: result.info, data: result.data };
      if (onSkip !== undefined) onSkip(candidate.location, result.reason);
      else this.logger.warn({ location: candidate.location, reason: result.reason }, 'Skipping unreadable checkpoint');
    }
    return undefined;
  }

  /** Loads `s3://bucket/key-of-folder` (or its `/_metadata`); a bare folder key is taken in this storage's bucket. */
  async load(location: string): Promise<CheckpointData> {
    const { bucket, folder } = this.parseLocation(location);
    const result = await this.inspect(bucket, folder, `s3://${bucket}/${folder.slice(0, -1)}`);
    if (result.ok) return result.data;
    throw new TributaryError(result.code, `Cannot restore checkpoint '${location}': ${result.reason}`);
  }

  async list(): Promise<CheckpointInfo[]> {
    const infos: CheckpointInfo[] = [];
    for (const candidate of await this.candidates()) {
      if (!candidate.keys.includes(METADATA_OBJECT)) continue;
      const metadata = await this.readMetadata(this.bucket, candidate.folder);
      if (metadata.ok) infos.push(infoOf(candidate.location, metadata.metadata));
    }
    return infos.sort(compareNewestLast);
  }

  async prune(retain: number): Promise<void> {
    if (!(Number.isSafeInteger(retain) && retain >= 0)) throw new RangeError(`prune: retain must be an integer >= 0, got ${retain}`);
    const checkpoints = (await this.candidates()).filter((c) => c.kind === 'checkpoint');
    const complete = checkpoints.filter((c) => c.keys.includes(METADATA_OBJECT));
    const newestComplete = complete.at(-1)?.checkpointId;
    if (newestComplete === undefined) return;
    const doomed = [
      ...complete.slice(0, Math.max(0, complete.length - retain)),
      ...checkpoints.filter((c) => !c.keys.includes(METADATA_OBJECT) && c.checkpointId < newestComplete),
    ];
    for (const candidate of doomed) {
      try {
        // `_metadata` first: a half-deleted checkpoint is an incomplete one, never a corrupt "complete" one.
        const keys = [...candidate.keys].sort((a, b) => (a === METADATA_OBJECT ? -1 : b === METADATA_OBJECT ? 1 : 0));
        for (const name of keys) await this.delete(`${candidate.folder}${name}`);
        this.logger.debug({ location: candidate.location }, 'Deleted checkpoint');
      } catch (error) {
        this.logger.warn({ location: candidate.location, err: error }, 'Could not delete checkpoint');
      }
    }
  }

  /** Destroys the client if this storage built it. */
  close(): void {
    if (this.resolved.owned) this.resolved.client.destroy();
  }

  private folderOf(kind: 'checkpoint' | 'savepoint', checkpointId: number, timestamp: number): string {
    const id = String(checkpointId).padStart(10, '0');
    return kind === 'checkpoint' ? `${this.prefix}chk-${id}/` : `${this.prefix}${SAVEPOINTS_FOLDER}/sp-${id}-${Math.trunc(timestamp)}/`;
  }

  private parseLocation(location: string): { bucket: string; folder: string } {
    let bucket = this.bucket;
    let key = location;
    const url = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
    if (url !== null) {
      bucket = url[1]!;
      key = url[2]!;
    } else if (location.startsWith('s3://')) {
      throw new TributaryError('CHECKPOINT_UNREADABLE', `Cannot restore checkpoint '${location}': not an s3://bucket/key location`);
    }
    key = key.replace(/\/+$/, '');
    if (key.endsWith(`/${METADATA_OBJECT}`)) key = key.slice(0, -METADATA_OBJECT.length - 1);
    return { bucket, folder: `${key}/` };
  }

  /** Every checkpoint and savepoint folder under the prefix, complete or not, oldest first. */
  private async candidates(): Promise<Candidate[]> {
    const found = new Map<string, Candidate>();
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            MaxKeys: MAX_LIST_PAGE,
            ...(this.prefix === '' ? {} : { Prefix: this.prefix }),
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
      } catch (error) {
        throw s3RequestFailed('ListObjectsV2', this.bucket, this.prefix, error);
      }
      for (const object of page.Contents ?? []) {
        const relative = object.Key?.slice(this.prefix.length) ?? '';
        const checkpoint = CHECKPOINT_KEY.exec(relative);
        const savepoint = checkpoint === null ? SAVEPOINT_KEY.exec(relative) : null;
        const match = checkpoint ?? savepoint;
        if (match === null) continue;
        const name = match[match.length - 1]!;
        const folder = `${this.prefix}${relative.slice(0, relative.length - name.length)}`;
        let candidate = found.get(folder);
        if (candidate === undefined) {
          candidate = {
            location: `s3://${this.bucket}/${folder.slice(0, -1)}`,
            folder,
            checkpointId: Number(match[1]),
            kind: checkpoint !== null ? 'checkpoint' : 'savepoint',
            timestamp: savepoint !== null ? Number(savepoint[2]) : 0,
            keys: [],
          };
          found.set(folder, candidate);
        }
        candidate.keys.push(name);
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return [...found.values()].sort(compareNewestLast);
  }

  private async readMetadata(bucket: string, folder: string): Promise<{ ok: true; metadata: S3CheckpointMetadata } | Exclude<Inspection, { ok: true }>> {
    const bytes = await this.get(bucket, `${folder}${METADATA_OBJECT}`);
    if (bytes === undefined) return unreadable('no _metadata (incomplete)');
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch (error) {
      return unreadable(`_metadata is not valid JSON: ${errorMessage(error)} (corrupt)`);
    }
    if (typeof parsed !== 'object' || parsed === null) return unreadable('_metadata is not an object (corrupt)');
    const m = parsed as Partial<Record<keyof S3CheckpointMetadata, unknown>>;
    if (m.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
      return { ok: false, code: 'CHECKPOINT_FORMAT_UNSUPPORTED', reason: `unknown format version ${String(m.formatVersion)} (this build reads ${CHECKPOINT_FORMAT_VERSION})` };
    }
    const valid =
      typeof m.checkpointId === 'number' &&
      (m.kind === 'checkpoint' || m.kind === 'savepoint') &&
      typeof m.timestamp === 'number' &&
      typeof m.jobName === 'string' &&
      typeof m.stateFile === 'string' &&
      /^[^/]+$/.test(m.stateFile) &&
      m.stateFile !== '..' &&
      m.stateFile !== '.' &&
      typeof m.bytes === 'number' &&
      typeof m.sha256 === 'string';
    return valid ? { ok: true, metadata: parsed as S3CheckpointMetadata } : unreadable('_metadata is missing fields (corrupt)');
  }

  /** Reads and verifies one checkpoint folder. */
  private async inspect(bucket: string, folder: string, location: string): Promise<Inspection> {
    const read = await this.readMetadata(bucket, folder);
    if (!read.ok) return read;
    const metadata = read.metadata;
    const state = await this.get(bucket, `${folder}${metadata.stateFile}`);
    if (state === undefined) return unreadable(`state object '${metadata.stateFile}' missing`);
    if (state.length < metadata.bytes) return unreadable(`state truncated: ${state.length} of ${metadata.bytes} bytes`);
    if (state.length > metadata.bytes) return unreadable(`state has ${state.length} bytes, expected ${metadata.bytes} (corrupt)`);
    if (sha256Hex(state) !== metadata.sha256) return unreadable('state checksum mismatch (corrupt)');
    let data: CheckpointData;
    try {
      data = decodeState(Buffer.from(state).toString('utf8')) as CheckpointData;
    } catch (error) {
      return unreadable(`state cannot be decoded: ${errorMessage(error)} (corrupt)`);
    }
    if (typeof data !== 'object' || data === null || typeof data.operators !== 'object' || data.operators === null) {
      return unreadable('state is not checkpoint data (corrupt)');
    }
    if (data.formatVersion !== CHECKPOINT_FORMAT_VERSION) {
      return { ok: false, code: 'CHECKPOINT_FORMAT_UNSUPPORTED', reason: `unknown format version ${String(data.formatVersion)} (this build reads ${CHECKPOINT_FORMAT_VERSION})` };
    }
    if (data.checkpointId !== metadata.checkpointId) {
      return unreadable(`state is of checkpoint ${data.checkpointId}, _metadata says ${metadata.checkpointId} (corrupt)`);
    }
    return { ok: true, info: infoOf(location, metadata), data };
  }

  /** An object's bytes, or undefined when it does not exist. */
  private async get(bucket: string, key: string): Promise<Uint8Array | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await answer.Body?.transformToByteArray()) ?? new Uint8Array(0);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw s3RequestFailed('GetObject', bucket, key, error);
    }
  }

  private async put(key: string, body: Buffer, contentType: string): Promise<void> {
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: body.length, ContentType: contentType }));
    } catch (error) {
      throw s3RequestFailed('PutObject', this.bucket, key, error);
    }
  }

  private async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (!isNotFound(error)) throw s3RequestFailed('DeleteObject', this.bucket, key, error);
    }
  }
}

/** Orders by checkpoint id, then timestamp, then checkpoints before savepoints. */
function compareNewestLast(a: Candidate | CheckpointInfo, b: Candidate | CheckpointInfo): number {
  return a.checkpointId - b.checkpointId || a.timestamp - b.timestamp || (a.kind === b.kind ? 0 : a.kind === 'checkpoint' ? -1 : 1);
}

function infoOf(location: string, metadata: S3CheckpointMetadata): CheckpointInfo {
  return { location, checkpointId: metadata.checkpointId, kind: metadata.kind, timestamp: metadata.timestamp };
}

function unreadable(reason: string): { ok: false; code: 'CHECKPOINT_UNREADABLE'; reason: string } {
  return { ok: false, code: 'CHECKPOINT_UNREADABLE', reason };
}


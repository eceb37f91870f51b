/**
 * Which Parquet files make up the training set: the latest manifest names
 * its own run's files; when that run was an increment, the runs it builds
 * on are found in the manifest history (`manifests/`) by following the
 * high-water marks back to a full snapshot:
 *
 * ```
 * full F (mark 300) ← increment I1 (300 → 304) ← increment I2 (304 → 306) = manifest.json
 * training set = files(F) ∪ files(I1) ∪ files(I2)
 * ```
 * A run is a snapshot (the chain's start) when it was `full`, or an
 * increment that had no previous mark (it read every rating). Empty
 * increments (mark unchanged) add no files and are skipped; where a full
 * re-run and an increment both end at the mark sought, the full run wins.
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { s3RequestFailed } from '@tributary/connectors/s3';
import { MANIFEST_FILE, MANIFEST_HISTORY_FOLDER, readManifest, type TrainingSetManifest } from '../trainingSet/manifest.js';
import { ModelTrainerError } from './errors.js';

/** One committed Parquet file of the training set, as its manifest lists it. */
export interface TrainingSetFile {
  readonly key: string;
  readonly rows: number;
  readonly bytes: number;
}

/** Where a training set is and what it consists of. */
export interface TrainingSetLocation {
  readonly bucket: string;
  /** The training-set prefix (normalised: ending in `/` unless empty). */
  readonly prefix: string;
  /** The latest manifest (`manifest.json`). */
  readonly manifest: TrainingSetManifest;
  /** The runs whose files form the training set, oldest first: a snapshot, then its increments. */
  readonly runs: readonly TrainingSetManifest[];
  /** Their Parquet files, in run order. */
  readonly files: readonly TrainingSetFile[];
  /** The rows the files hold, by the manifests. */
  readonly rowCount: number;
}

/**
 * Reads the latest manifest (and, for an increment, the manifest history)
 * and returns the training set's files.
 *
 * ```ts
 * const { files, rowCount, manifest } = await locateTrainingSet(s3, 'lake', 'training-set/');
 * ```
 * @throws ModelTrainerError `TRAINING_SET_NOT_FOUND` (naming bucket and
 *   prefix) when there is no manifest; `TRAINING_SET_INCONSISTENT` when an
 *   increment's predecessor is missing from the history.
 */
export async function locateTrainingSet(client: S3Client, bucket: string, prefix: string): Promise<TrainingSetLocation> {
  const normalised = normaliseTrainingSetPrefix(prefix);
  let manifest: TrainingSetManifest | undefined;
  try {
    manifest = await readManifest(client, bucket, normalised);
  } catch (error) {
    throw s3RequestFailed('GetObject', bucket, `${normalised}${MANIFEST_FILE}`, error);
  }
  if (manifest === undefined) {
    throw new ModelTrainerError(
      'TRAINING_SET_NOT_FOUND',
      `No training set at s3://${bucket}/${normalised}: ${MANIFEST_FILE} is missing (run the training-set builder with output bucket '${bucket}' and prefix '${normalised}' first)`,
    );
  }
  const history = isSnapshot(manifest) ? [] : await readHistory(client, bucket, normalised);
  const runs = trainingSetRuns(manifest, history);
  const files = runs.flatMap((run) => run.output.files);
  return { bucket, prefix: normalised, manifest, runs, files, rowCount: files.reduce((sum, f) => sum + f.rows, 0) };
}

/**
 * The runs the training set consists of, oldest first, from the latest
 * manifest and the manifest history (see the module comment). Pure.
 *
 * ```ts
 * trainingSetRuns(i2, [f, i1, i2]).map((m) => m.runId); // ['f', 'i1', 'i2']
 * ```
 * @throws ModelTrainerError `TRAINING_SET_INCONSISTENT` naming the missing mark.
 */
export function trainingSetRuns(latest: TrainingSetManifest, history: readonly TrainingSetManifest[]): TrainingSetManifest[] {
  const runs = [latest];
  const used = new Set([latest.runId]);
  let current = latest;
  while (!isSnapshot(current)) {
    const previous = predecessorOf(current, history, used);
    runs.push(previous);
    used.add(previous.runId);
    current = previous;
  }
  return runs.reverse();
}

/** Whether a run read every rating (full, or an increment without a previous mark). */
export function isSnapshot(manifest: TrainingSetManifest): boolean {
  return manifest.mode === 'full' || manifest.incremental === undefined || manifest.incremental.previousHighWaterMark === null;
}

/** The run that moved the mark to where `run` started: a snapshot first, the latest among equals. */
function predecessorOf(run: TrainingSetManifest, history: readonly TrainingSetManifest[], used: ReadonlySet<string>): TrainingSetManifest {
  const { trackingColumn, previousHighWaterMark: mark } = run.incremental as NonNullable<TrainingSetManifest['incremental']>;
  const candidates = history.filter((m) => {
    const inc = m.incremental;
    if (used.has(m.runId) || inc === undefined || inc.trackingColumn !== trackingColumn || inc.highWaterMark !== mark) return false;
    return isSnapshot(m) || (inc.previousHighWaterMark as number) < (mark as number);
  });
  const best = candidates.sort((a, b) => Number(isSnapshot(b)) - Number(isSnapshot(a)) || b.snapshotTime.localeCompare(a.snapshotTime))[0];
  if (best === undefined) {
    throw new ModelTrainerError(
      'TRAINING_SET_INCONSISTENT',
      `Training set s3://${run.output.bucket}/${run.output.prefix}: increment '${run.runId}' starts at ${trackingColumn} > ${mark}, but no run in ${MANIFEST_HISTORY_FOLDER} ends at that mark`,
    );
  }
  return best;
}

/** Every manifest of the history folder. */
async function readHistory(client: S3Client, bucket: string, prefix: string): Promise<TrainingSetManifest[]> {
  const folder = `${prefix}${MANIFEST_HISTORY_FOLDER}`;
  const keys: string[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: folder, ...(token === undefined ? {} : { ContinuationToken: token }) }));
    } catch (error) {
      throw s3RequestFailed('ListObjectsV2', bucket, folder, error);
    }
    for (const object of page.Contents ?? []) if (object.Key?.endsWith('.json') === true) keys.push(object.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return Promise.all(keys.map((key) => readJson(client, bucket, key)));
}

async function readJson(client: S3Client, bucket: string, key: string): Promise<TrainingSetManifest> {
  let text: string | undefined;
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = await response.Body?.transformToString('utf8');
  } catch (error) {
    throw s3RequestFailed('GetObject', bucket, key, error);
  }
  try {
    return JSON.parse(text ?? '') as TrainingSetManifest;
  } catch (error) {
    throw new ModelTrainerError('TRAINING_SET_INCONSISTENT', `s3://${bucket}/${key} is not a manifest (not JSON)`, { cause: error });
  }
}

/** A training-set prefix as the builder writes it: no leading `/`, a trailing `/` unless empty. */
export function normaliseTrainingSetPrefix(prefix: string): string {
  const p = prefix.replace(/^\/+/, '');
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

/**
 * The training set's manifest — what a run wrote and from what: row counts
 * (in, valid, rejected by reason), schema version and columns, snapshot
 * time, source tables, output location, partitioning, the files, and the
 * incremental high-water mark — and the sink that writes it last.
 *
 * Written last means: the manifest sink is a two-phase-commit sink whose
 * only committable is produced by the final checkpoint (after the counts of
 * every quality subtask have arrived), and whose commit first waits for
 * every commit of the data and quarantine sinks started so far. So
 * `manifest.json` appears only after every Parquet and quarantine file of
 * the run is visible, and never when one of those commits failed.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Committer, SinkWriterContext, TwoPhaseCommitSink, TwoPhaseCommitSinkWriter } from '@tributary/core';
import type { S3Committable } from '@tributary/connectors/s3';
import { emptyCounts, mergeCounts, type QualityCounts, type RejectionReason } from './quality.js';

/** The manifest's own format version (bumped when its fields change). */
export const MANIFEST_VERSION = 1;
/** The latest run's manifest, under the output prefix. */
export const MANIFEST_FILE = 'manifest.json';
/** Every run's manifest, under the output prefix: `manifests/<snapshotTime>-<runId>.json`. */
export const MANIFEST_HISTORY_FOLDER = 'manifests/';

/** How the Parquet files are partitioned. */
export type TrainingSetPartitioning =
  | { readonly by: 'snapshotDate' }
  | { readonly by: 'customerNumber' }
  | { readonly by: 'customerBucket'; readonly buckets: number };

/** The manifest of one run (`manifest.json`). */
export interface TrainingSetManifest {
  readonly manifestVersion: number;
  /** TRAINING_SCHEMA_VERSION of the rows. */
  readonly schemaVersion: number;
  /** The Parquet columns in file order, with their Parquet types. */
  readonly columns: ReadonlyArray<{ readonly name: string; readonly type: string; readonly optional: boolean }>;
  readonly runId: string;
  readonly mode: 'full' | 'incremental';
  /** When the snapshot was taken (ISO 8601, UTC), and its date (the `snapshot=` partition). */
  readonly snapshotTime: string;
  readonly snapshotDate: string;
  readonly source: {
    readonly dialect: 'mysql' | 'postgres';
    readonly database?: string;
    readonly tables: { readonly ratings: string; readonly customers: string; readonly products: string };
  };
  readonly counts: {
    readonly in: number;
    readonly valid: number;
    readonly rejected: number;
    readonly rejectedByReason: Partial<Record<RejectionReason, number>>;
  };
  readonly output: {
    readonly bucket: string;
    readonly prefix: string;
    /** `s3://bucket/prefix/data/` */
    readonly data: string;
    readonly quarantine: string;
    readonly format: 'parquet';
    readonly compression: 'SNAPPY';
    readonly partitioning: TrainingSetPartitioning;
    /** The Parquet files of this run (keys), with their row counts. */
    readonly files: ReadonlyArray<{ readonly key: string; readonly rows: number; readonly bytes: number }>;
    readonly quarantineFiles: ReadonlyArray<{ readonly key: string; readonly rows: number; readonly bytes: number }>;
  };
  /** Present when a tracking column is configured: the ratings read lie in (previous, highWaterMark]. */
  readonly incremental?: {
    readonly trackingColumn: string;
    readonly previousHighWaterMark: number | null;
    readonly highWaterMark: number | null;
  };
}

/** What the manifest needs besides the counts and files, known when the job is built. */
export type ManifestTemplate = Omit<TrainingSetManifest, 'counts' | 'output' | 'incremental'> & {
  readonly output: Omit<TrainingSetManifest['output'], 'files' | 'quarantineFiles'>;
  readonly incremental?: { readonly trackingColumn: string; readonly previousHighWaterMark: number | null };
};

/**
 * Watches the commits of the data and quarantine sinks of one run: which
 * files they made visible, and the commits still in flight.
 */
export class CommitTracker {
  readonly files = new Map<string, { key: string; rows: number; bytes: number }>();
  readonly quarantineFiles = new Map<string, { key: string; rows: number; bytes: number }>();
  private readonly inFlight = new Set<Promise<void>>();
  private failure: unknown;

  /** Wraps a two-phase-commit sink so that its commits are tracked (as data or quarantine files). */
  wrap<T>(sink: TwoPhaseCommitSink<T, S3Committable>, kind: 'data' | 'quarantine'): TwoPhaseCommitSink<T, S3Committable> {
    const files = kind === 'data' ? this.files : this.quarantineFiles;
    return {
      kind: 'two-phase-commit',
      createWriter: (context) => sink.createWriter(context),
      createCommitter: (context): Committer<S3Committable> => {
        const inner = sink.createCommitter(context);
        const committer: Committer<S3Committable> = {
          commit: (committables) => {
            const done = inner.commit(committables).then(
              () => {
                for (const c of committables) files.set(c.key, { key: c.key, rows: c.records, bytes: c.bytes });
              },
              (error: unknown) => {
                this.failure ??= error;
                throw error;
              },
            );
            this.inFlight.add(done);
            void done.finally(() => this.inFlight.delete(done)).catch(() => {});
            return done;
          },
        };
        if (inner.cleanup !== undefined) committer.cleanup = (ctx: SinkWriterContext, restored: readonly S3Committable[]) => inner.cleanup?.(ctx, restored) ?? Promise.resolve();
        if (inner.close !== undefined) committer.close = () => inner.close?.() ?? Promise.resolve();
        return committer;
      },
    };
  }

  /** Resolves once every commit started so far has ended; rejects if any commit failed. */
  async settled(): Promise<void> {
    // The runtime tells every sink of a checkpoint in one synchronous loop; one turn of the
    // event loop later every commit of that checkpoint has started.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    if (this.failure !== undefined) throw this.failure;
  }
}

/** Options of {@link manifestSink}. */
export interface ManifestSinkOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** The output prefix (normalised, ending in `/` unless empty). */
  readonly prefix: string;
  readonly template: ManifestTemplate;
  readonly tracker: CommitTracker;
  /** Told about the manifest once it is written. */
  readonly onWritten?: (manifest: TrainingSetManifest) => void;
}

/**
 * The sink of the quality step's counts (parallelism 1): merges them, and
 * at the final checkpoint commits the manifest — after the data and
 * quarantine files (see the module comment).
 */
export function manifestSink(options: ManifestSinkOptions): TwoPhaseCommitSink<QualityCounts, TrainingSetManifest> {
  return {
    kind: 'two-phase-commit',
    createWriter(): TwoPhaseCommitSinkWriter<QualityCounts, TrainingSetManifest> {
      const counts = emptyCounts();
      let ended = false;
      let emitted = false;
      return {
        write(value) {
          mergeCounts(counts, value);
        },
        flush(endOfInput) {
          if (endOfInput) ended = true;
        },
        preCommit() {
          if (!ended || emitted) return [];
          emitted = true;
          return [buildManifest(options.template, counts, [], [])];
        },
      };
    },
    createCommitter(): Committer<TrainingSetManifest> {
      return {
        async commit(manifests) {
          if (manifests.length === 0) return;
          await options.tracker.settled();
          const base = manifests[manifests.length - 1] as TrainingSetManifest;
          const manifest: TrainingSetManifest = {
            ...base,
            output: {
              ...base.output,
              files: [...options.tracker.files.values()].sort((a, b) => a.key.localeCompare(b.key)),
              quarantineFiles: [...options.tracker.quarantineFiles.values()].sort((a, b) => a.key.localeCompare(b.key)),
            },
          };
          const body = `${JSON.stringify(manifest, null, 2)}\n`;
          const history = `${options.prefix}${MANIFEST_HISTORY_FOLDER}${manifest.snapshotTime.replace(/[:.]/g, '-')}-${manifest.runId}.json`;
          await putJson(options.client, options.bucket, history, body);
          await putJson(options.client, options.bucket, `${options.prefix}${MANIFEST_FILE}`, body);
          options.onWritten?.(manifest);
        },
      };
    },
  };
}

function buildManifest(
  template: ManifestTemplate,
  counts: QualityCounts,
  files: TrainingSetManifest['output']['files'],
  quarantineFiles: TrainingSetManifest['output']['quarantineFiles'],
): TrainingSetManifest {
  const { incremental, output, ...rest } = template;
  return {
    ...rest,
    counts: { in: counts.in, valid: counts.valid, rejected: counts.rejected, rejectedByReason: { ...counts.rejectedByReason } },
    output: { ...output, files, quarantineFiles },
    ...(incremental === undefined
      ? {}
      : {
          incremental: {
            ...incremental,
            // No new ratings: the mark stays where it was.
            highWaterMark: counts.highWaterMark ?? incremental.previousHighWaterMark,
          },
        }),
  };
}

async function putJson(client: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
}

/**
 * Reads the latest manifest under a prefix, or undefined when there is none.
 *
 * ```ts
 * const last = await readManifest(s3, 'lake', 'training-set/');
 * last?.incremental?.highWaterMark;
 * ```
 */
export async function readManifest(client: S3Client, bucket: string, prefix: string): Promise<TrainingSetManifest | undefined> {
  try {
    const response = await client.send(new GetObjectCommand({ Bucket: bucket, Key: `${prefix}${MANIFEST_FILE}` }));
    const text = await response.Body?.transformToString('utf8');
    return text === undefined ? undefined : (JSON.parse(text) as TrainingSetManifest);
  } catch (error) {
    const name = (error as { name?: string }).name;
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (name === 'NoSuchKey' || name === 'NotFound' || status === 404) return undefined;
    throw error;
  }
}

/**
 * A source of model updates for the recommender's broadcast input: it polls
 * the model store's LATEST and emits the new artifact when the version
 * changes, so a new model is served without a restart. When no model is
 * published, or the newest one cannot be loaded (missing, corrupt), it
 * emits an `unavailable` update with the reason — once per cause, not on
 * every poll — and the recommender keeps the last good model or serves the
 * popular products. It always emits what it finds on start (also after a
 * restore), so a restarted job reloads the model it was serving.
 *
 * ```ts
 * const updates = env.fromSource(modelUpdateSource({ store: { client, bucket: 'lake', prefix: 'recommender/' } }), WatermarkStrategy.noWatermarks(), 'model updates');
 * ```
 */
import type { ReaderOutput, ReaderStatus, Source, SourceReader, SourceSplit } from '@tributary/core';
import type { ModelArtifact } from '../model/artifact.js';
import { loadModel, readLatestVersion, ModelStoreError, type ModelStoreOptions } from '../model/modelStore.js';

/** What the broadcast input of the recommender carries about models. */
export type ModelUpdate =
  | { readonly kind: 'model'; readonly version: string; readonly artifact: ModelArtifact }
  | { readonly kind: 'unavailable'; readonly version: string | undefined; readonly reason: string };

/** Where models come from: the S3 model store by default. */
export interface ModelProvider {
  /** The newest version's name, or undefined when none is published. */
  latestVersion(): Promise<string | undefined>;
  /** One version's artifact (throws when it is missing or corrupt). */
  load(version: string): Promise<ModelArtifact>;
  /** A place name for messages (`s3://bucket/prefix`). */
  readonly description: string;
}

/** Options of {@link modelUpdateSource}. */
export interface ModelUpdateSourceOptions {
  /** The S3 model store, or any other provider. */
  readonly store: ModelStoreOptions | ModelProvider;
  /** How often LATEST is polled (ms; default 10 s). */
  readonly pollIntervalMs?: number;
  /** Poll once and end (bounded jobs, tests, one-shot batches). Default false. */
  readonly once?: boolean;
}

export const DEFAULT_MODEL_POLL_INTERVAL_MS = 10_000;

const SPLIT_ID = 'model-store';

/** The provider over the S3 model store (modelStore.ts). */
export function s3ModelProvider(store: ModelStoreOptions): ModelProvider {
  return {
    description: `s3://${store.bucket}/${store.prefix ?? ''}`,
    latestVersion: () => readLatestVersion(store),
    load: (version) => loadModel(store, version),
  };
}

/** The source of model updates (parallelism 1; broadcast it to the recommender). */
export function modelUpdateSource(options: ModelUpdateSourceOptions): Source<ModelUpdate> {
  const provider = 'latestVersion' in options.store ? options.store : s3ModelProvider(options.store);
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_MODEL_POLL_INTERVAL_MS;
  if (!(pollIntervalMs > 0)) throw new RangeError(`pollIntervalMs must be positive, got ${pollIntervalMs}`);
  const once = options.once ?? false;
  return {
    boundedness: once ? 'bounded' : 'unbounded',
    maxParallelism: 1,
    discoverSplits: (): SourceSplit[] => [{ id: SPLIT_ID }],
    createReader: (): SourceReader<ModelUpdate> => new ModelUpdateReader(provider, pollIntervalMs, once),
  };
}

class ModelUpdateReader implements SourceReader<ModelUpdate> {
  private assigned = false;
  private polling: Promise<void> | undefined;
  private pending: ModelUpdate[] = [];
  private nextPollAt = 0;
  private polls = 0;
  private served: string | undefined;
  /** The cause last reported as unavailable, so it is reported once. */
  private reported: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly provider: ModelProvider,
    private readonly pollIntervalMs: number,
    private readonly once: boolean,
  ) {}

  addSplits(splits: readonly SourceSplit[]): void {
    if (splits.length > 0) this.assigned = true;
  }

  pollNext(output: ReaderOutput<ModelUpdate>): ReaderStatus {
    if (!this.assigned) return 'end';
    for (const update of this.pending.splice(0)) output.collect(SPLIT_ID, update);
    if (this.polling !== undefined) return 'waiting';
    if (this.once && this.polls > 0) {
      output.finishSplit(SPLIT_ID);
      return 'end';
    }
    if (Date.now() >= this.nextPollAt) {
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        this.nextPollAt = Date.now() + this.pollIntervalMs;
      });
    }
    return 'waiting';
  }

  available(): Promise<void> {
    if (this.pending.length > 0) return Promise.resolve();
    if (this.polling !== undefined) return this.polling;
    const wait = Math.max(0, this.nextPollAt - Date.now());
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, wait);
    });
  }

  snapshotState(): SourceSplit[] {
    return this.assigned ? [{ id: SPLIT_ID }] : [];
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async poll(): Promise<void> {
    this.polls++;
    let version: string | undefined;
    try {
      version = await this.provider.latestVersion();
    } catch (error) {
      this.unavailable(undefined, `cannot read the latest model version at ${this.provider.description}: ${message(error)}`);
      return;
    }
    if (version === undefined) {
      this.unavailable(undefined, `no model is published at ${this.provider.description} yet`);
      return;
    }
    if (version === this.served) return;
    try {
      const artifact = await this.provider.load(version);
      if (this.closed) return;
      this.served = version;
      this.reported = undefined;
      this.pending.push({ kind: 'model', version, artifact });
    } catch (error) {
      this.unavailable(version, `model ${version} at ${this.provider.description} cannot be loaded: ${message(error)}`);
    }
  }

  private unavailable(version: string | undefined, reason: string): void {
    if (this.closed || this.reported === reason) return;
    this.reported = reason;
    this.pending.push({ kind: 'unavailable', version, reason });
  }
}

function message(error: unknown): string {
  if (error instanceof ModelStoreError) return error.message;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The recommender's runtime inside one Lambda container, shared by the
 * Kinesis and the Firehose handlers. It runs the streaming operator's
 * per-event code — {@link mergeSession} into the session's state, then
 * {@link Recommender} (the model, or the most popular products marked
 * `fallback`) — and keeps what a container keeps between invocations:
 *
 * - the sessions, in a bounded LRU with TTL ({@link SessionCache});
 * - the model, loaded on the first invocation from the S3 model store
 *   through a {@link ModelProvider} and re-checked at most every
 *   `modelRefreshMs` (default 60 s) before an invocation; a missing,
 *   unreadable or corrupt model keeps the last good one, or the fallback
 *   without one, and the log says why (once per cause);
 * - the AWS SDK clients, built from the default provider chain through
 *   `awsClientConfig` (so `AWS_ENDPOINT_URL_*` points them at the local
 *   stack), or injected.
 *
 * Configuration comes from explicit options first, then environment
 * variables ({@link LAMBDA_ENV}), then defaults. Credentials never pass
 * through this module: the SDK finds them, and nothing here logs a client
 * configuration.
 *
 * ```ts
 * const runtime = new RecommenderLambdaRuntime({ env: process.env });
 * await runtime.prepare();                       // loads or re-checks the model when due
 * const decoded = runtime.decode(record.kinesis.data);
 * if (decoded.ok) output(runtime.answer(decoded.event));
 * else deadLetter(runtime.quarantine(decoded));
 * ```
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { awsClientConfig, type LocalService } from '@tributary/connectors/local';
import { FIREHOSE_MAX_RECORD_BYTES } from '@tributary/connectors/firehose';
import { PARTITION_KEY_MAX_LENGTH } from '@tributary/connectors/kinesis';
import type { Logger } from '@tributary/core';
import type { ModelArtifact } from '../../model/artifact.js';
import { validateSessionEvent, type Recommendation, type SessionEvent } from '../../retail/events.js';
import { s3ModelProvider, type ModelProvider } from '../modelUpdates.js';
import type { QuarantinedEvent } from '../pipeline.js';
import { DEFAULT_DEADLINE_MS, DEFAULT_K, DEFAULT_SIMILAR_K, Recommender, RecommenderStats, type RecommenderOptions } from '../recommender.js';
import { DEFAULT_SESSION_TTL_MS } from '../recommenderFunction.js';
import { createModelScorer, type Scorer } from '../scorer.js';
import { mergeSession } from '../session.js';
import { firehoseOutput, kinesisOutput, type BatchOutput, type OutputRetryOptions } from './outputs.js';
import { DEFAULT_MAX_SESSIONS, SessionCache } from './sessionCache.js';

/** The environment variables the handlers read (each overridden by the matching option). */
export const LAMBDA_ENV = Object.freeze({
  /** The model store's bucket; unset: no model store, every answer is the fallback. */
  modelBucket: 'MODEL_BUCKET',
  /** The model store's key prefix (default ''). */
  modelPrefix: 'MODEL_PREFIX',
  /** Recommended items per answer (default 5). */
  k: 'K',
  /** Similar items per answer (default 5). */
  similarK: 'SIMILAR_K',
  /** The model's per-event deadline, ms (default 100). */
  deadlineMs: 'DEADLINE_MS',
  /** How often the model store's LATEST is re-checked, ms (default 60 s). */
  modelRefreshMs: 'MODEL_REFRESH_MS',
  /** Sessions kept per container (default 50,000). */
  maxSessions: 'MAX_SESSIONS',
  /** A session is forgotten this long after its last event, ms (default 30 minutes). */
  sessionTtlMs: 'SESSION_TTL_MS',
  /** Comma-separated product codes served before any traffic or model is seen. */
  fallbackProducts: 'FALLBACK_PRODUCTS',
  /** The Kinesis stream recommendations go to (Kinesis handler). */
  outputStream: 'OUTPUT_STREAM',
  /** The Firehose delivery stream recommendations go to (Kinesis handler). */
  outputDeliveryStream: 'OUTPUT_DELIVERY_STREAM',
  /** The Firehose delivery stream malformed records go to, with the reason (Kinesis handler). */
  deadLetterDeliveryStream: 'DEAD_LETTER_DELIVERY_STREAM',
});

/** How often the model store is re-checked between invocations by default. */
export const DEFAULT_MODEL_REFRESH_MS = 60_000;
/** The `operator` of the dead letters the handlers write. */
export const LAMBDA_VALIDATE_OPERATOR = 'recommender-lambda: validate session events';
/**
 * A dead letter's `input` is cut to this many characters of the raw record
 * so that the letter fits in one Firehose record (1000 KiB) even when the
 * malformed Kinesis record is as large as Kinesis allows (1 MiB).
 */
export const MAX_QUARANTINED_INPUT_CHARS = Math.floor(FIREHOSE_MAX_RECORD_BYTES / 4);

/** Where models come from: the S3 model store (the client defaults to one built by the runtime) or any provider. */
export type LambdaModelSource = { readonly bucket: string; readonly prefix?: string; readonly client?: S3Client } | ModelProvider;

/** Options of {@link RecommenderLambdaRuntime} and the handler factories; each overrides its environment variable. */
export interface RecommenderLambdaOptions {
  /** Where the variables of {@link LAMBDA_ENV} (and `AWS_ENDPOINT_URL_*`, `AWS_REGION`) are read; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The model source; `false` for none (always the fallback). Default: `MODEL_BUCKET`/`MODEL_PREFIX`, none when unset. */
  readonly models?: LambdaModelSource | false;
  /** Default `MODEL_REFRESH_MS`, else {@link DEFAULT_MODEL_REFRESH_MS}. */
  readonly modelRefreshMs?: number;
  /** How the recommender answers; `k`, `similarK`, `deadlineMs`, `fallbackProducts` default to their variables. */
  readonly recommender?: Omit<RecommenderOptions, 'now' | 'onModelProblem'>;
  /** Default `MAX_SESSIONS`, else {@link DEFAULT_MAX_SESSIONS}. */
  readonly maxSessions?: number;
  /** Default `SESSION_TTL_MS`, else 30 minutes (the streaming job's session TTL). */
  readonly sessionTtlMs?: number;
  /** Output destinations; default `OUTPUT_STREAM`, `OUTPUT_DELIVERY_STREAM`, `DEAD_LETTER_DELIVERY_STREAM`. */
  readonly outputs?: {
    readonly stream?: string;
    readonly deliveryStream?: string;
    readonly deadLetterDeliveryStream?: string;
  };
  /** Clients to use (never destroyed by the runtime); missing ones are built from `awsClientConfig`. */
  readonly clients?: { readonly s3?: S3Client; readonly kinesis?: KinesisClient; readonly firehose?: FirehoseClient };
  /** Retries of rejected output entries within an invocation. */
  readonly retry?: OutputRetryOptions;
  /** Builds a model's scorer (default {@link createModelScorer}). */
  readonly scorerFactory?: (artifact: ModelArtifact) => Scorer;
  /** Default {@link jsonLinesLogger} (CloudWatch Logs reads stdout/stderr). */
  readonly logger?: Logger;
  /** Wall clock (ms); default `Date.now`. */
  readonly now?: () => number;
}

/** The runtime's configuration with defaults applied: plain data, safe to log (no clients, no credentials). */
export interface RecommenderLambdaConfig {
  readonly models: string | undefined;
  readonly modelRefreshMs: number;
  readonly k: number;
  readonly similarK: number;
  readonly deadlineMs: number;
  readonly maxSessions: number;
  readonly sessionTtlMs: number;
  readonly fallbackProducts: readonly string[];
  readonly outputStream: string | undefined;
  readonly outputDeliveryStream: string | undefined;
  readonly deadLetterDeliveryStream: string | undefined;
}

/** A decoded record: the valid session event, or why it was rejected and what it held. */
export type DecodedRecord =
  | { readonly ok: true; readonly event: SessionEvent }
  | { readonly ok: false; readonly reason: string; /** Parsed JSON, or the raw text when it was not JSON. */ readonly input: unknown };

/** What {@link RecommenderLambdaRuntime.answer} does with an event older than the session's newest. */
export type StaleEvents = 'answer' | 'skip';

/** A logger writing one JSON object per line: info to stdout, warnings and errors to stderr. */
export const jsonLinesLogger: Logger = {
  debug() {},
  info: (obj, msg) => console.log(JSON.stringify({ level: 'info', msg, ...obj })),
  warn: (obj, msg) => console.warn(JSON.stringify({ level: 'warn', msg, ...obj })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', msg, ...obj })),
};

/** See the module comment. One per container (the handler factories make one each). */
export class RecommenderLambdaRuntime {
  readonly config: RecommenderLambdaConfig;
  readonly recommender: Recommender;
  readonly stats = new RecommenderStats();
  readonly sessions: SessionCache;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly scorerFactory: (artifact: ModelArtifact) => Scorer;
  private readonly provider: ModelProvider | undefined;
  private readonly injected: NonNullable<RecommenderLambdaOptions['clients']>;
  private readonly created: Array<{ destroy(): void }> = [];
  private readonly clientCache: { s3?: S3Client; kinesis?: KinesisClient; firehose?: FirehoseClient } = {};
  private readonly retry: OutputRetryOptions;
  private readonly outputCache = new Map<string, BatchOutput>();
  private nextModelCheck = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | undefined;
  private reported: string | undefined;

  constructor(options: RecommenderLambdaOptions = {}) {
    this.env = options.env ?? process.env;
    this.logger = options.logger ?? jsonLinesLogger;
    this.now = options.now ?? Date.now;
    this.scorerFactory = options.scorerFactory ?? createModelScorer;
    this.injected = options.clients ?? {};
    this.retry = options.retry ?? {};
    const r = options.recommender ?? {};
    const fallbackProducts = r.fallbackProducts ?? listVariable(this.env, LAMBDA_ENV.fallbackProducts);
    const models = options.models ?? this.modelsFromEnv();
    this.provider = models === false || models === undefined ? undefined : 'latestVersion' in models ? models : this.s3Provider(models);
    const outputs = options.outputs ?? {};
    this.config = {
      models: this.provider?.description,
      modelRefreshMs: options.modelRefreshMs ?? numberVariable(this.env, LAMBDA_ENV.modelRefreshMs, DEFAULT_MODEL_REFRESH_MS),
      k: r.k ?? numberVariable(this.env, LAMBDA_ENV.k, DEFAULT_K),
      similarK: r.similarK ?? numberVariable(this.env, LAMBDA_ENV.similarK, DEFAULT_SIMILAR_K),
      deadlineMs: r.deadlineMs ?? numberVariable(this.env, LAMBDA_ENV.deadlineMs, DEFAULT_DEADLINE_MS),
      maxSessions: options.maxSessions ?? numberVariable(this.env, LAMBDA_ENV.maxSessions, DEFAULT_MAX_SESSIONS),
      sessionTtlMs: options.sessionTtlMs ?? numberVariable(this.env, LAMBDA_ENV.sessionTtlMs, DEFAULT_SESSION_TTL_MS),
      fallbackProducts,
      outputStream: outputs.stream ?? textVariable(this.env, LAMBDA_ENV.outputStream),
      outputDeliveryStream: outputs.deliveryStream ?? textVariable(this.env, LAMBDA_ENV.outputDeliveryStream),
      deadLetterDeliveryStream: outputs.deadLetterDeliveryStream ?? textVariable(this.env, LAMBDA_ENV.deadLetterDeliveryStream),
    };
    if (!(this.config.modelRefreshMs > 0)) throw new RangeError(`modelRefreshMs (${LAMBDA_ENV.modelRefreshMs}) must be > 0 ms, got ${this.config.modelRefreshMs}`);
    this.recommender = new Recommender(
      {
        ...r,
        fallbackProducts,
        k: this.config.k,
        similarK: this.config.similarK,
        deadlineMs: this.config.deadlineMs,
        now: this.now,
        onModelProblem: (problem) => this.logger.warn({ modelVersion: problem.modelVersion, kind: problem.kind }, problem.message),
      },
      this.stats,
    );
    this.sessions = new SessionCache({ maxSessions: this.config.maxSessions, ttlMs: this.config.sessionTtlMs, now: this.now });
    this.logger.info({ config: this.config }, 'recommender Lambda runtime configured');
  }

  /** The model version in use, if any. */
  get modelVersion(): string | undefined {
    return this.recommender.modelVersion;
  }

  /**
   * Loads the model on the first call, and re-checks the store when
   * `modelRefreshMs` has passed since the last check. Never rejects: a
   * model that cannot be had leaves the current one (or the fallback) in place.
   */
  async prepare(): Promise<void> {
    if (this.checking !== undefined) return this.checking;
    if (this.now() < this.nextModelCheck) return;
    this.checking = this.checkModel().finally(() => {
      this.nextModelCheck = this.now() + this.config.modelRefreshMs;
      this.checking = undefined;
    });
    return this.checking;
  }

  /** Decodes and validates one record's data (base64, as Lambda events carry it, or bytes). */
  decode(data: string | Uint8Array): DecodedRecord {
    const text = typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}`, input: text };
    }
    const validated = validateSessionEvent(raw);
    if (!validated.ok) return { ok: false, reason: validated.reason, input: raw };
    if ([...validated.value.session_id].length > PARTITION_KEY_MAX_LENGTH) {
      return { ok: false, reason: `session_id: must be at most ${PARTITION_KEY_MAX_LENGTH} characters (it is the output's partition key)`, input: raw };
    }
    return { ok: true, event: validated.value };
  }

  /**
   * Merges the event into its session and answers it, as the streaming
   * operator does. An event older than the session's newest is merged
   * (it may add a customer number) and, with `staleEvents: 'skip'`, not
   * answered: undefined.
   */
  answer(event: SessionEvent, staleEvents: StaleEvents = 'answer'): Recommendation | undefined {
    const previous = this.sessions.get(event.session_id);
    const session = mergeSession(previous, event);
    this.sessions.set(event.session_id, session);
    this.recommender.observe(previous, session, this.now());
    if (staleEvents === 'skip' && previous !== undefined && event.event_time < previous.lastEventTime) return undefined;
    return this.recommender.recommend(event.session_id, session, event.event_time);
  }

  /** The dead letter of a rejected record, in the streaming job's quarantine format. */
  quarantine(rejected: Extract<DecodedRecord, { ok: false }>, kinesis?: QuarantinedEvent['kinesis']): QuarantinedEvent {
    let input = rejected.input;
    let reason = rejected.reason;
    const text = typeof input === 'string' ? input : JSON.stringify(input);
    if (text.length > MAX_QUARANTINED_INPUT_CHARS) {
      input = text.slice(0, MAX_QUARANTINED_INPUT_CHARS);
      reason = `${reason} (input cut to its first ${MAX_QUARANTINED_INPUT_CHARS} of ${text.length} characters)`;
    }
    return {
      reason,
      operator: LAMBDA_VALIDATE_OPERATOR,
      input,
      ...(kinesis === undefined ? {} : { kinesis }),
      quarantinedAt: this.now(),
    };
  }

  /** The configured output of that kind (built once), or undefined when not configured. */
  output(kind: 'stream' | 'deliveryStream' | 'deadLetters'): BatchOutput | undefined {
    const name = kind === 'stream' ? this.config.outputStream : kind === 'deliveryStream' ? this.config.outputDeliveryStream : this.config.deadLetterDeliveryStream;
    if (name === undefined) return undefined;
    let output = this.outputCache.get(kind);
    if (output === undefined) {
      output = kind === 'stream' ? kinesisOutput(this.client('kinesis'), name, this.retry) : firehoseOutput(this.client('firehose'), name, this.retry);
      this.outputCache.set(kind, output);
    }
    return output;
  }

  /** The logger the runtime writes to (handlers log through it too). */
  get log(): Logger {
    return this.logger;
  }

  /** Destroys the clients the runtime built (tests; a container just ends). Injected ones are left alone. */
  close(): void {
    for (const client of this.created.splice(0)) client.destroy();
    delete this.clientCache.s3;
    delete this.clientCache.kinesis;
    delete this.clientCache.firehose;
    this.outputCache.clear();
  }

  private modelsFromEnv(): LambdaModelSource | undefined {
    const bucket = textVariable(this.env, LAMBDA_ENV.modelBucket);
    if (bucket === undefined) return undefined;
    const prefix = textVariable(this.env, LAMBDA_ENV.modelPrefix);
    return prefix === undefined ? { bucket } : { bucket, prefix };
  }

  private s3Provider(store: Exclude<LambdaModelSource, ModelProvider>): ModelProvider {
    // The client is built on first use, so configuring the runtime makes no AWS call.
    let inner: ModelProvider | undefined;
    const provider = (): ModelProvider =>
      (inner ??= s3ModelProvider({ client: store.client ?? this.client('s3'), bucket: store.bucket, ...(store.prefix === undefined ? {} : { prefix: store.prefix }) }));
    return {
      description: `s3://${store.bucket}/${store.prefix ?? ''}`,
      latestVersion: () => provider().latestVersion(),
      load: (version) => provider().load(version),
    };
  }

  private client(service: 's3'): S3Client;
  private client(service: 'kinesis'): KinesisClient;
  private client(service: 'firehose'): FirehoseClient;
  private client(service: LocalService): S3Client | KinesisClient | FirehoseClient {
    const existing = this.injected[service] ?? this.clientCache[service];
    if (existing !== undefined) return existing;
    const region = textVariable(this.env, 'AWS_REGION');
    const options = { env: this.env, ...(region === undefined ? {} : { region }) };
    const made =
      service === 's3'
        ? new S3Client(awsClientConfig('s3', options))
        : service === 'kinesis'
          ? new KinesisClient(awsClientConfig('kinesis', options))
          : new FirehoseClient(awsClientConfig('firehose', options));
    this.created.push(made);
    (this.clientCache as Record<LocalService, unknown>)[service] = made;
    return made;
  }

  private async checkModel(): Promise<void> {
    const provider = this.provider;
    if (provider === undefined) {
      this.problem(undefined, `no model store is configured (${LAMBDA_ENV.modelBucket} is unset)`);
      return;
    }
    let version: string | undefined;
    try {
      version = await provider.latestVersion();
    } catch (error) {
      this.problem(undefined, `cannot read the latest model version at ${provider.description}: ${describeError(error)}`);
      return;
    }
    if (version === undefined) {
      this.problem(undefined, `no model is published at ${provider.description} yet`);
      return;
    }
    const current = this.recommender.modelVersion;
    if (version === current) return;
    let scorer: Scorer;
    try {
      scorer = this.scorerFactory(await provider.load(version));
    } catch (error) {
      this.problem(version, `model ${version} at ${provider.description} cannot be loaded: ${describeError(error)}`);
      return;
    }
    this.recommender.setModel(scorer);
    this.reported = undefined;
    this.logger.info({ modelVersion: version, previous: current }, current === undefined ? `serving model ${version}` : `switched from model ${current} to ${version}`);
  }

  private problem(version: string | undefined, reason: string): void {
    this.stats.modelLoadFailures++;
    if (this.reported === reason) return;
    this.reported = reason;
    const current = this.recommender.modelVersion;
    const consequence = current === undefined ? 'serving the most popular products' : `still serving model ${current}`;
    this.logger.warn({ modelVersion: version }, `${reason}; ${consequence}`);
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function textVariable(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

function numberVariable(env: Readonly<Record<string, string | undefined>>, name: string, fallback: number): number {
  const text = textVariable(env, name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new RangeError(`environment variable ${name} must be a number, got '${text}'`);
  return value;
}

function listVariable(env: Readonly<Record<string, string | undefined>>, name: string): string[] {
  return (textVariable(env, name) ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * Model versions on S3, through an injected client:
 * ```
 * s3://<bucket>/<prefix>models/<version>/model.json        the artifact (serializeModel)
 * s3://<bucket>/<prefix>models/<version>/evaluation.json   its EvaluationReport
 * s3://<bucket>/<prefix>models/LATEST                      the newest version's name, written last
 * ```
 * A PUT is atomic per object and S3 reads are strongly consistent, so a
 * reader that follows LATEST always finds a complete model: LATEST is only
 * written once the model (and its report) are in place.
 *
 * ```ts
 * await saveModel({ client, bucket: 'lake', prefix: 'recommender/' }, artifact, report);
 * const latest = await loadLatestModel({ client, bucket: 'lake', prefix: 'recommender/' });
 * if (latest === undefined) servePopular(); else serve(latest.artifact);
 * ```
 * A corrupt model.json throws a {@link ModelArtifactError}; S3 failures throw
 * a {@link ModelStoreError} (with `retryable`). The client is never destroyed.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TributaryError } from '@tributary/core';
import { parseModel, serializeModel, type EvaluationReport, type ModelArtifact } from './artifact.js';

/** The folder under the prefix holding the versions and LATEST. */
export const MODELS_FOLDER = 'models/';
/** The object naming the newest version. */
export const LATEST_OBJECT = 'LATEST';
export const MODEL_OBJECT = 'model.json';
export const EVALUATION_OBJECT = 'evaluation.json';
/** What a version name may look like (it becomes part of S3 keys). */
export const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Where models live. */
export interface ModelStoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix; a '/' is added when missing (default ''). */
  readonly prefix?: string;
  /** Aborts the S3 requests (e.g. a loading deadline). */
  readonly abortSignal?: AbortSignal;
}

/** The codes a {@link ModelStoreError} carries. */
export type ModelStoreErrorCode =
  /** An S3 request failed (see `cause`; `retryable` says whether trying again may help). */
  | 'MODEL_STORE_REQUEST_FAILED'
  /** LATEST names a version whose model.json does not exist. */
  | 'MODEL_NOT_FOUND'
  /** LATEST or a version argument is not a valid version name. */
  | 'MODEL_VERSION_INVALID';

/** Reading or writing models on S3 failed. */
export class ModelStoreError extends TributaryError {
  declare readonly code: ModelStoreErrorCode;

  constructor(code: ModelStoreErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(code, message, options);
    this.name = 'ModelStoreError';
  }
}

/** The keys of one version. */
export interface ModelKeys {
  readonly model: string;
  readonly evaluation: string;
  readonly latest: string;
}

/** The keys of `version` under `prefix`. */
export function modelKeys(prefix: string | undefined, version: string): ModelKeys {
  checkVersion(version, 'version');
  const base = `${normalisePrefix(prefix)}${MODELS_FOLDER}`;
  return { model: `${base}${version}/${MODEL_OBJECT}`, evaluation: `${base}${version}/${EVALUATION_OBJECT}`, latest: `${base}${LATEST_OBJECT}` };
}

/** What {@link saveModel} wrote. */
export interface SavedModel {
  readonly version: string;
  readonly modelKey: string;
  readonly evaluationKey: string | undefined;
  /** Undefined when `updateLatest` was false. */
  readonly latestKey: string | undefined;
}

/**
 * Writes the artifact, then the report (if any), then LATEST (unless
 * `updateLatest` is false — e.g. to keep a model that lost to the baseline
 * from being served).
 */
export async function saveModel(
  options: ModelStoreOptions,
  artifact: ModelArtifact,
  report?: EvaluationReport,
  { updateLatest = true }: { readonly updateLatest?: boolean } = {},
): Promise<SavedModel> {
  const keys = modelKeys(options.prefix, artifact.version);
  if (report !== undefined && report.version !== artifact.version) {
    throw new RangeError(`the report is for version '${report.version}', the artifact is '${artifact.version}'`);
  }
  await put(options, keys.model, serializeModel(artifact), 'application/json');
  if (report !== undefined) await put(options, keys.evaluation, JSON.stringify(report, null, 2), 'application/json');
  if (updateLatest) await put(options, keys.latest, artifact.version, 'text/plain; charset=utf-8');
  return {
    version: artifact.version,
    modelKey: keys.model,
    evaluationKey: report === undefined ? undefined : keys.evaluation,
    latestKey: updateLatest ? keys.latest : undefined,
  };
}

/** The version LATEST names, or undefined when there is no LATEST. Cheap: poll it to notice new models. */
export async function readLatestVersion(options: ModelStoreOptions): Promise<string | undefined> {
  const key = `${normalisePrefix(options.prefix)}${MODELS_FOLDER}${LATEST_OBJECT}`;
  const text = await get(options, key);
  if (text === undefined) return undefined;
  const version = text.trim();
  if (!VERSION_PATTERN.test(version)) {
    throw new ModelStoreError('MODEL_VERSION_INVALID', `s3://${options.bucket}/${key} does not hold a version name: ${JSON.stringify(version.slice(0, 60))}`);
  }
  return version;
}

/**
 * Loads and validates one version's artifact. Throws MODEL_NOT_FOUND when it
 * does not exist, a ModelArtifactError when it is corrupt or its version
 * field disagrees with its key.
 */
export async function loadModel(options: ModelStoreOptions, version: string): Promise<ModelArtifact> {
  const keys = modelKeys(options.prefix, version);
  const text = await get(options, keys.model);
  if (text === undefined) throw new ModelStoreError('MODEL_NOT_FOUND', `No model at s3://${options.bucket}/${keys.model}`);
  const artifact = parseModel(text);
  if (artifact.version !== version) {
    throw new ModelStoreError('MODEL_VERSION_INVALID', `s3://${options.bucket}/${keys.model} holds version '${artifact.version}', not '${version}'`);
  }
  return artifact;
}

/** The artifact LATEST names and its version, or undefined when no model was saved yet. */
export async function loadLatestModel(options: ModelStoreOptions): Promise<{ artifact: ModelArtifact; version: string } | undefined> {
  const version = await readLatestVersion(options);
  if (version === undefined) return undefined;
  return { artifact: await loadModel(options, version), version };
}

/** One version's evaluation report, or undefined when none was saved. */
export async function loadEvaluation(options: ModelStoreOptions, version: string): Promise<EvaluationReport | undefined> {
  const keys = modelKeys(options.prefix, version);
  const text = await get(options, keys.evaluation);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as EvaluationReport;
  } catch (error) {
    throw new ModelStoreError('MODEL_STORE_REQUEST_FAILED', `s3://${options.bucket}/${keys.evaluation} is not JSON`, { cause: error });
  }
}

async function put(options: ModelStoreOptions, key: string, body: string, contentType: string): Promise<void> {
  try {
    await options.client.send(
      new PutObjectCommand({ Bucket: options.bucket, Key: key, Body: body, ContentType: contentType }),
      options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
    );
  } catch (error) {
    throw requestFailed('PutObject', options.bucket, key, error);
  }
}

/** The object's text, or undefined when it does not exist. */
async function get(options: ModelStoreOptions, key: string): Promise<string | undefined> {
  try {
    const response = await options.client.send(
      new GetObjectCommand({ Bucket: options.bucket, Key: key }),
      options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal },
    );
    if (response.Body === undefined) return '';
    return await response.Body.transformToString('utf-8');
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw requestFailed('GetObject', options.bucket, key, error);
  }
}

function requestFailed(operation: string, bucket: string, key: string, error: unknown): ModelStoreError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ModelStoreError('MODEL_STORE_REQUEST_FAILED', `${operation} s3://${bucket}/${key} failed: ${reason}`, {
    cause: error,
    retryable: isRetryable(error),
  });
}

function isNotFound(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; code?: unknown; $retryable?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (e.$retryable !== undefined) return true;
  const status = e.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  return RETRYABLE_NAMES.has(String(e.name)) || RETRYABLE_NAMES.has(String(e.code));
}

function normalisePrefix(prefix: string | undefined): string {
  const p = (prefix ?? '').replace(/^\/+/, '');
  if (p.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new RangeError(`model store prefix must not contain '.' or '..' segments, got ${JSON.stringify(prefix)}`);
  }
  return p === '' || p.endsWith('/') ? p : `${p}/`;
}

function checkVersion(version: string, what: string): void {
  if (!VERSION_PATTERN.test(version)) {
    throw new ModelStoreError('MODEL_VERSION_INVALID', `${what} ${JSON.stringify(version)} is not a valid version name (${VERSION_PATTERN})`);
  }
}

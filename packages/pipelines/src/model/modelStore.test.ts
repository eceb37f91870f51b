import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { ModelArtifactError, serializeModel, validateModel, type EvaluationReport, type ModelArtifact } from './artifact.js';
import { UNKNOWN_CATEGORY } from './features.js';
import {
  loadEvaluation,
  loadLatestModel,
  loadModel,
  modelKeys,
  ModelStoreError,
  readLatestVersion,
  saveModel,
  type ModelStoreOptions,
} from './modelStore.js';

/** An in-memory S3 that speaks PutObject and GetObject, records the order of writes, and can be told to fail. */
class FakeS3 {
  readonly objects = new Map<string, { body: string; contentType: string | undefined }>();
  readonly writes: string[] = [];
  failWith: Error | undefined;

  async send(command: unknown): Promise<unknown> {
    if (this.failWith !== undefined) throw this.failWith;
    if (command instanceof PutObjectCommand) {
      const { Bucket, Key, Body, ContentType } = command.input;
      const key = `${Bucket}/${Key}`;
      this.objects.set(key, { body: String(Body), contentType: ContentType });
      this.writes.push(key);
      return {};
    }
    if (command instanceof GetObjectCommand) {
      const object = this.objects.get(`${command.input.Bucket}/${command.input.Key}`);
      if (object === undefined) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
      return { Body: { transformToString: async () => object.body } };
    }
    throw new Error(`FakeS3 does not speak ${(command as object).constructor.name}`);
  }

  get client(): S3Client {
    return this as unknown as S3Client;
  }
}

function artifact(version: string): ModelArtifact {
  return validateModel({
    formatVersion: 1,
    version,
    createdAt: '2026-11-23T22:00:00.000Z',
    dimensions: 2,
    vocabularies: { city: [UNKNOWN_CATEGORY], country: [UNKNOWN_CATEGORY], productLine: [UNKNOWN_CATEGORY], productScale: [UNKNOWN_CATEGORY] },
    scalers: { creditLimit: { mean: 0, std: 1 }, quantityInStock: { mean: 0, std: 1 }, buyPrice: { mean: 0, std: 1 }, MSRP: { mean: 0, std: 1 } },
    userTower: [{ inputs: 3, outputs: 2, weights: [1, 0, 0, 0, 1, 0], bias: [0, 0], activation: 'linear' }],
    itemTower: [{ inputs: 5, outputs: 2, weights: new Array(10).fill(0.5), bias: [0, 0], activation: 'linear' }],
    userEmbeddings: { '103': [1, 0] },
    itemEmbeddings: { S10_1678: [0, 1] },
    products: [{ productCode: 'S10_1678', productLine: 'Motorcycles', productScale: '1:10' }],
    popularProducts: ['S10_1678'],
    ratingScale: 1,
    ratingBias: 3,
  });
}

function report(version: string): EvaluationReport {
  return {
    version,
    trainRows: 900,
    testRows: 100,
    rmse: 0.8,
    baselineRmse: 1.1,
    hitRateAt10: 0.4,
    popularityHitRateAt10: 0.2,
    epochs: 12,
    trainingSeconds: 3.2,
  };
}

describe('model store', () => {
  it('writes model.json, evaluation.json, then LATEST, and loads the latest model back', async () => {
    const s3 = new FakeS3();
    const options: ModelStoreOptions = { client: s3.client, bucket: 'lake', prefix: 'recommender' };
    expect(await loadLatestModel(options)).toBeUndefined();

    const saved = await saveModel(options, artifact('2026-11-23T22-00-00Z-3f2a'), report('2026-11-23T22-00-00Z-3f2a'));
    expect(saved).toEqual({
      version: '2026-11-23T22-00-00Z-3f2a',
      modelKey: 'recommender/models/2026-11-23T22-00-00Z-3f2a/model.json',
      evaluationKey: 'recommender/models/2026-11-23T22-00-00Z-3f2a/evaluation.json',
      latestKey: 'recommender/models/LATEST',
    });
    expect(s3.writes).toEqual([
      'lake/recommender/models/2026-11-23T22-00-00Z-3f2a/model.json',
      'lake/recommender/models/2026-11-23T22-00-00Z-3f2a/evaluation.json',
      'lake/recommender/models/LATEST',
    ]);
    expect(s3.objects.get('lake/recommender/models/LATEST')).toEqual({ body: '2026-11-23T22-00-00Z-3f2a', contentType: 'text/plain; charset=utf-8' });
    expect(s3.objects.get('lake/recommender/models/2026-11-23T22-00-00Z-3f2a/model.json')!.body).toBe(serializeModel(artifact('2026-11-23T22-00-00Z-3f2a')));

    expect(await loadLatestModel(options)).toEqual({ version: '2026-11-23T22-00-00Z-3f2a', artifact: artifact('2026-11-23T22-00-00Z-3f2a') });
    expect(await loadEvaluation(options, '2026-11-23T22-00-00Z-3f2a')).toEqual(report('2026-11-23T22-00-00Z-3f2a'));

    // A newer version moves LATEST; the older one stays loadable by name.
    await saveModel(options, artifact('2026-11-24T22-00-00Z-0b1c'));
    expect(await readLatestVersion(options)).toBe('2026-11-24T22-00-00Z-0b1c');
    expect((await loadModel(options, '2026-11-23T22-00-00Z-3f2a')).version).toBe('2026-11-23T22-00-00Z-3f2a');
    expect(await loadEvaluation(options, '2026-11-24T22-00-00Z-0b1c')).toBeUndefined();
  });

  it('can save a version without promoting it', async () => {
    const s3 = new FakeS3();
    const options = { client: s3.client, bucket: 'lake' };
    const saved = await saveModel(options, artifact('v1'), undefined, { updateLatest: false });
    expect(saved.latestKey).toBeUndefined();
    expect(s3.writes).toEqual(['lake/models/v1/model.json']);
    expect(await loadLatestModel(options)).toBeUndefined();
  });

  it('throws a ModelArtifactError for a corrupt model, so the recommender can fall back', async () => {
    const s3 = new FakeS3();
    const options = { client: s3.client, bucket: 'lake', prefix: 'r/' };
    await saveModel(options, artifact('v1'));
    const key = 'lake/r/models/v1/model.json';
    s3.objects.set(key, { body: s3.objects.get(key)!.body.slice(0, 100), contentType: 'application/json' });
    await expect(loadLatestModel(options)).rejects.toBeInstanceOf(ModelArtifactError);
    s3.objects.set(key, { body: serializeModel({ ...artifact('v1'), dimensions: 3 }), contentType: 'application/json' });
    await expect(loadLatestModel(options)).rejects.toThrow(/userTower\[0\]\.outputs must equal dimensions \(3\), got 2/);
  });

  it('says which version is missing when LATEST points nowhere, and rejects a LATEST that is not a version', async () => {
    const s3 = new FakeS3();
    const options = { client: s3.client, bucket: 'lake' };
    s3.objects.set('lake/models/LATEST', { body: 'v9\n', contentType: undefined });
    const missing = await loadLatestModel(options).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(ModelStoreError);
    expect(missing).toMatchObject({ code: 'MODEL_NOT_FOUND', message: 'No model at s3://lake/models/v9/model.json' });
    s3.objects.set('lake/models/LATEST', { body: '../../etc/passwd', contentType: undefined });
    await expect(readLatestVersion(options)).rejects.toMatchObject({ code: 'MODEL_VERSION_INVALID' });
    // A model stored under another version's key is not trusted either.
    s3.objects.set('lake/models/v2/model.json', { body: serializeModel(artifact('v1')), contentType: undefined });
    await expect(loadModel(options, 'v2')).rejects.toThrow("s3://lake/models/v2/model.json holds version 'v1', not 'v2'");
  });

  it('wraps S3 failures, saying whether a retry may help', async () => {
    const s3 = new FakeS3();
    const options = { client: s3.client, bucket: 'lake' };
    s3.failWith = new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' });
    const slow = await readLatestVersion(options).catch((error: unknown) => error);
    expect(slow).toBeInstanceOf(ModelStoreError);
    expect(slow).toMatchObject({
      code: 'MODEL_STORE_REQUEST_FAILED',
      retryable: true,
      message: 'GetObject s3://lake/models/LATEST failed: SlowDown: Please reduce your request rate.',
    });
    s3.failWith = new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });
    await expect(saveModel(options, artifact('v1'))).rejects.toMatchObject({ code: 'MODEL_STORE_REQUEST_FAILED', retryable: false });
  });

  it('checks versions and prefixes before touching S3', async () => {
    const s3 = new FakeS3();
    const options = { client: s3.client, bucket: 'lake' };
    expect(modelKeys('a/b', 'v1')).toEqual({ model: 'a/b/models/v1/model.json', evaluation: 'a/b/models/v1/evaluation.json', latest: 'a/b/models/LATEST' });
    expect(modelKeys(undefined, 'v1').latest).toBe('models/LATEST');
    expect(() => modelKeys('../up', 'v1')).toThrow(/must not contain '.' or '..' segments/);
    await expect(loadModel(options, 'has/slash')).rejects.toMatchObject({ code: 'MODEL_VERSION_INVALID' });
    await expect(saveModel(options, artifact('v1'), report('v2'))).rejects.toThrow("the report is for version 'v2', the artifact is 'v1'");
    expect(s3.writes).toEqual([]);
  });
});

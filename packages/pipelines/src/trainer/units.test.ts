/** The trainer's pure parts: row conversion, the run chain, the publish decision, the config and definition. */
import { isPipelineDefinition } from '@tributary/core';
import { describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../model/artifact.js';
import type { TrainingSetManifest } from '../trainingSet/manifest.js';
import { modelTrainerConfigSchema, toModelTrainerOptions } from './config.js';
import { ModelTrainerError } from './errors.js';
import { trainingSetRuns } from './locate.js';
import pipeline from './pipeline.js';
import { publishDecision } from './publish.js';
import { toTrainingRow } from './trainingRow.js';

describe('toTrainingRow', () => {
  const record = {
    customerNumber: 103,
    city: 'Nantes',
    state: null,
    postalCode: '44000',
    country: 'France',
    creditLimit: 21000.5,
    productCode: 'S10_1678',
    productLine: 'Motorcycles',
    productScale: '1:10',
    quantityInStock: 7933n,
    buyPrice: 48.81,
    MSRP: 95.7,
    productRating: 4,
  };

  it('keeps numbers and text, converts exact bigints and missing optional text to null', () => {
    expect(toTrainingRow(record)).toEqual({ ...record, quantityInStock: 7933 });
    expect(toTrainingRow({ ...record, state: undefined }).state).toBeNull();
  });

  it('throws a TypeError naming the column for a wrong or missing value', () => {
    expect(() => toTrainingRow({ ...record, productRating: '4' })).toThrow(new TypeError('column productRating: expected a finite number, got string "4"'));
    expect(() => toTrainingRow({ ...record, city: null })).toThrow(new TypeError('column city: expected text, got null'));
    expect(() => toTrainingRow({ ...record, customerNumber: 1.5 })).toThrow(new TypeError('column customerNumber: expected an integer, got 1.5'));
    expect(() => toTrainingRow({ ...record, quantityInStock: 2n ** 60n + 1n })).toThrow('column quantityInStock: 1152921504606846977 does not fit in a number exactly');
  });
});

describe('trainingSetRuns', () => {
  const run = (runId: string, mode: 'full' | 'incremental', previous: number | null, mark: number | null, snapshotTime = '2024-05-01T00:00:00.000Z'): TrainingSetManifest =>
    ({
      runId,
      mode,
      snapshotTime,
      output: { bucket: 'lake', prefix: 'ts/', files: [] },
      incremental: { trackingColumn: 'ratingId', previousHighWaterMark: previous, highWaterMark: mark },
    }) as unknown as TrainingSetManifest;
  const f1 = run('f1', 'full', null, 300);
  const i1 = run('i1', 'incremental', 300, 304);
  const empty = run('e1', 'incremental', 304, 304);
  const i2 = run('i2', 'incremental', 304, 306);
  const ids = (runs: TrainingSetManifest[]): string[] => runs.map((r) => r.runId);

  it('is the latest run alone when it is a snapshot (full, or an increment without a previous mark)', () => {
    expect(ids(trainingSetRuns(f1, [f1, i1]))).toEqual(['f1']);
    expect(ids(trainingSetRuns(run('first', 'incremental', null, 300), []))).toEqual(['first']);
  });

  it('follows the marks back to the snapshot, skipping empty increments', () => {
    expect(ids(trainingSetRuns(i2, [f1, i1, empty, i2]))).toEqual(['f1', 'i1', 'i2']);
    expect(ids(trainingSetRuns(empty, [f1, i1, empty]))).toEqual(['f1', 'i1', 'e1']);
  });

  it('prefers a full re-run ending at the mark to the increments before it, and the latest of equals', () => {
    const f2 = run('f2', 'full', null, 304, '2024-05-02T00:00:00.000Z');
    const f3 = run('f3', 'full', null, 304, '2024-05-03T00:00:00.000Z');
    expect(ids(trainingSetRuns(i2, [f1, i1, f2, f3, i2]))).toEqual(['f3', 'i2']);
  });

  it('fails naming the increment and the missing mark when the history has a gap', () => {
    expect(() => trainingSetRuns(i2, [f1, i2])).toThrow(ModelTrainerError);
    expect(() => trainingSetRuns(i2, [f1, i2])).toThrow("Training set s3://lake/ts/: increment 'i2' starts at ratingId > 304, but no run in manifests/ ends at that mark");
  });
});

describe('publishDecision', () => {
  const report = (model: number, popularity: number): EvaluationReport => ({
    version: 'v1',
    trainRows: 100,
    testRows: 20,
    rmse: 0.9,
    baselineRmse: 1.1,
    hitRateAt10: model,
    popularityHitRateAt10: popularity,
    epochs: 5,
    trainingSeconds: 1,
  });

  it('publishes a model that beats the popularity baseline on hit rate@10', () => {
    expect(publishDecision(report(0.5, 0.25))).toEqual({ publish: true, beatsBaseline: true, reason: 'model beats the popularity baseline (hit rate@10 0.500 vs popularity baseline 0.250)' });
  });

  it('does not publish a model that loses or ties, unless told to', () => {
    expect(publishDecision(report(0.25, 0.25))).toMatchObject({ publish: false, beatsBaseline: false });
    expect(publishDecision(report(0.2, 0.25)).reason).toBe(
      'model does not beat the popularity baseline (hit rate@10 0.200 vs popularity baseline 0.250): saved, LATEST not moved (set publishEvenIfWorse to publish it anyway)',
    );
    expect(publishDecision(report(0.2, 0.25), true)).toMatchObject({ publish: true, beatsBaseline: false });
  });
});

describe('the model-trainer pipeline definition', () => {
  const base = { trainingSet: { bucket: 'lake' }, models: { bucket: 'models' } };

  it('is a definition whose config gets its defaults', () => {
    expect(isPipelineDefinition(pipeline)).toBe(true);
    expect(pipeline.name).toBe('model-trainer');
    expect(modelTrainerConfigSchema.parse(base)).toEqual({
      trainingSet: { bucket: 'lake', prefix: 'training-set/' },
      models: { bucket: 'models', prefix: 'recommender/' },
      s3: {},
      training: {},
      publishEvenIfWorse: false,
    });
  });

  it('lists config problems with their paths', () => {
    const result = modelTrainerConfigSchema.safeParse({ trainingSet: { bucket: 'Bad_Bucket' }, models: {}, training: { epochs: 0, testFraction: 1, learning: 1 } });
    expect((result.error?.issues ?? []).map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['trainingSet.bucket', 'models.bucket', 'training.epochs', 'training.testFraction', 'training']),
    );
  });

  it('points both buckets at AWS or a local endpoint by configuration alone, passing training options through', () => {
    const local = toModelTrainerOptions(modelTrainerConfigSchema.parse({ ...base, s3: { endpoint: 'http://127.0.0.1:4569' }, training: { seed: 3, epochs: 5 }, publishEvenIfWorse: true }));
    expect(local.trainingSet.clientConfig).toMatchObject({ endpoint: 'http://127.0.0.1:4569', forcePathStyle: true });
    expect(local.models.clientConfig).toBe(local.trainingSet.clientConfig);
    expect(local).toMatchObject({ training: { seed: 3, epochs: 5 }, publishEvenIfWorse: true, models: { bucket: 'models', prefix: 'recommender/' } });
    expect(toModelTrainerOptions(modelTrainerConfigSchema.parse({ ...base, s3: { region: 'eu-west-1' } })).trainingSet.clientConfig).toEqual({ region: 'eu-west-1' });
  });
});

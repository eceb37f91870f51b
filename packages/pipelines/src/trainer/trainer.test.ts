/**
 * The model trainer end to end on the embedded local stack: the training-set
 * builder writes Parquet from PGlite to the local S3, the trainer reads it
 * back, trains and saves — in-process, as a dataflow, and through the
 * `tributary` CLI as a user runs it.
 */
import { randomBytes } from 'node:crypto';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { StreamEnvironment, silentLogger, type Logger } from '@tributary/core';
import { startLocalStack, type LocalStack } from '@tributary/connectors/local';
import { openSqlClient, type SqlClient } from '@tributary/connectors/rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEvaluation, loadLatestModel, readLatestVersion } from '../model/modelStore.js';
import { quoteIdentifier } from '../retail/tables.js';
import { appendRatings, dropFixture, loadFixture, type Fixture, type FixtureTables } from '../trainingSet/fixtures.js';
import type { TrainingSetManifest } from '../trainingSet/manifest.js';
import { runTrainingSet } from '../trainingSet/run.js';
import type { TrainingSetOptions } from '../trainingSet/builder.js';
import { ModelTrainerError } from './errors.js';
import { preferenceFixture } from './fixtures.js';
import { buildModelTrainer } from './job.js';
import { readTrainingSet } from './readTrainingSet.js';
import { runTributary } from '../testSupport/tributaryCli.js';
import { runModelTrainer } from './runModelTrainer.js';
import type { ModelTrainerOptions } from './options.js';

const BUCKET = 'trainer-lake';
/** Training that cannot learn anything: one epoch at a negligible learning rate, no per-id vectors. */
const CRIPPLED = { seed: 7, epochs: 1, learningRate: 1e-6, idEmbeddings: false } as const;
const suffix = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;

let stack: LocalStack;
let admin: SqlClient;
let fixture: Fixture;
let tables: FixtureTables;
let full: TrainingSetManifest;

function builderOptions(prefix: string, extra: Partial<TrainingSetOptions> = {}): TrainingSetOptions {
  return {
    source: { dialect: 'postgres', connection: { connectionString: stack.endpoints.postgres }, tables },
    output: { bucket: BUCKET, prefix, client: stack.clients.s3 },
    trackingColumn: 'ratingId',
    logger: silentLogger,
    ...extra,
  };
}

function trainerOptions(models: string, extra: Partial<ModelTrainerOptions> = {}): ModelTrainerOptions {
  return {
    trainingSet: { bucket: BUCKET, prefix: 'ts-full/', client: stack.clients.s3 },
    models: { bucket: BUCKET, prefix: models, client: stack.clients.s3 },
    training: { seed: 7 },
    logger: silentLogger,
    ...extra,
  };
}

async function listKeys(prefix: string): Promise<string[]> {
  const page = await stack.clients.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (page.Contents ?? []).map((o) => o.Key ?? '').sort();
}

/** A logger that keeps the messages. */
function recordingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const keep = (_o: object, msg?: string): void => void messages.push(msg ?? '');
  return { logger: { debug: keep, info: keep, warn: keep, error: keep }, messages };
}

beforeAll(async () => {
  stack = await startLocalStack({ kinesis: false, firehose: false });
  await stack.createBucket(BUCKET);
  admin = openSqlClient({ dialect: 'postgres', connection: { connectionString: stack.endpoints.postgres } });
  tables = { ratings: `tr_ratings_${suffix}`, customers: `tr_customers_${suffix}`, products: `tr_products_${suffix}` };
  fixture = preferenceFixture();
  await loadFixture(admin, 'postgres', tables, fixture);
  full = await runTrainingSet(builderOptions('ts-full/', { runId: 'full' }));
}, 120_000);

afterAll(async () => {
  if (admin !== undefined) {
    await dropFixture(admin, 'postgres', tables);
    await admin.close();
  }
  await stack?.stop();
});

describe('readTrainingSet', () => {
  it('reads every committed Parquet row back as a typed TrainingRow, as many as the manifest counts', { timeout: 60_000 }, async () => {
    const set = await readTrainingSet(stack.clients.s3, BUCKET, 'ts-full');
    expect(set.count).toBe(full.counts.valid);
    expect(set.count).toBe(fixture.ratings.length);
    expect(set.rows).toHaveLength(set.count);
    expect(set.runs.map((r) => r.runId)).toEqual(['full']);
    expect(set.files.map((f) => f.key)).toEqual(full.output.files.map((f) => f.key));
    const triple = (r: { customerNumber: number; productCode: string; productRating: number }): string => `${r.customerNumber}|${r.productCode}|${r.productRating}`;
    expect(set.rows.map(triple).sort()).toEqual(fixture.ratings.map(triple).sort());
    const customer = fixture.customers.find((c) => c.customerNumber === set.rows[0]?.customerNumber);
    expect(set.rows[0]).toMatchObject({ city: customer?.city, state: customer?.state, country: customer?.country, creditLimit: customer?.creditLimit });
    for (const row of set.rows) {
      expect(Number.isInteger(row.customerNumber) && Number.isInteger(row.quantityInStock) && Number.isInteger(row.productRating)).toBe(true);
      expect(typeof row.buyPrice).toBe('number');
    }
  });

  it('fails with a TRAINING_SET_NOT_FOUND error naming the bucket and prefix when there is no manifest', async () => {
    const error = await readTrainingSet(stack.clients.s3, BUCKET, 'nothing-here').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelTrainerError);
    expect(error).toMatchObject({ code: 'TRAINING_SET_NOT_FOUND', name: 'ModelTrainerError' });
    expect((error as Error).message).toContain(`No training set at s3://${BUCKET}/nothing-here/: manifest.json is missing`);
  });

  it('reads the latest full snapshot plus the increments after it, and trains on them as a dataflow', { timeout: 120_000 }, async () => {
    const prefix = 'ts-incremental/';
    const first = await runTrainingSet(builderOptions(prefix, { runId: 'f1' }));
    const rated = new Set(fixture.ratings.map((r) => `${r.customerNumber}|${r.productCode}`));
    const added = fixture.customers
      .filter((c) => c.customerNumber < 900)
      .flatMap((c) => fixture.products.filter((p) => p.buyPrice > 0 && !rated.has(`${c.customerNumber}|${p.productCode}`)).map((p) => ({ customerNumber: c.customerNumber, productCode: p.productCode, productRating: 5 })))
      .slice(0, 3);
    const tail = fixture.ratings.length + 1;
    await appendRatings(admin, 'postgres', tables, added, tail);
    try {
      const increment = await runTrainingSet(builderOptions(prefix, { mode: 'incremental', runId: 'i1' }));
      await runTrainingSet(builderOptions(prefix, { mode: 'incremental', runId: 'i2' })); // nothing new: an empty increment
      const set = await readTrainingSet(stack.clients.s3, BUCKET, prefix);
      expect(increment.counts.valid).toBe(3);
      expect(set.runs.map((r) => r.runId)).toEqual(['f1', 'i1', 'i2']);
      expect(set.count).toBe(first.counts.valid + 3);
      expect(set.rowCount).toBe(set.count);
      for (const a of added) expect(set.rows.some((r) => r.customerNumber === a.customerNumber && r.productCode === a.productCode)).toBe(true);

      // The runner's dataflow reads the same files (in parallel) and trains on exactly those rows.
      const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
      const build = await buildModelTrainer(env, trainerOptions('models-dataflow/', { trainingSet: { bucket: BUCKET, prefix, client: stack.clients.s3 } }));
      await env.execute('model-trainer').done;
      const result = await build.result;
      expect(result.rows).toBe(set.count);
      expect(result.trainingSet.runs).toEqual(['f1', 'i1', 'i2']);
      expect(result.report.trainRows + result.report.testRows).toBe(set.count);

      // A full re-run is a snapshot of its own: the chain starts there.
      const again = await runTrainingSet(builderOptions(prefix, { runId: 'f2' }));
      const latest = await readTrainingSet(stack.clients.s3, BUCKET, prefix);
      expect(latest.runs.map((r) => r.runId)).toEqual(['f2']);
      expect(latest.count).toBe(again.counts.valid);
      expect(latest.count).toBe(set.count);
    } finally {
      await admin.query(`DELETE FROM ${quoteIdentifier(tables.ratings, 'postgres')} WHERE ${quoteIdentifier('ratingId', 'postgres')} >= ${tail}`);
    }
  });
});

describe('runModelTrainer', () => {
  it('trains on the training set, saves the version with its evaluation and publishes it when it beats the baseline', { timeout: 60_000 }, async () => {
    const { logger, messages } = recordingLogger();
    const result = await runModelTrainer(trainerOptions('models-a/', { logger }));
    expect(result.rows).toBe(full.counts.valid);
    expect(result.report.trainRows + result.report.testRows).toBe(result.rows);
    expect(result.report.hitRateAt10).toBeGreaterThan(result.report.popularityHitRateAt10);
    expect(result).toMatchObject({ published: true, beatsBaseline: true, version: result.report.version, trainingSet: { runs: ['full'] } });
    expect(result.seconds).toBeGreaterThan(0);
    expect(await listKeys('models-a/')).toEqual([`models-a/models/${result.version}/evaluation.json`, `models-a/models/${result.version}/model.json`, 'models-a/models/LATEST']);
    const store = { client: stack.clients.s3, bucket: BUCKET, prefix: 'models-a/' };
    const latest = await loadLatestModel(store);
    expect(latest?.version).toBe(result.version);
    expect(Object.keys(latest?.artifact.userEmbeddings ?? {})).not.toHaveLength(0);
    expect(await loadEvaluation(store, result.version)).toEqual(result.report);
    expect(messages.some((m) => m.startsWith(`read ${result.rows} training rows`))).toBe(true);
    expect(messages.some((m) => m.startsWith(`published model ${result.version}`))).toBe(true);
  });

  it('saves a model that does not beat the popularity baseline without moving LATEST, unless publishEvenIfWorse', { timeout: 60_000 }, async () => {
    const store = { client: stack.clients.s3, bucket: BUCKET, prefix: 'models-b/' };
    const good = await runModelTrainer(trainerOptions('models-b/'));
    const { logger, messages } = recordingLogger();
    const worse = await runModelTrainer(trainerOptions('models-b/', { training: CRIPPLED, logger }));
    expect(worse.report.hitRateAt10).toBeLessThanOrEqual(worse.report.popularityHitRateAt10);
    expect(worse).toMatchObject({ published: false, beatsBaseline: false, saved: { latestKey: undefined } });
    expect(worse.reason).toMatch(/^model does not beat the popularity baseline \(hit rate@10 0\.\d{3} vs popularity baseline 0\.\d{3}\): saved, LATEST not moved/);
    expect(messages.some((m) => m.includes('LATEST not moved'))).toBe(true);
    expect(await readLatestVersion(store)).toBe(good.version);
    expect(await listKeys(`models-b/models/${worse.version}/`)).toEqual([`models-b/models/${worse.version}/evaluation.json`, `models-b/models/${worse.version}/model.json`]);

    const forced = await runModelTrainer(trainerOptions('models-b/', { training: CRIPPLED, publishEvenIfWorse: true }));
    expect(forced).toMatchObject({ published: true, beatsBaseline: false });
    expect(forced.reason).toContain('published anyway (publishEvenIfWorse)');
    expect((await loadLatestModel(store))?.version).toBe(forced.version);
  });

  it('fails on a missing training set before writing any model', async () => {
    await expect(runModelTrainer(trainerOptions('models-c/', { trainingSet: { bucket: BUCKET, prefix: 'nothing-here/', client: stack.clients.s3 } }))).rejects.toMatchObject({
      code: 'TRAINING_SET_NOT_FOUND',
    });
    expect(await listKeys('models-c/')).toEqual([]);
  });
});

describe('tributary run @tributary/pipelines/model-trainer', () => {
  /** Runs the trainer through the CLI as a user does. */
  const tributary = (config: unknown): Promise<{ code: number | null; stderr: string }> =>
    runTributary(['run', '@tributary/pipelines/model-trainer', '--status-interval', '0s', '--no-progress'], config);
  const config = (trainingSetPrefix: string, modelsPrefix: string): unknown => ({
    trainingSet: { bucket: BUCKET, prefix: trainingSetPrefix },
    models: { bucket: BUCKET, prefix: modelsPrefix },
    s3: { endpoint: stack.endpoints.s3, region: 'us-east-1' },
    training: { seed: 7 },
  });

  it('trains once from the config file and exits 0, the model published', { timeout: 120_000 }, async () => {
    const run = await tributary(config('ts-full/', 'models-cli/'));
    expect(run.stderr).toContain("starting pipeline 'model-trainer'");
    // The trainer logs through the runner's logger (env.logger): its outcome is in the JSON logs.
    expect(run.stderr).toMatch(/"msg":"published model \S+: model beats the popularity baseline/);
    expect(run.code).toBe(0);
    const store = { client: stack.clients.s3, bucket: BUCKET, prefix: 'models-cli/' };
    const latest = await loadLatestModel(store);
    expect(latest).toBeDefined();
    const report = await loadEvaluation(store, latest?.version ?? '');
    expect((report?.trainRows ?? 0) + (report?.testRows ?? 0)).toBe(full.counts.valid);
  });

  it('exits 1 naming the bucket and prefix when there is no training set', { timeout: 120_000 }, async () => {
    const run = await tributary(config('nothing-here/', 'models-cli-missing/'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`No training set at s3://${BUCKET}/nothing-here/`);
    expect(await listKeys('models-cli-missing/')).toEqual([]);
  });
});

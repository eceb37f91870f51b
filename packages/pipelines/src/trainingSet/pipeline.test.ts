import { describe, expect, it } from 'vitest';
import { isPipelineDefinition } from '@tributary/core';
import pipeline from './pipeline.js';
import { toTrainingSetOptions, trainingSetConfigSchema } from './config.js';

const base = {
  source: { dialect: 'mysql', connection: { host: 'db.internal', port: 3306, user: 'reader', database: 'classicmodels' } },
  output: { bucket: 'lake' },
};

describe('the training-set-builder pipeline definition', () => {
  it('is a definition with defaults applied to its config', () => {
    expect(isPipelineDefinition(pipeline)).toBe(true);
    expect(pipeline.name).toBe('training-set-builder');
    const config = trainingSetConfigSchema.parse(base);
    expect(config).toMatchObject({ mode: 'full', output: { bucket: 'lake', prefix: 'training-set/', partitionBy: 'snapshotDate' } });
  });

  it('lists config problems with their paths', () => {
    const result = trainingSetConfigSchema.safeParse({
      source: { dialect: 'oracle', connection: { host: 'x' } },
      output: { bucket: 'Bad_Bucket', partitionBy: 'hour', customerBuckets: 0 },
      mode: 'incremental',
    });
    expect(result.success).toBe(false);
    const paths = (result.error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['source.dialect', 'source.connection', 'output.bucket', 'output.partitionBy', 'output.customerBuckets']));
    const incremental = trainingSetConfigSchema.safeParse({ ...base, mode: 'incremental' });
    expect(incremental.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['trackingColumn', "mode 'incremental' needs trackingColumn (an increasing integer column of the ratings table)"],
    ]);
  });

  it('points S3 at AWS or at a local endpoint by configuration alone, and maps URLs to driver options', () => {
    const aws = toTrainingSetOptions(trainingSetConfigSchema.parse({ ...base, output: { bucket: 'lake', region: 'eu-west-1' } }));
    expect(aws.output.clientConfig).toEqual({ region: 'eu-west-1' });
    expect(aws.source).toMatchObject({ dialect: 'mysql', connection: { host: 'db.internal', port: 3306, user: 'reader', database: 'classicmodels' } });
    const local = toTrainingSetOptions(trainingSetConfigSchema.parse({ ...base, output: { bucket: 'lake', endpoint: 'http://127.0.0.1:4569' } }));
    expect(local.output.clientConfig).toMatchObject({ endpoint: 'http://127.0.0.1:4569', forcePathStyle: true });
    const pg = toTrainingSetOptions(trainingSetConfigSchema.parse({ ...base, source: { dialect: 'postgres', connection: { url: 'postgres://u@h/db' } } }));
    expect(pg.source).toMatchObject({ dialect: 'postgres', connection: { connectionString: 'postgres://u@h/db' } });
    const my = toTrainingSetOptions(trainingSetConfigSchema.parse({ ...base, source: { dialect: 'mysql', connection: { url: 'mysql://u@h/db' } } }));
    expect(my.source).toMatchObject({ dialect: 'mysql', connection: { uri: 'mysql://u@h/db' } });
  });
});

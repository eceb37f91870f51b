/**
 * Reading the training set back: every committed Parquet file the manifests
 * say it consists of (locate.ts), through the connectors' Parquet reader
 * over ranged S3 reads, each record checked and converted to a TrainingRow.
 * A file whose row count differs from its manifest's, or a record that is
 * not a TrainingRow, fails the read — a model is never trained on part of
 * its data silently.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { defaultLogger, type Logger } from '@tributary/core';
import { parquetReader } from '@tributary/connectors/formats';
import { objectFile } from '@tributary/connectors/s3';
import type { TrainingRow } from '../retail/rows.js';
import { ModelTrainerError } from './errors.js';
import { locateTrainingSet, type TrainingSetFile, type TrainingSetLocation } from './locate.js';
import { toTrainingRow } from './trainingRow.js';

/** A training set read into memory. */
export interface TrainingSet extends TrainingSetLocation {
  readonly rows: readonly TrainingRow[];
  /** `rows.length` (equal to `rowCount`, the manifests' count). */
  readonly count: number;
}

/** Options of {@link readTrainingSet}. */
export interface ReadTrainingSetOptions {
  /** Progress (one line per file at debug, a summary at info). */
  readonly logger?: Logger;
}

/**
 * Reads the training set under `prefix` (the builder's output prefix, e.g.
 * `training-set/`): the latest full snapshot and the increments after it.
 *
 * ```ts
 * const { rows, count, manifest } = await readTrainingSet(s3, 'lake', 'training-set/');
 * const { artifact, report } = trainAndEvaluate(rows, { seed: 7 });
 * ```
 * Gotchas: the rows are held in memory (about 300 bytes each). The client
 * is never destroyed.
 * @throws ModelTrainerError `TRAINING_SET_NOT_FOUND` (no manifest, naming
 *   bucket and prefix), `TRAINING_SET_INCONSISTENT`, `TRAINING_ROW_INVALID`;
 *   S3ConnectorError when S3 fails.
 */
export async function readTrainingSet(client: S3Client, bucket: string, prefix: string, options: ReadTrainingSetOptions = {}): Promise<TrainingSet> {
  const logger = options.logger ?? defaultLogger;
  const location = await locateTrainingSet(client, bucket, prefix);
  const rows: TrainingRow[] = [];
  for (const file of location.files) {
    const read = await readFile(client, bucket, file, rows);
    if (read !== file.rows) {
      throw new ModelTrainerError('TRAINING_SET_INCONSISTENT', `s3://${bucket}/${file.key} holds ${read} rows, its manifest says ${file.rows}`);
    }
    logger.debug({ key: file.key, rows: read }, `read s3://${bucket}/${file.key}`);
  }
  logger.info(
    { bucket, prefix: location.prefix, rows: rows.length, files: location.files.length, runs: location.runs.map((r) => r.runId) },
    `read ${rows.length} training rows from ${location.files.length} files of ${location.runs.length} run(s) under s3://${bucket}/${location.prefix}`,
  );
  return { ...location, rows, count: rows.length };
}

/** Appends one file's rows to `into`; returns how many it held. */
async function readFile(client: S3Client, bucket: string, file: TrainingSetFile, into: TrainingRow[]): Promise<number> {
  let offset = 0;
  const records = parquetReader<TrainingRow>({ parse: toTrainingRow }).read(objectFile(client, { bucket, key: file.key, size: file.bytes }), 0);
  for await (const batch of records) {
    for (const record of batch) {
      if (!record.ok) {
        throw new ModelTrainerError('TRAINING_ROW_INVALID', `row ${offset} of s3://${bucket}/${file.key} is not a training row: ${record.reason}`);
      }
      into.push(record.value);
      offset++;
    }
  }
  return offset;
}

/**
 * The sink at the end of the model trainer's dataflow (parallelism 1): it
 * gathers the training rows, and at the end of input checks their count
 * against the manifests and trains, saves and (maybe) publishes the model.
 * Its state is not checkpointed: the trainer is a short batch job, meant to
 * run without checkpoints — a restored run would come up short and fail the
 * count check rather than train on part of the data.
 */
import type { Sink, SinkWriter } from '@tributary/core';
import { resolveClient } from '@tributary/connectors/s3';
import type { TrainingRow } from '../retail/rows.js';
import { ModelTrainerError } from './errors.js';
import type { TrainingSetLocation } from './locate.js';
import { trainAndPublish, type PublishedModel, type TrainAndPublishOptions } from './publish.js';
import type { S3Location } from './options.js';

/** Options of {@link trainerSink}. */
export interface TrainerSinkOptions extends Omit<TrainAndPublishOptions, 'store'> {
  /** What the rows should add up to. */
  readonly location: TrainingSetLocation;
  /** The model store (its prefix already defaulted). */
  readonly models: S3Location & { readonly prefix: string };
  /** Told about the model once saved. */
  readonly onModel: (model: PublishedModel, rows: number) => void;
}

/**
 * A sink that trains on everything it receives, once, at the end of input.
 *
 * ```ts
 * rows.sinkTo(trainerSink({ location, models: { bucket: 'lake', prefix: 'recommender/' }, onModel })).setParallelism(1);
 * ```
 * Gotchas: run it at parallelism 1 — each subtask would train on its share.
 */
export function trainerSink(options: TrainerSinkOptions): Sink<TrainingRow> {
  return {
    createWriter(context): SinkWriter<TrainingRow> {
      if (context.parallelism !== 1) throw new RangeError(`trainerSink must run at parallelism 1, got ${context.parallelism}`);
      const rows: TrainingRow[] = [];
      return {
        write(row) {
          rows.push(row);
        },
        async flush(endOfInput) {
          if (endOfInput) options.onModel(await train(rows, options), rows.length);
        },
      };
    },
  };
}

async function train(rows: readonly TrainingRow[], options: TrainerSinkOptions): Promise<PublishedModel> {
  const { location } = options;
  if (rows.length !== location.rowCount) {
    throw new ModelTrainerError(
      'TRAINING_SET_INCONSISTENT',
      `read ${rows.length} rows from s3://${location.bucket}/${location.prefix}, its manifests say ${location.rowCount}`,
    );
  }
  const store = resolveClient(options.models);
  try {
    return await trainAndPublish(rows, {
      store: { client: store.client, bucket: options.models.bucket, prefix: options.models.prefix },
      ...(options.training === undefined ? {} : { training: options.training }),
      ...(options.publishEvenIfWorse === undefined ? {} : { publishEvenIfWorse: options.publishEvenIfWorse }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  } finally {
    if (store.owned) store.client.destroy();
  }
}

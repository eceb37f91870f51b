import { StreamEnvironment, WatermarkStrategy, type DataStream, type DeadLetter, type SinkWriter, type Source } from '@tributary/core';
import { describe, expectTypeOf, it } from 'vitest';
import type { SinkDeadLetter } from '../batching/index.js';
import {
  KinesisSink,
  KinesisSource,
  kinesisSourceWithDeadLetters,
  utf8Deserializer,
  type KinesisShardSplit,
  type KinesisUndeserializableRecord,
} from './index.js';

interface Click {
  readonly page: string;
}

describe('Kinesis API types', () => {
  it('types the source by its deserializer, the dead letters by the record that failed, and the sink by its input', () => {
    const env = StreamEnvironment.create();
    expectTypeOf(new KinesisSource({ stream: 's', deserializer: utf8Deserializer })).toEqualTypeOf<KinesisSource<string>>();
    expectTypeOf(new KinesisSource<Click>({ stream: 's' })).toExtend<Source<Click, KinesisShardSplit>>();
    const { records, deadLetters } = kinesisSourceWithDeadLetters<Click>(env, { stream: 's' }, WatermarkStrategy.noWatermarks(), 'clicks');
    expectTypeOf(records).toEqualTypeOf<DataStream<Click>>();
    expectTypeOf(deadLetters).toEqualTypeOf<DataStream<DeadLetter<KinesisUndeserializableRecord>>>();
    const sink = new KinesisSink<Click>({ stream: 's', partitionKey: (c) => c.page, onDeadLetter: (l) => expectTypeOf(l).toEqualTypeOf<SinkDeadLetter<Click>>() });
    expectTypeOf(sink.createWriter).returns.toExtend<SinkWriter<Click>>();
    // @ts-expect-error the partition key selector sees the sink's record type
    new KinesisSink<Click>({ stream: 's', partitionKey: (c) => c.missing });
  });
});

/**
 * A Kinesis source split: one shard. Its position is the sequence number of
 * the last record emitted (and inside an aggregated record, the index of the
 * last user record emitted), checkpointed so a restored job resumes right
 * after it (AFTER_SEQUENCE_NUMBER, or AT_SEQUENCE_NUMBER inside an aggregated
 * record); before the first record it is the start position the shard was
 * discovered with.
 */
import type { SourceSplit } from '@tributary/core';

/** Where a shard without a checkpointed sequence number starts: an iterator type, or a time in ms since the epoch. */
export type ShardStart = 'TRIM_HORIZON' | 'LATEST' | { readonly atTimestamp: number };

/**
 * One shard and how far it has been read. JSON-friendly: it is stored in checkpoints.
 *
 * ```ts
 * const split: KinesisShardSplit = {
 *   id: 'shardId-000000000002', stream: 'clicks', shardId: 'shardId-000000000002',
 *   parentShardIds: ['shardId-000000000000'], start: 'TRIM_HORIZON',
 *   sequenceNumber: '4968050400…', // the last record emitted
 * };
 * ```
 */
export interface KinesisShardSplit extends SourceSplit {
  /** The shard id (split ids are unique within one source). */
  readonly id: string;
  readonly stream: string;
  readonly shardId: string;
  /** The shards this one was split or merged from (read to their end first). */
  readonly parentShardIds: readonly string[];
  /** Where to start when `sequenceNumber` is unset. */
  readonly start: ShardStart;
  /** The sequence number of the last record emitted; reading resumes after it. */
  readonly sequenceNumber?: string;
  /**
   * When the record at `sequenceNumber` is a KPL-aggregated one: the index of
   * its last user record emitted; reading resumes at that record, after that
   * user record.
   */
  readonly subSequenceNumber?: number;
}

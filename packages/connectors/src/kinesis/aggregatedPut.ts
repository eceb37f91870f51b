/**
 * PutRecords with KPL aggregation, for the Kinesis sink's `aggregate`
 * option: a request's records are packed into aggregated records, one (or
 * more, within 1 MiB) per open shard, addressed with the shard's starting
 * hash key, so every record lands on the shard it would reach alone and
 * order per key holds. The open shards' hash key ranges are listed once and
 * again when they no longer match (a record's hash key in no open shard, or
 * Kinesis putting an aggregate on another shard than planned: the stream
 * was resharded). A rejected aggregate fails every record in it, so the
 * batching base retries those. Records too large to share an aggregate go
 * as they are.
 */
import { PutRecordsCommand, type KinesisClient, type PutRecordsRequestEntry, type PutRecordsResultEntry } from '@aws-sdk/client-kinesis';
import { KINESIS_RECORD_MAX_BYTES, planAggregates, type PlannedAggregate, type ShardHashKeyRange, type UserRecord } from './aggregation.js';
import { listShards } from './discovery.js';
import { PUT_RECORDS_MAX_RECORDS, streamParameter } from './options.js';

/** A record at least this large (data plus partition key) is sent without aggregation. */
const PLAIN_RECORD_MIN_BYTES = KINESIS_RECORD_MAX_BYTES - 4096;

/** One PutRecords entry of a request and the input records it carries (their indexes). */
interface PlannedEntry {
  readonly entry: PutRecordsRequestEntry;
  readonly members: readonly number[];
  /** The shard it was packed for (aggregates only). */
  readonly shardId: string | undefined;
}

/** What happened to one input record. */
export interface AggregatedPutFailure {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

export class AggregatedPutRecords {
  private shards: Array<ShardHashKeyRange & { readonly shardId: string }> | undefined;

  constructor(
    private readonly client: KinesisClient,
    private readonly stream: string,
  ) {}

  /** Sends `entries` aggregated; resolves with the input records Kinesis rejected (by index, with the code). */
  async put(entries: readonly PutRecordsRequestEntry[], signal: AbortSignal): Promise<AggregatedPutFailure[]> {
    const planned = await this.plan(entries, signal);
    const failures: AggregatedPutFailure[] = [];
    for (let from = 0; from < planned.length; from += PUT_RECORDS_MAX_RECORDS) {
      const part = planned.slice(from, from + PUT_RECORDS_MAX_RECORDS);
      const out = await this.client.send(new PutRecordsCommand({ ...streamParameter(this.stream), Records: part.map((p) => p.entry) }), { abortSignal: signal });
      const results: readonly PutRecordsResultEntry[] = out.Records ?? [];
      part.forEach((p, i) => {
        const result = results[i];
        const code = result === undefined ? 'MissingResult' : result.ErrorCode;
        if (code !== undefined && code !== '') {
          for (const index of p.members) failures.push({ index, code, message: result?.ErrorMessage ?? 'PutRecords answered no result for this record' });
        } else if (p.shardId !== undefined && result?.ShardId !== undefined && result.ShardId !== p.shardId) {
          this.shards = undefined; // resharded: list the shards again before the next request
        }
      });
    }
    return failures;
  }

  /** The request's entries: aggregates per open shard, and the records too large to share one. */
  private async plan(entries: readonly PutRecordsRequestEntry[], signal: AbortSignal): Promise<PlannedEntry[]> {
    const planned: PlannedEntry[] = [];
    const small: number[] = [];
    entries.forEach((entry, index) => {
      const size = (entry.Data?.byteLength ?? 0) + Buffer.byteLength(entry.PartitionKey ?? '', 'utf8');
      if (size >= PLAIN_RECORD_MIN_BYTES) planned.push({ entry, members: [index], shardId: undefined });
      else small.push(index);
    });
    if (small.length === 0) return planned;
    const users: UserRecord[] = small.map((index) => {
      const { Data, PartitionKey, ExplicitHashKey } = entries[index] as PutRecordsRequestEntry;
      const user = { partitionKey: PartitionKey ?? '', data: Data ?? new Uint8Array(0) };
      return ExplicitHashKey === undefined ? user : { ...user, explicitHashKey: ExplicitHashKey };
    });
    let shards = await this.openShards(signal);
    let groups: PlannedAggregate[];
    try {
      groups = planAggregates(users, shards);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.shards = undefined; // a hash key in no shard we know: the stream was resharded
      shards = await this.openShards(signal);
      groups = planAggregates(users, shards);
    }
    for (const { entry, members } of groups) {
      const shard = shards.find((s) => s.startingHashKey === entry.ExplicitHashKey);
      planned.push({ entry, members: members.map((i) => small[i] as number), shardId: shard?.shardId });
    }
    return planned;
  }

  private async openShards(signal: AbortSignal): Promise<Array<ShardHashKeyRange & { readonly shardId: string }>> {
    if (this.shards === undefined) {
      const listed = await listShards(this.client, this.stream, signal);
      this.shards = listed.filter((s) => !s.closed).map((s) => ({ shardId: s.shardId, ...s.hashKeyRange }));
    }
    return this.shards;
  }
}

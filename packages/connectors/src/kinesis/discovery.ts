/**
 * Shard discovery: lists a stream's shards (ListShards, paginated) and
 * decides which are ready to be read. A shard created by resharding is
 * handed out only once its parents are finished — read to their end, or
 * never to be read — so records of a key are read in order across a split
 * or merge. Where a new shard starts depends on why it is ready: after a
 * parent that was read to its end, from its first record.
 */
import { ListShardsCommand, type KinesisClient, type Shard } from '@aws-sdk/client-kinesis';
import type { ShardHashKeyRange } from './aggregation.js';
import { streamParameter } from './options.js';
import type { KinesisShardSplit, ShardStart } from './split.js';

/** What discovery needs to know of a shard. */
export interface ShardInfo {
  readonly shardId: string;
  readonly parentShardIds: readonly string[];
  /** Closed by resharding: it has an ending sequence number and gets no new records. */
  readonly closed: boolean;
  /** The hash keys (decimal) whose records the shard takes while open. */
  readonly hashKeyRange: ShardHashKeyRange;
}

/**
 * All shards of a stream, following `NextToken` pages.
 *
 * ```ts
 * const shards = await listShards(client, 'clicks'); // [{ shardId: 'shardId-000000000000', parentShardIds: [], closed: false }, …]
 * ```
 */
export async function listShards(client: KinesisClient, stream: string, signal?: AbortSignal): Promise<ShardInfo[]> {
  const shards: ShardInfo[] = [];
  let token: string | undefined;
  do {
    const input = token === undefined ? streamParameter(stream) : { NextToken: token };
    const out = await client.send(new ListShardsCommand(input), signal === undefined ? {} : { abortSignal: signal });
    for (const shard of out.Shards ?? []) shards.push(toShardInfo(shard));
    token = out.NextToken;
  } while (token !== undefined && token !== '');
  return shards;
}

function toShardInfo(shard: Shard): ShardInfo {
  const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p): p is string => p !== undefined && p !== '');
  return {
    shardId: shard.ShardId ?? '',
    parentShardIds: parents,
    closed: shard.SequenceNumberRange?.EndingSequenceNumber !== undefined,
    hashKeyRange: { startingHashKey: shard.HashKeyRange?.StartingHashKey ?? '0', endingHashKey: shard.HashKeyRange?.EndingHashKey ?? '0' },
  };
}

/** The inputs of {@link readySplits}. */
export interface ReadySplitsInput {
  readonly stream: string;
  readonly shards: readonly ShardInfo[];
  /** Shards read to their end (the runtime's finished split ids). */
  readonly finished: ReadonlySet<string>;
  /** Shards handed to readers (being read, or done). */
  readonly assigned: ReadonlySet<string>;
  /** Where shards start when nothing before them was read. */
  readonly startPosition: ShardStart;
}

type ShardStatus = 'read' | 'gone' | 'skipped' | 'pending';

/**
 * The shards to hand out now, as splits: those not yet assigned whose
 * parents are all finished, gone (expired), or skipped.
 *
 * ```ts
 * // shard 0 was split into 2 and 3 while shard 0 is still being read: nothing new is ready.
 * readySplits({ stream, shards, finished: new Set(), assigned: new Set(['shardId-000000000000']), startPosition: 'LATEST' }); // []
 * // once shard 0 is finished, 2 and 3 start from their first record.
 * ```
 * Rules: with `'LATEST'` a shard that is already closed and none of whose
 * parents is read is skipped (nothing new will arrive in it); a child of a
 * shard that was read starts at TRIM_HORIZON (its first record) unless the
 * start is a timestamp, which applies to every shard.
 */
export function readySplits(input: ReadySplitsInput): KinesisShardSplit[] {
  const byId = new Map(input.shards.map((s) => [s.shardId, s]));
  const memo = new Map<string, ShardStatus>();
  const status = (id: string): ShardStatus => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    memo.set(id, 'pending'); // guards against cycles (Kinesis lineage has none)
    let result: ShardStatus;
    const shard = byId.get(id);
    if (input.finished.has(id)) result = 'read';
    else if (shard === undefined) result = 'gone';
    else if (input.assigned.has(id)) result = 'pending';
    else if (input.startPosition === 'LATEST' && shard.closed && !shard.parentShardIds.some((p) => isRead(status(p)))) result = 'skipped';
    else result = 'pending';
    memo.set(id, result);
    return result;
  };
  const ready: KinesisShardSplit[] = [];
  for (const shard of input.shards) {
    const id = shard.shardId;
    if (input.finished.has(id) || input.assigned.has(id) || status(id) === 'skipped') continue;
    const parents = shard.parentShardIds.map(status);
    if (parents.some((p) => p === 'pending')) continue;
    const afterReadParent = parents.some((p) => p === 'read');
    const start: ShardStart = afterReadParent && typeof input.startPosition !== 'object' ? 'TRIM_HORIZON' : input.startPosition;
    ready.push({ id, stream: input.stream, shardId: id, parentShardIds: [...shard.parentShardIds], start });
  }
  return ready;
}

function isRead(status: ShardStatus): boolean {
  return status === 'read' || status === 'pending';
}

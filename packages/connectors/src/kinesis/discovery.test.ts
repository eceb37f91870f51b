import { describe, expect, it } from 'vitest';
import { readySplits, type ShardInfo } from './discovery.js';
import { resolveKinesisSourceOptions } from './options.js';

/** A shard (its hash key range plays no part in discovery). */
const shard = (shardId: string, parentShardIds: string[], closed: boolean): ShardInfo => ({
  shardId,
  parentShardIds,
  closed,
  hashKeyRange: { startingHashKey: '0', endingHashKey: '0' },
});

// shard 0 was split into 1 and 2, which were merged into 3; shard 9 is an unrelated open shard.
const LINEAGE: ShardInfo[] = [
  shard('s0', [], true),
  shard('s1', ['s0'], true),
  shard('s2', ['s0'], true),
  shard('s3', ['s1', 's2'], false),
  shard('s9', [], false),
];

const ids = (splits: ReturnType<typeof readySplits>): string[] => splits.map((s) => s.id);
const none = new Set<string>();

describe('readySplits (parent before child)', () => {
  it('TRIM_HORIZON: hands out roots first, children only once every parent is finished, from their first record', () => {
    const base = { stream: 's', shards: LINEAGE, startPosition: 'TRIM_HORIZON' as const };
    expect(ids(readySplits({ ...base, finished: none, assigned: none }))).toEqual(['s0', 's9']);
    expect(ids(readySplits({ ...base, finished: none, assigned: new Set(['s0', 's9']) }))).toEqual([]);
    const afterS0 = readySplits({ ...base, finished: new Set(['s0']), assigned: new Set(['s0', 's9']) });
    expect(afterS0.map((s) => [s.id, s.start, s.parentShardIds])).toEqual([
      ['s1', 'TRIM_HORIZON', ['s0']],
      ['s2', 'TRIM_HORIZON', ['s0']],
    ]);
    // The merged shard waits for both of its parents.
    expect(ids(readySplits({ ...base, finished: new Set(['s0', 's1']), assigned: new Set(['s0', 's1', 's2', 's9']) }))).toEqual([]);
    expect(ids(readySplits({ ...base, finished: new Set(['s0', 's1', 's2']), assigned: new Set(['s0', 's1', 's2', 's9']) }))).toEqual(['s3']);
  });

  it('LATEST: skips shards closed before the start; a child of a shard being read waits and then starts at TRIM_HORIZON', () => {
    const fresh = readySplits({ stream: 's', shards: LINEAGE, finished: none, assigned: none, startPosition: 'LATEST' });
    expect(fresh.map((s) => [s.id, s.start])).toEqual([
      ['s3', 'LATEST'],
      ['s9', 'LATEST'],
    ]);
    // Restored with s1 still being read (it was closed while the job was down): s3 waits for it.
    const restored = { stream: 's', shards: LINEAGE, startPosition: 'LATEST' as const };
    expect(ids(readySplits({ ...restored, finished: none, assigned: new Set(['s1', 's9']) }))).toEqual([]);
    const later = readySplits({ ...restored, finished: new Set(['s1']), assigned: new Set(['s1', 's9']) });
    expect(later.map((s) => [s.id, s.start])).toEqual([['s3', 'TRIM_HORIZON']]);
  });

  it('AT_TIMESTAMP applies to every shard, children included; expired parents do not block', () => {
    const at = { atTimestamp: 1_700_000_000_000 };
    const shards: ShardInfo[] = [
      shard('s5', ['gone'], false),
      shard('s6', ['s5'], false),
    ];
    expect(readySplits({ stream: 's', shards, finished: none, assigned: none, startPosition: at }).map((s) => [s.id, s.start])).toEqual([['s5', at]]);
    expect(readySplits({ stream: 's', shards, finished: new Set(['s5']), assigned: new Set(['s5']), startPosition: at }).map((s) => [s.id, s.start])).toEqual([['s6', at]]);
  });
});

describe('resolveKinesisSourceOptions', () => {
  it('keeps GetRecords within 5 calls per second per shard and checks the other values', () => {
    expect(() => resolveKinesisSourceOptions({ stream: 'x', pollIntervalMs: 100 })).toThrow(
      new RangeError('pollIntervalMs must be >= 200 (Kinesis allows 5 GetRecords calls/s per shard), got 100'),
    );
    expect(() => resolveKinesisSourceOptions({ stream: 'x', maxRecordsPerCall: 10_001 })).toThrow('maxRecordsPerCall must be an integer from 1 to 10000, got 10001');
    expect(() => resolveKinesisSourceOptions({ stream: '' })).toThrow('stream must be a stream name or ARN, got ""');
    expect(() => resolveKinesisSourceOptions({ stream: 'x', startPosition: { atTimestamp: Number.NaN } })).toThrow('startPosition.atTimestamp must be a valid time');
    expect(resolveKinesisSourceOptions({ stream: 'x' })).toMatchObject({ pollIntervalMs: 200, maxRecordsPerCall: 10_000, discoveryIntervalMs: 10_000, startPosition: 'LATEST' });
  });
});

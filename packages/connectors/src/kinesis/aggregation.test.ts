import { createHash } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { aggregate, aggregateByShard, deaggregate, hashKeyOf, KPL_MAGIC, type UserRecord } from './aggregation.js';

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const md5 = (data: Uint8Array): Uint8Array => createHash('md5').update(data).digest();
const frame = (message: Uint8Array): Uint8Array => Uint8Array.from([...KPL_MAGIC, ...message, ...md5(message)]);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * `AggregatedRecord { partition_key_table: ["a"], records: [{ partition_key_index: 0, data: "hi" }] }`
 * written out byte by byte from the format's protobuf definition (field 1 string, field 3 message
 * holding field 1 varint and field 3 bytes) — independent of the encoder under test.
 */
const ONE_RECORD_MESSAGE = bytes(0x0a, 0x01, 0x61, 0x1a, 0x06, 0x08, 0x00, 0x1a, 0x02, 0x68, 0x69);

const userRecord: fc.Arbitrary<UserRecord> = fc.record(
  {
    partitionKey: fc.string({ minLength: 1, maxLength: 256, unit: 'grapheme' }),
    explicitHashKey: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
    data: fc.uint8Array({ maxLength: 300 }),
  },
  { requiredKeys: ['partitionKey', 'data'] },
);

describe('KPL aggregation format', () => {
  it('reads an aggregated record written from the format definition', () => {
    expect(deaggregate(frame(ONE_RECORD_MESSAGE))).toEqual([{ partitionKey: 'a', data: text('hi') }]);
  });

  it('writes the same bytes for it', () => {
    expect(aggregate([{ partitionKey: 'a', data: text('hi') }])).toEqual(frame(ONE_RECORD_MESSAGE));
  });

  test.prop([fc.array(userRecord, { minLength: 1, maxLength: 40 })])('deaggregate(aggregate(records)) gives the records back, in order', (records) => {
    const unpacked = deaggregate(aggregate(records));
    expect(unpacked).toEqual(records.map((r) => ({ ...r, data: Uint8Array.from(r.data) })));
  });

  test.prop([fc.array(userRecord, { minLength: 2, maxLength: 20 })])('stores each partition key once', (records) => {
    const sameKey = records.map((r) => ({ ...r, partitionKey: 'one key' }));
    const perRecordOverhead = aggregate(sameKey).length - aggregate(sameKey.slice(0, 1)).length;
    const dataBytes = sameKey.slice(1).reduce((n, r) => n + r.data.length + (r.explicitHashKey?.length ?? 0), 0);
    expect(perRecordOverhead).toBeLessThan(dataBytes + 12 * (records.length - 1));
  });

  test.prop([fc.uint8Array({ maxLength: 200 })])('data without the magic bytes is a plain record', (data) => {
    fc.pre(!(data[0] === 0xf3 && data[1] === 0x89 && data[2] === 0x9a && data[3] === 0xc2));
    expect(deaggregate(data)).toBeUndefined();
  });

  it('a record with the magic bytes but a wrong checksum is a plain record', () => {
    const data = frame(ONE_RECORD_MESSAGE);
    data[data.length - 1] = (data[data.length - 1] as number) ^ 1;
    expect(deaggregate(data)).toBeUndefined();
    expect(deaggregate(KPL_MAGIC)).toBeUndefined();
  });

  it('rejects a well-framed message whose record names a partition key the table lacks', () => {
    // partition_key_table: ["a"], records: [{ partition_key_index: 3, data: "hi" }]
    const message = bytes(0x0a, 0x01, 0x61, 0x1a, 0x06, 0x08, 0x03, 0x1a, 0x02, 0x68, 0x69);
    expect(() => deaggregate(frame(message))).toThrow(/user record 0 names partition key 3 of 1/);
  });

  it('refuses to aggregate nothing', () => {
    expect(() => aggregate([])).toThrow(RangeError);
  });
});

describe('aggregateByShard', () => {
  const MAX = 2n ** 128n - 1n;
  /** `n` shards splitting the hash key range evenly, as CreateStream does. */
  const evenShards = (n: number): Array<{ startingHashKey: string; endingHashKey: string }> =>
    Array.from({ length: n }, (_, i) => {
      const start = (MAX / BigInt(n)) * BigInt(i) + (i === 0 ? 0n : 1n);
      const end = i === n - 1 ? MAX : (MAX / BigInt(n)) * BigInt(i + 1);
      return { startingHashKey: String(start), endingHashKey: String(end) };
    });
  const shardOf = (hash: bigint, shards: ReturnType<typeof evenShards>): number =>
    shards.findIndex((s) => BigInt(s.startingHashKey) <= hash && hash <= BigInt(s.endingHashKey));

  test.prop([fc.array(userRecord, { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 600, max: 20_000 })])(
    'keeps every user record on the shard it would reach alone, in order, within the size limit',
    (records, shardCount, maxBytes) => {
      const shards = evenShards(shardCount);
      const entries = aggregateByShard(records, shards, maxBytes);
      const unpacked = entries.flatMap((entry) => {
        const users = deaggregate(entry.Data) as UserRecord[];
        const entryShard = shardOf(BigInt(entry.ExplicitHashKey), shards);
        for (const user of users) expect(shardOf(hashKeyOf(user), shards)).toBe(entryShard);
        // a part holds several user records only when it fits the limit
        if (users.length > 1) expect(entry.Data.length + entry.PartitionKey.length).toBeLessThanOrEqual(maxBytes);
        return users;
      });
      expect(unpacked.length).toBe(records.length);
      // per shard, the user records come out in the order they went in
      for (let s = 0; s < shardCount; s++) {
        const inShard = (r: UserRecord): boolean => shardOf(hashKeyOf(r), shards) === s;
        expect(unpacked.filter(inShard).map((r) => Array.from(r.data))).toEqual(records.filter(inShard).map((r) => Array.from(r.data)));
      }
    },
  );

  it('routes by the MD5 of the partition key, as Kinesis does', () => {
    expect(hashKeyOf({ partitionKey: 'a' })).toBe(BigInt(`0x${createHash('md5').update('a').digest('hex')}`));
    expect(hashKeyOf({ partitionKey: 'a', explicitHashKey: '42' })).toBe(42n);
  });

  it('names the partition key whose hash key no shard covers', () => {
    expect(() => aggregateByShard([{ partitionKey: 'p', explicitHashKey: '10', data: text('x') }], [{ startingHashKey: '100', endingHashKey: '200' }])).toThrow(
      /partition key 'p' falls into none of the 1 shards/,
    );
  });
});

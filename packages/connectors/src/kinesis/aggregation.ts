/**
 * The Kinesis Producer Library's record aggregation format: many user
 * records packed into one Kinesis record, so that a producer stays within a
 * shard's 1,000 records/s with small records. An aggregated record is the
 * magic bytes F3 89 9A C2, a protobuf `AggregatedRecord` (partition key
 * table, explicit hash key table, records of (key index, hash key index,
 * data)) and the MD5 of that message. Data without the magic bytes or with a
 * wrong checksum is a plain record, as the KCL treats it.
 * Format: awslabs/amazon-kinesis-producer, aggregation-format.md.
 *
 * ```ts
 * const entries = aggregateByShard(events.map((e) => ({ partitionKey: e.user, data: encode(e) })), shards);
 * await client.send(new PutRecordsCommand({ StreamName: 'clicks', Records: entries }));
 * // the KinesisSource emits each user record on its own (subSequenceNumber in its KinesisRecordInfo)
 * ```
 */
import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';

/** One record as the producer's user wrote it. */
export interface UserRecord {
  readonly partitionKey: string;
  /** Decimal 128-bit hash key overriding the partition key's MD5 (which shard it goes to). */
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
}

/** A shard's hash key range, as ListShards returns it (decimal strings). */
export interface ShardHashKeyRange {
  readonly startingHashKey: string;
  readonly endingHashKey: string;
}

/** A PutRecords entry (the SDK's `PutRecordsRequestEntry`, with the fields set here required). */
export interface AggregatedEntry {
  readonly PartitionKey: string;
  readonly ExplicitHashKey: string;
  readonly Data: Uint8Array;
}

/** The four bytes an aggregated record starts with. */
export const KPL_MAGIC = Uint8Array.of(0xf3, 0x89, 0x9a, 0xc2);
const CHECKSUM_BYTES = 16;
/** The data of one Kinesis record is at most 1 MiB (partition key included). */
export const KINESIS_RECORD_MAX_BYTES = 1024 * 1024;

/** The format's proto2 messages (explicit presence: an index of 0 is written, and an absent optional index is told apart). */
const schema = protobuf.Root.fromJSON({
  nested: {
    AggregatedRecord: {
      edition: 'proto2',
      fields: {
        partitionKeyTable: { rule: 'repeated', type: 'string', id: 1 },
        explicitHashKeyTable: { rule: 'repeated', type: 'string', id: 2 },
        records: { rule: 'repeated', type: 'Record', id: 3 },
      },
    },
    Tag: { edition: 'proto2', fields: { key: { rule: 'required', type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
    Record: {
      edition: 'proto2',
      fields: {
        partitionKeyIndex: { rule: 'required', type: 'uint64', id: 1 },
        explicitHashKeyIndex: { type: 'uint64', id: 2 },
        data: { rule: 'required', type: 'bytes', id: 3 },
        tags: { rule: 'repeated', type: 'Tag', id: 4 },
      },
    },
  },
});
const AggregatedRecord = schema.lookupType('AggregatedRecord');

interface DecodedRecord {
  partitionKeyIndex: number | { toNumber(): number };
  explicitHashKeyIndex?: number | { toNumber(): number } | null;
  data: Uint8Array;
}
interface DecodedAggregate {
  partitionKeyTable: string[];
  explicitHashKeyTable: string[];
  records: DecodedRecord[];
}

const md5 = (bytes: Uint8Array): Buffer => createHash('md5').update(bytes).digest();
const indexOf = (value: number | { toNumber(): number }): number => (typeof value === 'number' ? value : value.toNumber());

/**
 * The user records packed in `data`, or undefined when `data` is a plain
 * record (no magic bytes, or a checksum that does not match). Throws a
 * RangeError when the checksum matches but the message is malformed
 * (an index outside its table).
 */
export function deaggregate(data: Uint8Array): UserRecord[] | undefined {
  if (data.length < KPL_MAGIC.length + CHECKSUM_BYTES) return undefined;
  for (let i = 0; i < KPL_MAGIC.length; i++) if (data[i] !== KPL_MAGIC[i]) return undefined;
  const message = data.subarray(KPL_MAGIC.length, data.length - CHECKSUM_BYTES);
  if (!md5(message).equals(data.subarray(data.length - CHECKSUM_BYTES))) return undefined;
  const decoded = AggregatedRecord.decode(message) as unknown as DecodedAggregate;
  return decoded.records.map((record, n) => {
    const partitionKey = decoded.partitionKeyTable[indexOf(record.partitionKeyIndex)];
    if (partitionKey === undefined) throw new RangeError(`aggregated record: user record ${n} names partition key ${indexOf(record.partitionKeyIndex)} of ${decoded.partitionKeyTable.length}`);
    // (an absent optional field reads as its default, 0, from the decoded message's prototype)
    const hashKeyIndex = Object.hasOwn(record, 'explicitHashKeyIndex') ? record.explicitHashKeyIndex : undefined;
    if (hashKeyIndex === undefined || hashKeyIndex === null) return { partitionKey, data: record.data };
    const explicitHashKey = decoded.explicitHashKeyTable[indexOf(hashKeyIndex)];
    if (explicitHashKey === undefined) throw new RangeError(`aggregated record: user record ${n} names explicit hash key ${indexOf(hashKeyIndex)} of ${decoded.explicitHashKeyTable.length}`);
    return { partitionKey, explicitHashKey, data: record.data };
  });
}

/** Packs user records into one aggregated record's data (magic, message, MD5); keys are stored once each. */
export function aggregate(records: readonly UserRecord[]): Uint8Array {
  if (records.length === 0) throw new RangeError('aggregate: no user records');
  const partitionKeys = new Map<string, number>();
  const hashKeys = new Map<string, number>();
  const indexIn = (table: Map<string, number>, key: string): number => {
    let index = table.get(key);
    if (index === undefined) table.set(key, (index = table.size));
    return index;
  };
  const packed = records.map((r) => ({
    partitionKeyIndex: indexIn(partitionKeys, r.partitionKey),
    ...(r.explicitHashKey === undefined ? {} : { explicitHashKeyIndex: indexIn(hashKeys, r.explicitHashKey) }),
    data: r.data,
  }));
  const message = AggregatedRecord.encode({ partitionKeyTable: [...partitionKeys.keys()], explicitHashKeyTable: [...hashKeys.keys()], records: packed }).finish();
  const out = new Uint8Array(KPL_MAGIC.length + message.length + CHECKSUM_BYTES);
  out.set(KPL_MAGIC, 0);
  out.set(message, KPL_MAGIC.length);
  out.set(md5(message), KPL_MAGIC.length + message.length);
  return out;
}

/** The 128-bit hash key Kinesis routes a record by: its explicit hash key, else the MD5 of its partition key. */
export function hashKeyOf(record: Pick<UserRecord, 'partitionKey' | 'explicitHashKey'>): bigint {
  if (record.explicitHashKey !== undefined) return BigInt(record.explicitHashKey);
  return BigInt(`0x${createHash('md5').update(record.partitionKey, 'utf8').digest('hex')}`);
}

/** One aggregated entry and the indexes (in the input) of the user records it holds, in order. */
export interface PlannedAggregate {
  readonly entry: AggregatedEntry;
  readonly members: readonly number[];
}

/**
 * Groups user records by the shard each would go to on its own and packs
 * each group into aggregated entries of at most `maxBytes` (1 MiB, the
 * Kinesis limit): the entries' explicit hash keys keep every user record on
 * its own shard, so per-key order holds as without aggregation. A user
 * record too large to share an entry gets one of its own. Throws a
 * RangeError when a record's hash key falls into none of `shards` (open
 * shards of the stream, e.g. from ListShards).
 */
export function aggregateByShard(records: readonly UserRecord[], shards: readonly ShardHashKeyRange[], maxBytes = KINESIS_RECORD_MAX_BYTES): AggregatedEntry[] {
  return planAggregates(records, shards, maxBytes).map((p) => p.entry);
}

/** {@link aggregateByShard}, telling which input records each entry holds. */
export function planAggregates(records: readonly UserRecord[], shards: readonly ShardHashKeyRange[], maxBytes = KINESIS_RECORD_MAX_BYTES): PlannedAggregate[] {
  const ranges = shards.map((s) => ({ start: BigInt(s.startingHashKey), end: BigInt(s.endingHashKey), key: s.startingHashKey }));
  const groups = new Map<string, number[]>();
  records.forEach((record, index) => {
    const hash = hashKeyOf(record);
    const range = ranges.find((r) => r.start <= hash && hash <= r.end);
    if (range === undefined) throw new RangeError(`aggregateByShard: the hash key of partition key '${record.partitionKey}' falls into none of the ${shards.length} shards`);
    let group = groups.get(range.key);
    if (group === undefined) groups.set(range.key, (group = []));
    group.push(index);
  });
  const planned: PlannedAggregate[] = [];
  for (const [hashKey, group] of groups) {
    let part: number[] = [];
    let bytes = 0;
    const flush = (): void => {
      if (part.length === 0) return;
      const users = part.map((i) => records[i] as UserRecord);
      planned.push({ entry: { PartitionKey: (users[0] as UserRecord).partitionKey, ExplicitHashKey: hashKey, Data: aggregate(users) }, members: part });
      part = [];
      bytes = 0;
    };
    for (const index of group) {
      const record = records[index] as UserRecord;
      // a generous bound of the record's encoded size: data, key, explicit key and framing
      const size = record.data.length + 2 * record.partitionKey.length + (record.explicitHashKey?.length ?? 0) + 24;
      if (bytes + size + KPL_MAGIC.length + CHECKSUM_BYTES + 256 > maxBytes) flush();
      part.push(index);
      bytes += size;
    }
    flush();
  }
  return planned;
}

// Child process: can the local Kinesis stand-in (kinesalite, in the local
// stack's process) carry the benchmark's event rate at all? A bare SDK loop,
// no Tributary code: PutRecords at `rate` records/s (a batch every 5 ms,
// ~`bytes`-byte records, random partition keys over the shards) and, at the
// same time, every shard drained with GetRecords every 200 ms (the Kinesis
// limit the source obeys); with `aggregate`, each batch is KPL-aggregated
// into one record per shard, as the generator sends it. Reports the rates
// achieved and the put → get latency of each record (its creation time is
// in the payload).
import { GetRecordsCommand, GetShardIteratorCommand, KinesisClient, ListShardsCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import * as hdr from 'hdr-histogram-js';
import { aggregateByShard, deaggregate, type UserRecord } from '@tributary/connectors/kinesis';
import { localAwsClientConfig } from '@tributary/connectors/local';
import { summarise } from './protocol.js';

const { endpoint, stream, rate, seconds, bytes, maxInFlight, aggregate } = JSON.parse(process.argv[2] as string) as {
  aggregate: boolean;
  endpoint: string;
  stream: string;
  rate: number;
  seconds: number;
  bytes: number;
  maxInFlight: number;
};
const putClient = new KinesisClient(localAwsClientConfig('kinesis', endpoint));
const getClient = new KinesisClient(localAwsClientConfig('kinesis', endpoint));
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const latency = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
const padding = 'x'.repeat(Math.max(0, bytes - 40));

let created = 0;
let acked = 0;
let read = 0;
let inFlight = 0;
let backlog: UserRecord[] = [];
const started = Date.now();
const endAt = started + seconds * 1000;
let lastAckAt = started;

const shards = (await getClient.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
const shardRanges = shards.map((s) => ({ startingHashKey: s.HashKeyRange?.StartingHashKey ?? '', endingHashKey: s.HashKeyRange?.EndingHashKey ?? '' }));
let producing = true;
const readers = shards.map(async (shard) => {
  let iterator = (await getClient.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'LATEST' }))).ShardIterator;
  while (iterator !== undefined && (producing || read < acked)) {
    const callAt = Date.now();
    const out = await getClient.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
    const now = Date.now();
    for (const r of out.Records ?? []) {
      for (const data of deaggregate(r.Data ?? new Uint8Array(0))?.map((u) => u.data) ?? [r.Data ?? new Uint8Array(0)]) {
        const t = Number(decoder.decode(data).slice(0, 13));
        latency.recordValue(Math.max(1, (now - t) * 1000));
        read++;
      }
    }
    iterator = out.NextShardIterator;
    if (!producing && Date.now() > endAt + 15_000) break;
    await new Promise((r) => setTimeout(r, Math.max(0, callAt + 200 - Date.now())));
  }
});

const perTick = rate / 200; // a batch every 5 ms
let owed = 0;
while (Date.now() < endAt) {
  owed += perTick;
  const n = Math.floor(owed);
  owed -= n;
  const now = Date.now();
  for (let i = 0; i < n; i++) backlog.push({ data: encoder.encode(`${now}${padding}`), partitionKey: `k${created++ % 10_000}` });
  while (backlog.length > 0 && inFlight < maxInFlight) {
    const events = backlog.splice(0, 500);
    const records = aggregate ? aggregateByShard(events, shardRanges) : events.map((e) => ({ Data: e.data, PartitionKey: e.partitionKey }));
    inFlight++;
    putClient.send(new PutRecordsCommand({ StreamName: stream, Records: records })).then(
      (out) => {
        inFlight--;
        // nothing is retried: failed entries count as lost (all of an aggregate's events when any entry failed)
        const failed = out.FailedRecordCount ?? 0;
        acked += aggregate ? (failed === 0 ? events.length : 0) : events.length - failed;
        lastAckAt = Date.now();
      },
      () => void inFlight--,
    );
  }
  await new Promise((r) => setTimeout(r, Math.max(0, started + ((created / rate) * 1000) - Date.now())));
}
const backlogAtEnd = backlog.length;
const putSeconds = (lastAckAt - started) / 1000;
producing = false;
await Promise.all(readers);
process.send?.({
  type: 'result',
  targetRate: rate,
  seconds,
  recordBytes: bytes,
  created,
  acked,
  read,
  backlogAtEnd,
  ackedPerSecondDuringRun: Math.round(acked / Math.max(putSeconds, seconds)),
  putToGet: summarise(latency),
});
putClient.destroy();
getClient.destroy();
process.exit(0);

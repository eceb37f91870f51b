// Kinesis connector throughput (issue 4): records/s of the Kinesis sink and
// source on the local stack (kinesalite, in this process), each against a
// hand-written loop over the same SDK calls doing the same work — the ratio
// is the connector's overhead (medians of alternating runs, same process).
//
// Sink: N JSON records → PutRecords. The connector runs a job (range source
// → map → KinesisSink, default batching: 500-record requests, 10 in flight);
// the loop serializes the same records and sends 500-record PutRecords with
// the same 10 requests in flight. A fresh stream per run.
// Source: the same pre-filled stream read from TRIM_HORIZON. The connector
// runs a job (KinesisSource → counting sink); the loop drains every shard
// with GetShardIterator + GetRecords (Limit 10,000, ≥ 200 ms between calls
// on a shard, as the connector and Kinesis' 5 calls/s/shard limit require)
// and JSON-parses every record.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { StreamEnvironment, WatermarkStrategy, silentLogger } from '@tributary/core';
import type * as KinesisSdk from '../../packages/connectors/node_modules/@aws-sdk/client-kinesis/dist-types/index.js';
import { KinesisSink, KinesisSource, DEFAULT_POLL_INTERVAL_MS, GET_RECORDS_MAX_LIMIT, PUT_RECORDS_MAX_RECORDS } from '../../packages/connectors/src/kinesis/index.js';
import { DEFAULT_MAX_IN_FLIGHT_REQUESTS } from '../../packages/connectors/src/batching/index.js';
import { localAwsClientConfig, startLocalKinesis } from '../../packages/connectors/src/local/index.js';
import { median, rangeSource, writeResult } from './common.js';

const quick = process.argv.includes('--quick');
const SINK_RECORDS = quick ? 20_000 : 50_000;
const SOURCE_RECORDS = quick ? 40_000 : 100_000;
const SHARDS = 4;
const RUNS = quick ? 3 : 5;

// The SDK is a dependency of the connectors package, not of the benchmarks:
// load the very module the connectors use (same instance, no second copy).
const requireFromConnectors = createRequire(new URL('../../packages/connectors/package.json', import.meta.url));
const sdk = (await import(pathToFileURL(requireFromConnectors.resolve('@aws-sdk/client-kinesis')).href)) as typeof KinesisSdk;

interface Order {
  readonly id: number;
  readonly customer: string;
  readonly amount: number;
  readonly at: number;
}

const order = (i: number): Order => ({ id: i, customer: `customer-${i % 1000}`, amount: (i % 977) / 10, at: 1_700_000_000_000 + i });
const encoder = new TextEncoder();
const decoder = new TextDecoder();

let streams = 0;
async function createStream(client: KinesisSdk.KinesisClient, shards: number): Promise<string> {
  const name = `bench-${process.pid}-${++streams}`;
  await client.send(new sdk.CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  while ((await client.send(new sdk.DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary?.StreamStatus !== 'ACTIVE') {
    await new Promise((r) => setTimeout(r, 10));
  }
  return name;
}

async function deleteStream(client: KinesisSdk.KinesisClient, name: string): Promise<void> {
  await client.send(new sdk.DeleteStreamCommand({ StreamName: name }));
}

/** The connector: a job writing SINK_RECORDS orders through KinesisSink. */
async function sinkWithConnector(client: KinesisSdk.KinesisClient, stream: string): Promise<number> {
  const env = StreamEnvironment.create({ logger: silentLogger });
  const sink = new KinesisSink<Order>({ stream, client, partitionKey: (o) => o.customer });
  env.fromSource(rangeSource(SINK_RECORDS), WatermarkStrategy.noWatermarks(), 'range').map(order).sinkTo(sink);
  const started = performance.now();
  await env.execute('kinesis sink benchmark');
  const seconds = (performance.now() - started) / 1000;
  if (sink.stats().recordsWritten !== SINK_RECORDS) throw new Error(`sink wrote ${sink.stats().recordsWritten} of ${SINK_RECORDS}`);
  return SINK_RECORDS / seconds;
}

/** The loop: the same records as 500-record PutRecords, the same number in flight. */
async function sinkByHand(client: KinesisSdk.KinesisClient, stream: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  let written = 0;
  const worker = async (): Promise<void> => {
    while (next < SINK_RECORDS) {
      const from = next;
      const to = Math.min(SINK_RECORDS, from + PUT_RECORDS_MAX_RECORDS);
      next = to;
      let records: KinesisSdk.PutRecordsRequestEntry[] = [];
      for (let i = from; i < to; i++) {
        const o = order(i);
        records.push({ Data: encoder.encode(JSON.stringify(o)), PartitionKey: o.customer });
      }
      // Retry failed entries only (kinesalite never fails any, but a fair loop must check).
      while (records.length > 0) {
        const out = await client.send(new sdk.PutRecordsCommand({ StreamName: stream, Records: records }));
        const results = out.Records ?? [];
        const failed = (out.FailedRecordCount ?? 0) === 0 ? [] : records.filter((_, i) => results[i]?.ErrorCode !== undefined);
        written += records.length - failed.length;
        records = failed;
      }
    }
  };
  await Promise.all(Array.from({ length: DEFAULT_MAX_IN_FLIGHT_REQUESTS }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (written !== SINK_RECORDS) throw new Error(`loop wrote ${written} of ${SINK_RECORDS}`);
  return SINK_RECORDS / seconds;
}

/** The connector: a job reading the filled stream from TRIM_HORIZON until every record arrived. */
async function sourceWithConnector(client: KinesisSdk.KinesisClient, stream: string): Promise<number> {
  const env = StreamEnvironment.create({ logger: silentLogger });
  let count = 0;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  env
    .fromSource(new KinesisSource<Order>({ stream, client, startPosition: 'TRIM_HORIZON' }), WatermarkStrategy.noWatermarks(), 'kinesis')
    .sinkTo(() => {
      if (++count === SOURCE_RECORDS) done();
    });
  const started = performance.now();
  const job = env.execute('kinesis source benchmark');
  await all;
  const seconds = (performance.now() - started) / 1000;
  job.done.catch(() => undefined);
  await job.cancel();
  return SOURCE_RECORDS / seconds;
}

/** The loop: every shard drained concurrently with GetRecords, ≥ 200 ms apart per shard, each record parsed. */
async function sourceByHand(client: KinesisSdk.KinesisClient, stream: string): Promise<number> {
  const started = performance.now();
  let count = 0;
  let sum = 0;
  let lastRecordAt = started;
  const shards = (await client.send(new sdk.ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  await Promise.all(
    shards.map(async (shard) => {
      let iterator = (await client.send(new sdk.GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
      let lastCall = Number.NEGATIVE_INFINITY;
      while (iterator !== undefined) {
        const wait = lastCall + DEFAULT_POLL_INTERVAL_MS - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        lastCall = Date.now();
        const out = await client.send(new sdk.GetRecordsCommand({ ShardIterator: iterator, Limit: GET_RECORDS_MAX_LIMIT }));
        const records = out.Records ?? [];
        for (const r of records) sum += (JSON.parse(decoder.decode(r.Data)) as Order).amount;
        count += records.length;
        if (count === SOURCE_RECORDS) lastRecordAt = performance.now();
        // Caught up: an open shard never ends, so stop at the first empty response.
        if (records.length === 0) break;
        iterator = out.NextShardIterator;
      }
    }),
  );
  if (count !== SOURCE_RECORDS || Number.isNaN(sum)) throw new Error(`loop read ${count} of ${SOURCE_RECORDS}`);
  // Timed to the last record, like the connector: the empty call per shard that tells the loop it is done is not counted.
  const seconds = (lastRecordAt - started) / 1000;
  return SOURCE_RECORDS / seconds;
}

async function fill(client: KinesisSdk.KinesisClient, stream: string, count: number): Promise<void> {
  for (let from = 0; from < count; from += PUT_RECORDS_MAX_RECORDS * 8) {
    const requests: Array<Promise<unknown>> = [];
    for (let r = from; r < Math.min(count, from + PUT_RECORDS_MAX_RECORDS * 8); r += PUT_RECORDS_MAX_RECORDS) {
      const records = Array.from({ length: Math.min(PUT_RECORDS_MAX_RECORDS, count - r) }, (_, i) => {
        const o = order(r + i);
        return { Data: encoder.encode(JSON.stringify(o)), PartitionKey: o.customer };
      });
      requests.push(client.send(new sdk.PutRecordsCommand({ StreamName: stream, Records: records })));
    }
    await Promise.all(requests);
  }
}

export async function runKinesisBenchmark(): Promise<Record<string, unknown>> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const kinesis = await startLocalKinesis();
  const client = new sdk.KinesisClient(localAwsClientConfig('kinesis', kinesis.endpoint));
  try {
    const sink = { connector: [] as number[], loop: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      // Alternate which goes first, so neither always runs on a warmer (or fuller) kinesalite.
      const sequence: Array<'connector' | 'loop'> = i % 2 === 0 ? ['connector', 'loop'] : ['loop', 'connector'];
      for (const which of sequence) {
        const stream = await createStream(client, SHARDS);
        sink[which].push(which === 'connector' ? await sinkWithConnector(client, stream) : await sinkByHand(client, stream));
        await deleteStream(client, stream);
      }
    }

    const filled = await createStream(client, SHARDS);
    await fill(client, filled, SOURCE_RECORDS);
    const source = { connector: [] as number[], loop: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      const sequence: Array<'connector' | 'loop'> = i % 2 === 0 ? ['connector', 'loop'] : ['loop', 'connector'];
      for (const which of sequence) {
        source[which].push(which === 'connector' ? await sourceWithConnector(client, filled) : await sourceByHand(client, filled));
      }
    }

    const summary = (runs: { connector: number[]; loop: number[] }): Record<string, unknown> => ({
      connectorMedianRecordsPerSecond: Math.round(median(runs.connector)),
      handLoopMedianRecordsPerSecond: Math.round(median(runs.loop)),
      ratio: median(runs.connector) / median(runs.loop),
      connectorRuns: runs.connector.map(Math.round),
      handLoopRuns: runs.loop.map(Math.round),
    });
    const result = {
      parameters: {
        sinkRecords: SINK_RECORDS,
        sourceRecords: SOURCE_RECORDS,
        shards: SHARDS,
        runs: RUNS,
        recordBytes: JSON.stringify(order(123_456)).length,
        maxInFlightRequests: DEFAULT_MAX_IN_FLIGHT_REQUESTS,
        pollIntervalMs: DEFAULT_POLL_INTERVAL_MS,
        backend: 'kinesalite 3.3.3, in-process, loopback HTTP/1.1',
        quick,
      },
      sink: summary(sink),
      source: summary(source),
    };
    const file = await writeResult('kinesis', result);
    console.log(
      `kinesis sink: connector ${result.sink['connectorMedianRecordsPerSecond']}/s vs loop ${result.sink['handLoopMedianRecordsPerSecond']}/s (ratio ${(result.sink['ratio'] as number).toFixed(2)})`,
    );
    console.log(
      `kinesis source: connector ${result.source['connectorMedianRecordsPerSecond']}/s vs loop ${result.source['handLoopMedianRecordsPerSecond']}/s (ratio ${(result.source['ratio'] as number).toFixed(2)}) → ${file}`,
    );
    return result;
  } finally {
    client.destroy();
    await kinesis.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runKinesisBenchmark();
}

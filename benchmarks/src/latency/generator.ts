// Child process: the open-loop load generator. N concurrent shopper
// sessions from the platform simulator (packages/examples: known customers
// and new visitors, browse histories that grow, carts filled and emptied,
// sessions ending and replaced), each stepping after an exponentially
// distributed think time (mean 1 s → about N events/s). Open loop: events
// are created on schedule whatever the pipeline does; nothing waits for an
// answer. Each event's event_time is stamped with Date.now() when it is
// created here, and the delay behind the schedule is reported (a generator
// that falls behind shows up there, not as hidden pipeline latency).
// Events go (a) as newline-delimited JSON over a loopback TCP socket to the
// pipeline's in-memory source, or (b) to the local Kinesis with PutRecords
// (a batch at least every `putEveryMs`, partition key = session id, failed
// entries retried, a bounded number of requests in flight; by default each
// batch's events KPL-aggregated into one record per shard).
// A sample of events is also followed to the serving endpoint: GET
// /recommendations/:session until the answer for that event is there.
import http from 'node:http';
import net from 'node:net';
import { KinesisClient, ListShardsCommand, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { aggregateByShard, type ShardHashKeyRange, type UserRecord } from '@tributary/connectors/kinesis';
import * as hdr from 'hdr-histogram-js';
import { localAwsClientConfig } from '@tributary/connectors/local';
import { PlatformSimulator } from '../../../packages/examples/src/simulator/simulator.js';
import { benchmarkDataset } from './model.js';
import { shardOf, summarise, type GeneratorConfig } from './protocol.js';

const config = JSON.parse(process.argv[2] as string) as GeneratorConfig;
const send = (m: unknown): void => void process.send?.(m);
const PUT_RECORDS_MAX = 500;

const dataset = benchmarkDataset();
const encoder = new TextEncoder();

// Transport: one socket per pipeline process (memory path), or the Kinesis client.
const sockets: net.Socket[] = [];
let kinesis: KinesisClient | undefined;
if (config.path === 'memory') {
  for (const port of config.ports ?? []) {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    sockets.push(socket);
  }
} else {
  kinesis = new KinesisClient({ ...localAwsClientConfig('kinesis', config.kinesisEndpoint as string), maxAttempts: 10 });
}
/** The event stream's shards, which aggregated records are packed for. */
const shards: ShardHashKeyRange[] = [];
if (kinesis !== undefined && config.aggregate) {
  const listed = await kinesis.send(new ListShardsCommand({ StreamName: config.eventStream }));
  for (const s of listed.Shards ?? []) shards.push({ startingHashKey: s.HashKeyRange?.StartingHashKey ?? '', endingHashKey: s.HashKeyRange?.EndingHashKey ?? '' });
}

const histogram = (): hdr.Histogram => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
const scheduleLag = histogram();
const httpVisible = histogram();
let sent = 0;
let sentInWindow = 0;
/** Events sent to each pipeline process (memory path). */
const sentByShard = sockets.map(() => 0);
let bytes = 0;
let putRequests = 0;
let putRetriedRecords = 0;
let putErrors = 0;
let maxBacklog = 0;
let samplesTimedOut = 0;
let sampleErrors = 0;

// Kinesis: events waiting for a PutRecords, entries to send again, and requests in flight.
let pending: UserRecord[] = [];
let failedEntries: PutRecordsRequestEntry[] = [];
let inFlight = 0;
let putEntries = 0;
let lastPutAt = 0;
const putBatch = (records: PutRecordsRequestEntry[]): void => {
  inFlight++;
  putRequests++;
  putEntries += records.length;
  kinesis!.send(new PutRecordsCommand({ StreamName: config.eventStream, Records: records })).then(
    (out) => {
      inFlight--;
      if ((out.FailedRecordCount ?? 0) > 0) {
        const failed = records.filter((_, i) => out.Records?.[i]?.ErrorCode !== undefined);
        putRetriedRecords += failed.length;
        failedEntries.push(...failed);
      }
      flushKinesis(false);
    },
    () => {
      inFlight--;
      putErrors++;
      failedEntries.push(...records); // the SDK retried already; keep the records and try again
      flushKinesis(false);
    },
  );
};
/** The next PutRecords' entries: failed ones first, then waiting events (aggregated per shard, or one entry each). */
const nextEntries = (): PutRecordsRequestEntry[] => {
  if (failedEntries.length > 0) return failedEntries.splice(0, PUT_RECORDS_MAX);
  if (!config.aggregate) return pending.splice(0, PUT_RECORDS_MAX).map((r) => ({ Data: r.data, PartitionKey: r.partitionKey }));
  const events = pending;
  pending = [];
  const entries = aggregateByShard(events, shards);
  failedEntries = entries.slice(PUT_RECORDS_MAX);
  return entries.slice(0, PUT_RECORDS_MAX);
};
const flushKinesis = (force: boolean): void => {
  maxBacklog = Math.max(maxBacklog, pending.length);
  const waiting = (): number => pending.length + failedEntries.length;
  while (waiting() > 0 && inFlight < config.maxPutsInFlight && (force || pending.length >= PUT_RECORDS_MAX || Date.now() - lastPutAt >= config.putEveryMs)) {
    lastPutAt = Date.now();
    putBatch(nextEntries());
    force = true; // the rest of a long backlog goes at once
  }
};

// Sampled visibility at the serving endpoint.
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const servings = config.servingUrls.map((url) => new URL(url));
const getEventTime = (session: string): Promise<number | undefined> =>
  new Promise((resolve, reject) => {
    const serving = servings[shardOf(session, servings.length)] as URL;
    const req = http.get({ host: serving.hostname, port: serving.port, path: `/recommendations/${encodeURIComponent(session)}`, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? (JSON.parse(body) as { event_time: number }).event_time : undefined));
    });
    req.on('error', reject);
  });
const follow = async (session: string, eventTime: number): Promise<void> => {
  const giveUp = eventTime + 10_000;
  for (;;) {
    try {
      const seen = await getEventTime(session);
      if (seen !== undefined && seen >= eventTime) {
        httpVisible.recordValue(Math.max(1, Math.round((Date.now() - eventTime) * 1000)));
        return;
      }
    } catch {
      sampleErrors++;
    }
    if (Date.now() > giveUp) {
      samplesTimedOut++;
      return;
    }
    await new Promise((r) => setTimeout(r, config.samplePollMs));
  }
};

send({ type: 'ready' });
const start = await new Promise<{ startAt: number; windowFrom: number; windowTo: number }>((resolve) => process.once('message', (m: any) => resolve(m)));
const sim = new PlatformSimulator({
  dataset,
  sessions: config.sessions,
  thinkTimeMs: config.thinkTimeMs,
  durationMs: Number.POSITIVE_INFINITY,
  startTime: start.startAt,
  malformedFraction: 0,
  seed: config.seed,
  sessionIdPrefix: `run${config.seed}`,
});
const endAt = start.windowTo;
const sampleEveryMs = 1000 / config.samplesPerSecond;
let nextSampleAt = start.windowFrom;
const followers: Array<Promise<void>> = [];

while (process.connected) {
  const now = Date.now();
  if (now >= endAt) break;
  const records = sim.advanceTo(now);
  const lines = sockets.map(() => '');
  let sample: { session: string; time: number } | undefined;
  for (const r of records) {
    if (r.kind !== 'session') continue; // orders are not session events (the pipeline's optional order input is not used)
    const created = Date.now();
    // event_time is the last field: restamp it with the creation time.
    const data = `${r.data.slice(0, r.data.lastIndexOf(':') + 1)}${created}}`;
    scheduleLag.recordValue(Math.max(1, Math.round((created - r.time) * 1000)));
    sent++;
    if (created >= start.windowFrom && created < start.windowTo) {
      sentInWindow++;
      if (created >= nextSampleAt) {
        nextSampleAt += sampleEveryMs;
        sample = { session: r.partitionKey, time: created };
      }
    }
    bytes += data.length;
    if (sockets.length > 0) {
      const shard = shardOf(r.partitionKey, sockets.length);
      lines[shard] += `${data}\n`;
      sentByShard[shard] = (sentByShard[shard] ?? 0) + 1;
    }
    else pending.push({ data: encoder.encode(data), partitionKey: r.partitionKey });
  }
  sockets.forEach((socket, i) => {
    if ((lines[i] as string).length > 0) socket.write(lines[i] as string);
  });
  if (kinesis !== undefined) flushKinesis(false);
  if (sample !== undefined) followers.push(follow(sample.session, sample.time));
  // About one tick per millisecond; yields to I/O callbacks in between.
  await new Promise((r) => setTimeout(r, 1));
}

// Send what is left, then wait for the samples.
if (kinesis !== undefined) {
  while (pending.length > 0 || failedEntries.length > 0 || inFlight > 0) {
    flushKinesis(true);
    await new Promise((r) => setTimeout(r, 2));
  }
}
for (const socket of sockets) socket.end();
send({ type: 'sent', sent, sentInWindow, sentByShard });
await Promise.all(followers);
send({
  type: 'result',
  sent,
  sentInWindow,
  bytes,
  meanEventBytes: sent === 0 ? 0 : Math.round(bytes / sent),
  scheduleLag: summarise(scheduleLag),
  httpVisible: summarise(httpVisible),
  samplesTimedOut,
  sampleErrors,
  putRequests,
  putEntries,
  aggregated: config.aggregate,
  putRetriedRecords,
  putErrors,
  maxBacklog,
  simulator: sim.stats(),
});
agent.destroy();
kinesis?.destroy();
process.on('message', (m: any) => {
  if (m.type === 'stop') process.exit(0);
});
process.on('disconnect', () => process.exit(0));

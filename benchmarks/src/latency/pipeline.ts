// Child process: the streaming recommender as it would be deployed
// (buildStreamingRecommender, model from the model store on the local S3,
// checkpoints every few seconds, the serving endpoint on loopback), fed by
// one of two event sources:
// - kinesis: the session-event stream on the local Kinesis (4 shards, the
//   Kinesis source's fastest legal polling: 5 GetRecords/s/shard);
// - memory:  an in-process source: a queue filled from a loopback TCP socket
//   over which the load generator (another process) writes newline-delimited
//   JSON; no broker, but the same JSON parsing, validation and keyed
//   recommender as the Kinesis path.
// A latency sink records `now − event_time` of every recommendation (µs);
// the serving store's onPut records when it became visible there. The
// values go into a plain array on the per-event path and into HDR
// histograms only when the parent asks for the result, so that the
// pipeline's CPU per event does not include the benchmark's bookkeeping. The parent drives it: { type: 'window' }, { type: 'drain' },
// { type: 'stop' }.
import net from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { S3Client } from '@aws-sdk/client-s3';
import * as hdr from 'hdr-histogram-js';
import { StreamEnvironment, WatermarkStrategy, silentLogger, type Source, type SourceReader } from '@tributary/core';
import { localAwsClientConfig } from '@tributary/connectors/local';
import { buildStreamingRecommender, startServingEndpoint, type Recommendation } from '@tributary/pipelines';
import { preciseNow, type PipelineConfig } from './protocol.js';

const config = JSON.parse(process.argv[2] as string) as PipelineConfig;
const send = (m: unknown): void => void process.send?.(m);

/** Lines waiting in the in-memory source, and who waits for them. */
const MAX_QUEUED_LINES = 100_000;
const LINES_PER_POLL = 1_000;

function tcpSource(): { source: Source<unknown>; listen: () => Promise<number>; close: () => void } {
  const queue: string[] = [];
  let head = 0;
  let wake: (() => void) | undefined;
  const sockets = new Set<net.Socket>();
  let paused = false;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.setEncoding('utf8');
    let partial = '';
    socket.on('data', (chunk: string) => {
      const text = partial + chunk;
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        if (nl > start) queue.push(text.slice(start, nl));
        start = nl + 1;
      }
      partial = text.slice(start);
      // Backpressure to the generator: stop reading while the queue is long.
      if (queue.length - head > MAX_QUEUED_LINES && !paused) {
        paused = true;
        for (const s of sockets) s.pause();
      }
      const w = wake;
      wake = undefined;
      w?.();
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  const reader: SourceReader<unknown> = {
    addSplits: () => undefined,
    pollNext(output) {
      const end = Math.min(queue.length, head + LINES_PER_POLL);
      for (; head < end; head++) {
        const line = queue[head] as string;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          value = line; // not JSON: validation quarantines it
        }
        output.collect('tcp', value);
      }
      if (head === queue.length) {
        queue.length = 0;
        head = 0;
      } else if (head > 50_000) {
        queue.splice(0, head);
        head = 0;
      }
      if (paused && queue.length - head < MAX_QUEUED_LINES / 2) {
        paused = false;
        for (const s of sockets) s.resume();
      }
      return queue.length > head ? 'more' : 'waiting';
    },
    available: () => (queue.length > head ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve))),
    snapshotState: () => [{ id: 'tcp' }],
  };
  return {
    source: { boundedness: 'unbounded', maxParallelism: 1, discoverSplits: () => [{ id: 'tcp' }], createReader: () => reader },
    listen: () =>
      new Promise((resolve) => {
        server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
      }),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

const env = StreamEnvironment.create({
  parallelism: 1,
  logger: silentLogger,
  checkpointInterval: config.checkpointIntervalMs,
  checkpointDir: config.checkpointDir,
});
const s3 = new S3Client(localAwsClientConfig('s3', config.endpoints.s3));
const tcp = config.path === 'memory' ? tcpSource() : undefined;
const job = buildStreamingRecommender(env, {
  events:
    tcp !== undefined
      ? { stream: env.fromSource(tcp.source, WatermarkStrategy.noWatermarks(), 'session events (loopback TCP)') }
      : {
          kinesis: {
            stream: config.eventStream,
            startPosition: 'TRIM_HORIZON',
            clientConfig: localAwsClientConfig('kinesis', config.endpoints.kinesis),
          },
        },
  models: { store: { client: s3, bucket: config.modelBucket, prefix: config.modelPrefix } },
  outputs: {
    ...(config.outputStream === undefined ? {} : { kinesis: { stream: config.outputStream, clientConfig: localAwsClientConfig('kinesis', config.endpoints.kinesis) } }),
    ...(config.deliveryStream === undefined
      ? {}
      : { firehose: { deliveryStreamName: config.deliveryStream, clientConfig: localAwsClientConfig('firehose', config.endpoints.firehose) } }),
  },
});

/** Latencies (µs) in a growable typed array; turned into an HDR histogram at the end. */
class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;

  record(eventTime: number, now: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = Math.max(1, Math.round((now - eventTime) * 1000));
  }

  /** The latencies as a compressed HDR histogram (µs), so the orchestrator can merge the processes' histograms. */
  encoded(): string {
    const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
    for (let i = 0; i < this.count; i++) h.recordValue(this.values[i]!);
    return hdr.encodeIntoCompressedBase64(h);
  }

}

// Measurement state.
let windowFrom = Number.POSITIVE_INFINITY;
let windowTo = Number.POSITIVE_INFINITY;
const emitted = new LatencyRecorder();
const visible = new LatencyRecorder();
let answered = 0;
let answeredInWindow = 0;
let fallbacksInWindow = 0;
let lastAnswerAt = 0;
let deadLetters = 0;
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
let cpuAtWindow: NodeJS.CpuUsage | undefined;
let cpuWindow: NodeJS.CpuUsage | undefined;
/** Resolves once the window's CPU and event-loop figures are taken (a drain may be asked for a moment before that timer fires). */
let windowClosed: Promise<void> = Promise.resolve();

job.recommendations
  .sinkTo((r: Recommendation) => {
    const now = preciseNow();
    answered++;
    lastAnswerAt = now;
    if (r.event_time >= windowFrom && r.event_time < windowTo) {
      answeredInWindow++;
      if (r.source === 'fallback') fallbacksInWindow++;
      emitted.record(r.event_time, now);
    }
  })
  .name('latency recorder');
job.deadLetters.sinkTo(() => void deadLetters++).name('dead-letter counter');
job.store?.onPut((r) => {
  if (r.event_time >= windowFrom && r.event_time < windowTo) visible.record(r.event_time, preciseNow());
});

const handle = env.execute('streaming recommender (latency benchmark)');
let jobError: string | undefined;
handle.done.catch((error: unknown) => {
  jobError = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
  send({ type: 'failed', error: jobError });
});
const serving = await startServingEndpoint(job.store!, { port: 0 });
const port = tcp === undefined ? undefined : await tcp.listen();

// Ready once the model is loaded: the first shoppers get the model's answer.
const readyBy = Date.now() + 60_000;
while (job.stats.modelsLoaded === 0 && jobError === undefined && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 20));
send({ type: 'ready', port, servingUrl: serving.url, modelsLoaded: job.stats.modelsLoaded, error: jobError });

process.on('message', (m: any) => {
  void (async () => {
    if (m.type === 'window') {
      windowFrom = m.from;
      windowTo = m.to;
      // CPU and event-loop delay over the measurement window.
      setTimeout(() => {
        cpuAtWindow = process.cpuUsage();
        loopDelay.enable();
      }, Math.max(0, m.from - Date.now()));
      windowClosed = new Promise<void>((resolve) =>
        setTimeout(() => {
          if (cpuAtWindow !== undefined) cpuWindow = process.cpuUsage(cpuAtWindow);
          loopDelay.disable();
          resolve();
        }, Math.max(0, m.to - Date.now())),
      );
    } else if (m.type === 'drain') {
      // Wait until every sent event was answered, or until nothing came for `quietMs`.
      const deadline = Date.now() + m.timeoutMs;
      while (answered < m.expected && Date.now() < deadline && jobError === undefined) {
        if (answered > 0 && preciseNow() - lastAnswerAt > m.quietMs && Date.now() > m.notBefore) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await windowClosed;
      const stats = job.stats.snapshot();
      send({
        type: 'result',
        answered,
        answeredInWindow,
        fallbacksInWindow,
        deadLetters,
        emitted: emitted.encoded(),
        visibleInStore: visible.encoded(),
        stats,
        jobError,
        eventLoopDelayMs: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        cpuSecondsInWindow: cpuWindow === undefined ? undefined : (cpuWindow.user + cpuWindow.system) / 1e6,
        rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
        storeSize: job.store?.size,
      });
    } else if (m.type === 'stop') {
      tcp?.close();
      await serving.close();
      await Promise.race([handle.cancel().catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
      s3.destroy();
      process.exit(0);
    }
  })();
});
process.on('disconnect', () => process.exit(0));

/**
 * The local stack's Firehose: a node:http endpoint speaking the Firehose
 * JSON protocol (`POST /`, `x-amz-target: Firehose_20150804.<Operation>`,
 * AWS JSON 1.1) for DirectPut delivery streams with an S3 destination.
 * Records are buffered per stream and delivered to S3 through a real S3
 * client, honouring the buffering hints as Firehose does: an object is
 * written once the buffer reaches `SizeInMBs` or `IntervalInSeconds` after
 * its first record, whichever comes first (`IntervalInSeconds: 0` is zero
 * buffering: each request's records are delivered at once). Objects are
 * named like Firehose names them:
 * `<prefix>YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>` (UTC), the
 * records' bytes concatenated with no delimiter.
 *
 * Fault injection (`setFaults`) fails a fraction of PutRecordBatch entries
 * (per-entry ErrorCode, FailedPutCount) or whole requests (HTTP 503), for
 * testing partial-failure handling against the real SDK client.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { TributaryError } from '@tributary/core';
import { closeServer, listen, LOOPBACK, readBody } from './http.js';

/** Records a PutRecordBatch request may hold (AWS limit). */
export const FIREHOSE_MAX_RECORDS_PER_BATCH = 500;
/** Bytes of data (before base64) a PutRecordBatch request may hold: 4 MiB (AWS limit). */
export const FIREHOSE_MAX_BYTES_PER_BATCH = 4 * 1024 * 1024;
/** Bytes of data (before base64) one record may hold: 1000 KiB (AWS limit). */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;
/** Default buffer size hint for S3 destinations: 5 MiB (AWS default; allowed 1–128). */
export const DEFAULT_BUFFER_SIZE_MB = 5;
/** Default buffer interval hint for S3 destinations: 300 s (AWS default; allowed 0–900). */
export const DEFAULT_BUFFER_INTERVAL_SECONDS = 300;
/** Largest request body the endpoint reads (4 MiB of data grows by 4/3 in base64, plus JSON). */
export const MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024;
/** Times a failed S3 delivery is retried before it is reported (stats and `flush`). */
export const DELIVERY_RETRIES = 3;
/** Base delay between delivery retries (doubles each time). */
export const DELIVERY_RETRY_DELAY_MS = 50;
/** The account id in the ARNs the endpoint makes up. */
export const LOCAL_ACCOUNT_ID = '000000000000';

const TARGET_PREFIX = 'Firehose_20150804.';
const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,64}$/;
const MiB = 1024 * 1024;

/** Buffering hints of a delivery stream, as in the Firehose API. */
export interface LocalBufferingHints {
  /** Deliver once this many MiB are buffered (1–128, default {@link DEFAULT_BUFFER_SIZE_MB}). */
  readonly sizeInMBs?: number;
  /** Deliver this long after the first buffered record (0–900, default {@link DEFAULT_BUFFER_INTERVAL_SECONDS}; 0 = zero buffering). */
  readonly intervalInSeconds?: number;
}

/** Faults the endpoint injects (see {@link LocalFirehose.setFaults}). */
export interface FirehoseFaults {
  /** Fraction (0–1) of PutRecordBatch entries answered with an ErrorCode instead of being accepted. */
  readonly entryFailureRate?: number;
  /** Fails exactly the entries this predicate selects (checked after `entryFailureRate`). */
  readonly failEntry?: (data: Buffer, index: number) => boolean;
  /** The ErrorCode of failed entries (default `ServiceUnavailableException`). */
  readonly errorCode?: string;
  /** Answer the next N data requests (PutRecord, PutRecordBatch) with HTTP 503 ServiceUnavailableException. */
  readonly failRequests?: number;
  /** Seed of the pseudo-random choice of failing entries (default 1), for reproducible tests. */
  readonly seed?: number;
}

/** One object the endpoint wrote to S3. */
export interface FirehoseDelivery {
  readonly deliveryStream: string;
  readonly bucket: string;
  readonly key: string;
  readonly records: number;
  readonly bytes: number;
}

/** Counters of the endpoint. */
export interface FirehoseStats {
  /** Requests received, by operation. */
  readonly requests: Readonly<Record<string, number>>;
  readonly recordsAccepted: number;
  /** Entries failed by fault injection. */
  readonly recordsFailed: number;
  /** Requests failed by fault injection. */
  readonly requestsFailed: number;
  readonly deliveries: readonly FirehoseDelivery[];
  /** Deliveries that failed after all retries (their records are not in S3). */
  readonly deliveryErrors: ReadonlyArray<{ readonly deliveryStream: string; readonly records: number; readonly error: string }>;
}

/** Options of {@link startLocalFirehose}. */
export interface LocalFirehoseOptions {
  /** The client deliveries are written with (not destroyed by the endpoint). */
  readonly s3: S3Client;
  /** Default 0: an ephemeral port. */
  readonly port?: number;
  /** The region in ARNs (default us-east-1). */
  readonly region?: string;
}

/** A running local Firehose endpoint. */
export interface LocalFirehose {
  readonly endpoint: string;
  /** Sets (or with `undefined` clears) injected faults. */
  setFaults(faults: FirehoseFaults | undefined): void;
  /** Delivers everything buffered now (one stream, or all) and waits for the deliveries. Rejects if one failed. */
  flush(deliveryStream?: string): Promise<void>;
  stats(): FirehoseStats;
  /** Delivers what is buffered, then closes the endpoint. */
  stop(): Promise<void>;
}

interface DeliveryStream {
  readonly name: string;
  readonly arn: string;
  readonly bucket: string;
  readonly bucketArn: string;
  readonly prefix: string;
  readonly errorOutputPrefix: string | undefined;
  readonly sizeInMBs: number;
  readonly intervalInSeconds: number;
  readonly compression: 'UNCOMPRESSED' | 'GZIP';
  readonly roleArn: string;
  readonly created: number;
  buffer: Buffer[];
  bufferedBytes: number;
  firstArrival: number;
  timer: NodeJS.Timeout | undefined;
  /** Deliveries of this stream run one after another (objects in arrival order). */
  chain: Promise<void>;
  failure: Error | undefined;
}

/** A request error answered as AWS JSON 1.1 (`{"__type", "message"}`). */
class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * Starts the Firehose endpoint on 127.0.0.1.
 *
 * ```ts
 * const firehose = await startLocalFirehose({ s3: s3Client });
 * const client = new FirehoseClient(localAwsClientConfig('firehose', firehose.endpoint));
 * await client.send(new CreateDeliveryStreamCommand({
 *   DeliveryStreamName: 'events',
 *   ExtendedS3DestinationConfiguration: {
 *     BucketARN: 'arn:aws:s3:::lake', RoleARN: 'arn:aws:iam::000000000000:role/local', Prefix: 'events/',
 *     BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
 *   },
 * }));
 * ```
 * Gotchas: DirectPut streams with an S3 destination only; compression
 * UNCOMPRESSED or GZIP; prefixes are used literally (no `!{…}`
 * expressions); signatures are not checked.
 */
export async function startLocalFirehose(options: LocalFirehoseOptions): Promise<LocalFirehose> {
  const region = options.region ?? 'us-east-1';
  const streams = new Map<string, DeliveryStream>();
  const requests: Record<string, number> = {};
  const deliveries: FirehoseDelivery[] = [];
  const deliveryErrors: Array<{ deliveryStream: string; records: number; error: string }> = [];
  let recordsAccepted = 0;
  let recordsFailed = 0;
  let requestsFailed = 0;
  let faults: FirehoseFaults | undefined;
  let failRequestsLeft = 0;
  let random = mulberry32(1);

  const deliver = (stream: DeliveryStream): Promise<void> => {
    if (stream.timer !== undefined) clearTimeout(stream.timer);
    stream.timer = undefined;
    if (stream.buffer.length > 0) {
      const records = stream.buffer;
      const arrival = stream.firstArrival;
      stream.buffer = [];
      stream.bufferedBytes = 0;
      stream.chain = stream.chain.then(() => writeObject(stream, records, arrival));
    }
    return stream.chain;
  };

  const writeObject = async (stream: DeliveryStream, records: Buffer[], arrival: number): Promise<void> => {
    const raw = Buffer.concat(records);
    const body = stream.compression === 'GZIP' ? gzipSync(raw) : raw;
    const key = objectKey(stream, arrival);
    let lastError: unknown;
    for (let attempt = 0; attempt <= DELIVERY_RETRIES; attempt++) {
      if (attempt > 0) await sleep(DELIVERY_RETRY_DELAY_MS * 2 ** (attempt - 1));
      try {
        await options.s3.send(new PutObjectCommand({ Bucket: stream.bucket, Key: key, Body: body }));
        deliveries.push({ deliveryStream: stream.name, bucket: stream.bucket, key, records: records.length, bytes: body.length });
        return;
      } catch (err) {
        lastError = err;
      }
    }
    const message = lastError instanceof Error ? lastError.message : String(lastError);
    deliveryErrors.push({ deliveryStream: stream.name, records: records.length, error: message });
    stream.failure = new TributaryError('FIREHOSE_DELIVERY_FAILED', `delivery stream '${stream.name}' could not write s3://${stream.bucket}/${key}: ${message}`, {
      cause: lastError,
      retryable: true,
    });
  };

  const accept = (stream: DeliveryStream, data: Buffer): void => {
    if (stream.buffer.length === 0) stream.firstArrival = Date.now();
    stream.buffer.push(data);
    stream.bufferedBytes += data.length;
    recordsAccepted++;
  };

  const afterAccept = (stream: DeliveryStream): void => {
    if (stream.buffer.length === 0) return;
    if (stream.bufferedBytes >= stream.sizeInMBs * MiB) {
      void deliver(stream);
    } else if (stream.timer === undefined) {
      stream.timer = setTimeout(() => void deliver(stream), stream.intervalInSeconds * 1000);
    }
  };

  const getStream = (input: Record<string, unknown>): DeliveryStream => {
    const name = input['DeliveryStreamName'];
    const stream = typeof name === 'string' ? streams.get(name) : undefined;
    if (stream === undefined) {
      throw new ApiError('ResourceNotFoundException', `Firehose ${String(name)} under account ${LOCAL_ACCOUNT_ID} not found.`);
    }
    return stream;
  };

  const decodeRecord = (record: unknown, index: number): Buffer => {
    const data = (record as { Data?: unknown } | undefined)?.Data;
    if (typeof data !== 'string') throw new ApiError('InvalidArgumentException', `Record ${index} has no Data.`);
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length > FIREHOSE_MAX_RECORD_BYTES) {
      throw new ApiError(
        'InvalidArgumentException',
        `Record ${index} is ${bytes.length} bytes; the maximum record size is ${FIREHOSE_MAX_RECORD_BYTES} bytes (1000 KiB).`,
      );
    }
    return bytes;
  };

  const injectRequestFault = (): void => {
    if (failRequestsLeft > 0) {
      failRequestsLeft--;
      requestsFailed++;
      throw new ApiError('ServiceUnavailableException', 'Slow down. (injected by the local stack)', 503);
    }
  };

  const operations: Record<string, (input: Record<string, unknown>) => unknown> = {
    CreateDeliveryStream(input) {
      const name = input['DeliveryStreamName'];
      if (typeof name !== 'string' || !STREAM_NAME.test(name)) {
        throw new ApiError('InvalidArgumentException', `DeliveryStreamName must match ${STREAM_NAME.source}, got ${JSON.stringify(name)}.`);
      }
      if (streams.has(name)) throw new ApiError('ResourceInUseException', `Firehose ${name} under accountId ${LOCAL_ACCOUNT_ID} already exists`);
      const type = input['DeliveryStreamType'] ?? 'DirectPut';
      if (type !== 'DirectPut') throw new ApiError('InvalidArgumentException', `The local stack supports DirectPut delivery streams only, got ${String(type)}.`);
      const destination = (input['ExtendedS3DestinationConfiguration'] ?? input['S3DestinationConfiguration']) as Record<string, unknown> | undefined;
      if (destination === undefined) {
        throw new ApiError('InvalidArgumentException', 'The local stack supports S3 destinations only: give ExtendedS3DestinationConfiguration.');
      }
      const bucketArn = String(destination['BucketARN'] ?? '');
      const bucket = /^arn:aws[a-z-]*:s3:::([a-z0-9.-]{3,63})$/.exec(bucketArn)?.[1];
      if (bucket === undefined) throw new ApiError('InvalidArgumentException', `BucketARN must look like arn:aws:s3:::bucket, got '${bucketArn}'.`);
      const hints = (destination['BufferingHints'] ?? {}) as { SizeInMBs?: number; IntervalInSeconds?: number };
      const sizeInMBs = hints.SizeInMBs ?? DEFAULT_BUFFER_SIZE_MB;
      const intervalInSeconds = hints.IntervalInSeconds ?? DEFAULT_BUFFER_INTERVAL_SECONDS;
      if (!Number.isInteger(sizeInMBs) || sizeInMBs < 1 || sizeInMBs > 128) {
        throw new ApiError('InvalidArgumentException', `BufferingHints.SizeInMBs must be an integer in 1..128, got ${sizeInMBs}.`);
      }
      if (!Number.isInteger(intervalInSeconds) || intervalInSeconds < 0 || intervalInSeconds > 900) {
        throw new ApiError('InvalidArgumentException', `BufferingHints.IntervalInSeconds must be an integer in 0..900, got ${intervalInSeconds}.`);
      }
      const compression = destination['CompressionFormat'] ?? 'UNCOMPRESSED';
      if (compression !== 'UNCOMPRESSED' && compression !== 'GZIP') {
        throw new ApiError('InvalidArgumentException', `The local stack supports CompressionFormat UNCOMPRESSED or GZIP, got ${String(compression)}.`);
      }
      const arn = `arn:aws:firehose:${region}:${LOCAL_ACCOUNT_ID}:deliverystream/${name}`;
      const errorOutputPrefix = destination['ErrorOutputPrefix'];
      streams.set(name, {
        name,
        arn,
        bucket,
        bucketArn,
        prefix: typeof destination['Prefix'] === 'string' ? destination['Prefix'] : '',
        errorOutputPrefix: typeof errorOutputPrefix === 'string' ? errorOutputPrefix : undefined,
        sizeInMBs,
        intervalInSeconds,
        compression,
        roleArn: String(destination['RoleARN'] ?? `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/local`),
        created: Date.now(),
        buffer: [],
        bufferedBytes: 0,
        firstArrival: 0,
        timer: undefined,
        chain: Promise.resolve(),
        failure: undefined,
      });
      return { DeliveryStreamARN: arn };
    },

    DescribeDeliveryStream(input) {
      const s = getStream(input);
      const destination = {
        RoleARN: s.roleArn,
        BucketARN: s.bucketArn,
        Prefix: s.prefix,
        ...(s.errorOutputPrefix === undefined ? {} : { ErrorOutputPrefix: s.errorOutputPrefix }),
        BufferingHints: { SizeInMBs: s.sizeInMBs, IntervalInSeconds: s.intervalInSeconds },
        CompressionFormat: s.compression,
        EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
      };
      return {
        DeliveryStreamDescription: {
          DeliveryStreamName: s.name,
          DeliveryStreamARN: s.arn,
          DeliveryStreamStatus: 'ACTIVE',
          DeliveryStreamType: 'DirectPut',
          VersionId: '1',
          CreateTimestamp: s.created / 1000,
          Destinations: [
            { DestinationId: 'destinationId-000000000001', S3DestinationDescription: destination, ExtendedS3DestinationDescription: destination },
          ],
          HasMoreDestinations: false,
        },
      };
    },

    ListDeliveryStreams() {
      return { DeliveryStreamNames: [...streams.keys()].sort(), HasMoreDeliveryStreams: false };
    },

    async DeleteDeliveryStream(input) {
      const stream = getStream(input);
      streams.delete(stream.name);
      await deliver(stream);
      return {};
    },

    PutRecord(input) {
      const stream = getStream(input);
      injectRequestFault();
      const data = decodeRecord(input['Record'], 0);
      accept(stream, data);
      afterAccept(stream);
      return { RecordId: recordId(), Encrypted: false };
    },

    PutRecordBatch(input) {
      const stream = getStream(input);
      const records = input['Records'];
      if (!Array.isArray(records) || records.length === 0 || records.length > FIREHOSE_MAX_RECORDS_PER_BATCH) {
        throw new ApiError(
          'InvalidArgumentException',
          `Records must hold 1..${FIREHOSE_MAX_RECORDS_PER_BATCH} records, got ${Array.isArray(records) ? records.length : 'none'}.`,
        );
      }
      const decoded = records.map(decodeRecord);
      const total = decoded.reduce((sum, b) => sum + b.length, 0);
      if (total > FIREHOSE_MAX_BYTES_PER_BATCH) {
        throw new ApiError('InvalidArgumentException', `The request holds ${total} bytes of data; the maximum is ${FIREHOSE_MAX_BYTES_PER_BATCH} bytes (4 MiB).`);
      }
      injectRequestFault();
      let failed = 0;
      const responses = decoded.map((data, index) => {
        const rate = faults?.entryFailureRate ?? 0;
        if ((rate > 0 && random() < rate) || faults?.failEntry?.(data, index) === true) {
          failed++;
          return { ErrorCode: faults?.errorCode ?? 'ServiceUnavailableException', ErrorMessage: 'Slow down. (injected by the local stack)' };
        }
        accept(stream, data);
        return { RecordId: recordId() };
      });
      recordsFailed += failed;
      afterAccept(stream);
      return { FailedPutCount: failed, Encrypted: false, RequestResponses: responses };
    },
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const target = req.headers['x-amz-target'];
    const operation = typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const body = await readBody(req, MAX_REQUEST_BODY_BYTES).catch(() => undefined);
    try {
      if (req.method !== 'POST' || operation === undefined) throw new ApiError('UnknownOperationException', `Expected POST with x-amz-target ${TARGET_PREFIX}<Operation>.`);
      if (body === undefined) throw new ApiError('InvalidArgumentException', `The request body exceeds ${MAX_REQUEST_BODY_BYTES} bytes.`, 413);
      requests[operation] = (requests[operation] ?? 0) + 1;
      const run = operations[operation];
      if (run === undefined) throw new ApiError('UnknownOperationException', `The local stack does not implement ${operation}.`);
      let input: Record<string, unknown>;
      try {
        input = body.length === 0 ? {} : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
      } catch {
        throw new ApiError('SerializationException', 'The request body is not valid JSON.');
      }
      send(res, 200, await run(input));
    } catch (err) {
      if (err instanceof ApiError) send(res, err.status, { __type: err.type, message: err.message });
      else send(res, 500, { __type: 'InternalFailure', message: err instanceof Error ? err.message : String(err) });
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const port = await listen(server, options.port ?? 0);

  const flush = async (deliveryStream?: string): Promise<void> => {
    const selected = deliveryStream === undefined ? [...streams.values()] : [getStream({ DeliveryStreamName: deliveryStream })];
    await Promise.all(selected.map(deliver));
    const failed = selected.find((s) => s.failure !== undefined);
    if (failed?.failure !== undefined) {
      const failure = failed.failure;
      failed.failure = undefined;
      throw failure;
    }
  };

  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    setFaults(next) {
      const rate = next?.entryFailureRate ?? 0;
      if (!(rate >= 0 && rate <= 1)) throw new RangeError(`entryFailureRate must be in 0..1, got ${rate}`);
      faults = next;
      failRequestsLeft = next?.failRequests ?? 0;
      random = mulberry32(next?.seed ?? 1);
    },
    flush,
    stats: () => ({
      requests: { ...requests },
      recordsAccepted,
      recordsFailed,
      requestsFailed,
      deliveries: [...deliveries],
      deliveryErrors: [...deliveryErrors],
    }),
    async stop() {
      await closeServer(server);
      await Promise.all([...streams.values()].map(deliver));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body ?? {});
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  });
  res.end(text);
}

/** `<prefix>YYYY/MM/DD/HH/<stream>-1-YYYY-MM-DD-HH-MM-SS-<uuid>` in UTC, as Firehose names objects. */
function objectKey(stream: DeliveryStream, arrival: number): string {
  const d = new Date(arrival);
  const p = (n: number): string => String(n).padStart(2, '0');
  const [Y, M, D, h, m, s] = [d.getUTCFullYear(), p(d.getUTCMonth() + 1), p(d.getUTCDate()), p(d.getUTCHours()), p(d.getUTCMinutes()), p(d.getUTCSeconds())];
  const suffix = stream.compression === 'GZIP' ? '.gz' : '';
  return `${stream.prefix}${Y}/${M}/${D}/${h}/${stream.name}-1-${Y}-${M}-${D}-${h}-${m}-${s}-${randomUUID()}${suffix}`;
}

function recordId(): string {
  return randomBytes(28).toString('hex');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A small seeded PRNG (mulberry32): reproducible fault injection. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

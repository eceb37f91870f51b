// What the latency benchmark's processes tell each other (Node IPC
// messages between the orchestrator, index.ts, and its children), and the
// helpers they share: forking a TypeScript child with tsx, and summarising
// an HDR histogram.
import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Histogram } from 'hdr-histogram-js';

export const HERE = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = join(HERE, '..', '..', '..');

/** How events reach the pipeline. */
export type EventPath = 'memory' | 'kinesis';

export interface Endpoints {
  readonly kinesis: string;
  readonly s3: string;
  readonly firehose: string;
}

/** Everything the pipeline child needs (argv[2], JSON). */
export interface PipelineConfig {
  readonly path: EventPath;
  readonly endpoints: Endpoints;
  readonly modelBucket: string;
  readonly modelPrefix: string;
  /** Kinesis path: the session-event stream (read from TRIM_HORIZON). */
  readonly eventStream: string;
  /** Kinesis path: also write every recommendation to this stream and to this Firehose delivery stream (production outputs). */
  readonly outputStream?: string;
  readonly deliveryStream?: string;
  readonly checkpointDir: string;
  readonly checkpointIntervalMs: number;
}

/** Everything the load generator needs (argv[2], JSON). */
export interface GeneratorConfig {
  readonly path: EventPath;
  readonly sessions: number;
  readonly thinkTimeMs: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** memory path: the TCP port of each pipeline process; a session goes to `ports[shardOf(session, ports.length)]`. */
  readonly ports?: readonly number[];
  /** kinesis path. */
  readonly kinesisEndpoint?: string;
  readonly eventStream?: string;
  /** PutRecords: a batch is sent at least this often (ms). */
  readonly putEveryMs: number;
  readonly maxPutsInFlight: number;
  /**
   * Pack the events of each PutRecords into KPL-aggregated records, one per
   * shard (as the KPL does): a shard takes 1,000 records/s, so 10,000
   * events/s over 4 shards need it on AWS.
   */
  readonly aggregate: boolean;
  /** The serving endpoint of each pipeline process (same order as `ports`), for sampled GETs. */
  readonly servingUrls: readonly string[];
  readonly samplesPerSecond: number;
  readonly samplePollMs: number;
  readonly seed: number;
}

/** Percentiles of a latency histogram recorded in microseconds, reported in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly mean: number;
}

export function summarise(h: Histogram): LatencySummary {
  const ms = (us: number): number => Math.round(us / 10) / 100;
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/**
 * The pipeline process (of `n`) that serves a session: what a sharded
 * stream does when N consumer processes each own some of its shards.
 */
export function shardOf(session: string, n: number): number {
  if (n === 1) return 0;
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < session.length; i++) h = Math.imul(h ^ session.charCodeAt(i), 0x01000193);
  return (h >>> 0) % n;
}

/** Precise wall-clock ms (same clock as Date.now, sub-millisecond). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/** Forks a TypeScript module of this folder with tsx and the source condition; `extraArgs` go to node (e.g. --cpu-prof). */
export function forkChild(module: string, config: unknown, extraArgs: readonly string[] = []): ChildProcess {
  return fork(join(HERE, module), [JSON.stringify(config)], {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx', '--conditions=@tributary/source', ...extraArgs],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The next IPC message of `child` satisfying `match` (rejects if the child exits first or after `timeoutMs`). */
export function nextMessage<T>(child: ChildProcess, match: (m: any) => boolean, timeoutMs = 120_000, what = 'a message'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if (!match(m)) return;
      cleanup();
      resolve(m as T);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`child exited (code ${code}, signal ${signal}) while waiting for ${what}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** Waits for the child to exit (SIGKILL after `graceMs`). */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

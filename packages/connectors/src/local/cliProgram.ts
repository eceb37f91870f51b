/**
 * The `tributary-local` command: starts the local stack, prints its
 * endpoints (as `#` comments) and the environment exports that point the
 * AWS SDK, `awsClientConfig` and `DATABASE_URL` users at it, then runs
 * until it is told to stop (Ctrl-C). The bin wiring is in cli.ts.
 *
 * ```sh
 * tributary-local --no-postgres --bucket lake --stream clicks:2 > .env.local &
 * . ./.env.local   # exports AWS_ENDPOINT_URL_KINESIS, AWS_ENDPOINT_URL_S3, …
 * ```
 */
import { parseArgs } from 'node:util';
import { startLocalStack, type LocalStack, type LocalStackOptions } from './stack.js';

/** Where the command writes and how it learns it must stop. */
export interface LocalCliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  /** Resolves when the stack should stop (the bin: SIGINT or SIGTERM). */
  readonly stopSignal: Promise<unknown>;
}

const USAGE = `Usage: tributary-local [options]

Starts Kinesis, S3, Firehose and PostgreSQL in this process on 127.0.0.1 and
prints their endpoints and shell exports. Runs until Ctrl-C.

Options:
  --no-kinesis | --no-s3 | --no-firehose | --no-postgres   leave a service out
  --kinesis-port N --s3-port N --firehose-port N --postgres-port N   fixed ports (default: ephemeral)
  --s3-dir DIR        keep S3 objects in DIR (default: a temporary directory, removed on exit)
  --bucket NAME       create a bucket (repeatable)
  --stream NAME[:N]   create a Kinesis stream with N shards (default 1; repeatable)
  -h, --help          show this help
`;

/**
 * Runs the command; resolves with the exit code (0 ok, 1 could not start
 * or stop, 2 bad arguments).
 *
 * ```ts
 * const code = await runLocalCli(['--no-postgres', '--bucket', 'lake'], { stdout: process.stdout, stderr: process.stderr, stopSignal });
 * ```
 */
export async function runLocalCli(argv: readonly string[], io: LocalCliIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      allowNegative: true,
      options: {
        kinesis: { type: 'boolean', default: true },
        s3: { type: 'boolean', default: true },
        firehose: { type: 'boolean', default: true },
        postgres: { type: 'boolean', default: true },
        'kinesis-port': { type: 'string' },
        's3-port': { type: 'string' },
        'firehose-port': { type: 'string' },
        'postgres-port': { type: 'string' },
        's3-dir': { type: 'string' },
        bucket: { type: 'string', multiple: true, default: [] },
        stream: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    io.stderr.write(`tributary-local: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  let options: LocalStackOptions;
  let streams: Array<{ name: string; shards: number }>;
  try {
    const port = (flag: string, value: string | undefined): { port?: number } => {
      if (value === undefined) return {};
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new RangeError(`--${flag} must be a port number (0-65535), got '${value}'`);
      return { port: n };
    };
    options = {
      kinesis: values.kinesis && port('kinesis-port', values['kinesis-port']),
      s3: values.s3 && { ...port('s3-port', values['s3-port']), ...(values['s3-dir'] === undefined ? {} : { directory: values['s3-dir'] }) },
      firehose: values.firehose && values.s3 && port('firehose-port', values['firehose-port']),
      postgres: values.postgres && port('postgres-port', values['postgres-port']),
    };
    streams = values.stream.map((spec) => {
      const [name = '', shards = '1'] = spec.split(':');
      const n = Number(shards);
      if (name === '' || !Number.isInteger(n) || n < 1) throw new RangeError(`--stream must be NAME or NAME:SHARDS with SHARDS >= 1, got '${spec}'`);
      return { name, shards: n };
    });
  } catch (err) {
    io.stderr.write(`tributary-local: ${err instanceof Error ? err.message : String(err)}\n`);
    return 2;
  }

  let stack: LocalStack;
  try {
    stack = await startLocalStack(options);
    for (const bucket of values.bucket) await stack.createBucket(bucket);
    for (const s of streams) await stack.createStream(s.name, s.shards);
  } catch (err) {
    io.stderr.write(`tributary-local: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  io.stdout.write(describeStack(stack));
  io.stderr.write('tributary-local: running; press Ctrl-C to stop\n');
  await io.stopSignal;
  io.stderr.write('tributary-local: stopping\n');
  try {
    await stack.stop();
  } catch (err) {
    io.stderr.write(`tributary-local: error while stopping: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return 0;
}

/**
 * The endpoints as comments, then one `export NAME='value'` line per
 * variable — a file a shell can source.
 *
 * ```ts
 * await writeFile('.env.local', describeStack(stack));
 * ```
 * Gotcha: includes the stack's dummy credentials (never real ones).
 */
export function describeStack(stack: LocalStack): string {
  const lines = ['# Tributary local stack'];
  for (const service of stack.services) lines.push(`# ${service.padEnd(9)}${stack.endpoints[service]}`);
  for (const [name, value] of Object.entries(stack.env())) lines.push(`export ${name}='${value.replace(/'/g, `'\\''`)}'`);
  return `${lines.join('\n')}\n`;
}

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { KinesisClient, ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from './clientConfig.js';
import { runLocalCli } from './cliProgram.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '../../../..');
const tsx = ['--import', 'tsx', '--conditions=@tributary/source'];
const require = createRequire(import.meta.url);

/** Resolves with the exit code, or rejects if the process is still alive after `timeoutMs`. */
function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process still running after ${timeoutMs} ms (dangling handles?)`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('tributary-local', () => {
  // The two child processes run side by side to keep the file's wall time down.
  it.concurrent('prints endpoints and exports that work, and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [...tsx, join(here, 'cli.ts'), '--no-postgres', '--bucket', 'cli-bucket', '--stream', 'cli-stream:2'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const done = exited(child, 90_000);
    const deadline = Date.now() + 80_000;
    while (!stderr.includes('running') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
    expect(stderr).toContain('press Ctrl-C to stop');

    const env: Record<string, string> = {};
    for (const m of stdout.matchAll(/^export (\w+)='([^']*)'$/gm)) env[m[1] as string] = m[2] as string;
    expect(stdout).toMatch(/^# kinesis {2}http:\/\/127\.0\.0\.1:\d+$/m);
    expect(Object.keys(env).sort()).toEqual(
      [
        'AWS_ACCESS_KEY_ID',
        'AWS_ENDPOINT_URL_FIREHOSE',
        'AWS_ENDPOINT_URL_KINESIS',
        'AWS_ENDPOINT_URL_S3',
        'AWS_REGION',
        'AWS_REQUEST_CHECKSUM_CALCULATION',
        'AWS_RESPONSE_CHECKSUM_VALIDATION',
        'AWS_SECRET_ACCESS_KEY',
      ].sort(),
    );
    // Configuration alone points clients at the stack.
    const s3 = new S3Client(awsClientConfig('s3', { env }));
    const kinesis = new KinesisClient(awsClientConfig('kinesis', { env }));
    try {
      expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name)).toEqual(['cli-bucket']);
      expect((await kinesis.send(new ListStreamsCommand({}))).StreamNames).toEqual(['cli-stream']);
    } finally {
      s3.destroy();
      kinesis.destroy();
    }
    child.kill('SIGINT');
    expect(await done).toBe(0);
    expect(stderr).toContain('stopping');
  }, 120_000);

  it.concurrent('a script that starts and stops every service (PostgreSQL included) exits by itself: stop() leaves no handle open', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-local-exit-'));
    const script = join(dir, 'startStop.mts');
    await writeFile(
      script,
      [
        `import { startLocalStack } from ${JSON.stringify(pathToFileURL(join(here, 'stack.ts')).href)};`,
        `const { PutRecordBatchCommand } = (await import(${JSON.stringify(pathToFileURL(require.resolve('@aws-sdk/client-firehose')).href)})).default;`,
        `const pg = (await import(${JSON.stringify(pathToFileURL(require.resolve('pg')).href)})).default;`,
        `const stack = await startLocalStack();`,
        `await stack.createStream('s', 1);`,
        `const client = new pg.Client({ connectionString: stack.endpoints.postgres });`,
        `await client.connect();`,
        `await client.query('SELECT 1');`,
        `await client.end();`,
        `await stack.createBucket('exit-bucket');`,
        `await stack.createDeliveryStream('d', { bucket: 'exit-bucket', bufferingHints: { intervalInSeconds: 300 } });`,
        `await stack.clients.firehose.send(new PutRecordBatchCommand({ DeliveryStreamName: 'd', Records: [{ Data: Buffer.from('x') }] }));`,
        `await stack.stop();`,
        `console.log('stopped', stack.firehose.stats().deliveries.length);`,
      ].join('\n'),
    );
    const child = spawn(process.execPath, [...tsx, script], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await exited(child, 90_000);
    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    // stop() delivered the buffered Firehose record before S3 went away.
    expect(stdout.trim()).toBe('stopped 1');
  }, 120_000);

  it('answers --help and rejects bad arguments with exit code 2', async () => {
    const out: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => out.push(t) }, stopSignal: Promise.resolve() };
    expect(await runLocalCli(['--help'], io)).toBe(0);
    expect(out.join('')).toContain('Usage: tributary-local');
    expect(await runLocalCli(['--stream', 'x:0'], io)).toBe(2);
    expect(out.join('')).toContain("--stream must be NAME or NAME:SHARDS with SHARDS >= 1, got 'x:0'");
    expect(await runLocalCli(['--s3-port', 'abc'], io)).toBe(2);
    expect(await runLocalCli(['--bogus'], io)).toBe(2);
  });
});

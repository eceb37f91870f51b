/**
 * The local stack's S3: s3rver (files in a temporary directory) behind a
 * small loopback front server that fills s3rver's gaps:
 * - AbortMultipartUpload (`DELETE /bucket/key?uploadId=…`, 405 in s3rver)
 *   deletes the upload's parts;
 * - ListMultipartUploads (`GET /bucket?uploads`, not implemented in
 *   s3rver) lists the uploads in progress, so sinks can clean up leftovers;
 * - DeleteObjects (`POST /bucket?delete`) is retried when s3rver answers 500
 *   (two deletes racing to remove the same empty directory).
 * Everything else is passed through unchanged, streaming.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { closeServer, listen, LOOPBACK, readBody } from './http.js';

/** Times a DeleteObjects request is retried after s3rver answers 500 (its directory-cleanup race). */
export const DELETE_OBJECTS_RETRIES = 5;
/** Base delay between those retries (grows linearly). */
export const DELETE_OBJECTS_RETRY_DELAY_MS = 10;
/** Largest DeleteObjects body the front server buffers (S3 allows 1000 keys of ≤ 1 KiB each). */
export const MAX_DELETE_OBJECTS_BODY_BYTES = 2 * 1024 * 1024;
/** Where s3rver keeps a bucket's multipart uploads (its FilesystemStore layout). */
const UPLOADS_DIRECTORY = '._S3rver_uploads';

/** Options of {@link startLocalS3}. */
export interface LocalS3Options {
  /** Keep objects in this directory (kept on stop); default a temporary one, removed on stop. */
  readonly directory?: string;
  /** Port of the front server (default 0: ephemeral). */
  readonly port?: number;
}

/** A running local S3. */
export interface LocalS3 {
  readonly endpoint: string;
  /** The directory holding the objects. */
  readonly directory: string;
  /** What the front server did on s3rver's behalf. */
  stats(): { readonly abortedUploads: number; readonly deleteObjectsRetries: number };
  stop(): Promise<void>;
}

/**
 * Starts s3rver and its front server on 127.0.0.1.
 *
 * ```ts
 * const s3 = await startLocalS3();
 * const client = new S3Client(localAwsClientConfig('s3', s3.endpoint));
 * ```
 * Gotchas: clients must use path-style addressing and checksums
 * `WHEN_REQUIRED` (localAwsClientConfig sets both); requests must be
 * signed with the local credentials (s3rver checks signatures).
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  const ownDirectory = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'tributary-s3-')));
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [] });
  const inner = createServer(s3rver.callback());
  const innerPort = await listen(inner);
  const agent = new Agent({ keepAlive: true });
  const counters = { abortedUploads: 0, deleteObjectsRetries: 0 };
  const front = createServer((req, res) => {
    handle(req, res, { directory, innerPort, agent, counters }).catch((err: unknown) => {
      if (!res.headersSent) sendXmlError(res, 500, 'InternalError', err instanceof Error ? err.message : String(err));
      else res.destroy();
    });
  });
  let port: number;
  try {
    port = await listen(front, options.port ?? 0);
  } catch (err) {
    await closeServer(inner);
    throw err;
  }
  return {
    endpoint: `http://${LOOPBACK}:${port}`,
    directory,
    stats: () => ({ ...counters }),
    async stop() {
      await closeServer(front);
      agent.destroy();
      await closeServer(inner);
      s3rver.logger.exceptions.unhandle();
      s3rver.logger.close();
      if (ownDirectory) await rm(directory, { recursive: true, force: true });
    },
  };
}

interface Upstream {
  readonly directory: string;
  readonly innerPort: number;
  readonly agent: Agent;
  readonly counters: { abortedUploads: number; deleteObjectsRetries: number };
}

async function handle(req: IncomingMessage, res: ServerResponse, upstream: Upstream): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const [bucket = '', ...keyParts] = url.pathname.slice(1).split('/');
  const key = keyParts.map(decodeURIComponent).join('/');
  const uploadId = url.searchParams.get('uploadId');
  if (req.method === 'DELETE' && uploadId !== null && key !== '') {
    if (await abortMultipartUpload(res, upstream.directory, decodeURIComponent(bucket), key, uploadId)) upstream.counters.abortedUploads++;
    req.resume();
    return;
  }
  if (req.method === 'GET' && key === '' && bucket !== '' && url.searchParams.has('uploads')) {
    await listMultipartUploads(res, upstream.directory, decodeURIComponent(bucket), url.searchParams.get('prefix') ?? '');
    req.resume();
    return;
  }
  if (req.method === 'POST' && key === '' && url.searchParams.has('delete')) {
    const body = await readBody(req, MAX_DELETE_OBJECTS_BODY_BYTES);
    for (let attempt = 0; ; attempt++) {
      const answer = await forwardBuffered(req, body, upstream);
      if (answer.status !== 500 || attempt >= DELETE_OBJECTS_RETRIES) {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      upstream.counters.deleteObjectsRetries++;
      await new Promise((r) => setTimeout(r, DELETE_OBJECTS_RETRY_DELAY_MS * (attempt + 1)));
    }
  }
  await forwardStreaming(req, res, upstream);
}

function forwardStreaming(req: IncomingMessage, res: ServerResponse, upstream: Upstream): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = request(
      { host: LOOPBACK, port: upstream.innerPort, method: req.method, path: req.url, headers: req.headers, agent: upstream.agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', resolve);
        answer.on('error', reject);
      },
    );
    out.on('error', reject);
    req.on('aborted', () => out.destroy());
    req.pipe(out);
  });
}

interface BufferedAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

function forwardBuffered(req: IncomingMessage, body: Buffer, upstream: Upstream): Promise<BufferedAnswer> {
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    const out = request(
      { host: LOOPBACK, port: upstream.innerPort, method: req.method, path: req.url, headers, agent: upstream.agent },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 502, headers: answer.headers, body: Buffer.concat(chunks) }));
        answer.on('error', reject);
      },
    );
    out.on('error', reject);
    out.end(body);
  });
}

/** s3rver upload ids are hex; anything else cannot name an upload (and must not name a path). */
const UPLOAD_ID = /^[0-9a-zA-Z_-]{1,128}$/;

/** Answers an AbortMultipartUpload; true when an upload was aborted. */
async function abortMultipartUpload(res: ServerResponse, directory: string, bucket: string, key: string, uploadId: string): Promise<boolean> {
  const uploadDir = UPLOAD_ID.test(uploadId) && !bucket.includes('..') ? join(directory, bucket, UPLOADS_DIRECTORY, uploadId) : undefined;
  const storedKey = uploadDir === undefined ? undefined : await readFile(join(uploadDir, 'key'), 'utf8').catch(() => undefined);
  if (uploadDir === undefined || storedKey !== key) {
    sendXmlError(res, 404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
    return false;
  }
  await rm(uploadDir, { recursive: true, force: true });
  res.writeHead(204);
  res.end();
  return true;
}

async function listMultipartUploads(res: ServerResponse, directory: string, bucket: string, prefix: string): Promise<void> {
  if (bucket.includes('..') || !(await stat(join(directory, bucket)).then((s) => s.isDirectory(), () => false))) {
    sendXmlError(res, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    return;
  }
  const root = join(directory, bucket, UPLOADS_DIRECTORY);
  const ids = await readdir(root).catch(() => [] as string[]);
  const uploads: Array<{ key: string; id: string; initiated: Date }> = [];
  for (const id of ids) {
    const key = await readFile(join(root, id, 'key'), 'utf8').catch(() => undefined);
    if (key === undefined || !key.startsWith(prefix)) continue;
    const initiated = (await stat(join(root, id))).birthtime;
    uploads.push({ key, id, initiated });
  }
  uploads.sort((a, b) => (a.key === b.key ? a.id.localeCompare(b.id) : a.key < b.key ? -1 : 1));
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    `<Bucket>${xml(bucket)}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
    `<Prefix>${xml(prefix)}</Prefix><MaxUploads>${Math.max(1000, uploads.length)}</MaxUploads><IsTruncated>false</IsTruncated>` +
    uploads
      .map((u) => `<Upload><Key>${xml(u.key)}</Key><UploadId>${u.id}</UploadId><Initiated>${u.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`)
      .join('') +
    '</ListMultipartUploadsResult>';
  res.writeHead(200, { 'content-type': 'application/xml' });
  res.end(body);
}

function sendXmlError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message></Error>`);
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}


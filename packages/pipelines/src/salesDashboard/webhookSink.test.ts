/**
 * The webhook sink against a local HTTP server on 127.0.0.1: JSON bodies
 * and headers, retries of 503 answers and refused connections, a clear
 * error after the last attempt (with no secret in it), no retry of a 4xx,
 * timeouts, and the bound on requests in flight.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamEnvironment, silentLogger } from '@tributary/core';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookError, webhookSink, type WebhookSinkOptions } from './webhookSink.js';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** A server that records each request and answers it with `answer(n)` (the n-th request, from 0); `'hold'` never answers. */
async function hookServer(answer: (n: number, body: unknown) => number | 'hold' | Promise<number>) {
  const received: Received[] = [];
  const held: ServerResponse[] = [];
  let active = 0;
  let maxActive = 0;
  const server: Server = createServer((req, res) => {
    active++;
    maxActive = Math.max(maxActive, active);
    res.on('close', () => active--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      received.push({ path: req.url ?? '', headers: req.headers, body });
      void Promise.resolve(answer(received.length - 1, body)).then((status) => {
        if (status === 'hold') held.push(res);
        else res.writeHead(status).end(status >= 400 ? 'no' : 'ok');
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    maxActive: () => maxActive,
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(answer: Parameters<typeof hookServer>[0]) {
  const s = await hookServer(answer);
  servers.push(s);
  return s;
}

interface Alert {
  readonly alert_id: string;
  readonly observed: number;
}
const alerts: Alert[] = Array.from({ length: 6 }, (_, i) => ({ alert_id: `Ships|Europe|${i}`, observed: 10 + i }));
const fast = { maxAttempts: 4, initialBackoffMs: 5, maxBackoffMs: 20 } as const;

/** Runs a bounded job writing `records` to a webhook sink; resolves with the job's error, if any. */
async function deliver(records: readonly Alert[], options: WebhookSinkOptions<Alert>): Promise<unknown> {
  const env = StreamEnvironment.create({ logger: silentLogger });
  env.fromCollection(records, 'alerts').sinkTo(webhookSink(options)).name('Alerts to webhook');
  return env.execute('webhook').then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** The error and its causes, outermost first. */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e = error; e !== undefined && e !== null && chain.length < 10; e = (e as { cause?: unknown }).cause) chain.push(e);
  return chain;
}

describe('webhookSink', () => {
  it('POSTs every record as JSON with the headers and its idempotency key', { timeout: 20_000 }, async () => {
    const hook = await serve(() => 204);
    const error = await deliver(alerts, { url: `${hook.url}/hooks/T1`, headers: { authorization: 'Bearer s3cret', 'X-Source': 'tributary' }, idempotencyKey: (a) => a.alert_id });
    expect(error).toBeUndefined();
    expect(hook.received.map((r) => r.body)).toEqual(expect.arrayContaining(alerts));
    expect(hook.received).toHaveLength(alerts.length);
    for (const r of hook.received) {
      expect(r.path).toBe('/hooks/T1');
      expect(r.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer s3cret', 'x-source': 'tributary', 'idempotency-key': (r.body as Alert).alert_id });
    }
  });

  it('retries a 503 with backoff and delivers the record when the endpoint recovers', { timeout: 20_000 }, async () => {
    const hook = await serve((n) => (n === 0 ? 503 : 200));
    const error = await deliver(alerts.slice(0, 1), { url: hook.url, idempotencyKey: (a) => a.alert_id, retry: fast });
    expect(error).toBeUndefined();
    expect(hook.received.map((r) => r.body)).toEqual([alerts[0], alerts[0]]);
    expect(hook.received.map((r) => r.headers['idempotency-key'])).toEqual([alerts[0]?.alert_id, alerts[0]?.alert_id]);
  });

  it('fails the job with a clear error after the last attempt, naming the origin and the answer but no secret', { timeout: 20_000 }, async () => {
    const hook = await serve(() => 503);
    const error = await deliver(alerts.slice(0, 1), { url: `${hook.url}/hooks/path-token-42?key=query-token-42`, headers: { authorization: 'Bearer s3cret-42' }, retry: fast });
    expect(hook.received).toHaveLength(fast.maxAttempts);
    const chain = causes(error);
    const sinkError = chain.find((e) => (e as { code?: unknown }).code === 'SINK_RETRIES_EXHAUSTED') as Error | undefined;
    expect(sinkError?.message).toContain(`Alerts to webhook (webhook ${hook.url}): a request of 1 entries still failed after 4 attempts: WebhookError: POST to ${hook.url} answered 503 Service Unavailable`);
    const last = chain.find((e) => e instanceof WebhookError);
    expect(last).toMatchObject({ code: 'WEBHOOK_HTTP_STATUS', status: 503, retryable: true });
    const text = chain.map((e) => `${String(e)} ${(e as Error).stack ?? ''} ${JSON.stringify(e)}`).join('\n');
    for (const secret of ['s3cret-42', 'path-token-42', 'query-token-42']) expect(text).not.toContain(secret);
  });

  it('does not retry a 4xx other than 408 and 429', { timeout: 20_000 }, async () => {
    const hook = await serve(() => 400);
    const error = await deliver(alerts.slice(0, 1), { url: hook.url, retry: fast });
    expect(hook.received).toHaveLength(1);
    expect(causes(error).find((e) => e instanceof WebhookError)).toMatchObject({ code: 'WEBHOOK_HTTP_STATUS', status: 400, retryable: false });
  });

  it('retries refused connections and attempts that time out', { timeout: 20_000 }, async () => {
    const closed = await hookServer(() => 200);
    const url = closed.url;
    await closed.close();
    const refused = causes(await deliver(alerts.slice(0, 1), { url, retry: fast }));
    expect(refused.find((e) => (e as { code?: unknown }).code === 'SINK_RETRIES_EXHAUSTED')).toBeDefined();
    expect(refused.find((e) => e instanceof WebhookError)).toMatchObject({ code: 'WEBHOOK_NETWORK', message: `POST to ${url} failed: ECONNREFUSED` });

    const slow = await serve((n) => (n === 0 ? 'hold' : 200));
    expect(await deliver(alerts.slice(0, 1), { url: slow.url, timeoutMs: 200, retry: fast })).toBeUndefined();
    expect(slow.received.map((r) => r.body)).toEqual([alerts[0], alerts[0]]);
  });

  it('keeps at most maxInFlightRequests requests in flight', { timeout: 20_000 }, async () => {
    const hook = await serve(() => new Promise<number>((resolve) => setTimeout(() => resolve(200), 30)));
    const many = Array.from({ length: 12 }, (_, i) => ({ alert_id: `a${i}`, observed: i }));
    expect(await deliver(many, { url: hook.url, maxInFlightRequests: 2 })).toBeUndefined();
    expect(hook.received).toHaveLength(12);
    expect(hook.maxActive()).toBe(2);
  });

  it('checks its options at once, naming a bad header but never its value', () => {
    expect(() => webhookSink({ url: 'ftp://example.com/x' })).toThrow('webhook: url must be an http: or https: URL, got ftp:');
    expect(() => webhookSink({ url: 'not a url' })).toThrow('webhook: url must be an absolute http: or https: URL');
    expect(() => webhookSink({ url: 'http://127.0.0.1:1', timeoutMs: 0 })).toThrow('webhook: timeoutMs must be a whole number of milliseconds > 0, got 0');
    expect(() => webhookSink({ url: 'http://127.0.0.1:1', headers: { 'bad name': 'x' } })).toThrow("webhook: header name 'bad name' is not a valid HTTP header name");
    const bad = (): unknown => webhookSink({ url: 'http://127.0.0.1:1', headers: { authorization: 'Bearer tok\r\nX-Evil: 1' } });
    expect(bad).toThrow("webhook: the value of header 'authorization' must be a string without control characters");
    expect(bad).not.toThrow(/tok/);
  });
});

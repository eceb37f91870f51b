/**
 * The runner's metrics endpoint: a node:http server, bound to 127.0.0.1
 * unless told otherwise, answering `GET /metrics` with Prometheus text
 * (see prometheus.ts) and `GET /healthz` with the job's health. Anything
 * else is a 404 (405 for other methods on those paths).
 *
 * ```ts
 * const server = await startMetricsServer({ port: 9249, render: () => renderPrometheus(...) });
 * // … scrape http://127.0.0.1:9249/metrics …
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';

/** The default bind address: only this machine can scrape. */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** Options of `startMetricsServer`. */
export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (read it from `port`). */
  readonly port: number;
  /** Bind address (default 127.0.0.1). `0.0.0.0` exposes the metrics to the network. */
  readonly host?: string;
  /** Renders the exposition text for a scrape. */
  readonly render: () => string;
  /** The job's health for `/healthz`: `ok` false answers 503. Default: always ok. */
  readonly health?: () => { readonly ok: boolean; readonly status: string };
}

/** A started metrics server. */
export interface MetricsServer {
  readonly host: string;
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Starts the server; resolves once it listens.
 *
 * @throws the listen error (e.g. EADDRINUSE) when the port cannot be bound.
 */
export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? DEFAULT_METRICS_HOST;
  const server = createServer((req, res) => handle(req, res, options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    url: `http://${urlHost}:${address.port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function handle(req: IncomingMessage, res: ServerResponse, options: MetricsServerOptions): void {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/metrics' && path !== '/healthz') {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found: try /metrics or /healthz\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
    return;
  }
  try {
    if (path === '/metrics') {
      send(res, 200, PROMETHEUS_CONTENT_TYPE, options.render(), req.method === 'HEAD');
    } else {
      const health = options.health?.() ?? { ok: true, status: 'ok' };
      send(res, health.ok ? 200 : 503, 'application/json; charset=utf-8', `${JSON.stringify(health)}\n`, req.method === 'HEAD');
    }
  } catch (error) {
    send(res, 500, 'text/plain; charset=utf-8', `Error rendering ${path}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string, headOnly = false): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(headOnly ? undefined : body);
}

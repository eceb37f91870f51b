/**
 * The dashboard's web server (node:http), bound to 127.0.0.1 unless told
 * otherwise: `GET /` is the page, `GET /api/dashboard` the JSON it polls
 * (a {@link DashboardView}), `GET /healthz` a liveness check.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DashboardView } from './dashboardQueries.js';
import { dashboardPage, type DashboardPageOptions } from './page.js';

/** The default bind address: only this machine can see the page. */
export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';
/** How often the page polls by default, ms. */
export const DEFAULT_REFRESH_MS = 5_000;

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions extends Partial<DashboardPageOptions> {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  readonly host?: string;
  /** Reads the current view. */
  readonly view: () => Promise<DashboardView>;
}

/** A started dashboard server. */
export interface DashboardServer {
  /** `http://host:port/`. */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Starts the server; resolves once it listens.
 *
 * @throws the listen error (e.g. EADDRINUSE).
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const page = dashboardPage({
    refreshMs: options.refreshMs ?? DEFAULT_REFRESH_MS,
    objectiveMs: options.objectiveMs ?? 3_600_000,
    targetMs: options.targetMs ?? 60_000,
  });
  const server = createServer((req, res) => void handle(req, res, page, options));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? DEFAULT_DASHBOARD_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}/`,
    port: address.port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, page: string, options: DashboardServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed\n');
    return;
  }
  if (path === '/' || path === '/index.html') {
    send(res, 200, 'text/html; charset=utf-8', page);
  } else if (path === '/api/dashboard') {
    try {
      send(res, 200, 'application/json; charset=utf-8', JSON.stringify(await options.view()));
    } catch (error) {
      send(res, 503, 'application/json; charset=utf-8', JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    }
  } else if (path === '/healthz') {
    send(res, 200, 'application/json; charset=utf-8', '{"ok":true}\n');
  } else {
    send(res, 404, 'text/plain; charset=utf-8', 'Not found: try / or /api/dashboard\n');
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

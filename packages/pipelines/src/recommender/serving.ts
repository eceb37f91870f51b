/**
 * Serving recommendations to the sales platform over HTTP: the latest
 * recommendation of every live session, kept by a sink as the job emits
 * them, answered by `GET /recommendations/:sessionId` (200 with the JSON
 * recommendation, 404 for an unknown or expired session). Binds 127.0.0.1
 * unless told otherwise. `GET /health` answers 200 with counts.
 *
 * ```ts
 * const store = new RecommendationStore({ maxSessions: 100_000, ttlMs: 30 * 60_000 });
 * recommendations.sinkTo(servingSink(store)).name('serving');
 * const server = await startServingEndpoint(store, { port: 8080 });
 * // curl http://127.0.0.1:8080/recommendations/s-42
 * await server.close();
 * ```
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sink, SinkWriter } from '@tributary/core';
import type { Recommendation } from '../retail/events.js';

export const DEFAULT_SERVING_MAX_SESSIONS = 200_000;
export const DEFAULT_SERVING_TTL_MS = 30 * 60_000;

/** Options of {@link RecommendationStore}. */
export interface RecommendationStoreOptions {
  /** Sessions kept at most; the least recently updated go first (default 200,000). */
  readonly maxSessions?: number;
  /** A session not updated for this long is forgotten (ms; default 30 minutes). */
  readonly ttlMs?: number;
  /** Clock (ms); default `Date.now`. */
  readonly now?: () => number;
}

/** A session's slot in the store, updated in place and linked in update order. */
interface StoreEntry {
  recommendation: Recommendation;
  storedAt: number;
  older: StoreEntry | undefined;
  newer: StoreEntry | undefined;
}

/**
 * The latest recommendation per session, bounded in size and age. Entries
 * form a list in update order (an update moves its entry to the fresh end,
 * in place: no map delete and insert, no allocation, per event), so the
 * stalest session is always at the other end.
 */
export class RecommendationStore {
  private readonly maxSessions: number;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, StoreEntry>();
  private stalest: StoreEntry | undefined;
  private freshest: StoreEntry | undefined;
  private listeners: Array<(recommendation: Recommendation) => void> = [];

  constructor(options: RecommendationStoreOptions = {}) {
    this.maxSessions = options.maxSessions ?? DEFAULT_SERVING_MAX_SESSIONS;
    this.ttlMs = options.ttlMs ?? DEFAULT_SERVING_TTL_MS;
    this.now = options.now ?? Date.now;
    if (!Number.isInteger(this.maxSessions) || this.maxSessions < 1) throw new RangeError(`maxSessions must be an integer >= 1, got ${this.maxSessions}`);
    if (!(this.ttlMs > 0)) throw new RangeError(`ttlMs must be positive, got ${this.ttlMs}`);
  }

  /** Live sessions held. */
  get size(): number {
    return this.entries.size;
  }

  /** Keeps a session's newest recommendation (an older event's answer does not replace a newer one). */
  put(recommendation: Recommendation): void {
    const id = recommendation.session_id;
    let entry = this.entries.get(id);
    if (entry === undefined) {
      entry = { recommendation, storedAt: this.now(), older: undefined, newer: undefined };
      this.entries.set(id, entry);
    } else {
      if (entry.recommendation.event_time > recommendation.event_time) return;
      this.unlink(entry);
      entry.recommendation = recommendation;
      entry.storedAt = this.now();
    }
    this.append(entry);
    if (this.entries.size > this.maxSessions) this.remove(this.stalest!);
    for (const listener of this.listeners) listener(recommendation);
  }

  /** The session's latest recommendation, or undefined when unknown or expired. */
  get(sessionId: string): Recommendation | undefined {
    const entry = this.entries.get(sessionId);
    if (entry === undefined) return undefined;
    if (this.now() - entry.storedAt > this.ttlMs) {
      this.remove(entry);
      return undefined;
    }
    return entry.recommendation;
  }

  /** Calls `listener` with every stored recommendation (e.g. to measure when answers become visible); returns an unsubscribe. */
  onPut(listener: (recommendation: Recommendation) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Drops expired sessions (also happens lazily on reads). */
  evictExpired(): number {
    const cutoff = this.now() - this.ttlMs;
    let evicted = 0;
    // In update order: stop at the first entry young enough, the rest are newer.
    while (this.stalest !== undefined && this.stalest.storedAt < cutoff) {
      this.remove(this.stalest);
      evicted++;
    }
    return evicted;
  }

  private remove(entry: StoreEntry): void {
    this.entries.delete(entry.recommendation.session_id);
    this.unlink(entry);
  }

  /** Links the entry in at the fresh end. */
  private append(entry: StoreEntry): void {
    entry.older = this.freshest;
    entry.newer = undefined;
    if (this.freshest === undefined) this.stalest = entry;
    else this.freshest.newer = entry;
    this.freshest = entry;
  }

  private unlink(entry: StoreEntry): void {
    if (entry.older === undefined) this.stalest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.freshest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }
}

/** A sink that keeps every recommendation in the store (parallel writers share it). */
export function servingSink(store: RecommendationStore): Sink<Recommendation> {
  return {
    createWriter: (): SinkWriter<Recommendation> => ({
      write: (recommendation) => store.put(recommendation),
    }),
  };
}

/** Where the endpoint listens. */
export interface ServingEndpointOptions {
  /** Port (default 0: an ephemeral one; read it from `url`). */
  readonly port?: number;
  /** Interface (default 127.0.0.1; '0.0.0.0' to serve other hosts). */
  readonly host?: string;
}

/** A running endpoint. */
export interface ServingEndpoint {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const PATH = /^\/recommendations\/([^/?#]+)\/?(?:\?.*)?$/;
const EVICT_EVERY_MS = 60_000;

/** Starts the HTTP endpoint over a store. */
export async function startServingEndpoint(store: RecommendationStore, options: ServingEndpointOptions = {}): Promise<ServingEndpoint> {
  const requests = { served: 0, notFound: 0 };
  const server = http.createServer((request, response) => {
    const match = request.method === 'GET' && request.url !== undefined ? PATH.exec(request.url) : null;
    if (match !== null) {
      const sessionId = safeDecode(match[1]!);
      const recommendation = sessionId === undefined ? undefined : store.get(sessionId);
      if (recommendation === undefined) {
        requests.notFound++;
        return reply(response, 404, { error: `no recommendation for session '${sessionId ?? match[1]}' (unknown or expired)` });
      }
      requests.served++;
      return reply(response, 200, recommendation);
    }
    if (request.method === 'GET' && request.url === '/health') return reply(response, 200, { status: 'ok', sessions: store.size, ...requests });
    return reply(response, request.method === 'GET' ? 404 : 405, { error: 'use GET /recommendations/:sessionId' });
  });
  server.keepAliveTimeout = 65_000;
  const evictor = setInterval(() => store.evictExpired(), EVICT_EVERY_MS);
  evictor.unref();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(evictor);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function reply(response: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  response.end(text);
}

function safeDecode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

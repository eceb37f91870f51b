/**
 * The sessions a Lambda container remembers between invocations: a
 * bounded least-recently-updated map from session id to
 * {@link SessionState} whose entries expire `ttlMs` after their last
 * event, on an injected clock. It plays the part of the streaming job's
 * keyed state with TTL. Kinesis routes a partition key to one shard, and
 * with session ids as partition keys (and a parallelization factor of 1)
 * one container at a time sees a session's events, in order; a container
 * that never saw a session (a cold start, a scale-out) starts it from the
 * event, which carries the browse history so far.
 *
 * ```ts
 * const sessions = new SessionCache({ maxSessions: 50_000, ttlMs: 30 * 60_000 });
 * const previous = sessions.get(event.session_id);
 * sessions.set(event.session_id, mergeSession(previous, event));
 * ```
 */
import type { SessionState } from '../session.js';

/**
 * Sessions kept per container by default. A session holds at most 50
 * product codes (MAX_BROWSED_PER_SESSION), about 2–3 KB on the heap, so this
 * bounds the cache near 150 MB — within a 512 MB function.
 */
export const DEFAULT_MAX_SESSIONS = 50_000;

/** Options of {@link SessionCache}. */
export interface SessionCacheOptions {
  /** Sessions kept at most; the least recently updated one is dropped first (integer >= 1). */
  readonly maxSessions?: number;
  /** A session is forgotten this long after its last event (ms > 0). */
  readonly ttlMs: number;
  /** Wall clock (ms); default `Date.now`. */
  readonly now?: () => number;
}

/** Counters of a {@link SessionCache}. */
export interface SessionCacheStats {
  hits: number;
  misses: number;
  /** Sessions dropped to stay within `maxSessions`. */
  evictions: number;
  /** Sessions dropped because their last event was more than `ttlMs` ago. */
  expirations: number;
}

interface Entry {
  readonly state: SessionState;
  readonly expiresAt: number;
}

/**
 * Session states by session id, bounded in number and age.
 *
 * Gotchas: recency and expiry follow writes (`set`), not reads — the
 * handlers write after every event, so "least recently updated" is "least
 * recently active". Expired sessions at the old end are swept on every
 * write, so memory does not hold sessions that ended long ago.
 */
export class SessionCache {
  readonly stats: SessionCacheStats = { hits: 0, misses: 0, evictions: 0, expirations: 0 };
  private readonly entries = new Map<string, Entry>();
  private readonly maxSessions: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(options: SessionCacheOptions) {
    this.maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    if (!(Number.isInteger(this.maxSessions) && this.maxSessions >= 1)) {
      throw new RangeError(`maxSessions must be an integer >= 1, got ${this.maxSessions}`);
    }
    this.ttlMs = options.ttlMs;
    if (!(this.ttlMs > 0)) throw new RangeError(`session ttlMs must be > 0 ms, got ${this.ttlMs}`);
    this.now = options.now ?? Date.now;
  }

  /** The session's state, or undefined when unknown or expired. */
  get(sessionId: string): SessionState | undefined {
    const entry = this.entries.get(sessionId);
    if (entry === undefined) {
      this.stats.misses++;
      return undefined;
    }
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(sessionId);
      this.stats.expirations++;
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    return entry.state;
  }

  /** Stores the session's new state (it becomes the most recently updated). */
  set(sessionId: string, state: SessionState): void {
    const now = this.now();
    this.entries.delete(sessionId);
    this.entries.set(sessionId, { state, expiresAt: now + this.ttlMs });
    for (const [id, entry] of this.entries) {
      if (this.entries.size > this.maxSessions) {
        this.entries.delete(id);
        this.stats.evictions++;
      } else if (entry.expiresAt <= now) {
        this.entries.delete(id);
        this.stats.expirations++;
      } else {
        break;
      }
    }
  }

  /** Sessions held now (expired ones not yet swept included). */
  get size(): number {
    return this.entries.size;
  }

  /** Forgets every session. */
  clear(): void {
    this.entries.clear();
  }
}

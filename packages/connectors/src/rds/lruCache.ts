/**
 * A least-recently-used cache with a size bound and expiry after write,
 * on an injected clock. Backs the lookup function's row cache.
 */

/** Counters of a cache. */
export interface CacheStats {
  hits: number;
  misses: number;
  /** Entries dropped to stay within the size bound. */
  evictions: number;
  /** Entries found expired on access. */
  expirations: number;
}

/**
 * An LRU map with a maximum size and a time to live per entry.
 *
 * ```ts
 * const cache = new ExpiringLruCache<string, number>(2, 1_000, () => clock.now());
 * cache.set('a', 1);
 * cache.get('a'); // { value: 1 }
 * ```
 * Reads refresh recency, not expiry: an entry lives `expireAfterMs` from its write.
 */
export class ExpiringLruCache<K, V> {
  private readonly entries = new Map<K, { value: V; expiresAt: number }>();
  readonly stats: CacheStats = { hits: 0, misses: 0, evictions: 0, expirations: 0 };

  constructor(
    private readonly maxEntries: number,
    private readonly expireAfterMs: number,
    private readonly now: () => number,
  ) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`cache size must be an integer >= 1, got ${maxEntries}`);
    if (!(expireAfterMs > 0)) throw new RangeError(`cache expiry must be > 0 ms (Infinity for none), got ${expireAfterMs}`);
  }

  /** The entry (wrapped, so a cached `undefined` is a hit), or undefined when absent or expired. */
  get(key: K): { readonly value: V } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.stats.misses++;
      return undefined;
    }
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.stats.expirations++;
      this.stats.misses++;
      return undefined;
    }
    this.entries.set(key, entry);
    this.stats.hits++;
    return { value: entry.value };
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + this.expireAfterMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
      this.stats.evictions++;
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The fallback's streaming top-N: the most popular products right now,
 * from exponentially decayed counts of what shoppers cart, browse and order.
 * A count observed `h` half-lives ago weighs half as much as one observed
 * now, so a product that stops selling falls down the list within a few
 * half-lives and a sudden favourite rises at once. O(1) per observation;
 * the ranking is re-sorted at most once per `refreshMs`.
 *
 * ```ts
 * const popular = new PopularityTracker({ halfLifeMs: 15 * 60_000 });
 * popular.observe('S10_1678', 3, Date.now()); // carted
 * popular.top(5, new Set(cart), Date.now());  // ['S10_1678', …]
 * ```
 * Decay is applied lazily: weights are stored scaled by 2^(t/halfLife)
 * relative to a reference time that moves forward (rescaling every stored
 * weight) before the scale factor could overflow.
 */

/** How the tracker weighs time. */
export interface PopularityOptions {
  /** After this long an observation counts half (ms; default 15 minutes). */
  readonly halfLifeMs?: number;
  /** The ranking is recomputed at most this often (ms; default 1000). */
  readonly refreshMs?: number;
  /** Products counted at most (the least popular are forgotten beyond it; default 100,000). */
  readonly maxProducts?: number;
}

export const DEFAULT_POPULARITY_HALF_LIFE_MS = 15 * 60_000;
export const DEFAULT_POPULARITY_REFRESH_MS = 1_000;
export const DEFAULT_POPULARITY_MAX_PRODUCTS = 100_000;
/** Rescale when the growth factor would pass 2^RESCALE_EXPONENT. */
const RESCALE_EXPONENT = 64;

/** Exponentially decayed product counts with a cached top list. */
export class PopularityTracker {
  private readonly halfLifeMs: number;
  private readonly refreshMs: number;
  private readonly maxProducts: number;
  private readonly weights = new Map<string, number>();
  private referenceTime: number | undefined;
  /** The last growth computed, for the same `now` (observations come in bursts per event). */
  private growthAt = Number.NaN;
  private growthValue = 1;
  private ranking: string[] = [];
  private rankedAt = Number.NEGATIVE_INFINITY;
  private dirty = false;

  constructor(options: PopularityOptions = {}) {
    this.halfLifeMs = positive(options.halfLifeMs ?? DEFAULT_POPULARITY_HALF_LIFE_MS, 'halfLifeMs');
    this.refreshMs = nonNegative(options.refreshMs ?? DEFAULT_POPULARITY_REFRESH_MS, 'refreshMs');
    this.maxProducts = positive(options.maxProducts ?? DEFAULT_POPULARITY_MAX_PRODUCTS, 'maxProducts');
  }

  /** Number of products counted. */
  get size(): number {
    return this.weights.size;
  }

  /** Counts `weight` for a product at time `now` (ms). Non-positive weights are ignored. */
  observe(productCode: string, weight: number, now: number): void {
    if (!(weight > 0) || !Number.isFinite(now)) return;
    const scaled = weight * this.growth(now);
    this.weights.set(productCode, (this.weights.get(productCode) ?? 0) + scaled);
    this.dirty = true;
    if (this.weights.size > this.maxProducts) this.forgetLeastPopular();
  }

  /**
   * Seeds products (most popular first) with small, decreasing weights that
   * any real observation outweighs: a starting ranking before traffic arrives.
   */
  seed(productCodes: readonly string[], now: number): void {
    const n = productCodes.length;
    for (let i = 0; i < n; i++) {
      const code = productCodes[i]!;
      if (!this.weights.has(code)) this.observe(code, (0.5 * (n - i)) / n, now);
    }
  }

  /** The decayed count of a product at `now`. */
  count(productCode: string, now: number): number {
    const growth = this.growth(now); // may rescale the stored weights: read them after
    const stored = this.weights.get(productCode);
    return stored === undefined ? 0 : stored / growth;
  }

  /** Up to `n` products, most popular first, none in `exclude`. */
  top(n: number, exclude: ReadonlySet<string> | undefined, now: number): string[] {
    const ranking = this.rankingAt(now);
    const result: string[] = [];
    for (let i = 0; i < ranking.length && result.length < n; i++) {
      const code = ranking[i]!;
      if (exclude === undefined || !exclude.has(code)) result.push(code);
    }
    return result;
  }

  /** Drops every count (e.g. when the catalog changes). */
  clear(): void {
    this.weights.clear();
    this.ranking = [];
    this.dirty = false;
    this.referenceTime = undefined;
    this.growthAt = Number.NaN;
  }

  private rankingAt(now: number): readonly string[] {
    if (this.dirty && now - this.rankedAt >= this.refreshMs) {
      // Stored weights share one scale, so their order is the decayed counts' order.
      this.ranking = [...this.weights.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([code]) => code);
      this.rankedAt = now;
      this.dirty = false;
    }
    return this.ranking;
  }

  /** 2^((now − reference)/halfLife), moving the reference forward when it grows too large. */
  private growth(now: number): number {
    if (now === this.growthAt) return this.growthValue;
    this.referenceTime ??= now;
    let exponent = (now - this.referenceTime) / this.halfLifeMs;
    if (exponent > RESCALE_EXPONENT) {
      const factor = 2 ** -exponent;
      for (const [code, weight] of this.weights) this.weights.set(code, weight * factor);
      this.referenceTime = now;
      exponent = 0;
    }
    this.growthAt = now;
    this.growthValue = 2 ** exponent;
    return this.growthValue;
  }

  /** Keeps the most popular 90 % of `maxProducts` (amortised: one sort per tenth of the cap). */
  private forgetLeastPopular(): void {
    const keep = Math.max(1, Math.floor(this.maxProducts * 0.9));
    const kept = [...this.weights.entries()].sort((a, b) => b[1] - a[1]).slice(0, keep);
    this.weights.clear();
    for (const [code, weight] of kept) this.weights.set(code, weight);
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

function nonNegative(value: number, name: string): number {
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  return value;
}

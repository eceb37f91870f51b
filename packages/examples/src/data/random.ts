/**
 * Seeded randomness for the data generator and the simulator: a small fast
 * PRNG (sfc32) whose streams are derived by hashing (seed, stream name,
 * index), so that customer 73,512's rows can be produced without producing
 * the 73,511 before it, and changing one table's options never shifts
 * another table's values. Never Math.random.
 */

/** A source of uniform numbers in [0, 1) plus the draws the generators need. */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** An index drawn with the given non-negative weights (not necessarily normalised). */
  weighted(weights: ArrayLike<number>, total?: number): number;
  /** Standard normal (Box–Muller). */
  normal(mean?: number, sd?: number): number;
  /** Exponential with the given mean. */
  exponential(mean: number): number;
  /** Poisson with the given mean (Knuth for small means, normal approximation above 30). */
  poisson(mean: number): number;
}

/** One murmur3 round: folds a 32-bit word into a running hash. */
function mix(h: number, word: number): number {
  let k = Math.imul(word | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's finaliser. */
function finish(h: number, length: number): number {
  h ^= length * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes 32-bit words into one (murmur3-style). */
export function hash32(...words: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const word of words) h = mix(h, word);
  return finish(h, words.length);
}

/** A 32-bit hash of a string (FNV-1a), for naming streams. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A PRNG for one stream: `seed` and the stream's name and indexes (e.g.
 * `randomStream(42, 'ratings', customerIndex)`). The same arguments always
 * give the same sequence.
 *
 * ```ts
 * const r = randomStream(42, 'customers', 7);
 * r.int(1, 6); // the same on every run
 * ```
 */
export function randomStream(seed: number, name: string, ...indexes: readonly number[]): Random {
  let h = mix(mix(mix(0x9e3779b9, seed), Math.floor(seed / 2 ** 32)), streamTag(name));
  for (const index of indexes) h = mix(mix(h, index), Math.floor(index / 2 ** 32));
  const n = 3 + 2 * indexes.length;
  return new Sfc32(finish(mix(h, 1), n), finish(mix(h, 2), n), finish(mix(h, 3), n), finish(mix(h, 4), n));
}

const STREAM_TAGS = new Map<string, number>();
function streamTag(name: string): number {
  let tag = STREAM_TAGS.get(name);
  if (tag === undefined) {
    tag = hashString(name);
    if (STREAM_TAGS.size < 1024) STREAM_TAGS.set(name, tag);
  }
  return tag;
}

/** sfc32 (Chris Doty-Humphrey's small fast counter): 128-bit state, passes PractRand to 2^40+. */
class Sfc32 implements Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | undefined;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 1;
    // Warm up so that nearby seeds decorrelate.
    for (let i = 0; i < 12; i++) this.next();
  }

  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick: the list is empty');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  weighted(weights: ArrayLike<number>, total?: number): number {
    let sum = total ?? 0;
    if (total === undefined) for (let i = 0; i < weights.length; i++) sum += weights[i] as number;
    let x = this.next() * sum;
    for (let i = 0; i < weights.length; i++) {
      x -= weights[i] as number;
      if (x < 0) return i;
    }
    // Rounding: the last index with a positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
    throw new RangeError('weighted: every weight is zero');
  }

  normal(mean = 0, sd = 1): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return mean + sd * z;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  exponential(mean: number): number {
    return -Math.log(1 - this.next()) * mean;
  }

  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }
}

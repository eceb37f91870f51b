/**
 * Order-independent fingerprints of a benchmark's output, so contenders that
 * emit the same records in different orders (an engine fires windows at
 * watermarks, a hand loop when a key moves on) can be compared exactly.
 */

/** A 32-bit integer mix (the murmur3 finaliser); deterministic, cheap. */
export function mix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Folds a list of integer fields into one 32-bit hash. */
export function hashFields(a: number, b: number, c: number, d: number, e: number): number {
  let h = mix32(a | 0);
  h = mix32((h ^ (b | 0)) + 0x9e3779b9);
  h = mix32((h ^ (c | 0)) + 0x9e3779b9);
  h = mix32((h ^ (d | 0)) + 0x9e3779b9);
  return mix32((h ^ (e | 0)) + 0x9e3779b9);
}

/**
 * Counts records and sums their 32-bit hashes modulo 2^32 (a multiset
 * fingerprint: equal outputs give equal checksums whatever the order; a
 * missing, extra or different record changes it with overwhelming probability).
 */
export class Checksum {
  records = 0;
  private sum = 0;

  add(hash: number): void {
    this.records++;
    this.sum = (this.sum + hash) >>> 0;
  }

  /** `records:hashSum`, what contenders are compared on. */
  toString(): string {
    return `${this.records}:${this.sum.toString(16).padStart(8, '0')}`;
  }
}

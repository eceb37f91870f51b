import { describe, expect, it } from 'vitest';
import { PRODUCT_LINES, PRODUCT_SCALES } from './catalog.js';
import { retailDataset } from './generator.js';
import { REGIONS } from './geography.js';
import {
  BAND_SCALES,
  CREDIT_BANDS,
  MAX_AFFINITY,
  REGION_LINES,
  SEGMENTS,
  affinity,
  creditBandOf,
  preferredLines,
  preferredProducts,
  preferredScales,
  segmentKey,
  segmentOf,
  type Segment,
} from './preferences.js';

/** Top-k keys of a count map, ties by key. */
function top<K extends string>(counts: Map<K, number>, k: number): K[] {
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, k)
    .map(([key]) => key);
}

function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

describe('the planted preference structure', { timeout: 30_000 }, () => {
  it('is well formed: segments, bands and affinities as documented', () => {
    expect(SEGMENTS).toHaveLength(9);
    expect(creditBandOf(49_999)).toBe('low');
    expect(creditBandOf(50_000)).toBe('mid');
    expect(creditBandOf(99_999)).toBe('mid');
    expect(creditBandOf(100_000)).toBe('high');
    expect(creditBandOf(null)).toBe('low');
    expect(segmentOf({ country: 'Japan', creditLimit: 120_000 })).toEqual({ region: 'APAC', band: 'high' });
    expect(segmentOf({ country: 'Atlantis', creditLimit: 1 })).toBeUndefined();
    expect(affinity({ region: 'Europe', band: 'high' }, 'Vintage Cars', '1:10')).toBe(5);
    expect(affinity({ region: 'Europe', band: 'high' }, 'Vintage Cars', '1:700')).toBe(3.5);
    expect(affinity({ region: 'Europe', band: 'high' }, 'Ships', '1:12')).toBe(2.5);
    expect(affinity({ region: 'Europe', band: 'high' }, 'Ships', '1:72')).toBe(1);
    // Regions prefer disjoint lines, bands disjoint scales; every segment a different (lines, scales) pair.
    expect(new Set(REGIONS.flatMap((r) => REGION_LINES[r])).size).toBe(6);
    expect(new Set(CREDIT_BANDS.flatMap((b) => BAND_SCALES[b])).size).toBe(6);
    expect(new Set(SEGMENTS.map((s) => `${preferredLines(s).join()}|${preferredScales(s).join()}`)).size).toBe(9);
    for (const line of PRODUCT_LINES) expect((REGIONS.filter((r) => REGION_LINES[r].includes(line))).length).toBeLessThanOrEqual(1);
    for (const scale of PRODUCT_SCALES) expect((CREDIT_BANDS.filter((b) => BAND_SCALES[b].includes(scale))).length).toBeLessThanOrEqual(1);
  });

  it('gives every segment the same number of preferred products in the default catalogue', () => {
    const data = retailDataset({ customers: 0 });
    for (const segment of SEGMENTS) {
      const preferred = preferredProducts(segment, data.catalog);
      expect(preferred.length, segmentKey(segment)).toBe(8);
    }
  });

  describe('measured on generated ratings', () => {
    const data = retailDataset({ customers: 9_000, seed: 42 });
    const segmentOfCustomer = new Map<number, Segment>();
    const segmentSize = new Map<string, number>();
    for (let i = 0; i < data.options.customers; i++) {
      const c = data.customerAt(i);
      segmentOfCustomer.set(c.row.customerNumber, c.segment);
      bump(segmentSize, segmentKey(c.segment));
    }
    const product = new Map(data.catalog.map((p) => [p.productCode, p]));
    const global = new Map<string, number>();
    const bySegment = new Map<string, Map<string, number>>();
    const linesBySegment = new Map<string, Map<string, number>>();
    const scalesByBand = new Map<string, Map<string, number>>();
    const ratingSums = new Map<string, { sum: number; n: number }>();
    for (const r of data.ratings()) {
      const segment = segmentOfCustomer.get(r.customerNumber) as Segment;
      const key = segmentKey(segment);
      const p = product.get(r.productCode)!;
      bump(global, r.productCode);
      if (!bySegment.has(key)) bySegment.set(key, new Map());
      bump(bySegment.get(key)!, r.productCode);
      if (!linesBySegment.has(key)) linesBySegment.set(key, new Map());
      bump(linesBySegment.get(key)!, p.productLine);
      if (!scalesByBand.has(segment.band)) scalesByBand.set(segment.band, new Map());
      bump(scalesByBand.get(segment.band)!, p.productScale);
      const a = affinity(segment, p.productLine, p.productScale);
      const s = ratingSums.get(String(a)) ?? { sum: 0, n: 0 };
      ratingSums.set(String(a), { sum: s.sum + r.productRating, n: s.n + 1 });
    }
    const globalTop10 = top(global, 10);

    it('segments are about equally large', () => {
      for (const segment of SEGMENTS) {
        const share = (segmentSize.get(segmentKey(segment)) ?? 0) / data.options.customers;
        expect(share, segmentKey(segment)).toBeGreaterThan(0.09);
        expect(share, segmentKey(segment)).toBeLessThan(0.13);
      }
    });

    it('each segment rates its region\'s lines most and its band\'s scales most; top lines differ between regions', () => {
      for (const segment of SEGMENTS) {
        expect(new Set(top(linesBySegment.get(segmentKey(segment))!, 2)), segmentKey(segment)).toEqual(new Set(REGION_LINES[segment.region]));
      }
      for (const band of CREDIT_BANDS) expect(new Set(top(scalesByBand.get(band)!, 2)), band).toEqual(new Set(BAND_SCALES[band]));
      const regionTops = REGIONS.map((region) => top(linesBySegment.get(segmentKey({ region, band: 'mid' }))!, 2).sort().join());
      expect(new Set(regionTops).size).toBe(3);
    });

    it('no line is preferred by most customers', () => {
      for (const line of PRODUCT_LINES) {
        let preferring = 0;
        for (const segment of SEGMENTS) if (preferredLines(segment).includes(line)) preferring += segmentSize.get(segmentKey(segment)) ?? 0;
        expect(preferring / data.options.customers, line).toBeLessThan(0.4);
      }
    });

    it('ratings follow the affinity with small noise', () => {
      const mean = (a: number): number => {
        const s = ratingSums.get(String(a))!;
        return s.sum / s.n;
      };
      expect(mean(MAX_AFFINITY)).toBeGreaterThan(4.6);
      expect(mean(3.5)).toBeGreaterThan(3.3);
      expect(mean(3.5)).toBeLessThan(3.8);
      expect(mean(2.5)).toBeGreaterThan(2.3);
      expect(mean(2.5)).toBeLessThan(2.7);
      expect(mean(1)).toBeLessThan(1.3);
    });

    it('which products are rated is biased towards, but not only, the preferred ones', () => {
      for (const segment of SEGMENTS) {
        const counts = bySegment.get(segmentKey(segment))!;
        const preferred = new Set(preferredProducts(segment, data.catalog));
        let onPreferred = 0;
        let total = 0;
        for (const [code, n] of counts) {
          total += n;
          if (preferred.has(code)) onPreferred += n;
        }
        // 8 of 110 products (7 %) take over a quarter of the ratings, the other 102 the rest.
        expect(onPreferred / total, segmentKey(segment)).toBeGreaterThan(0.25);
        expect(onPreferred / total, segmentKey(segment)).toBeLessThan(0.7);
        expect(counts.size, segmentKey(segment)).toBe(data.catalog.length);
        // A segment's own top 10 is mostly its preferred products.
        expect(top(counts, 10).filter((c) => preferred.has(c)).length, segmentKey(segment)).toBeGreaterThanOrEqual(7);
      }
    });

    it('the global most-popular top 10 overlaps poorly with every segment\'s preferred products', () => {
      let overlapSum = 0;
      for (const segment of SEGMENTS) {
        const preferred = new Set(preferredProducts(segment, data.catalog));
        const overlap = globalTop10.filter((c) => preferred.has(c)).length;
        overlapSum += overlap;
        expect(overlap, segmentKey(segment)).toBeLessThanOrEqual(4);
        // Mean affinity of what popularity would recommend to this segment, vs what the segment itself rates most.
        const meanAffinity = (codes: readonly string[]): number =>
          codes.reduce((sum, c) => sum + affinity(segment, product.get(c)!.productLine, product.get(c)!.productScale), 0) / codes.length;
        expect(meanAffinity(globalTop10), segmentKey(segment)).toBeLessThan(4);
        expect(meanAffinity(top(bySegment.get(segmentKey(segment))!, 10)), segmentKey(segment)).toBeGreaterThan(4.5);
      }
      expect(overlapSum / SEGMENTS.length).toBeLessThanOrEqual(2);
    });
  });
});

/**
 * The planted preference structure — what the recommender is meant to
 * learn, and what the model test relies on. It is fixed (independent of the
 * seed and the scale):
 *
 * - A customer's **segment** is region × credit band. The region is the
 *   country's group (`Europe`, `North America`, `APAC`; see geography.ts),
 *   the band comes from creditLimit: `low` < 50,000 ≤ `mid` < 100,000 ≤
 *   `high`. Customers are spread about evenly over the 9 segments (regions
 *   1/3 each, bands 1/3 each, independently).
 * - The region decides the preferred **lines**: Europe → Vintage Cars,
 *   Motorcycles; North America → Classic Cars, Trucks and Buses; APAC →
 *   Planes, Ships. Trains is nobody's favourite (a niche line). No line is
 *   preferred by more than about a third of customers.
 * - The band decides the preferred **scales**: low → 1:50, 1:72 (small,
 *   cheap models); mid → 1:18, 1:24; high → 1:10, 1:12 (big, expensive
 *   ones) — monotone in creditLimit; 1:32 and 1:700 are nobody's.
 * - **Affinity** a(segment, line, scale) = 1 + 2.5·[line preferred by the
 *   region] + 1.5·[scale preferred by the band]: 5 for a product matching
 *   both (the segment's "preferred products": 2 lines × 2 scales, 8 of the
 *   110 products of the default catalogue), 3.5 line only, 2.5 scale only,
 *   1 neither.
 * - **Ratings** = round(a + N(0, ratingNoise = 0.5)), clipped to 1–5.
 * - **Which products** a customer rates or orders: a fraction
 *   `preferenceBias` (default 0.8) of the picks is drawn with weight a³
 *   (about half of those land on the preferred products), the rest
 *   uniformly from the catalogue; distinct products per customer.
 *
 * Every segment has the same number of preferred products and the segments
 * are equally large, so the global popularity ranking mixes all segments'
 * favourites: its top 10 holds only one or two of any one segment's
 * preferred products, while a model that knows country and creditLimit can
 * rank a segment's own first.
 */
import type { ProductRow } from './contracts.js';
import type { ProductLine, ProductScale } from './catalog.js';
import { REGIONS, regionOf, type Region } from './geography.js';

/** The credit bands of the planted structure. */
export const CREDIT_BANDS = ['low', 'mid', 'high'] as const;
export type CreditBand = (typeof CREDIT_BANDS)[number];

/** creditLimit below this is the `low` band. */
export const LOW_BAND_LIMIT = 50_000;
/** creditLimit below this (and at least {@link LOW_BAND_LIMIT}) is `mid`; at or above it, `high`. */
export const HIGH_BAND_LIMIT = 100_000;

/** A customer segment: region × credit band. */
export interface Segment {
  readonly region: Region;
  readonly band: CreditBand;
}

/** The 9 segments, region-major. */
export const SEGMENTS: readonly Segment[] = REGIONS.flatMap((region) => CREDIT_BANDS.map((band) => ({ region, band })));

/** The lines each region prefers. */
export const REGION_LINES: Readonly<Record<Region, readonly ProductLine[]>> = {
  Europe: ['Vintage Cars', 'Motorcycles'],
  'North America': ['Classic Cars', 'Trucks and Buses'],
  APAC: ['Planes', 'Ships'],
};

/** The scales each credit band prefers. */
export const BAND_SCALES: Readonly<Record<CreditBand, readonly ProductScale[]>> = {
  low: ['1:50', '1:72'],
  mid: ['1:18', '1:24'],
  high: ['1:10', '1:12'],
};

/** The affinity terms (see the module header). */
export const AFFINITY = { base: 1, regionLine: 2.5, bandScale: 1.5 } as const;
/** The largest affinity (a product matching the region's line and the band's scale). */
export const MAX_AFFINITY = AFFINITY.base + AFFINITY.regionLine + AFFINITY.bandScale;
/** Picks drawn by preference are weighted by affinity to this power. */
export const PREFERENCE_EXPONENT = 3;

/** The band of a credit limit (null counts as 0: low). */
export function creditBandOf(creditLimit: number | null): CreditBand {
  const limit = creditLimit ?? 0;
  return limit < LOW_BAND_LIMIT ? 'low' : limit < HIGH_BAND_LIMIT ? 'mid' : 'high';
}

/**
 * The segment of a customer or session (by country and credit limit);
 * undefined for a country the generator does not know.
 *
 * ```ts
 * segmentOf({ country: 'Japan', creditLimit: 120_000 }); // { region: 'APAC', band: 'high' }
 * ```
 */
export function segmentOf(who: { readonly country: string; readonly creditLimit: number | null }): Segment | undefined {
  const region = regionOf(who.country);
  return region === undefined ? undefined : { region, band: creditBandOf(who.creditLimit) };
}

/** `Europe/low` etc., for maps and reports. */
export function segmentKey(segment: Segment): string {
  return `${segment.region}/${segment.band}`;
}

/** The index of a segment in {@link SEGMENTS}. */
export function segmentIndex(segment: Segment): number {
  return REGIONS.indexOf(segment.region) * CREDIT_BANDS.length + CREDIT_BANDS.indexOf(segment.band);
}

/**
 * The planted affinity of a segment for a product line and scale (1–5).
 *
 * ```ts
 * affinity({ region: 'Europe', band: 'high' }, 'Vintage Cars', '1:18'); // 5
 * ```
 */
export function affinity(segment: Segment, line: string, scale: string): number {
  let a = AFFINITY.base;
  if ((REGION_LINES[segment.region] as readonly string[]).includes(line)) a += AFFINITY.regionLine;
  if ((BAND_SCALES[segment.band] as readonly string[]).includes(scale)) a += AFFINITY.bandScale;
  return a;
}

/** The lines a segment prefers (its region's). */
export function preferredLines(segment: Segment): readonly ProductLine[] {
  return REGION_LINES[segment.region];
}

/** The scales a segment prefers. */
export function preferredScales(segment: Segment): readonly ProductScale[] {
  return BAND_SCALES[segment.band];
}

/** The codes of the catalogue's products matching both the segment's region line and band scale (affinity {@link MAX_AFFINITY}). */
export function preferredProducts(segment: Segment, catalog: readonly ProductRow[]): string[] {
  return catalog.filter((p) => affinity(segment, p.productLine, p.productScale) >= MAX_AFFINITY).map((p) => p.productCode);
}

/** Per product of the catalogue: affinity^{@link PREFERENCE_EXPONENT}, the weights of preference-driven picks. */
export function preferenceWeights(segment: Segment, catalog: readonly ProductRow[]): Float64Array {
  return Float64Array.from(catalog, (p) => affinity(segment, p.productLine, p.productScale) ** PREFERENCE_EXPONENT);
}


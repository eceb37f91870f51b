/**
 * Countries to sales regions. Marketing reads sales by region; orders carry
 * only a country. The default map covers the countries of the retail
 * database (classicmodels and the data generator) grouped as the business
 * does: Europe, North America, APAC; countries it does not list fall into
 * {@link UNMAPPED_REGION}. A config may replace or extend it.
 */

/** The region of a country no map lists. */
export const UNMAPPED_REGION = 'Other';

/** The default country → region map. */
export const DEFAULT_COUNTRY_REGIONS: Readonly<Record<string, string>> = Object.freeze({
  France: 'Europe',
  Germany: 'Europe',
  UK: 'Europe',
  'United Kingdom': 'Europe',
  Spain: 'Europe',
  Italy: 'Europe',
  Norway: 'Europe',
  Sweden: 'Europe',
  Denmark: 'Europe',
  Finland: 'Europe',
  Switzerland: 'Europe',
  Belgium: 'Europe',
  Austria: 'Europe',
  Ireland: 'Europe',
  Netherlands: 'Europe',
  Portugal: 'Europe',
  Poland: 'Europe',
  USA: 'North America',
  'United States': 'North America',
  Canada: 'North America',
  Mexico: 'North America',
  Australia: 'APAC',
  Japan: 'APAC',
  Singapore: 'APAC',
  'New Zealand': 'APAC',
  Philippines: 'APAC',
  'Hong Kong': 'APAC',
  'South Korea': 'APAC',
});

/** Maps a country to its region. */
export type RegionOf = (country: string) => string;

/**
 * A region lookup over `map` (default {@link DEFAULT_COUNTRY_REGIONS});
 * `extend: true` adds the map's entries to the default ones instead of
 * replacing them.
 *
 * ```ts
 * regionResolver()('France');                                    // 'Europe'
 * regionResolver({ Brazil: 'LATAM' }, { extend: true })('Brazil'); // 'LATAM'
 * regionResolver({ Brazil: 'LATAM' })('France');                  // 'Other'
 * ```
 */
export function regionResolver(map: Readonly<Record<string, string>> = DEFAULT_COUNTRY_REGIONS, options: { readonly extend?: boolean } = {}): RegionOf {
  const table = new Map(Object.entries(options.extend === true ? { ...DEFAULT_COUNTRY_REGIONS, ...map } : map));
  for (const [country, region] of table) {
    if (region.trim() === '') throw new RangeError(`country → region map: the region of '${country}' must be a non-empty string`);
  }
  return (country) => table.get(country) ?? UNMAPPED_REGION;
}

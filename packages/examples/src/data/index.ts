/**
 * The retail data generator: a seeded, streaming, classicmodels-shaped
 * sales database at any scale with a planted preference structure
 * (preferences.ts documents it), and loaders into MySQL/MariaDB,
 * PostgreSQL and PGlite.
 *
 * ```ts
 * const data = retailDataset({ customers: 100_000, seed: 42 });
 * const target = postgresTarget({ url: process.env.DATABASE_URL });
 * await loadRetailData(data, target, { onProgress: ({ table, rows }) => console.error(table, rows) });
 * await target.close();
 * ```
 */
export {
  retailDataset,
  resolveRetailDataOptions,
  drawProfile,
  pickProducts,
  weightTable,
  drawWeighted,
  isoDate,
  FIRST_CUSTOMER_NUMBER,
  FIRST_ORDER_NUMBER,
  DEFAULT_ORDERS_PER_CUSTOMER,
  DEFAULT_LINES_PER_ORDER,
  DEFAULT_RATINGS_PER_CUSTOMER,
  DEFAULT_PREFERENCE_BIAS,
  DEFAULT_RATING_NOISE,
  DEFAULT_SEED,
  DEFAULT_PERIOD,
  type RetailDataOptions,
  type ResolvedRetailDataOptions,
  type RetailDataset,
  type RetailRowsByTable,
  type RetailTableName,
  type GeneratedCustomer,
  type GeneratedOrder,
  type ShopperProfile,
  type WeightTable,
} from './generator.js';
export {
  SEGMENTS,
  CREDIT_BANDS,
  LOW_BAND_LIMIT,
  HIGH_BAND_LIMIT,
  REGION_LINES,
  BAND_SCALES,
  AFFINITY,
  MAX_AFFINITY,
  PREFERENCE_EXPONENT,
  affinity,
  creditBandOf,
  segmentOf,
  segmentKey,
  segmentIndex,
  preferredLines,
  preferredScales,
  preferredProducts,
  preferenceWeights,
  type Segment,
  type CreditBand,
} from './preferences.js';
export {
  PRODUCT_LINES,
  PRODUCT_SCALES,
  DEFAULT_PRODUCT_COUNT,
  MAX_PRODUCT_COUNT,
  buildCatalog,
  productLineRows,
  productShape,
  productCode,
  type ProductLine,
  type ProductScale,
} from './catalog.js';
export { REGIONS, COUNTRIES, regionOf, type Region, type Country, type City } from './geography.js';
export { randomStream, hash32, hashString, type Random } from './random.js';
export {
  loadRetailData,
  prepareTables,
  insertSql,
  sqlValue,
  csvLine,
  COPY_BATCH_ROWS,
  mysqlTarget,
  postgresTarget,
  pgliteTarget,
  DEFAULT_LOAD_BATCH_SIZE,
  MAX_BIND_PARAMETERS,
  type SqlTarget,
  type MysqlTargetOptions,
  type PostgresTargetOptions,
  type LoadMode,
  type LoadOptions,
  type LoadProgress,
  type LoadReport,
} from './load.js';
export { runDataCli, type DataCliIo } from './cli.js';

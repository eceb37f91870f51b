/**
 * A tiny deterministic sales database for the training-set builder's tests:
 * a few dozen customers and products, a few hundred ratings, and planted bad
 * rows whose rejection reasons are known in advance. Test support (not
 * exported from the package index).
 */
import type { SqlClient } from '@tributary/connectors/rds';
import type { CustomerRow, ProductRow, RatingRow } from '../retail/rows.js';
import { CUSTOMERS_TABLE, PRODUCTS_TABLE, RATINGS_TABLE, createTableSql, quoteIdentifier, type SqlDialect, type Table } from '../retail/tables.js';
import type { RejectionReason } from './quality.js';

/** The fixture's tables under their (unique) names. */
export interface FixtureTables {
  readonly ratings: string;
  readonly customers: string;
  readonly products: string;
}

/** A rating planted to be rejected, with the reasons the builder must give. */
export interface PlantedRating extends RatingRow {
  readonly reasons: readonly RejectionReason[];
}

export interface Fixture {
  readonly customers: readonly CustomerRow[];
  readonly products: readonly ProductRow[];
  /** Every rating, planted ones included, in insertion order (`ratingId` = index + 1). */
  readonly ratings: readonly RatingRow[];
  readonly planted: readonly PlantedRating[];
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const CITIES: ReadonlyArray<readonly [string, string | null, string]> = [
  ['Nantes', null, 'France'],
  ['Las Vegas', 'NV', 'USA'],
  ['Melbourne', 'Victoria', 'Australia'],
  ['Madrid', null, 'Spain'],
  ['San Francisco', 'CA', 'USA'],
  ["Reims", null, 'France'],
];
const LINES = ['Classic Cars', 'Motorcycles', 'Planes', 'Ships', 'Trains'];
const SCALES = ['1:10', '1:12', '1:18', '1:24', '1:700'];

/** The valid customers, products, ratings, plus the planted bad rows. Same seed, same data. */
export function generateFixture(seed = 7, sizes: { customers?: number; products?: number; ratings?: number } = {}): Fixture {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const customers: CustomerRow[] = [];
  for (let i = 0; i < (sizes.customers ?? 40); i++) {
    const [city, state, country] = pick(CITIES);
    customers.push({
      customerNumber: 101 + i,
      customerName: `Customer ${i}`,
      contactLastName: `Last${i}`,
      contactFirstName: `First${i}`,
      phone: `555-${String(i).padStart(4, '0')}`,
      addressLine1: `${i} Main St`,
      city,
      state,
      postalCode: random() < 0.2 ? null : String(10_000 + Math.floor(random() * 89_999)),
      country,
      salesRepEmployeeNumber: null,
      creditLimit: Math.round(random() * 20_000_000) / 100,
    });
  }
  const products: ProductRow[] = [];
  for (let i = 0; i < (sizes.products ?? 30); i++) {
    const buy = Math.round((10 + random() * 90) * 100) / 100;
    products.push({
      productCode: `S${10 + (i % 9)}_${1000 + i}`,
      productName: `Product ${i}`,
      productLine: pick(LINES),
      productScale: pick(SCALES),
      productVendor: 'Vendor',
      productDescription: 'A scale model.',
      quantityInStock: Math.floor(random() * 9_000),
      buyPrice: buy,
      MSRP: Math.round(buy * (1.2 + random()) * 100) / 100,
    });
  }
  // Bad dimension rows: a product with a negative price, a customer without credit limit, one with an empty city.
  const badProduct: ProductRow = { ...(products[0] as ProductRow), productCode: 'S99_BADPRICE', buyPrice: -5, productName: 'Bad price' };
  const noCredit: CustomerRow = { ...(customers[0] as CustomerRow), customerNumber: 901, creditLimit: null };
  const noCity: CustomerRow = { ...(customers[1] as CustomerRow), customerNumber: 902, city: '' };
  products.push(badProduct);
  customers.push(noCredit, noCity);

  const ratings: RatingRow[] = [];
  const seen = new Set<string>();
  const valid = customers.filter((c) => c.customerNumber < 900);
  const goodProducts = products.filter((p) => p !== badProduct);
  while (ratings.length < (sizes.ratings ?? 300)) {
    const c = pick(valid).customerNumber;
    const p = pick(goodProducts).productCode;
    const key = `${c}|${p}`;
    if (seen.has(key)) continue;
    seen.add(key);
    ratings.push({ customerNumber: c, productCode: p, productRating: 1 + Math.floor(random() * 5) });
  }
  const [c0, c1, c2] = valid as [CustomerRow, CustomerRow, CustomerRow];
  const fresh = (c: number): string => (goodProducts.find((p) => !seen.has(`${c}|${p.productCode}`)) as ProductRow).productCode;
  const planted: PlantedRating[] = [
    { customerNumber: c0.customerNumber, productCode: fresh(c0.customerNumber), productRating: 0, reasons: ['rating_out_of_range'] },
    { customerNumber: c1.customerNumber, productCode: fresh(c1.customerNumber), productRating: 6, reasons: ['rating_out_of_range'] },
    { customerNumber: c2.customerNumber, productCode: badProduct.productCode, productRating: 4, reasons: ['buy_price_not_positive'] },
    { customerNumber: 999, productCode: (goodProducts[2] as ProductRow).productCode, productRating: 3, reasons: ['customer_missing'] },
    { customerNumber: c2.customerNumber, productCode: 'S00_NOSUCH', productRating: 5, reasons: ['product_missing'] },
    { customerNumber: 998, productCode: 'S00_NOSUCH', productRating: 9, reasons: ['customer_missing', 'product_missing', 'rating_out_of_range'] },
    { customerNumber: noCredit.customerNumber, productCode: (goodProducts[3] as ProductRow).productCode, productRating: 2, reasons: ['credit_limit_null'] },
    { customerNumber: noCity.customerNumber, productCode: badProduct.productCode, productRating: 0, reasons: ['rating_out_of_range', 'buy_price_not_positive', 'city_empty'] },
  ];
  // Planted rows are spread through the table, not all at its end.
  const all: RatingRow[] = [...ratings];
  planted.forEach((p, i) => all.splice(Math.floor(((i + 1) * all.length) / (planted.length + 1)), 0, { customerNumber: p.customerNumber, productCode: p.productCode, productRating: p.productRating }));
  return { customers, products, ratings: all, planted };
}

/** A SQL literal for the fixture's values. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return String(value);
  return `'${String(value).replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

async function insertAll(client: SqlClient, dialect: SqlDialect, table: string, columns: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
  const q = (n: string): string => quoteIdentifier(n, dialect);
  for (let i = 0; i < rows.length; i += 200) {
    const values = rows.slice(i, i + 200).map((r) => `(${columns.map((c) => literal(r[c])).join(', ')})`);
    await client.query(`INSERT INTO ${q(table)} (${columns.map(q).join(', ')}) VALUES ${values.join(', ')}`);
  }
}

/**
 * Creates the three tables (retail DDL, under the given names) and loads the
 * fixture; ratings get an extra increasing `ratingId` column (insertion order)
 * for incremental runs.
 */
export async function loadFixture(client: SqlClient, dialect: SqlDialect, tables: FixtureTables, fixture: Fixture): Promise<void> {
  const named = (t: Table, name: string): Table => ({ ...t, name });
  await client.query(createTableSql(named(PRODUCTS_TABLE, tables.products), dialect));
  await client.query(createTableSql(named(CUSTOMERS_TABLE, tables.customers), dialect));
  await client.query(createTableSql(named(RATINGS_TABLE, tables.ratings), dialect));
  await client.query(`ALTER TABLE ${quoteIdentifier(tables.ratings, dialect)} ADD COLUMN ${quoteIdentifier('ratingId', dialect)} BIGINT NULL`);
  await insertAll(client, dialect, tables.products, PRODUCTS_TABLE.columns.map((c) => c.name), fixture.products as unknown as Array<Record<string, unknown>>);
  await insertAll(client, dialect, tables.customers, CUSTOMERS_TABLE.columns.map((c) => c.name), fixture.customers as unknown as Array<Record<string, unknown>>);
  await appendRatings(client, dialect, tables, fixture.ratings, 1);
}

/** Inserts ratings with `ratingId` from `firstId` on. */
export async function appendRatings(client: SqlClient, dialect: SqlDialect, tables: FixtureTables, ratings: readonly RatingRow[], firstId: number): Promise<void> {
  const rows = ratings.map((r, i) => ({ ...r, ratingId: firstId + i }));
  await insertAll(client, dialect, tables.ratings, ['customerNumber', 'productCode', 'productRating', 'ratingId'], rows);
}

/** Drops the fixture's tables. */
export async function dropFixture(client: SqlClient, dialect: SqlDialect, tables: FixtureTables): Promise<void> {
  for (const t of [tables.ratings, tables.customers, tables.products]) await client.query(`DROP TABLE IF EXISTS ${quoteIdentifier(t, dialect)}`);
}

/**
 * The training set computed by SQL in the source database: the inner join
 * and the quality rules, in TRAINING_COLUMNS order — what the Parquet must
 * equal row for row.
 */
export function expectedTrainingSetSql(dialect: SqlDialect, tables: FixtureTables): string {
  const q = (n: string): string => quoteIdentifier(n, dialect);
  const r = (c: string): string => `r.${q(c)}`;
  const c = (col: string): string => `c.${q(col)}`;
  const p = (col: string): string => `p.${q(col)}`;
  return `SELECT ${r('customerNumber')} AS ${q('customerNumber')}, ${c('city')} AS ${q('city')}, ${c('state')} AS ${q('state')},
    ${c('postalCode')} AS ${q('postalCode')}, ${c('country')} AS ${q('country')}, ${c('creditLimit')} AS ${q('creditLimit')},
    ${r('productCode')} AS ${q('productCode')}, ${p('productLine')} AS ${q('productLine')}, ${p('productScale')} AS ${q('productScale')},
    ${p('quantityInStock')} AS ${q('quantityInStock')}, ${p('buyPrice')} AS ${q('buyPrice')}, ${p('MSRP')} AS ${q('MSRP')}, ${r('productRating')} AS ${q('productRating')}
  FROM ${q(tables.ratings)} r
  JOIN ${q(tables.customers)} c ON ${c('customerNumber')} = ${r('customerNumber')}
  JOIN ${q(tables.products)} p ON ${p('productCode')} = ${r('productCode')}
  WHERE ${r('productRating')} BETWEEN 1 AND 5 AND ${p('buyPrice')} > 0 AND ${p('MSRP')} > 0
    AND ${c('creditLimit')} IS NOT NULL AND ${c('creditLimit')} >= 0
    AND TRIM(${c('city')}) <> '' AND TRIM(${c('country')}) <> '' AND TRIM(${p('productLine')}) <> '' AND TRIM(${p('productScale')}) <> ''
  ORDER BY ${r('customerNumber')}, ${r('productCode')}`;
}

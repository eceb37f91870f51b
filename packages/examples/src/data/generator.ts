/**
 * The seeded generator of the classicmodels-shaped sales database at any
 * scale: product lines, products, customers, orders, order details and
 * ratings, with the planted preference structure documented in
 * preferences.ts (segment = region × credit band; the region picks the
 * preferred product lines, the band the preferred scales; ratings =
 * affinity + noise; rated and ordered products biased towards the
 * preferences).
 *
 * Streaming and constant memory in the number of customers: each table is a
 * generator function, and every customer's rows come from random streams
 * keyed by (seed, table, customer index), so customer i is produced without
 * the ones before it (`customerAt(i)`) and iterating a table twice gives
 * the same rows. Only the catalogue (products) is held in memory.
 */
import type { CustomerRow, OrderDetailRow, OrderRow, ProductLineRow, ProductRow, RatingRow } from './contracts.js';
import { buildCatalog, DEFAULT_PRODUCT_COUNT, productLineRows } from './catalog.js';
import { drawAddress, drawCustomerName, drawPlace, fillPattern, FIRST_NAMES, LAST_NAMES, REGIONS, type City, type Country } from './geography.js';
import { affinity, CREDIT_BANDS, preferenceWeights, SEGMENTS, segmentIndex, type CreditBand, type Segment } from './preferences.js';
import { randomStream, type Random } from './random.js';

/** The first customerNumber (classicmodels' first customer is 103); customer i is FIRST_CUSTOMER_NUMBER + i. */
export const FIRST_CUSTOMER_NUMBER = 103;
/** The first orderNumber (as in classicmodels); orders are numbered consecutively in customer order. */
export const FIRST_ORDER_NUMBER = 10100;
/** Default mean number of orders per customer. */
export const DEFAULT_ORDERS_PER_CUSTOMER = 3;
/** Default mean number of lines per order. */
export const DEFAULT_LINES_PER_ORDER = 4;
/** Default mean number of ratings per customer (each customer rates between half and 1.5 times this). */
export const DEFAULT_RATINGS_PER_CUSTOMER = 10;
/** Default fraction of rated/ordered products picked by preference (the rest uniformly). */
export const DEFAULT_PREFERENCE_BIAS = 0.8;
/** Default standard deviation of the rating noise. */
export const DEFAULT_RATING_NOISE = 0.5;
/** Default seed. */
export const DEFAULT_SEED = 42;
/** Default period of order dates: classicmodels' (2003-01-06 to 2005-06-01, UTC). */
export const DEFAULT_PERIOD: { readonly start: number; readonly end: number } = { start: Date.UTC(2003, 0, 6), end: Date.UTC(2005, 5, 1) };

/** Credit limits per band, in steps of 100 (see preferences.ts for the band limits). */
const CREDIT_RANGES: Readonly<Record<CreditBand, readonly [number, number]>> = {
  low: [5_000, 49_900],
  mid: [50_000, 99_900],
  high: [100_000, 230_000],
};
const SALES_REPS = [1165, 1166, 1188, 1216, 1286, 1323, 1337, 1370, 1401, 1501, 1504, 1611, 1612, 1621, 1702];
const DAY = 86_400_000;

/** Options of {@link retailDataset}. */
export interface RetailDataOptions {
  /** Number of customers (an integer >= 0). */
  readonly customers: number;
  /** Catalogue size (default {@link DEFAULT_PRODUCT_COUNT}, 110 as in classicmodels). */
  readonly products?: number;
  /** Mean orders per customer (Poisson; default {@link DEFAULT_ORDERS_PER_CUSTOMER}). */
  readonly ordersPerCustomer?: number;
  /** Mean lines per order (1 + Poisson; default {@link DEFAULT_LINES_PER_ORDER}). */
  readonly linesPerOrder?: number;
  /** Mean ratings per customer (default {@link DEFAULT_RATINGS_PER_CUSTOMER}; 0 for none). */
  readonly ratingsPerCustomer?: number;
  /** Fraction of picks drawn by preference, in [0, 1] (default {@link DEFAULT_PREFERENCE_BIAS}). */
  readonly preferenceBias?: number;
  /** Standard deviation of the rating noise (default {@link DEFAULT_RATING_NOISE}). */
  readonly ratingNoise?: number;
  /** Default {@link DEFAULT_SEED}. */
  readonly seed?: number;
  /** Order dates are spread uniformly over [start, end) (default {@link DEFAULT_PERIOD}). */
  readonly period?: { readonly start: Date | number | string; readonly end: Date | number | string };
}

/** The options with every default applied. */
export interface ResolvedRetailDataOptions {
  readonly customers: number;
  readonly products: number;
  readonly ordersPerCustomer: number;
  readonly linesPerOrder: number;
  readonly ratingsPerCustomer: number;
  readonly preferenceBias: number;
  readonly ratingNoise: number;
  readonly seed: number;
  readonly period: { readonly start: number; readonly end: number };
}

/** A generated customer with its segment. */
export interface GeneratedCustomer {
  readonly index: number;
  readonly row: CustomerRow;
  readonly segment: Segment;
}

/** One order with its lines. */
export interface GeneratedOrder {
  readonly order: OrderRow;
  readonly details: readonly OrderDetailRow[];
}

/** The table rows of a dataset by table name (the names of RETAIL_TABLES). */
export interface RetailRowsByTable {
  productlines: ProductLineRow;
  products: ProductRow;
  customers: CustomerRow;
  orders: OrderRow;
  orderdetails: OrderDetailRow;
  ratings: RatingRow;
}
export type RetailTableName = keyof RetailRowsByTable;

/** A generated database: each table a generator of rows (see the module header). */
export interface RetailDataset {
  readonly options: ResolvedRetailDataOptions;
  /** The products (held in memory; catalogues are small). */
  readonly catalog: readonly ProductRow[];
  productLines(): Generator<ProductLineRow>;
  products(): Generator<ProductRow>;
  customers(): Generator<CustomerRow>;
  orders(): Generator<OrderRow>;
  orderDetails(): Generator<OrderDetailRow>;
  ratings(): Generator<RatingRow>;
  /** Orders with their lines, in orderNumber order. */
  ordersWithDetails(): Generator<GeneratedOrder>;
  /** The rows of a table by its name. */
  rows<T extends RetailTableName>(table: T): Generator<RetailRowsByTable[T]>;
  /** Customer `index` (0-based) with its segment, in O(1). */
  customerAt(index: number): GeneratedCustomer;
  /** The index of a customerNumber, or undefined when it is not one of the dataset's. */
  customerIndexOf(customerNumber: number): number | undefined;
  /** Per product of the catalogue, the weights of preference-driven picks for a segment. */
  weightsFor(segment: Segment): WeightTable;
}

function toMs(value: Date | number | string, name: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new RangeError(`${name} must be a valid date, got ${String(value)}`);
  return ms;
}

/** Applies the defaults and checks every option, throwing a RangeError that names the broken constraint. */
export function resolveRetailDataOptions(options: RetailDataOptions): ResolvedRetailDataOptions {
  const check = (name: string, value: number, ok: boolean, constraint: string): number => {
    if (!ok || !Number.isFinite(value)) throw new RangeError(`${name} must be ${constraint}, got ${value}`);
    return value;
  };
  const customers = check('customers', options.customers, Number.isInteger(options.customers) && options.customers >= 0, 'an integer >= 0');
  const products = options.products ?? DEFAULT_PRODUCT_COUNT;
  check('products', products, Number.isInteger(products) && products >= 1, 'an integer >= 1');
  const ordersPerCustomer = options.ordersPerCustomer ?? DEFAULT_ORDERS_PER_CUSTOMER;
  check('ordersPerCustomer', ordersPerCustomer, ordersPerCustomer >= 0, '>= 0');
  const linesPerOrder = options.linesPerOrder ?? DEFAULT_LINES_PER_ORDER;
  check('linesPerOrder', linesPerOrder, linesPerOrder >= 1, '>= 1');
  const ratingsPerCustomer = options.ratingsPerCustomer ?? DEFAULT_RATINGS_PER_CUSTOMER;
  check('ratingsPerCustomer', ratingsPerCustomer, ratingsPerCustomer >= 0, '>= 0');
  const preferenceBias = options.preferenceBias ?? DEFAULT_PREFERENCE_BIAS;
  check('preferenceBias', preferenceBias, preferenceBias >= 0 && preferenceBias <= 1, 'in [0, 1]');
  const ratingNoise = options.ratingNoise ?? DEFAULT_RATING_NOISE;
  check('ratingNoise', ratingNoise, ratingNoise >= 0, '>= 0');
  const seed = options.seed ?? DEFAULT_SEED;
  check('seed', seed, Number.isInteger(seed), 'an integer');
  const start = options.period === undefined ? DEFAULT_PERIOD.start : toMs(options.period.start, 'period.start');
  const end = options.period === undefined ? DEFAULT_PERIOD.end : toMs(options.period.end, 'period.end');
  if (end <= start) throw new RangeError(`period.end must be after period.start, got ${new Date(start).toISOString()} .. ${new Date(end).toISOString()}`);
  return { customers, products, ordersPerCustomer, linesPerOrder, ratingsPerCustomer, preferenceBias, ratingNoise, seed, period: { start, end } };
}

/** Where a shopper lives and what credit they have: the inputs of their segment. */
export interface ShopperProfile {
  readonly segment: Segment;
  readonly country: Country;
  readonly city: City;
  /** A multiple of 100 within the band's range. */
  readonly creditLimit: number;
}

/**
 * Draws a segment (region and band uniformly), a country and city of the
 * region and a credit limit of the band — the first draws of every
 * generated customer, and how the simulator makes up new visitors.
 */
export function drawProfile(random: Random): ShopperProfile {
  const region = random.pick(REGIONS);
  const band = random.pick(CREDIT_BANDS);
  const { country, city } = drawPlace(random, region);
  const [low, high] = CREDIT_RANGES[band];
  return { segment: { region, band }, country, city, creditLimit: 100 * random.int(low / 100, high / 100) };
}

/** `YYYY-MM-DD` of a UTC instant. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Weights prepared for repeated draws: cumulative sums for a binary search. */
export interface WeightTable {
  readonly weights: Float64Array;
  readonly cumulative: Float64Array;
  readonly total: number;
}

/** Prepares weights (non-negative, not all zero) for {@link pickProducts}. */
export function weightTable(weights: Float64Array): WeightTable {
  const cumulative = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i] as number;
    cumulative[i] = total;
  }
  if (!(total > 0)) throw new RangeError('weights must not all be zero');
  return { weights, cumulative, total };
}

/** An index drawn with the table's weights (binary search over the cumulative sums). */
export function drawWeighted(random: Random, table: WeightTable): number {
  const x = random.next() * table.total;
  const c = table.cumulative;
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((c[mid] as number) > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Consecutive rejected draws after which a pick falls back to uniform (weights concentrated on taken items). */
const MAX_REJECTIONS = 64;

/**
 * Draws `count` distinct product indexes (fewer when the catalogue is
 * smaller): each pick by preference (the table's weights, among the
 * products not yet taken) with probability `bias`, else uniformly among
 * them. Deterministic for the random stream.
 */
export function pickProducts(random: Random, table: WeightTable, count: number, bias: number): number[] {
  const n = table.weights.length;
  const k = Math.min(count, n);
  const picks: number[] = [];
  const taken = new Set<number>();
  const uniformUntaken = (): number => {
    if (taken.size * 2 < n) {
      for (;;) {
        const i = random.int(0, n - 1);
        if (!taken.has(i)) return i;
      }
    }
    const free: number[] = [];
    for (let i = 0; i < n; i++) if (!taken.has(i)) free.push(i);
    return random.pick(free);
  };
  while (picks.length < k) {
    let index = -1;
    if (random.chance(bias)) {
      // Rejecting taken items draws from the weights restricted to the rest.
      for (let attempt = 0; attempt < MAX_REJECTIONS && index < 0; attempt++) {
        const i = drawWeighted(random, table);
        if (!taken.has(i)) index = i;
      }
    }
    if (index < 0) index = uniformUntaken();
    taken.add(index);
    picks.push(index);
  }
  return picks;
}

/**
 * A dataset for the options. Nothing is generated until a table is iterated.
 *
 * ```ts
 * const data = retailDataset({ customers: 100_000, seed: 42 });
 * for (const rating of data.ratings()) { … }   // constant memory
 * data.customerAt(5).segment;                  // { region: 'APAC', band: 'mid' }
 * ```
 * Gotchas: orderNumbers are consecutive in customer order, not in date
 * order; orderDate is a Date (UTC), requiredDate and shippedDate are
 * `YYYY-MM-DD` strings; prices are numbers with two decimals.
 */
export function retailDataset(options: RetailDataOptions): RetailDataset {
  const o = resolveRetailDataOptions(options);
  const catalog = buildCatalog(o.products, o.seed);
  const segmentTables = SEGMENTS.map((segment) => weightTable(preferenceWeights(segment, catalog)));
  const weightsFor = (segment: Segment): WeightTable => segmentTables[segmentIndex(segment)] as WeightTable;
  /** A customer's segment alone: the first two draws of its stream (see drawProfile). */
  const segmentAt = (index: number): Segment => {
    const random = randomStream(o.seed, 'customers', index);
    const region = random.pick(REGIONS);
    return { region, band: random.pick(CREDIT_BANDS) };
  };

  const customerAt = (index: number): GeneratedCustomer => {
    if (!Number.isInteger(index) || index < 0 || index >= o.customers) throw new RangeError(`customer index must be in [0, ${o.customers}), got ${index}`);
    const random = randomStream(o.seed, 'customers', index);
    const { segment, country, city, creditLimit } = drawProfile(random);
    const row: CustomerRow = {
      customerNumber: FIRST_CUSTOMER_NUMBER + index,
      customerName: drawCustomerName(random),
      contactLastName: random.pick(LAST_NAMES),
      contactFirstName: random.pick(FIRST_NAMES),
      phone: `${country.phone} ${fillPattern(random, '### ### ####')}`,
      addressLine1: drawAddress(random),
      city: city.city,
      state: city.state,
      postalCode: random.chance(0.02) ? null : fillPattern(random, country.postalCode),
      country: country.country,
      salesRepEmployeeNumber: random.chance(0.05) ? null : random.pick(SALES_REPS),
      creditLimit,
    };
    return { index, row, segment };
  };

  const ordersOf = (index: number, firstOrderNumber: number): GeneratedOrder[] => {
    const random = randomStream(o.seed, 'orders', index);
    const count = random.poisson(o.ordersPerCustomer);
    if (count === 0) return [];
    const { start, end } = o.period;
    const dates: number[] = [];
    for (let i = 0; i < count; i++) dates.push(start + Math.floor(random.next() * ((end - start) / 1000)) * 1000);
    dates.sort((a, b) => a - b);
    const w = weightsFor(segmentAt(index));
    const customerNumber = FIRST_CUSTOMER_NUMBER + index;
    return dates.map((orderTime, i) => {
      const orderNumber = firstOrderNumber + i;
      const recent = end - orderTime < 14 * DAY;
      const roll = random.next();
      const status = recent ? (roll < 0.8 ? 'In Process' : 'On Hold') : roll < 0.92 ? 'Shipped' : roll < 0.95 ? 'Resolved' : roll < 0.97 ? 'Cancelled' : roll < 0.99 ? 'Disputed' : 'On Hold';
      const shipped = status === 'Shipped' || status === 'Resolved' || status === 'Disputed';
      const order: OrderRow = {
        orderNumber,
        orderDate: new Date(orderTime),
        requiredDate: isoDate(orderTime + random.int(7, 10) * DAY),
        shippedDate: shipped ? isoDate(orderTime + random.int(1, 6) * DAY) : null,
        status,
        comments: status === 'Shipped' || status === 'In Process' ? null : `${status}: customer contacted by the sales rep.`,
        customerNumber,
      };
      const lines = pickProducts(random, w, 1 + random.poisson(o.linesPerOrder - 1), o.preferenceBias);
      const details = lines.map((p, line): OrderDetailRow => {
        const product = catalog[p] as ProductRow;
        return {
          orderNumber,
          productCode: product.productCode,
          quantityOrdered: random.int(10, 60),
          priceEach: round2(product.MSRP * random.uniform(0.8, 1)),
          orderLineNumber: line + 1,
        };
      });
      return { order, details };
    });
  };

  const ratingsOf = (index: number): RatingRow[] => {
    if (o.ratingsPerCustomer === 0) return [];
    const random = randomStream(o.seed, 'ratings', index);
    const segment = segmentAt(index);
    const customerNumber = FIRST_CUSTOMER_NUMBER + index;
    const mean = o.ratingsPerCustomer;
    const count = random.int(Math.max(1, Math.round(mean * 0.5)), Math.max(1, Math.round(mean * 1.5)));
    return pickProducts(random, weightsFor(segment), count, o.preferenceBias).map((p) => {
      const product = catalog[p] as ProductRow;
      const a = affinity(segment, product.productLine, product.productScale);
      const rating = Math.min(5, Math.max(1, Math.round(a + random.normal(0, o.ratingNoise))));
      return { customerNumber, productCode: product.productCode, productRating: rating };
    });
  };

  function* customers(): Generator<CustomerRow> {
    for (let i = 0; i < o.customers; i++) yield customerAt(i).row;
  }
  function* ordersWithDetails(): Generator<GeneratedOrder> {
    let next = FIRST_ORDER_NUMBER;
    for (let i = 0; i < o.customers; i++) {
      const orders = ordersOf(i, next);
      next += orders.length;
      yield* orders;
    }
  }
  function* orders(): Generator<OrderRow> {
    for (const { order } of ordersWithDetails()) yield order;
  }
  function* orderDetails(): Generator<OrderDetailRow> {
    for (const { details } of ordersWithDetails()) yield* details;
  }
  function* ratings(): Generator<RatingRow> {
    for (let i = 0; i < o.customers; i++) yield* ratingsOf(i);
  }
  function* productLines(): Generator<ProductLineRow> {
    yield* productLineRows();
  }
  function* products(): Generator<ProductRow> {
    yield* catalog;
  }
  const tables: { [T in RetailTableName]: () => Generator<RetailRowsByTable[T]> } = {
    productlines: productLines,
    products,
    customers,
    orders,
    orderdetails: orderDetails,
    ratings,
  };

  return {
    options: o,
    catalog,
    productLines,
    products,
    customers,
    orders,
    orderDetails,
    ratings,
    ordersWithDetails,
    rows: <T extends RetailTableName>(table: T): Generator<RetailRowsByTable[T]> => {
      const make = tables[table] as (() => Generator<RetailRowsByTable[T]>) | undefined;
      if (make === undefined) throw new RangeError(`unknown table '${String(table)}' (tables: ${Object.keys(tables).join(', ')})`);
      return make();
    },
    customerAt,
    customerIndexOf: (customerNumber) => {
      const index = customerNumber - FIRST_CUSTOMER_NUMBER;
      return Number.isInteger(index) && index >= 0 && index < o.customers ? index : undefined;
    },
    weightsFor,
  };
}

/**
 * Test support for the sales dashboard (not exported from the package
 * index): a small product catalog, order-event builders, fast-check
 * arbitraries of order streams with duplicates and disorder, the upsert
 * view of a stream of window results (last version per key wins), a
 * wait-until helper, and retail tables under unique names in a database
 * (PGlite, PostgreSQL or MariaDB) with a way to place orders.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { SqlClient } from '@tributary/connectors/rds';
import type { OrderEvent } from '../retail/events.js';
import { CUSTOMERS_TABLE, ORDER_DETAILS_TABLE, ORDERS_TABLE, PRODUCTS_TABLE, createTableSql, type Table } from '../retail/tables.js';
export { SERVICES_REQUIRED, shouldRunAgainst, waitUntil } from '@tributary/core/testing';

/** Product code → product line of the test catalog. */
export const TEST_PRODUCT_LINES: ReadonlyMap<string, string> = new Map([
  ['S10_1678', 'Motorcycles'],
  ['S10_1949', 'Classic Cars'],
  ['S18_1749', 'Vintage Cars'],
  ['S24_2000', 'Motorcycles'],
  ['S700_1691', 'Planes'],
]);

/** Countries of the tests, across the default regions (and one unmapped). */
export const TEST_COUNTRIES = ['France', 'Germany', 'USA', 'Canada', 'Japan', 'Australia', 'Atlantis'] as const;

/** 2026-11-23 00:00 UTC: hour-aligned base of test times. */
export const T0 = Date.UTC(2026, 10, 23);
export const HOUR = 3_600_000;
export const MINUTE = 60_000;

let serial = 1;

/** An order event with defaults for every field not given. */
export function order(fields: Partial<OrderEvent> = {}): OrderEvent {
  return {
    order_number: fields.order_number ?? serial++,
    customer_number: fields.customer_number ?? 100,
    product_code: fields.product_code ?? 'S10_1678',
    quantity_ordered: fields.quantity_ordered ?? 1,
    price_each: fields.price_each ?? 10,
    country: fields.country ?? 'France',
    order_time: fields.order_time ?? T0,
  };
}

/** Order lines over `hours` hours: distinct (order, product) keys, prices in cents. */
export function orderLinesArbitrary(hours = 4): fc.Arbitrary<OrderEvent[]> {
  const line = fc.record({
    order_number: fc.integer({ min: 1, max: 60 }),
    customer_number: fc.integer({ min: 1, max: 12 }),
    product_code: fc.constantFrom(...TEST_PRODUCT_LINES.keys()),
    quantity_ordered: fc.integer({ min: 1, max: 50 }),
    price_each: fc.integer({ min: 1, max: 20_000 }).map((cents) => cents / 100),
    country: fc.constantFrom(...TEST_COUNTRIES),
    order_time: fc.integer({ min: T0, max: T0 + hours * HOUR - 1 }),
  });
  return fc.uniqueArray(line, { minLength: 1, maxLength: 80, selector: (o) => `${o.order_number}|${o.product_code}` });
}

/**
 * The lines as a stream: shuffled (out of order), with some repeated
 * later (duplicates, as a retrying producer sends them).
 */
export function withDuplicatesAndDisorder(lines: readonly OrderEvent[]): fc.Arbitrary<OrderEvent[]> {
  return fc
    .tuple(fc.shuffledSubarray([...lines], { minLength: lines.length, maxLength: lines.length }), fc.subarray([...lines]))
    .chain(([shuffled, again]) => fc.shuffledSubarray([...shuffled, ...again], { minLength: shuffled.length + again.length, maxLength: shuffled.length + again.length }));
}

/** The last version per key of a stream of upserts. */
export function latestByKey<T>(records: readonly T[], key: (r: T) => string): Map<string, T> {
  const latest = new Map<string, T>();
  for (const r of records) latest.set(key(r), r);
  return latest;
}


/** An unbounded async iterable fed by `push` (for `env.fromAsyncIterable`); `end()` finishes it. */
export class OrderFeed<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private wake: (() => void) | undefined;
  private ended = false;

  push(...values: T[]): void {
    this.queue.push(...values);
    this.wake?.();
  }

  end(): void {
    this.ended = true;
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const next = this.queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}


/** Inserts rows in one parameterised statement, in the client's dialect. */
export async function insertRows(client: SqlClient, table: Table, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const d = client.dialect;
  const columns = table.columns.map((c) => c.name);
  const params: unknown[] = [];
  const tuples = rows.map((row) => `(${columns.map((c) => (params.push(row[c] ?? null), d.placeholder(params.length))).join(', ')})`);
  await client.query(`INSERT INTO ${d.quoteIdentifier(table.name)} (${columns.map((c) => d.quoteIdentifier(c)).join(', ')}) VALUES ${tuples.join(', ')}`, params);
}

/** A copy of the retail tables under unique names in one database, with customers and products, and a way to place orders. */
export interface RetailFixture {
  readonly tables: { readonly orders: string; readonly orderDetails: string; readonly customers: string; readonly products: string; readonly hourly: string; readonly alerts: string };
  /** Places an order of (product, quantity, price) lines at `at` (default now): the order row first, then its lines, as the platform does. */
  placeOrder(customer: number, lines: ReadonlyArray<readonly [string, number, number]>, at?: number): Promise<number>;
  /** Drops every table of the fixture. */
  drop(): Promise<void>;
}

/** Customers of the fixtures: number → country. */
export const TEST_CUSTOMERS: ReadonlyArray<readonly [number, string]> = [
  [1, 'France'],
  [2, 'Germany'],
  [3, 'USA'],
  [4, 'Japan'],
  [5, 'Canada'],
];

/** Creates the fixture's tables (unique names with `prefix`) and loads customers and the test catalog. */
export async function createRetailFixture(client: SqlClient, prefix: string): Promise<RetailFixture> {
  const id = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const named = (table: Table, name: string): Table => ({ ...table, name });
  const products = named(PRODUCTS_TABLE, `${id}_products`);
  const customers = named(CUSTOMERS_TABLE, `${id}_customers`);
  const orders = named(ORDERS_TABLE, `${id}_orders`);
  const details = named(ORDER_DETAILS_TABLE, `${id}_orderdetails`);
  for (const table of [products, customers, orders, details]) await client.query(createTableSql(table, client.dialect.name));
  await insertRows(
    client,
    products,
    [...TEST_PRODUCT_LINES].map(([productCode, productLine]) => ({
      productCode,
      productName: productCode,
      productLine,
      productScale: '1:18',
      productVendor: 'Test',
      productDescription: '',
      quantityInStock: 100,
      buyPrice: '10.00',
      MSRP: '20.00',
    })),
  );
  await insertRows(
    client,
    customers,
    TEST_CUSTOMERS.map(([customerNumber, country]) => ({ customerNumber, customerName: `c${customerNumber}`, contactLastName: 'L', contactFirstName: 'F', phone: '0', addressLine1: 'a', city: 'x', country })),
  );
  let next = 1000;
  const tables = { orders: orders.name, orderDetails: details.name, customers: customers.name, products: products.name, hourly: `${id}_hourly`, alerts: `${id}_alerts` };
  return {
    tables,
    async placeOrder(customer, lines, at = Date.now()) {
      const orderNumber = next++;
      const date = new Date(at).toISOString().replace('T', ' ').replace('Z', '');
      await insertRows(client, orders, [{ orderNumber, orderDate: date, requiredDate: date.slice(0, 10), status: 'In Process', customerNumber: customer }]);
      await insertRows(
        client,
        details,
        lines.map(([productCode, quantityOrdered, priceEach], i) => ({ orderNumber, productCode, quantityOrdered, priceEach: priceEach.toFixed(2), orderLineNumber: i + 1 })),
      );
      return orderNumber;
    },
    async drop() {
      for (const name of Object.values(tables)) await client.query(`DROP TABLE IF EXISTS ${client.dialect.quoteIdentifier(name)}`);
    },
  };
}

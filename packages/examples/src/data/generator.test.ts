import { describe, expect, it } from 'vitest';
import { RETAIL_TABLES } from './contracts.js';
import { DEFAULT_PRODUCT_COUNT, PRODUCT_LINES, PRODUCT_SCALES, buildCatalog, productCode } from './catalog.js';
import { FIRST_CUSTOMER_NUMBER, FIRST_ORDER_NUMBER, pickProducts, retailDataset, weightTable, type RetailTableName } from './generator.js';
import { creditBandOf, segmentOf } from './preferences.js';
import { randomStream } from './random.js';

const TABLES = RETAIL_TABLES.map((t) => t.name as RetailTableName);

function all<T>(rows: Iterable<T>): T[] {
  return [...rows];
}

describe('randomStream', () => {
  it('gives the same sequence for the same (seed, name, indexes) and different ones otherwise', () => {
    const draw = (seed: number, name: string, ...idx: number[]): number[] => {
      const r = randomStream(seed, name, ...idx);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(42, 'customers', 7)).toEqual(draw(42, 'customers', 7));
    expect(draw(42, 'customers', 7)).not.toEqual(draw(42, 'customers', 8));
    expect(draw(42, 'customers', 7)).not.toEqual(draw(43, 'customers', 7));
    expect(draw(42, 'customers', 7)).not.toEqual(draw(42, 'ratings', 7));
  });

  it('is uniform enough: mean, exponential mean and Poisson mean', () => {
    const r = randomStream(1, 'check');
    let u = 0;
    let e = 0;
    let p = 0;
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      u += r.next();
      e += r.exponential(200);
      p += r.poisson(3);
    }
    expect(u / n).toBeCloseTo(0.5, 2);
    expect(e / n).toBeGreaterThan(194);
    expect(e / n).toBeLessThan(206);
    expect(p / n).toBeCloseTo(3, 1);
  });
});

describe('retailDataset', { timeout: 30_000 }, () => {
  it('is deterministic for a seed: every table, row for row', () => {
    const a = retailDataset({ customers: 300, seed: 7 });
    const b = retailDataset({ customers: 300, seed: 7 });
    for (const table of TABLES) expect(all(a.rows(table))).toEqual(all(b.rows(table)));
    const c = retailDataset({ customers: 300, seed: 8 });
    expect(all(c.customers())).not.toEqual(all(a.customers()));
    expect(all(c.ratings())).not.toEqual(all(a.ratings()));
  });

  it('keeps a customer\'s rows when the scale or another table\'s options change', () => {
    const small = retailDataset({ customers: 50, seed: 7 });
    const large = retailDataset({ customers: 5_000, seed: 7, ordersPerCustomer: 9 });
    expect(all(large.customers()).slice(0, 50)).toEqual(all(small.customers()));
    expect(all(large.ratings()).filter((r) => r.customerNumber < FIRST_CUSTOMER_NUMBER + 50)).toEqual(all(small.ratings()));
    expect(large.customerAt(49)).toEqual(small.customerAt(49));
  });

  it('produces classicmodels-shaped rows that satisfy the table definitions', () => {
    const data = retailDataset({ customers: 500, seed: 3 });
    for (const table of RETAIL_TABLES) {
      const rows = all(data.rows(table.name as RetailTableName)) as unknown as Record<string, unknown>[];
      expect(rows.length, table.name).toBeGreaterThan(0);
      const keys = new Set<string>();
      for (const row of rows) {
        expect(Object.keys(row).sort(), table.name).toEqual(table.columns.map((c) => c.name).sort());
        for (const column of table.columns) {
          const value = row[column.name];
          if (column.nullable !== true) expect(value, `${table.name}.${column.name}`).not.toBeNull();
          if (column.type === 'VARCHAR' && typeof value === 'string') expect(value.length, `${table.name}.${column.name}`).toBeLessThanOrEqual(column.size as number);
        }
        const key = table.primaryKey.map((k) => String(row[k])).join('|');
        expect(keys.has(key), `${table.name} duplicate key ${key}`).toBe(false);
        keys.add(key);
      }
    }
    expect(all(data.productLines()).map((l) => l.productLine)).toEqual([...PRODUCT_LINES]);
    expect(data.catalog).toHaveLength(DEFAULT_PRODUCT_COUNT);
    expect(new Set(data.catalog.map((p) => p.productScale))).toEqual(new Set(PRODUCT_SCALES));
    for (const p of data.catalog) {
      expect(p.productCode).toMatch(/^S\d+_\d{4}$/);
      expect(p.buyPrice).toBeGreaterThan(0);
      expect(p.MSRP).toBeGreaterThan(p.buyPrice);
      expect(p.quantityInStock).toBeLessThanOrEqual(32_767);
    }
  });

  it('numbers customers and orders consecutively; details, ratings and orders reference existing rows', () => {
    const data = retailDataset({ customers: 400, seed: 11, period: { start: '2024-01-01', end: '2024-07-01' } });
    const customers = all(data.customers());
    expect(customers.map((c) => c.customerNumber)).toEqual(customers.map((_, i) => FIRST_CUSTOMER_NUMBER + i));
    const numbers = new Set(customers.map((c) => c.customerNumber));
    const orders = all(data.orders());
    expect(orders.map((o) => o.orderNumber)).toEqual(orders.map((_, i) => FIRST_ORDER_NUMBER + i));
    const orderNumbers = new Set(orders.map((o) => o.orderNumber));
    for (const o of orders) {
      expect(numbers.has(o.customerNumber)).toBe(true);
      const t = (o.orderDate as Date).getTime();
      expect(t).toBeGreaterThanOrEqual(Date.UTC(2024, 0, 1));
      expect(t).toBeLessThan(Date.UTC(2024, 6, 1));
      expect(o.requiredDate > (o.orderDate as Date).toISOString().slice(0, 10)).toBe(true);
    }
    const codes = new Set(data.catalog.map((p) => p.productCode));
    const details = all(data.orderDetails());
    for (const d of details) {
      expect(orderNumbers.has(d.orderNumber)).toBe(true);
      expect(codes.has(d.productCode)).toBe(true);
      expect(d.quantityOrdered).toBeGreaterThan(0);
    }
    // Line numbers 1..n per order, matching ordersWithDetails.
    for (const { order, details: lines } of data.ordersWithDetails()) {
      expect(lines.map((l) => l.orderLineNumber)).toEqual(lines.map((_, i) => i + 1));
      expect(lines.every((l) => l.orderNumber === order.orderNumber)).toBe(true);
    }
    for (const r of data.ratings()) {
      expect(numbers.has(r.customerNumber)).toBe(true);
      expect(codes.has(r.productCode)).toBe(true);
      expect(Number.isInteger(r.productRating) && r.productRating >= 1 && r.productRating <= 5).toBe(true);
    }
    // Means near the options.
    expect(orders.length / customers.length).toBeGreaterThan(2.6);
    expect(orders.length / customers.length).toBeLessThan(3.4);
    expect(details.length / orders.length).toBeGreaterThan(3.6);
    expect(details.length / orders.length).toBeLessThan(4.4);
  });

  it('customerAt and customerIndexOf agree with the customers table; segments follow country and credit limit', () => {
    const data = retailDataset({ customers: 1_000, seed: 5 });
    let i = 0;
    for (const row of data.customers()) {
      const c = data.customerAt(i);
      expect(c.row).toEqual(row);
      expect(data.customerIndexOf(row.customerNumber)).toBe(i);
      expect(segmentOf(row)).toEqual(c.segment);
      expect(creditBandOf(row.creditLimit)).toBe(c.segment.band);
      i++;
    }
    expect(data.customerIndexOf(FIRST_CUSTOMER_NUMBER - 1)).toBeUndefined();
    expect(data.customerIndexOf(FIRST_CUSTOMER_NUMBER + 1_000)).toBeUndefined();
    expect(() => data.customerAt(1_000)).toThrow(RangeError);
  });

  it('checks its options with messages that name the constraint', () => {
    expect(() => retailDataset({ customers: -1 })).toThrow('customers must be an integer >= 0, got -1');
    expect(() => retailDataset({ customers: 10, products: 0 })).toThrow('products must be an integer >= 1, got 0');
    expect(() => retailDataset({ customers: 10, preferenceBias: 2 })).toThrow('preferenceBias must be in [0, 1], got 2');
    expect(() => retailDataset({ customers: 10, seed: 1.5 })).toThrow('seed must be an integer, got 1.5');
    expect(() => retailDataset({ customers: 10, period: { start: '2024-02-01', end: '2024-01-01' } })).toThrow('period.end must be after period.start');
    expect(() => retailDataset({ customers: 10, products: 100_000 })).toThrow('products must be an integer in [1, 90000], got 100000');
  });

  it('supports catalogues of other sizes with unique product codes', () => {
    for (const size of [1, 7, 500, 9_000, 12_000]) {
      const catalog = buildCatalog(size, 1);
      expect(new Set(catalog.map((p) => p.productCode)).size).toBe(size);
    }
    expect(productCode(0, 110)).toBe('S10_1000');
  });
});

describe('pickProducts', () => {
  it('draws distinct products, as many as the catalogue has at most', () => {
    const r = randomStream(1, 'pick');
    const table = weightTable(Float64Array.from([1, 100, 1, 1, 1000]));
    for (let i = 0; i < 100; i++) {
      const picks = pickProducts(r, table, 3, 0.9);
      expect(new Set(picks).size).toBe(3);
    }
    expect(pickProducts(r, table, 10, 1).sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it('follows the weights when biased and is uniform otherwise', () => {
    const r = randomStream(2, 'pick');
    const table = weightTable(Float64Array.from([1, 1, 1, 97]));
    const firsts = [0, 0, 0, 0];
    const uniform = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++) {
      (firsts[pickProducts(r, table, 1, 1)[0] as number] as number)++;
      (uniform[pickProducts(r, table, 1, 0)[0] as number] as number)++;
    }
    expect(firsts[3]).toBeGreaterThan(3_700);
    for (const count of uniform) expect(count).toBeGreaterThan(850);
  });
});

describe('scale', () => {
  it('streams 100,000 customers in constant memory and reasonable time, counting rows without storing them', () => {
    const data = retailDataset({ customers: 100_000, seed: 42 });
    const started = performance.now();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    const sample = (): void => {
      peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
    };
    const counts = { customers: 0, orders: 0, orderdetails: 0, ratings: 0 };
    for (const _ of data.customers()) if (++counts.customers % 10_000 === 0) sample();
    for (const { details } of data.ordersWithDetails()) {
      counts.orderdetails += details.length;
      if (++counts.orders % 10_000 === 0) sample();
    }
    for (const _ of data.ratings()) if (++counts.ratings % 50_000 === 0) sample();
    const seconds = (performance.now() - started) / 1000;

    expect(counts.customers).toBe(100_000);
    expect(counts.orders).toBeGreaterThan(290_000);
    expect(counts.orderdetails).toBeGreaterThan(1_150_000);
    expect(counts.ratings).toBeGreaterThan(950_000);
    // Keeping the 2.4M generated rows would take well over 400 MB. The peak
    // includes garbage not yet collected (the bound is loose so that parallel
    // test files and GC timing cannot make it flaky); it does not grow with scale.
    expect(peak).toBeLessThan(200 * 2 ** 20);
    expect(seconds).toBeLessThan(60);
  }, 120_000);
});

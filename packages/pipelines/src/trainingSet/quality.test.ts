import { describe, expect, it } from 'vitest';
import { StreamEnvironment, silentLogger } from '@tributary/core';
import { runToCompletion } from '@tributary/core/testing';
import { DimensionJoin } from './join.js';
import { checkJoinedRating, COUNTS_TAG, QUARANTINE_TAG, QualityCheckOperator, type JoinedRating, type SourceCustomer, type SourceProduct } from './quality.js';

const customer: SourceCustomer = { customerNumber: 1, city: 'Nantes', state: null, postalCode: '44000', country: 'France', creditLimit: 100 };
const product: SourceProduct = { productCode: 'S1', productLine: 'Planes', productScale: '1:18', quantityInStock: 5, buyPrice: 10, MSRP: 20 };
const joined = (over: Partial<JoinedRating> & { rating?: Partial<JoinedRating['rating']> } = {}): JoinedRating => ({
  customer,
  product,
  ...over,
  rating: { customerNumber: 1, productCode: 'S1', productRating: 4, ...over.rating },
});

describe('quality rules', () => {
  it('accepts a good row as a TrainingRow in column order', () => {
    const result = checkJoinedRating(joined());
    expect(result).toEqual({
      ok: true,
      row: { customerNumber: 1, city: 'Nantes', state: null, postalCode: '44000', country: 'France', creditLimit: 100, productCode: 'S1', productLine: 'Planes', productScale: '1:18', quantityInStock: 5, buyPrice: 10, MSRP: 20, productRating: 4 },
    });
  });

  it.each([
    [{ rating: { productRating: 0 } }, ['rating_out_of_range']],
    [{ rating: { productRating: 6 } }, ['rating_out_of_range']],
    [{ rating: { productRating: 2.5 } }, ['rating_out_of_range']],
    [{ rating: { productRating: null } }, ['rating_out_of_range']],
    [{ product: { ...product, buyPrice: -1 } }, ['buy_price_not_positive']],
    [{ product: { ...product, buyPrice: 0, MSRP: 0 } }, ['buy_price_not_positive', 'msrp_not_positive']],
    [{ customer: { ...customer, creditLimit: null } }, ['credit_limit_null']],
    [{ customer: { ...customer, creditLimit: -0.01 } }, ['credit_limit_negative']],
    [{ customer: { ...customer, city: '  ', country: '' } }, ['city_empty', 'country_empty']],
    [{ product: { ...product, productLine: '', productScale: null } }, ['product_line_empty', 'product_scale_empty']],
    [{ customer: null }, ['customer_missing']],
    [{ customer: null, product: null, rating: { productRating: 7 } }, ['customer_missing', 'product_missing', 'rating_out_of_range']],
  ] as Array<[Parameters<typeof joined>[0], string[]]>)('rejects %j with %j', (over, reasons) => {
    const result = checkJoinedRating(joined(over));
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejected.reasons).toEqual(reasons);
      expect(result.rejected.details).toHaveLength(reasons.length);
    }
  });

  it('a creditLimit of 0 is allowed', () => {
    expect(checkJoinedRating(joined({ customer: { ...customer, creditLimit: 0 } })).ok).toBe(true);
  });
});

describe('DimensionJoin + QualityCheckOperator', () => {
  it('joins in any arrival order, emits dangling facts at the end of input, and counts per reason', async () => {
    const env = StreamEnvironment.create({ parallelism: 2, logger: silentLogger });
    const ratings = env.fromCollection([
      { customerNumber: 1, productCode: 'S1', productRating: 5, mark: 3 },
      { customerNumber: 2, productCode: 'S1', productRating: 4, mark: 9 },
      { customerNumber: 1, productCode: 'S1', productRating: 0, mark: 4 },
    ]);
    const customers = env.fromCollection([customer]);
    const products = env.fromCollection([product]);
    const checked = ratings
      .connect(customers)
      .keyBy((r) => r.customerNumber, (c) => c.customerNumber)
      .process(new DimensionJoin<number, JoinedRating['rating'], SourceCustomer, Omit<JoinedRating, 'product'>>((rating, c) => ({ rating, customer: c })))
      .connect(products)
      .keyBy((r) => r.rating.productCode, (p) => p.productCode)
      .process(new DimensionJoin<string, Omit<JoinedRating, 'product'>, SourceProduct, JoinedRating>((r, p) => ({ ...r, product: p })))
      .transform('quality', () => new QualityCheckOperator());
    const quarantine: unknown[] = [];
    const counts: unknown[] = [];
    checked.getSideOutput(QUARANTINE_TAG).sinkTo((q) => void quarantine.push(q));
    checked.getSideOutput(COUNTS_TAG).sinkTo((c) => void counts.push(c));
    const valid = await runToCompletion(checked);
    expect(valid).toEqual([expect.objectContaining({ customerNumber: 1, productRating: 5 })]);
    expect(quarantine).toHaveLength(2);
    const total = counts.reduce<{ in: number; valid: number; rejected: number; hwm: number }>(
      (acc, c) => {
        const x = c as { in: number; valid: number; rejected: number; highWaterMark: number | null };
        return { in: acc.in + x.in, valid: acc.valid + x.valid, rejected: acc.rejected + x.rejected, hwm: Math.max(acc.hwm, x.highWaterMark ?? 0) };
      },
      { in: 0, valid: 0, rejected: 0, hwm: 0 },
    );
    expect(total).toEqual({ in: 3, valid: 1, rejected: 2, hwm: 9 });
  });
});

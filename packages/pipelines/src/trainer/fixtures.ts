/**
 * Test support (not exported from the package index): sales databases for
 * the trainer's tests, built on the training-set builder's fixture
 * (trainingSet/fixtures.ts — same customers and products, loaded the same
 * way) but with ratings that carry a known preference structure: each
 * customer rates mostly products of the line `prefer(customer)` names,
 * highly, and a few others, poorly.
 */
import type { CustomerRow, ProductRow, RatingRow } from '../retail/rows.js';
import { SeededRandom } from '../model/random.js';
import { generateFixture, type Fixture } from '../trainingSet/fixtures.js';

/** The product line each country's customers prefer: a structure a model can learn and popularity cannot. */
export const LINE_BY_COUNTRY: Readonly<Record<string, string>> = { France: 'Classic Cars', USA: 'Planes', Australia: 'Ships', Spain: 'Trains' };

/** Options of {@link preferenceFixture}. */
export interface PreferenceFixtureOptions {
  readonly seed?: number;
  readonly customers?: number;
  readonly products?: number;
  /** The line a customer prefers (default: by country, {@link LINE_BY_COUNTRY}). */
  readonly prefer?: (customer: CustomerRow) => string;
  /** Ratings per customer of preferred and of other products (default 8 and 4). */
  readonly liked?: number;
  readonly other?: number;
}

/**
 * The builder fixture's customers and products with planted-preference
 * ratings (no planted bad rows: every rating is valid).
 */
export function preferenceFixture(options: PreferenceFixtureOptions = {}): Fixture {
  const seed = options.seed ?? 5;
  const base = generateFixture(seed, { customers: options.customers ?? 120, products: options.products ?? 60, ratings: 0 });
  const random = new SeededRandom(seed);
  const prefer = options.prefer ?? ((c: CustomerRow) => LINE_BY_COUNTRY[c.country] as string);
  const products = base.products.filter((p) => p.buyPrice > 0);
  const ratings: RatingRow[] = [];
  for (const customer of base.customers.filter((c) => c.customerNumber < 900)) {
    const line = prefer(customer);
    const liked = pick(random, products.filter((p) => p.productLine === line), options.liked ?? 8);
    const other = pick(random, products.filter((p) => p.productLine !== line), options.other ?? 4);
    for (const p of liked) ratings.push({ customerNumber: customer.customerNumber, productCode: p.productCode, productRating: 4 + random.int(2) });
    for (const p of other) ratings.push({ customerNumber: customer.customerNumber, productCode: p.productCode, productRating: 1 + random.int(2) });
  }
  return { customers: base.customers, products: base.products, ratings: random.shuffle(ratings), planted: [] };
}

function pick(random: SeededRandom, products: readonly ProductRow[], count: number): ProductRow[] {
  return random.shuffle([...products]).slice(0, count);
}

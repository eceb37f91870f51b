/**
 * A deterministic generator of order lines (classicmodels-shaped: product
 * line, quantity, price, order time) arriving out of order, for examples
 * and tests.
 */

export interface OrderLine {
  readonly orderNumber: number;
  readonly productCode: string;
  readonly productLine: string;
  readonly quantityOrdered: number;
  readonly priceEach: number;
  /** Event time (ms). */
  readonly orderTime: number;
}

export const PRODUCT_LINES = ['Classic Cars', 'Motorcycles', 'Planes', 'Ships', 'Trains', 'Trucks and Buses', 'Vintage Cars'] as const;

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface OrderLineOptions {
  readonly count: number;
  readonly seed: number;
  /** Span of event time, in hours, starting at `start`. */
  readonly hours: number;
  /** Records arrive up to this much later than their event time. */
  readonly maxDelayMs: number;
  readonly start?: number;
}

/** Generates `count` order lines in arrival order (event time disordered by up to `maxDelayMs`). */
export function generateOrderLines(options: OrderLineOptions): OrderLine[] {
  const random = seededRandom(options.seed);
  const start = options.start ?? Date.UTC(2026, 10, 23, 8);
  const span = options.hours * 3_600_000;
  const lines: Array<OrderLine & { arrival: number }> = [];
  for (let i = 0; i < options.count; i++) {
    const orderTime = start + Math.floor((i / options.count) * span);
    const line = PRODUCT_LINES[Math.floor(random() * PRODUCT_LINES.length)] as string;
    lines.push({
      orderNumber: 10_100 + Math.floor(i / 3),
      productCode: `S${10 + Math.floor(random() * 90)}_${1000 + Math.floor(random() * 9000)}`,
      productLine: line,
      quantityOrdered: 1 + Math.floor(random() * 50),
      priceEach: Math.round((10 + random() * 190) * 100) / 100,
      orderTime,
      arrival: orderTime + Math.floor(random() * options.maxDelayMs),
    });
  }
  lines.sort((a, b) => a.arrival - b.arrival);
  return lines.map(({ arrival: _arrival, ...line }) => line);
}

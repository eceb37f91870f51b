import { describe, expect, it } from 'vitest';
import { parseModel, serializeModel } from './artifact.js';
import { hitRates } from './evaluate.js';
import { SeededRandom } from './random.js';
import { compileModel } from './scoring.js';
import { modelVersion, splitRatings, trainAndEvaluate, trainModel } from './train.js';
import type { TrainingRow } from '../retail/rows.js';

// ---------------------------------------------------------------------------
// A tiny generator with a planted preference structure: customers of a
// segment (region × credit band) prefer two product lines and two scales.
// Ratings are that affinity plus product quality, a customer bias and noise,
// and customers rate (buy) products they like more often.
// ---------------------------------------------------------------------------

const REGIONS: Record<string, Record<string, string[]>> = {
  EMEA: { France: ['Paris', 'Lyon', 'Nantes'], Germany: ['Berlin', 'Munich', 'Frankfurt'], Spain: ['Madrid', 'Barcelona'] },
  NA: { USA: ['NYC', 'Boston', 'San Francisco', 'Las Vegas'], Canada: ['Toronto', 'Vancouver'] },
  APAC: { Japan: ['Tokyo', 'Osaka'], Australia: ['Sydney', 'Melbourne'], Singapore: ['Singapore'] },
};
const BANDS = [
  [5_000, 40_000],
  [40_000, 100_000],
  [100_000, 250_000],
] as const;
const LINES = ['Classic Cars', 'Motorcycles', 'Planes', 'Ships', 'Trains', 'Trucks and Buses', 'Vintage Cars'];
const SCALES = ['1:10', '1:12', '1:18', '1:24', '1:32', '1:50', '1:72', '1:700'];

function plantedRatings(seed: number, customers: number): TrainingRow[] {
  const random = new SeededRandom(seed);
  const regions = Object.keys(REGIONS);
  const prefLines: Set<string>[] = [];
  const prefScales: Set<string>[] = [];
  for (let s = 0; s < regions.length * BANDS.length; s++) {
    prefLines.push(new Set(random.shuffle([...LINES]).slice(0, 2)));
    prefScales.push(new Set(random.shuffle([...SCALES]).slice(0, 2)));
  }
  const products = Array.from({ length: 110 }, (_, i) => {
    const scale = SCALES[random.int(SCALES.length)]!;
    const buyPrice = Math.round((200 / Number(scale.split(':')[1]) + 20) * (0.8 + 0.4 * random.next()) * 100) / 100;
    return {
      productCode: `S${10 + (i % 90)}_${1000 + i}`,
      productLine: LINES[i % LINES.length]!,
      productScale: scale,
      quantityInStock: 100 + random.int(9900),
      buyPrice,
      MSRP: Math.round(buyPrice * (1.5 + 0.7 * random.next()) * 100) / 100,
      quality: random.gaussian() * 0.4,
    };
  });
  const rows: TrainingRow[] = [];
  for (let c = 0; c < customers; c++) {
    const r = random.int(regions.length);
    const countries = REGIONS[regions[r]!]!;
    const country = Object.keys(countries)[random.int(Object.keys(countries).length)]!;
    const city = countries[country]![random.int(countries[country]!.length)]!;
    const b = random.int(BANDS.length);
    const creditLimit = Math.round(BANDS[b]![0] + (BANDS[b]![1] - BANDS[b]![0]) * random.next());
    const segment = r * BANDS.length + b;
    const bias = random.gaussian() * 0.3;
    const affinity = products.map(
      (p) => (prefLines[segment]!.has(p.productLine) ? 1.6 : 0) + (prefScales[segment]!.has(p.productScale) ? 0.9 : 0) + p.quality,
    );
    const weights = affinity.map((a) => Math.exp(0.7 * a));
    const chosen = new Set<number>();
    const n = 6 + random.int(11);
    while (chosen.size < n) {
      let pick = random.next() * weights.reduce((sum, w, i) => sum + (chosen.has(i) ? 0 : w), 0);
      let i = 0;
      for (; i < weights.length - 1; i++) {
        if (chosen.has(i)) continue;
        pick -= weights[i]!;
        if (pick < 0) break;
      }
      while (chosen.has(i)) i--;
      chosen.add(i);
    }
    for (const i of chosen) {
      const { quality: _quality, ...product } = products[i]!;
      const productRating = Math.min(5, Math.max(1, Math.round(2.6 + affinity[i]! + bias + random.gaussian() * 0.6)));
      rows.push({ customerNumber: 100 + c, city, state: null, postalCode: null, country, creditLimit, ...product, productRating });
    }
  }
  return rows;
}

const now = () => new Date('2026-11-23T22:00:00.000Z');
const small = plantedRatings(3, 300);

describe('trainModel', () => {
  it('reduces the training loss epoch after epoch', () => {
    const { history, epochs } = trainModel(small, { seed: 1, epochs: 6, now });
    expect(epochs).toBe(6);
    expect(history).toHaveLength(6);
    for (let e = 1; e < history.length; e++) expect(history[e]!.trainMse).toBeLessThan(history[e - 1]!.trainMse);
    expect(history[5]!.trainMse).toBeLessThan(history[0]!.trainMse * 0.75);
  });

  it('is deterministic for a seed, whatever the row order', () => {
    const a = trainModel(small, { seed: 9, epochs: 3, now }).artifact;
    const shuffled = new SeededRandom(4).shuffle([...small]);
    const b = trainModel(shuffled, { seed: 9, epochs: 3, now }).artifact;
    // (Compared as a boolean: a failing diff of two artifacts would flood the log.)
    expect(b.version).toBe(a.version);
    expect(serializeModel(b) === serializeModel(a)).toBe(true);
    const c = trainModel(small, { seed: 10, epochs: 3, now }).artifact;
    expect(c.userTower[0]!.weights).not.toEqual(a.userTower[0]!.weights);
    expect(c.version).not.toBe(a.version);
  });

  it('writes a valid artifact: every customer and product embedded, popularity by training counts', () => {
    const { artifact } = trainModel(small, { seed: 1, epochs: 2, now });
    expect(parseModel(serializeModel(artifact))).toEqual(artifact);
    expect(artifact.dimensions).toBe(32);
    expect(Object.keys(artifact.userEmbeddings)).toHaveLength(new Set(small.map((r) => r.customerNumber)).size);
    expect(artifact.products).toHaveLength(new Set(small.map((r) => r.productCode)).size);
    const counts = new Map<string, number>();
    for (const row of small) counts.set(row.productCode, (counts.get(row.productCode) ?? 0) + 1);
    const popular = artifact.popularProducts.map((code) => counts.get(code)!);
    expect(popular).toEqual([...popular].sort((x, y) => y - x));
    expect(artifact.userTower.map((l) => [l.inputs, l.outputs, l.activation])).toEqual([
      [artifact.vocabularies.city.length + artifact.vocabularies.country.length + 1, 64, 'relu'],
      [64, 32, 'linear'],
    ]);
    expect(artifact.createdAt).toBe('2026-11-23T22:00:00.000Z');
    expect(artifact.version).toMatch(/^2026-11-23T22-00-00Z-[0-9a-f]{4}$/);
  });

  it('stores tower embeddings that the artifact reproduces for new customers (without per-id vectors)', () => {
    const { artifact } = trainModel(small, { seed: 1, epochs: 2, idEmbeddings: false, now });
    const model = compileModel(artifact);
    for (const row of small.slice(0, 40)) {
      const fromTower = model.embedUser(row);
      const stored = artifact.userEmbeddings[String(row.customerNumber)]!;
      stored.forEach((x, j) => expect(fromTower[j]).toBeCloseTo(x, 3));
      const item = model.embedItem(row);
      artifact.itemEmbeddings[row.productCode]!.forEach((x, j) => expect(item[j]).toBeCloseTo(x, 3));
    }
    // With per-id vectors, known customers' embeddings refine the tower's.
    const refined = trainModel(small, { seed: 1, epochs: 2, now }).artifact;
    const customer = small[0]!;
    const tower = compileModel(refined).embedUser(customer);
    expect(Array.from(tower)).not.toEqual(refined.userEmbeddings[String(customer.customerNumber)]!.map((x) => Math.fround(x)));
  });

  it('embeds catalog products that no training row rates', () => {
    const extra = { productCode: 'NEW_1', productLine: 'Ships', productScale: '1:18', quantityInStock: 10, buyPrice: 30, MSRP: 60 };
    const { artifact } = trainModel(small, { seed: 1, epochs: 1, catalog: [extra], now });
    expect(artifact.itemEmbeddings.NEW_1).toHaveLength(32);
    expect(artifact.popularProducts.at(-1)).toBe('NEW_1');
  });

  it('keeps the best epoch on validation rows and stops when it stops improving', () => {
    const { train, test } = splitRatings(small, { seed: 2 });
    const stats: number[] = [];
    const result = trainModel(train, { seed: 1, epochs: 40, validation: test, patience: 2, onEpoch: (s) => stats.push(s.validationRmse!) });
    expect(result.history.every((h) => h.validationRmse !== undefined)).toBe(true);
    const bestRmse = Math.min(...stats);
    expect(stats[result.bestEpoch - 1]).toBe(bestRmse);
    expect(result.epochs).toBeLessThan(40);
    expect(result.epochs - result.bestEpoch).toBe(2);
  });

  it('rejects bad input with messages naming the problem', () => {
    expect(() => trainModel([])).toThrow(/at least one training row/);
    expect(() => trainModel([{ ...small[0]!, productRating: 6 }])).toThrow(/productRating must be 1–5, got 6/);
    expect(() => trainModel(small, { epochs: 0 })).toThrow(/epochs must be a positive integer, got 0/);
    expect(() => trainModel(small, { hiddenUnits: [] })).toThrow(/hiddenUnits must be one or more positive integers/);
    expect(() => trainModel(small, { learningRate: -1 })).toThrow(/learningRate must be positive/);
  });
});

describe('splitRatings', () => {
  it('holds out a seeded share of each customer’s ratings: at least one, never all', () => {
    const { train, test } = splitRatings(small, { seed: 5, testFraction: 0.2, minRatings: 3 });
    expect(train.length + test.length).toBe(small.length);
    const key = (r: TrainingRow) => `${r.customerNumber}/${r.productCode}`;
    expect(new Set([...train, ...test].map(key))).toEqual(new Set(small.map(key)));
    const byCustomer = new Map<number, { train: number; test: number }>();
    for (const r of train) byCustomer.set(r.customerNumber, { train: (byCustomer.get(r.customerNumber)?.train ?? 0) + 1, test: 0 });
    for (const r of test) byCustomer.get(r.customerNumber)!.test++;
    for (const { train: t, test: h } of byCustomer.values()) {
      expect(h).toBeGreaterThanOrEqual(1);
      expect(t).toBeGreaterThanOrEqual(1);
      expect(h).toBe(Math.max(1, Math.round(0.2 * (t + h))));
    }
    expect(splitRatings(new SeededRandom(1).shuffle([...small]), { seed: 5 })).toEqual({ train, test });
    expect(splitRatings(small, { seed: 6 }).test).not.toEqual(test);
  });

  it('keeps customers with too few ratings entirely in training', () => {
    const few = small.filter((r) => r.customerNumber === 100).slice(0, 2);
    expect(splitRatings(few, { minRatings: 3 })).toEqual({ train: expect.arrayContaining(few), test: [] });
    expect(() => splitRatings(small, { testFraction: 1 })).toThrow(/testFraction must be in \[0, 1\)/);
  });
});

describe('modelVersion', () => {
  it('is sortable and safe in S3 keys', () => {
    expect(modelVersion('2026-11-23T22:00:00.123Z', '3f2a9c')).toBe('2026-11-23T22-00-00Z-3f2a');
  });
});

describe('on data with a planted preference structure', () => {
  it('beats the most-popular baseline on hit rate@10 and the mean predictor on RMSE, also for new customers', () => {
    // 1,500 customers with 6–16 ratings each (~16,500 ratings); the last 300 customers are never trained on.
    const rows = plantedRatings(1, 1500);
    const known = rows.filter((r) => r.customerNumber < 1300);
    const unseen = rows.filter((r) => r.customerNumber >= 1300);
    const started = performance.now();
    const { artifact, report, train, epochs, bestEpoch } = trainAndEvaluate(known, { seed: 7, now });
    const seconds = (performance.now() - started) / 1000;

    // Cold start: customers the model has never seen are embedded from city, country and credit limit alone.
    const cold = hitRates(compileModel(artifact), train, unseen);
    const coldModel = cold.modelHits / cold.users;
    const coldPopularity = cold.popularityHits / cold.users;

    console.info(
      `planted data: ${known.length} ratings (${report.trainRows} train / ${report.testRows} test), ${epochs} epochs (best ${bestEpoch}), ` +
        `training ${report.trainingSeconds.toFixed(2)} s (train + evaluate ${seconds.toFixed(2)} s)\n` +
        `  RMSE ${report.rmse.toFixed(3)} vs mean predictor ${report.baselineRmse.toFixed(3)}\n` +
        `  hit rate@10 ${report.hitRateAt10.toFixed(3)} vs most popular ${report.popularityHitRateAt10.toFixed(3)}\n` +
        `  new customers: hit rate@10 ${coldModel.toFixed(3)} vs most popular ${coldPopularity.toFixed(3)} (${cold.users} customers)`,
    );
    expect(report.version).toBe(artifact.version);
    expect(report.hitRateAt10).toBeGreaterThan(report.popularityHitRateAt10 + 0.1);
    expect(report.rmse).toBeLessThan(report.baselineRmse - 0.2);
    expect(coldModel).toBeGreaterThan(coldPopularity + 0.1);
  }, 120_000);
});

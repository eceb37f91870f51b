import { describe, expect, it } from 'vitest';
import type { DenseLayer, ModelArtifact } from './artifact.js';
import { randomArtifact } from './testing.js';
import { FeatureEncoder, UNKNOWN_CATEGORY } from './features.js';
import { SeededRandom } from './random.js';
import { compileModel, embedUser, scoreItems, topKItems, type ScoredItem } from './scoring.js';

/** Dense forward pass of tower layers, the obvious way. */
function denseTower(layers: readonly DenseLayer[], input: Float64Array): number[] {
  let x = Array.from(input);
  for (const layer of layers) {
    const y: number[] = [];
    for (let o = 0; o < layer.outputs; o++) {
      let sum = layer.bias[o]!;
      for (let i = 0; i < layer.inputs; i++) sum += layer.weights[o * layer.inputs + i]! * x[i]!;
      y.push(layer.activation === 'relu' ? Math.max(0, sum) : layer.activation === 'tanh' ? Math.tanh(sum) : sum);
    }
    x = y;
  }
  return x;
}

/** Brute-force top-k over Float32-rounded item embeddings: sort everything, drop the excluded, take k. */
function bruteTopK(artifact: ModelArtifact, query: ArrayLike<number>, k: number, exclude: ReadonlySet<string>, metric: 'cosine' | 'dot'): ScoredItem[] {
  const d = artifact.dimensions;
  let qn = 0;
  for (let j = 0; j < d; j++) qn += query[j]! * query[j]!;
  qn = Math.sqrt(qn);
  const scored = artifact.products.map((p, index) => {
    const v = artifact.itemEmbeddings[p.productCode]!.map((x) => Math.fround(x));
    let dot = 0;
    let vn = 0;
    for (let j = 0; j < d; j++) {
      dot += query[j]! * v[j]!;
      vn += v[j]! * v[j]!;
    }
    const score = metric === 'dot' ? dot : qn * Math.sqrt(vn) > 0 ? dot / (qn * Math.sqrt(vn)) : 0;
    return { productCode: p.productCode, score, index };
  });
  return scored
    .filter((s) => !exclude.has(s.productCode))
    .sort((a, b) => b.score - a.score || a.index - b.index)
    .slice(0, k)
    .map(({ productCode, score }) => ({ productCode, score }));
}

describe('embedUser', () => {
  const artifact = randomArtifact(1);
  const encoder = new FeatureEncoder(artifact);

  it('equals a dense forward pass of the user tower on the encoded features', () => {
    for (const user of [
      { city: 'Paris', country: 'France', creditLimit: 75_000 },
      { city: 'Tokyo', country: 'Japan', creditLimit: 1_000 },
      { city: 'NYC', country: 'USA', creditLimit: 250_000 },
    ]) {
      const expected = denseTower(artifact.userTower, encoder.encodeUser(user));
      const actual = embedUser(artifact, user);
      expect(actual).toBeInstanceOf(Float32Array);
      expect(actual).toHaveLength(32);
      for (let j = 0; j < 32; j++) expect(actual[j]).toBeCloseTo(expected[j]!, 4);
    }
  });

  it('embeds unseen cities and countries as the unknown entry, and a missing credit limit as the mean', () => {
    const unseen = embedUser(artifact, { city: 'Atlantis', country: 'Mu', creditLimit: null });
    const unknown = embedUser(artifact, { city: null, country: undefined, creditLimit: 60_000 });
    expect(Array.from(unseen)).toEqual(Array.from(unknown));
  });

  it('writes into a caller buffer when given one, and agrees with the item tower for items', () => {
    const out = new Float32Array(32);
    expect(embedUser(artifact, { city: 'Lyon', country: 'France', creditLimit: 5 }, out)).toBe(out);
    const model = compileModel(artifact);
    const item = { productLine: 'Ships', productScale: '1:72', quantityInStock: 10, buyPrice: 30, MSRP: 90 };
    const expected = denseTower(artifact.itemTower, encoder.encodeItem(item));
    const actual = model.embedItem(item);
    for (let j = 0; j < 32; j++) expect(actual[j]).toBeCloseTo(expected[j]!, 4);
  });

  it('looks up known customers and products', () => {
    const model = compileModel(artifact);
    expect(Array.from(model.userEmbedding(103)!)).toEqual(artifact.userEmbeddings['103']!.map((x) => Math.fround(x)));
    expect(model.userEmbedding('112')).toBeDefined();
    expect(model.userEmbedding(999)).toBeUndefined();
    const code = artifact.products[7]!.productCode;
    expect(Array.from(model.itemEmbedding(code)!)).toEqual(artifact.itemEmbeddings[code]!.map((x) => Math.fround(x)));
    expect(model.itemEmbedding('nope')).toBeUndefined();
    expect(compileModel(artifact)).toBe(model);
  });
});

describe('top-k', () => {
  const artifact = randomArtifact(2);
  const model = compileModel(artifact);
  const random = new SeededRandom(11);
  const codes = artifact.products.map((p) => p.productCode);

  it('equals a brute-force ranking, for both metrics, any k and random exclusion sets', () => {
    for (let trial = 0; trial < 200; trial++) {
      const query = Float32Array.from({ length: 32 }, () => random.gaussian());
      const k = [0, 1, 5, 10, 37, 110, 500][trial % 7]!;
      const exclude = new Set(codes.filter(() => random.next() < 0.2));
      if (trial % 5 === 0) exclude.add('not-a-product');
      const metric = trial % 2 === 0 ? 'cosine' : 'dot';
      const actual = model.topK(query, k, { exclude, metric });
      const expected = bruteTopK(artifact, query, k, exclude, metric);
      expect(actual.map((s) => s.productCode)).toEqual(expected.map((s) => s.productCode));
      actual.forEach((s, r) => expect(s.score).toBeCloseTo(expected[r]!.score, 9));
      // k distinct products, none excluded, best first.
      expect(new Set(actual.map((s) => s.productCode)).size).toBe(actual.length);
      expect(actual.length).toBe(Math.min(k, codes.length - [...exclude].filter((c) => codes.includes(c)).length));
      for (const s of actual) expect(exclude.has(s.productCode)).toBe(false);
      for (let r = 1; r < actual.length; r++) expect(actual[r - 1]!.score).toBeGreaterThanOrEqual(actual[r]!.score);
    }
  });

  it('leaves no exclusion behind for the next call', () => {
    const query = Float32Array.from({ length: 32 }, () => random.gaussian());
    const all = model.topK(query, 3);
    const without = model.topK(query, 3, { exclude: [all[0]!.productCode] });
    expect(without.map((s) => s.productCode)).not.toContain(all[0]!.productCode);
    expect(model.topK(query, 3)).toEqual(all);
  });

  it('breaks ties by product order and handles a zero query', () => {
    const zero = new Float32Array(32);
    expect(model.topK(zero, 4).map((s) => s.productCode)).toEqual(codes.slice(0, 4));
    expect(model.topK(zero, 2, { exclude: [codes[0]!] }).map((s) => s.productCode)).toEqual(codes.slice(1, 3));
  });

  it('scoreItems gives every product score in artifact order; topKItems is the same ranking', () => {
    const query = Float32Array.from({ length: 32 }, () => random.gaussian());
    const scores = scoreItems(artifact, query);
    const best = [...scores.keys()].sort((a, b) => scores[b]! - scores[a]! || a - b).slice(0, 10);
    expect(topKItems(artifact, query, 10).map((s) => s.productCode)).toEqual(best.map((i) => codes[i]));
  });

  it('similarItems ranks other products by cosine similarity to one product, never itself', () => {
    const code = codes[42]!;
    const similar = model.similarItems(code, 5, { exclude: [codes[0]!] });
    const expected = bruteTopK(artifact, model.itemEmbedding(code)!, 5, new Set([code, codes[0]!]), 'cosine');
    expect(similar.map((s) => s.productCode)).toEqual(expected.map((s) => s.productCode));
    expect(model.similarItems('unknown', 5)).toEqual([]);
    // The product is excluded only during its own call.
    expect(model.topK(model.itemEmbedding(code)!, 1)[0]!.productCode).toBe(code);
  });

  it('rejects a query of the wrong width and a bad k', () => {
    expect(() => model.topK(new Float32Array(31), 5)).toThrow(/query has 31 dimensions, the model 32/);
    expect(() => model.topK(new Float32Array(32), -1)).toThrow(/k must be a non-negative integer/);
  });

  it('takes microseconds: embed a new customer and rank 110 × 32 items with a cart excluded', () => {
    const cart = codes.slice(0, 3);
    const user = { city: 'Paris', country: 'France', creditLimit: 42_000 };
    const query = new Float32Array(32);
    const run = (n: number): number => {
      const started = performance.now();
      for (let i = 0; i < n; i++) {
        model.embedUser(user, query);
        model.topKInto(query, 10, 'cosine', cart);
      }
      return ((performance.now() - started) * 1000) / n;
    };
    run(2000); // warm up
    const perCall = Math.min(run(5000), run(5000), run(5000));
    console.info(`embedUser + top-10 of 110 × 32 (cart of 3): ${perCall.toFixed(2)} µs per event`);
    // Generous for a busy CI machine; typically a few µs.
    expect(perCall).toBeLessThan(200);
  });
});

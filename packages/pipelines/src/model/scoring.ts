/**
 * Scoring with a model artifact on the per-event path: embedding a customer
 * through the user tower, looking up known embeddings, and a top-k over all
 * item embeddings by cosine similarity (or inner product) with an exclusion
 * set. Hand loops over typed arrays and buffers allocated once per artifact
 * (no allocation per call on the per-event path): a 110 × 32 top-k takes a
 * couple of microseconds. Matrix-vector products go through
 * {@link multiplyRows}, which sums eight rows at once, each in the plain
 * loop's order, so every score is bit for bit the straightforward one.
 *
 * ```ts
 * const model = compileModel(artifact);           // cached per artifact object
 * const user = model.userEmbedding(103) ?? model.embedUser({ city: 'Nantes', country: 'France', creditLimit: 21_000 });
 * model.topK(user, 5, { exclude: cart });         // [{ productCode, score }, …] best first
 * model.similarItems('S10_1678', 5);              // items nearest to one item
 * ```
 * A compiled model is not re-entrant: its buffers are reused by each call,
 * which is safe in one JavaScript thread (no call awaits).
 */
import type { DenseLayer, ModelArtifact } from './artifact.js';
import { FeatureEncoder, ITEM_SLOTS, USER_SLOTS, type ItemFeatures, type UserFeatures } from './features.js';

/** A product and its score, best first in a top-k. */
export interface ScoredItem {
  readonly productCode: string;
  readonly score: number;
}

/** How a query is compared with item embeddings. */
export type SimilarityMetric = 'cosine' | 'dot';

/** Options of {@link CompiledModel.topK}. */
export interface TopKOptions {
  /** Product codes never to return (e.g. the cart); unknown codes are ignored. */
  readonly exclude?: Iterable<string>;
  /** `'cosine'` (default) or `'dot'` (the model's predicted-rating order). */
  readonly metric?: SimilarityMetric;
}

/** A tower ready for hand-loop inference: row-major weights and ping-pong buffers. */
class CompiledTower {
  private readonly weights: Float64Array[];
  private readonly biases: Float64Array[];
  /** Activation per layer: 0 linear, 1 ReLU, 2 tanh. */
  private readonly activation: number[];
  private readonly outputs: number[];
  private readonly inputs: number[];
  private readonly a: Float64Array;
  private readonly b: Float64Array;

  constructor(layers: readonly DenseLayer[]) {
    this.weights = layers.map((l) => Float64Array.from(l.weights));
    this.biases = layers.map((l) => Float64Array.from(l.bias));
    this.activation = layers.map((l) => (l.activation === 'relu' ? 1 : l.activation === 'tanh' ? 2 : 0));
    this.outputs = layers.map((l) => l.outputs);
    this.inputs = layers.map((l) => l.inputs);
    const widest = Math.max(...this.outputs);
    this.a = new Float64Array(widest);
    this.b = new Float64Array(widest);
  }

  /** Runs sparse input slots through the tower into `out` (length = last layer's outputs). */
  run(indices: Int32Array, values: Float64Array, out: Float32Array): Float32Array {
    let current = this.a;
    let next = this.b;
    // First layer: only the non-zero input slots contribute.
    const w0 = this.weights[0]!;
    const b0 = this.biases[0]!;
    const in0 = this.inputs[0]!;
    const out0 = this.outputs[0]!;
    for (let o = 0; o < out0; o++) {
      let sum = b0[o]!;
      const row = o * in0;
      for (let s = 0; s < indices.length; s++) sum += w0[row + indices[s]!]! * values[s]!;
      current[o] = activate(sum, this.activation[0]!);
    }
    for (let l = 1; l < this.weights.length; l++) {
      const outputs = this.outputs[l]!;
      const activation = this.activation[l]!;
      multiplyRows(this.weights[l]!, outputs, this.inputs[l]!, current, this.biases[l]!, next);
      if (activation !== 0) for (let o = 0; o < outputs; o++) next[o] = activate(next[o]!, activation);
      const swap = current;
      current = next;
      next = swap;
    }
    for (let j = 0; j < out.length; j++) out[j] = current[j]!;
    return out;
  }
}

function activate(x: number, activation: number): number {
  return activation === 1 ? (x > 0 ? x : 0) : activation === 2 ? Math.tanh(x) : x;
}

/**
 * An artifact prepared for fast scoring (see the module comment). Obtain
 * one with {@link compileModel}, which caches it per artifact object.
 */
export class CompiledModel {
  readonly version: string;
  readonly dimensions: number;
  /** Product codes in artifact order; index i is row i of {@link itemMatrix}. */
  readonly productCodes: readonly string[];
  /** Item embeddings, products × dimensions, row-major. */
  readonly itemMatrix: Float32Array;
  /** Euclidean norm of each item embedding. */
  readonly itemNorms: Float64Array;
  /** Item embeddings scaled to unit length (zero vectors stay zero), products × dimensions: cosine is a dot product. */
  readonly unitItemMatrix: Float64Array;
  readonly encoder: FeatureEncoder;
  private readonly itemIndex: Map<string, number>;
  /** {@link itemMatrix} widened to doubles (exactly), for the 'dot' metric. */
  private readonly wideItemMatrix: Float64Array;
  /** Row views of {@link itemMatrix}, made once so lookups do not allocate. */
  private readonly itemRows: readonly Float32Array[];
  private readonly userTower: CompiledTower;
  private readonly itemTower: CompiledTower;
  private users: CompiledUsers | undefined;
  // Reused buffers.
  private readonly userIndices = new Int32Array(USER_SLOTS);
  private readonly userValues = new Float64Array(USER_SLOTS);
  private readonly itemIndices = new Int32Array(ITEM_SLOTS);
  private readonly itemValues = new Float64Array(ITEM_SLOTS);
  /** 1 for rows excluded from the current search; {@link markedRows}[0, markedCount) lists them. */
  private readonly excluded: Uint8Array;
  private readonly markedRows: Int32Array;
  private markedCount = 0;
  private readonly queryBuffer: Float64Array;
  /** Every product's score for the current query. */
  private readonly scores: Float64Array;
  private readonly topIndex: Int32Array;
  private readonly topScore: Float64Array;
  /** Per item, its nearest items by cosine (computed on first use): similarItems filters these instead of scanning. */
  private readonly neighbours: Array<Int32Array | undefined>;

  constructor(readonly artifact: ModelArtifact) {
    this.version = artifact.version;
    this.dimensions = artifact.dimensions;
    this.encoder = new FeatureEncoder(artifact);
    this.userTower = new CompiledTower(artifact.userTower);
    this.itemTower = new CompiledTower(artifact.itemTower);
    const d = artifact.dimensions;
    const codes = artifact.products.map((p) => p.productCode);
    this.productCodes = codes;
    this.itemIndex = new Map(codes.map((code, i) => [code, i]));
    this.itemMatrix = new Float32Array(codes.length * d);
    this.itemNorms = new Float64Array(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const embedding = artifact.itemEmbeddings[codes[i]!];
      if (embedding === undefined || embedding.length !== d) {
        throw new RangeError(`itemEmbeddings['${codes[i]}'] is missing or not ${d} values long`);
      }
      let norm = 0;
      for (let j = 0; j < d; j++) {
        this.itemMatrix[i * d + j] = embedding[j]!;
        const value = this.itemMatrix[i * d + j]!; // the stored (Float32) value
        norm += value * value;
      }
      this.itemNorms[i] = Math.sqrt(norm);
    }
    this.unitItemMatrix = new Float64Array(codes.length * d);
    for (let i = 0; i < codes.length; i++) {
      const norm = this.itemNorms[i]!;
      if (norm > 0) for (let j = 0; j < d; j++) this.unitItemMatrix[i * d + j] = this.itemMatrix[i * d + j]! / norm;
    }
    this.wideItemMatrix = Float64Array.from(this.itemMatrix);
    this.itemRows = codes.map((_, i) => this.itemMatrix.subarray(i * d, (i + 1) * d));
    this.neighbours = new Array<Int32Array | undefined>(codes.length);
    this.excluded = new Uint8Array(codes.length);
    this.markedRows = new Int32Array(codes.length);
    this.queryBuffer = new Float64Array(this.dimensions);
    this.scores = new Float64Array(codes.length);
    this.topIndex = new Int32Array(codes.length);
    this.topScore = new Float64Array(codes.length);
  }

  /** Number of products. */
  get size(): number {
    return this.productCodes.length;
  }

  /** Row of a product in {@link itemMatrix}, or -1. */
  indexOfProduct(productCode: string): number {
    return this.itemIndex.get(productCode) ?? -1;
  }

  /** A new customer's embedding, through the user tower (unknown city/country map to index 0). */
  embedUser(features: UserFeatures, out: Float32Array = new Float32Array(this.dimensions)): Float32Array {
    this.encoder.userSlots(features, this.userIndices, this.userValues);
    return this.userTower.run(this.userIndices, this.userValues, out);
  }

  /** A product's embedding from its features, through the item tower (for products not in the artifact). */
  embedItem(features: ItemFeatures, out: Float32Array = new Float32Array(this.dimensions)): Float32Array {
    this.encoder.itemSlots(features, this.itemIndices, this.itemValues);
    return this.itemTower.run(this.itemIndices, this.itemValues, out);
  }

  /** A known customer's stored embedding (a view: do not modify), or undefined. */
  userEmbedding(customerNumber: number | string): Float32Array | undefined {
    const users = (this.users ??= this.compileUsers());
    const row = users.index.get(customerNumber);
    return row === undefined ? undefined : users.rows[row];
  }

  /** A product's stored embedding (a view: do not modify), or undefined. */
  itemEmbedding(productCode: string): Float32Array | undefined {
    const row = this.itemIndex.get(productCode);
    return row === undefined ? undefined : this.itemRows[row];
  }

  /** The model's predicted rating for a user embedding and an item embedding. */
  predictRating(user: ArrayLike<number>, item: ArrayLike<number>): number {
    let dot = 0;
    for (let j = 0; j < this.dimensions; j++) dot += user[j]! * item[j]!;
    return dot * this.artifact.ratingScale + this.artifact.ratingBias;
  }

  /**
   * The `k` best products for a query embedding, best first, distinct, none
   * excluded; fewer when fewer remain. Ties go to the product listed first.
   */
  topK(query: ArrayLike<number>, k: number, options: TopKOptions = {}): ScoredItem[] {
    return this.results(this.topKInto(query, k, options.metric ?? 'cosine', options.exclude));
  }

  /**
   * Products most similar (cosine) to one product, excluding itself; empty
   * for an unknown code. Each product's {@link NEIGHBOURS_CACHED} nearest are
   * computed once; a call filters them and scans the catalog only when the
   * exclusions leave fewer than `k`.
   */
  similarItems(productCode: string, k: number, options: { readonly exclude?: Iterable<string> } = {}): ScoredItem[] {
    return this.results(this.similarInto(productCode, k, options.exclude));
  }

  /**
   * The allocation-free core of {@link similarItems}: writes the rows and
   * scores as {@link topKInto} does and returns how many were found (0 for
   * an unknown code); read them with {@link topResult} before the next call.
   */
  similarInto(productCode: string, k: number, exclude?: Iterable<string>): number {
    const row = this.itemIndex.get(productCode);
    if (row === undefined) return 0;
    const cached = this.neighboursOf(row);
    const marked = this.markedCount;
    try {
      this.mark(exclude);
      const d = this.dimensions;
      let count = 0;
      for (let n = 0; n < cached.length && count < k; n++) {
        const other = cached[n]!;
        if (this.excluded[other] === 1) continue;
        this.topIndex[count] = other;
        this.topScore[count] = dot(this.unitItemMatrix, row * d, this.unitItemMatrix, other * d, d);
        count++;
      }
      if (count >= k || cached.length >= this.productCodes.length - 1) return count;
      return this.nearestTo(row, k);
    } finally {
      this.unmarkTo(marked);
    }
  }

  /** The last search's results as objects. */
  private results(count: number): ScoredItem[] {
    const result: ScoredItem[] = new Array<ScoredItem>(count);
    for (let r = 0; r < count; r++) result[r] = { productCode: this.productCodes[this.topIndex[r]!]!, score: this.topScore[r]! };
    return result;
  }

  private neighboursOf(row: number): Int32Array {
    let cached = this.neighbours[row];
    if (cached === undefined) {
      cached = this.topIndex.slice(0, this.nearestTo(row, NEIGHBOURS_CACHED));
      this.neighbours[row] = cached;
    }
    return cached;
  }

  /** {@link topKInto} by cosine to a product, leaving out the product and the rows already marked. */
  private nearestTo(row: number, k: number): number {
    const query = this.unitItemMatrix.subarray(row * this.dimensions, (row + 1) * this.dimensions);
    const marked = this.markedCount;
    this.markRow(row);
    try {
      return this.topKInto(query, k, 'cosine');
    } finally {
      this.unmarkTo(marked);
    }
  }

  /** Marks the known rows of `codes` as excluded (until {@link unmarkTo}). */
  private mark(codes: Iterable<string> | undefined): void {
    if (codes === undefined) return;
    for (const code of codes) {
      const row = this.itemIndex.get(code);
      if (row !== undefined) this.markRow(row);
    }
  }

  private markRow(row: number): void {
    if (this.excluded[row] === 1) return;
    this.excluded[row] = 1;
    this.markedRows[this.markedCount++] = row;
  }

  /** Clears the marks made since the count was `count`. */
  private unmarkTo(count: number): void {
    while (this.markedCount > count) this.excluded[this.markedRows[--this.markedCount]!] = 0;
  }

  /**
   * The allocation-free core of {@link topK}: writes the best item rows and
   * scores into the model's buffers and returns how many were found; read
   * them with {@link topResult} before the next call.
   */
  topKInto(query: ArrayLike<number>, k: number, metric: SimilarityMetric, exclude?: Iterable<string>): number {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`k must be a non-negative integer, got ${k}`);
    const d = this.dimensions;
    if (query.length !== d) throw new RangeError(`query has ${query.length} dimensions, the model ${d}`);
    // Copy the query once so the hot loop reads one array type (monomorphic).
    const q = this.queryBuffer;
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const value = (q[j] = query[j]!);
      sum += value * value;
    }
    // Cosine: dot products with the unit item vectors, divided by |query| only for the results.
    const cosine = metric === 'cosine';
    const queryNorm = Math.sqrt(sum);
    multiplyRows(cosine ? this.unitItemMatrix : this.wideItemMatrix, this.productCodes.length, d, q, undefined, this.scores);
    const marked = this.markedCount;
    let count: number;
    try {
      this.mark(exclude);
      count = this.selectTop(Math.min(k, this.productCodes.length));
    } finally {
      this.unmarkTo(marked);
    }
    if (cosine) for (let r = 0; r < count; r++) this.topScore[r] = queryNorm > 0 ? this.topScore[r]! / queryNorm : 0;
    return count;
  }

  /**
   * Partial selection: the best `limit` of {@link scores} that are not
   * excluded, into {@link topIndex}/{@link topScore}, descending; equal
   * scores keep the earlier product first. Returns how many were found.
   */
  private selectTop(limit: number): number {
    const all = this.scores;
    const excluded = this.excluded;
    const top = this.topIndex;
    const scores = this.topScore;
    let count = 0;
    for (let i = 0; i < all.length; i++) {
      if (excluded[i] === 1) continue;
      const score = all[i]!;
      if (count < limit) count++;
      else if (!(score > scores[count - 1]!)) continue;
      // Insert, keeping scores descending; equal scores keep the earlier product first.
      let at = count - 1;
      while (at > 0 && scores[at - 1]! < score) {
        scores[at] = scores[at - 1]!;
        top[at] = top[at - 1]!;
        at--;
      }
      scores[at] = score;
      top[at] = i;
    }
    return count;
  }

  /** The r-th result of the last {@link topKInto}: product row and score. */
  topResult(r: number): { readonly row: number; readonly score: number } {
    return { row: this.topIndex[r]!, score: this.topScore[r]! };
  }

  private compileUsers(): CompiledUsers {
    const d = this.dimensions;
    const entries = Object.entries(this.artifact.userEmbeddings);
    const index = new Map<string | number, number>();
    const matrix = new Float32Array(entries.length * d);
    const rows: Float32Array[] = [];
    for (let r = 0; r < entries.length; r++) {
      const [key, embedding] = entries[r]!;
      index.set(key, r);
      // Customer numbers are looked up as numbers on the per-event path: no string conversion there.
      if (String(Number(key)) === key) index.set(Number(key), r);
      for (let j = 0; j < d; j++) matrix[r * d + j] = embedding[j]!;
      rows.push(matrix.subarray(r * d, (r + 1) * d));
    }
    return { index, rows };
  }
}

/** The artifact's stored customer embeddings: row views, found by key (and by number for numeric keys). */
interface CompiledUsers {
  readonly index: Map<string | number, number>;
  readonly rows: readonly Float32Array[];
}

/** How many nearest items {@link CompiledModel.similarItems} keeps per product. */
export const NEIGHBOURS_CACHED = 32;

/**
 * `out[r] = initial[r] + Σ_j matrix[r·width + j] · vector[j]` for each of the
 * first `rows` rows of a row-major matrix (`initial` absent: 0). Each sum is
 * taken in j order, as the plain loop would, so results are identical to it;
 * eight rows go together because eight independent sums keep the CPU's
 * adders busy where a single sum waits on its previous addition.
 */
function multiplyRows(matrix: Float64Array, rows: number, width: number, vector: Float64Array, initial: Float64Array | undefined, out: Float64Array): void {
  let r = 0;
  for (; r + 8 <= rows; r += 8) {
    const base = r * width;
    let s0 = initial === undefined ? 0 : initial[r]!;
    let s1 = initial === undefined ? 0 : initial[r + 1]!;
    let s2 = initial === undefined ? 0 : initial[r + 2]!;
    let s3 = initial === undefined ? 0 : initial[r + 3]!;
    let s4 = initial === undefined ? 0 : initial[r + 4]!;
    let s5 = initial === undefined ? 0 : initial[r + 5]!;
    let s6 = initial === undefined ? 0 : initial[r + 6]!;
    let s7 = initial === undefined ? 0 : initial[r + 7]!;
    for (let j = 0; j < width; j++) {
      const v = vector[j]!;
      const at = base + j;
      s0 += matrix[at]! * v;
      s1 += matrix[at + width]! * v;
      s2 += matrix[at + 2 * width]! * v;
      s3 += matrix[at + 3 * width]! * v;
      s4 += matrix[at + 4 * width]! * v;
      s5 += matrix[at + 5 * width]! * v;
      s6 += matrix[at + 6 * width]! * v;
      s7 += matrix[at + 7 * width]! * v;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
    out[r + 4] = s4;
    out[r + 5] = s5;
    out[r + 6] = s6;
    out[r + 7] = s7;
  }
  for (; r < rows; r++) {
    let sum = initial === undefined ? 0 : initial[r]!;
    for (let j = 0, at = r * width; j < width; j++, at++) sum += matrix[at]! * vector[j]!;
    out[r] = sum;
  }
}

function dot(a: Float64Array, aOffset: number, b: Float64Array, bOffset: number, length: number): number {
  let sum = 0;
  for (let j = 0; j < length; j++) sum += a[aOffset + j]! * b[bOffset + j]!;
  return sum;
}

const compiled = new WeakMap<ModelArtifact, CompiledModel>();

/** The compiled form of an artifact, built once per artifact object. */
export function compileModel(artifact: ModelArtifact): CompiledModel {
  let model = compiled.get(artifact);
  if (model === undefined) {
    model = new CompiledModel(artifact);
    compiled.set(artifact, model);
  }
  return model;
}

/**
 * A customer's embedding from city, country and credit limit, through the
 * artifact's user tower (for customers without a stored embedding).
 *
 * ```ts
 * const v = embedUser(artifact, { city: 'Lyon', country: 'France', creditLimit: 68_000 }); // Float32Array(32)
 * ```
 */
export function embedUser(artifact: ModelArtifact, features: UserFeatures, out?: Float32Array): Float32Array {
  return compileModel(artifact).embedUser(features, out);
}

/** The `k` best products for a query embedding (cosine by default), never an excluded one. */
export function topKItems(artifact: ModelArtifact, query: ArrayLike<number>, k: number, options?: TopKOptions): ScoredItem[] {
  return compileModel(artifact).topK(query, k, options);
}

/** Every product's score for a query, in artifact product order (cosine by default). */
export function scoreItems(artifact: ModelArtifact, query: ArrayLike<number>, metric: SimilarityMetric = 'cosine'): Float64Array {
  const model = compileModel(artifact);
  const d = model.dimensions;
  if (query.length !== d) throw new RangeError(`query has ${query.length} dimensions, the model ${d}`);
  let queryNorm = 0;
  for (let j = 0; j < d; j++) queryNorm += query[j]! * query[j]!;
  queryNorm = Math.sqrt(queryNorm);
  const scores = new Float64Array(model.size);
  for (let i = 0; i < model.size; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) dot += query[j]! * model.itemMatrix[i * d + j]!;
    if (metric === 'cosine') {
      const denominator = queryNorm * model.itemNorms[i]!;
      scores[i] = denominator > 0 ? dot / denominator : 0;
    } else {
      scores[i] = dot;
    }
  }
  return scores;
}

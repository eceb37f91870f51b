/**
 * The trainer of the two-tower recommender.
 *
 * ```
 * user  = userTower(one-hot city ⊕ one-hot country ⊕ creditLimit) + p[customer]
 * item  = itemTower(one-hot line ⊕ one-hot scale ⊕ stock, buyPrice, MSRP) + q[product]
 * rating ≈ dot(user, item) · ratingScale + ratingBias          (ratingScale = 1, ratingBias learned)
 * ```
 * Each tower is a sparse input layer → ReLU hidden layer(s) → linear
 * embedding (towers.ts, dense work on ml-matrix). `p` and `q` are free
 * per-id vectors (initialised at 0, L2-regularised) that refine the
 * embeddings of customers and products seen in training; a new customer
 * gets the tower's embedding alone. Mini-batch AdamW on mean squared error
 * with a cosine-decayed learning rate; batches are groups of customers (all
 * their ratings), so each customer's tower runs once per epoch, and the item
 * side is embedded and updated once per few batches (a batch touches most of
 * a small catalog). With validation rows, training stops early and keeps the
 * best epoch (trainAndEvaluate sets 10% of each customer's training ratings
 * aside for this). Everything random — initialisation, batch
 * order, the train/test split — comes from the seed, and customers and
 * products are indexed in sorted order, so the same rows and seed give the
 * same artifact whatever the row order.
 *
 * ```ts
 * const { train, test } = splitRatings(rows, { seed: 7 });
 * const { artifact } = trainModel(train, { seed: 7 });
 * const report = evaluateModel(artifact, train, test);
 * // or in one go: const { artifact, report } = trainAndEvaluate(rows, { seed: 7 });
 * ```
 */
import { createHash } from 'node:crypto';
import { Matrix } from 'ml-matrix';
import type { DenseLayer, EvaluationReport, ModelArtifact } from './artifact.js';
import { MODEL_FORMAT_VERSION } from './artifact.js';
import { FeatureEncoder, fitFeatureSpace, ITEM_SLOTS, USER_SLOTS, type FeatureSpace, type ItemFeatures } from './features.js';
import { SeededRandom } from './random.js';
import { adamVector, DEFAULT_ADAM, Tower, type AdamState, type SparseRows, type TowerSnapshot } from './towers.js';
import { evaluateModel, type EvaluateOptions } from './evaluate.js';
import type { TrainingRow } from '../retail/rows.js';

/** Embedding width written into the artifact. */
export const DEFAULT_DIMENSIONS = 32;
/** Hidden ReLU layer widths of each tower. */
export const DEFAULT_HIDDEN_UNITS: readonly number[] = [64];
/**
 * Without an `epochs` option the trainer runs about this many optimiser
 * steps, as whole epochs between {@link MIN_DEFAULT_EPOCHS} and
 * {@link MAX_DEFAULT_EPOCHS}: the shared towers need a number of steps,
 * while more passes over each customer's few ratings overfit their vectors.
 */
export const DEFAULT_TARGET_STEPS = 1000;
export const MIN_DEFAULT_EPOCHS = 4;
export const MAX_DEFAULT_EPOCHS = 40;
/** With validation rows, training stops after this many epochs without a better validation RMSE (and keeps the best). */
export const DEFAULT_PATIENCE = 2;
/** Ratings per mini-batch (batches are whole customers, so this is a target). */
export const DEFAULT_BATCH_SIZE = 512;
/** See {@link TrainOptions.itemUpdateEvery}. */
export const DEFAULT_ITEM_UPDATE_EVERY = 4;
export const DEFAULT_LEARNING_RATE = 0.005;
/** The learning rate decays (cosine) to this fraction of its start by the last epoch. */
export const DEFAULT_FINAL_LEARNING_RATE_FRACTION = 0.1;
/** Decoupled (AdamW) weight decay on the towers' weights. */
export const DEFAULT_WEIGHT_DECAY = 1e-4;
/** L2 weight on the free per-id vectors, per rating they take part in. */
export const DEFAULT_ID_REGULARIZATION = 0.05;
export const DEFAULT_SEED = 42;
/** Artifact weights and embeddings are rounded to this many decimals (keeps model.json compact). */
export const ARTIFACT_DECIMALS = 6;

/** A product the artifact should embed even if no training row rates it. */
export type CatalogProduct = ItemFeatures & { readonly productCode: string; readonly productLine: string; readonly productScale: string };

/** Options of {@link trainModel}. */
export interface TrainOptions {
  /** Seeds initialisation and batch order (default {@link DEFAULT_SEED}). */
  readonly seed?: number;
  readonly dimensions?: number;
  readonly hiddenUnits?: readonly number[];
  /** Maximum epochs (default: about {@link DEFAULT_TARGET_STEPS} steps' worth). */
  readonly epochs?: number;
  readonly batchSize?: number;
  /**
   * The item side (tower and free vectors) is embedded once per this many
   * batches and updated after them, with their mean gradient (default
   * {@link DEFAULT_ITEM_UPDATE_EVERY}; 1 = a plain mini-batch step). A batch
   * touches most of a small catalog, so this divides the item tower's cost.
   */
  readonly itemUpdateEvery?: number;
  readonly learningRate?: number;
  /** Cosine decay of the learning rate over the epochs down to this fraction of it (default {@link DEFAULT_FINAL_LEARNING_RATE_FRACTION}; 1 = constant). */
  readonly finalLearningRateFraction?: number;
  readonly weightDecay?: number;
  /** Learn free per-customer / per-product vectors added to the towers' output (default: both). */
  readonly idEmbeddings?: boolean | { readonly users: boolean; readonly items: boolean };
  readonly idRegularization?: number;
  /** More products to embed (by their features) besides those in the rows. */
  readonly catalog?: readonly CatalogProduct[];
  /**
   * Held-out rows scored after each epoch (a forward pass): training stops
   * early when `patience` epochs bring no better RMSE on them, and the
   * artifact holds the best epoch's weights.
   */
  readonly validation?: readonly TrainingRow[];
  /** Default {@link DEFAULT_PATIENCE}. */
  readonly patience?: number;
  /** Called after each epoch. */
  readonly onEpoch?: (stats: EpochStats) => void;
  /** The clock for `createdAt` and the version (default: the system clock). */
  readonly now?: () => Date;
}

/** What one epoch did. */
export interface EpochStats {
  readonly epoch: number;
  /** Mean squared error over the epoch's batches (measured before each update). */
  readonly trainMse: number;
  readonly validationRmse?: number;
  readonly seconds: number;
}

/** What {@link trainModel} returns. */
export interface TrainResult {
  readonly artifact: ModelArtifact;
  readonly history: readonly EpochStats[];
  /** Epochs run. */
  readonly epochs: number;
  /** The epoch whose weights the artifact holds (the last one without validation rows). */
  readonly bestEpoch: number;
  readonly trainingSeconds: number;
}

interface Resolved {
  readonly seed: number;
  readonly dimensions: number;
  readonly hiddenUnits: readonly number[];
  readonly epochs: number | undefined;
  readonly patience: number;
  readonly batchSize: number;
  readonly itemUpdateEvery: number;
  readonly learningRate: number;
  readonly finalLearningRateFraction: number;
  readonly weightDecay: number;
  readonly userIds: boolean;
  readonly itemIds: boolean;
  readonly idRegularization: number;
}

/**
 * Trains the model on the rows (all of them: split first with
 * {@link splitRatings} to keep a test set) and returns the artifact.
 * Throws a RangeError for no rows, a rating outside 1–5 or a bad option.
 */
export function trainModel(rows: readonly TrainingRow[], options: TrainOptions = {}): TrainResult {
  const started = performance.now();
  const settings = resolve(options);
  if (rows.length === 0) throw new RangeError('trainModel needs at least one training row');
  const space = fitFeatureSpace(rows);
  const encoder = new FeatureEncoder(space);
  const data = index(rows, encoder, options.catalog ?? []);
  const random = new SeededRandom(settings.seed);
  const d = settings.dimensions;
  const userTower = Tower.create({ inputs: encoder.userWidth, slots: USER_SLOTS, hidden: settings.hiddenUnits, outputs: d }, random);
  const itemTower = Tower.create({ inputs: encoder.itemWidth, slots: ITEM_SLOTS, hidden: settings.hiddenUnits, outputs: d }, random);
  const userIds = new FreeVectors(data.users.length, d, settings.userIds);
  const itemIds = new FreeVectors(data.items.length, d, settings.itemIds);
  // The user side (with the bias) and the item side step at different rates, so each counts its own steps.
  const userAdam: AdamState = { ...DEFAULT_ADAM, learningRate: settings.learningRate, weightDecay: settings.weightDecay, step: 0 };
  const itemAdam: AdamState = { ...userAdam };
  const bias = Float64Array.of(data.mean);
  const biasGrad = new Float64Array(1);
  const biasM = new Float64Array(1);
  const biasV = new Float64Array(1);
  const validation = options.validation === undefined ? undefined : indexValidation(options.validation, data, encoder);

  const epochs =
    settings.epochs ??
    Math.min(MAX_DEFAULT_EPOCHS, Math.max(MIN_DEFAULT_EPOCHS, Math.round(DEFAULT_TARGET_STEPS / Math.ceil(data.ratings.length / settings.batchSize))));
  const userOrder = Int32Array.from({ length: data.users.length }, (_, i) => i);
  const itemLocal = new Int32Array(data.items.length).fill(-1);
  const history: EpochStats[] = [];
  let best: { epoch: number; rmse: number; saved: Snapshot | undefined } = { epoch: 0, rmse: Infinity, saved: undefined };
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const epochStart = performance.now();
    const progress = epochs === 1 ? 0 : (epoch - 1) / (epochs - 1);
    const floor = settings.finalLearningRateFraction;
    userAdam.learningRate = itemAdam.learningRate = settings.learningRate * (floor + ((1 - floor) * (1 + Math.cos(Math.PI * progress))) / 2);
    random.shuffle(userOrder);
    let squared = 0;
    let next = 0;
    while (next < userOrder.length) {
      const batches: Batch[] = [];
      while (next < userOrder.length && batches.length < settings.itemUpdateEvery) {
        // A batch: whole customers until it holds about batchSize ratings.
        const users: number[] = [];
        let ratings = 0;
        while (next < userOrder.length && ratings < settings.batchSize) {
          const u = userOrder[next++]!;
          users.push(u);
          ratings += data.userStart[u + 1]! - data.userStart[u]!;
        }
        batches.push({ users, ratings });
      }
      squared += trainBlock(batches);
    }
    const stats: EpochStats = {
      epoch,
      trainMse: squared / data.ratings.length,
      ...(validation === undefined ? {} : { validationRmse: validationRmse(validation) }),
      seconds: (performance.now() - epochStart) / 1000,
    };
    history.push(stats);
    options.onEpoch?.(stats);
    if (stats.validationRmse === undefined) {
      best = { epoch, rmse: NaN, saved: undefined };
    } else if (stats.validationRmse < best.rmse) {
      best = { epoch, rmse: stats.validationRmse, saved: epoch === epochs ? undefined : snapshot() };
    } else if (epoch - best.epoch >= settings.patience) {
      break;
    }
  }
  // The last epoch's weights are current; an earlier best one was saved.
  if (best.saved !== undefined && best.epoch !== history.length) restore(best.saved);

  function snapshot(): Snapshot {
    return { user: userTower.snapshot(), item: itemTower.snapshot(), userIds: userIds.values.slice(), itemIds: itemIds.values.slice(), bias: bias[0]! };
  }

  function restore(saved: Snapshot): void {
    userTower.restore(saved.user);
    itemTower.restore(saved.item);
    userIds.values.set(saved.userIds);
    itemIds.values.set(saved.itemIds);
    bias[0] = saved.bias;
  }

  /**
   * One block: the item side is embedded once for the block's batches and
   * updated once after them (with their mean gradient); the user side and the
   * bias take an AdamW step per batch. Returns the summed squared error.
   */
  function trainBlock(batches: readonly Batch[]): number {
    const items: number[] = [];
    let blockRatings = 0;
    for (const batch of batches) {
      blockRatings += batch.ratings;
      for (const u of batch.users) {
        for (let r = data.userStart[u]!; r < data.userStart[u + 1]!; r++) {
          const i = data.ratingItem[r]!;
          if (itemLocal[i] === -1) {
            itemLocal[i] = items.length;
            items.push(i);
          }
        }
      }
    }
    const itemInput = gatherRows(data.itemSlots, items);
    const itemPass = itemTower.forward(itemInput);
    const V = combine(itemPass.output, itemIds, items);
    const gradV = new Float64Array(V.length);
    const itemRatings = new Float64Array(items.length);
    const itemScale = 2 / blockRatings;
    let squared = 0;
    for (const { users, ratings } of batches) {
      const userInput = gatherRows(data.userSlots, users);
      const userPass = userTower.forward(userInput);
      const U = combine(userPass.output, userIds, users);
      const gradU = new Float64Array(U.length);
      const scale = 2 / ratings;
      let biasGradient = 0;
      for (let b = 0; b < users.length; b++) {
        const u = users[b]!;
        const uo = b * d;
        for (let r = data.userStart[u]!; r < data.userStart[u + 1]!; r++) {
          const local = itemLocal[data.ratingItem[r]!]!;
          const vo = local * d;
          let prediction = bias[0]!;
          for (let j = 0; j < d; j++) prediction += U[uo + j]! * V[vo + j]!;
          const error = prediction - data.ratings[r]!;
          squared += error * error;
          const g = scale * error;
          const gi = itemScale * error;
          biasGradient += g;
          itemRatings[local] = itemRatings[local]! + 1;
          for (let j = 0; j < d; j++) {
            gradU[uo + j] = gradU[uo + j]! + g * V[vo + j]!;
            gradV[vo + j] = gradV[vo + j]! + gi * U[uo + j]!;
          }
        }
      }
      userAdam.step++;
      userTower.backward(userPass, userInput, toMatrix(gradU, users.length, d));
      userTower.step(userAdam);
      biasGrad[0] = biasGradient;
      adamVector(bias, biasGrad, biasM, biasV, userAdam);
      // Free vectors get the tower output's gradient plus L2 per rating taken part in.
      const reg = settings.idRegularization * scale;
      userIds.update(users, gradU, (b) => reg * (data.userStart[users[b]! + 1]! - data.userStart[users[b]!]!), userAdam);
    }
    itemAdam.step++;
    itemTower.backward(itemPass, itemInput, toMatrix(gradV, items.length, d));
    itemTower.step(itemAdam);
    const itemReg = settings.idRegularization * itemScale;
    itemIds.update(items, gradV, (b) => itemReg * itemRatings[b]!, itemAdam);
    for (const i of items) itemLocal[i] = -1;
    return squared;
  }

  /** Final embeddings of every row of `slots`: tower output plus the free vector `freeIds[k]` (-1: none). */
  function embedAll(tower: Tower, slots: SparseRows, ids: FreeVectors, freeIds: readonly number[]): Float64Array {
    const count = slots.rows;
    const out = new Float64Array(count * d);
    const chunk = 4096;
    for (let start = 0; start < count; start += chunk) {
      const rowsOfChunk = Array.from({ length: Math.min(chunk, count - start) }, (_, k) => start + k);
      const output = tower.forward(gatherRows(slots, rowsOfChunk)).output;
      out.set(combine(output, ids, freeIds.slice(start, start + rowsOfChunk.length)), start * d);
    }
    return out;
  }

  function validationRmse(set: IndexedValidation): number {
    const users = embedAll(userTower, set.userSlots, userIds, set.userIds);
    const items = embedAll(itemTower, set.itemSlots, itemIds, set.itemIds);
    let squared = 0;
    for (let r = 0; r < set.ratings.length; r++) {
      const uo = set.ratingUser[r]! * d;
      const vo = set.ratingItem[r]! * d;
      let prediction = bias[0]!;
      for (let j = 0; j < d; j++) prediction += users[uo + j]! * items[vo + j]!;
      const error = Math.min(5, Math.max(1, prediction)) - set.ratings[r]!;
      squared += error * error;
    }
    return Math.sqrt(squared / Math.max(1, set.ratings.length));
  }

  const round = roundTo(ARTIFACT_DECIMALS);
  const userMatrix = embedAll(userTower, data.userSlots, userIds, data.users.map((_, u) => u));
  const itemMatrix = embedAll(itemTower, data.itemSlots, itemIds, data.items.map((_, i) => i));
  const userEmbeddings: Record<string, number[]> = {};
  data.users.forEach((customer, u) => {
    userEmbeddings[String(customer)] = Array.from(userMatrix.subarray(u * d, (u + 1) * d), round);
  });
  const itemEmbeddings: Record<string, number[]> = {};
  data.items.forEach((product, i) => {
    itemEmbeddings[product.productCode] = Array.from(itemMatrix.subarray(i * d, (i + 1) * d), round);
  });
  const popular = data.items
    .map((product, i) => ({ code: product.productCode, count: data.itemCounts[i]! }))
    .sort((a, b) => b.count - a.count || compare(a.code, b.code))
    .map((p) => p.code);
  const userLayers = userTower.toDenseLayers(round);
  const itemLayers = itemTower.toDenseLayers(round);
  const ratingBias = round(bias[0]!);
  const createdAt = (options.now?.() ?? new Date()).toISOString();
  const artifact: ModelArtifact = {
    formatVersion: MODEL_FORMAT_VERSION,
    version: modelVersion(createdAt, fingerprint(space, userLayers, itemLayers, userMatrix, itemMatrix, ratingBias)),
    createdAt,
    dimensions: d,
    vocabularies: space.vocabularies,
    scalers: space.scalers,
    userTower: userLayers,
    itemTower: itemLayers,
    userEmbeddings,
    itemEmbeddings,
    products: data.items.map((p) => ({ productCode: p.productCode, productLine: p.productLine, productScale: p.productScale })),
    popularProducts: popular,
    ratingScale: 1,
    ratingBias,
  };
  return { artifact, history, epochs: history.length, bestEpoch: best.epoch, trainingSeconds: (performance.now() - started) / 1000 };
}

/** Options of {@link splitRatings}. */
export interface SplitOptions {
  /** Seeds which ratings are held out (default {@link DEFAULT_SEED}). */
  readonly seed?: number;
  /** Share of each customer's ratings held out (default 0.2; at least one, never all). */
  readonly testFraction?: number;
  /** Customers with fewer ratings keep them all in training (default 3). */
  readonly minRatings?: number;
}

/**
 * Holds out ratings per customer: for each customer with at least
 * `minRatings` ratings, a seeded random `testFraction` of them (at least one,
 * never all). Independent of row order. Test rows come out in the seeded
 * order, which the hit-rate evaluation uses to break rating ties.
 */
export function splitRatings(rows: readonly TrainingRow[], options: SplitOptions = {}): { train: TrainingRow[]; test: TrainingRow[] } {
  const testFraction = options.testFraction ?? 0.2;
  const minRatings = options.minRatings ?? 3;
  if (!(testFraction >= 0 && testFraction < 1)) throw new RangeError(`testFraction must be in [0, 1), got ${testFraction}`);
  if (!Number.isInteger(minRatings) || minRatings < 2) throw new RangeError(`minRatings must be an integer ≥ 2, got ${minRatings}`);
  const random = new SeededRandom(options.seed ?? DEFAULT_SEED);
  const byUser = new Map<number, TrainingRow[]>();
  for (const row of rows) {
    let list = byUser.get(row.customerNumber);
    if (list === undefined) byUser.set(row.customerNumber, (list = []));
    list.push(row);
  }
  const train: TrainingRow[] = [];
  const test: TrainingRow[] = [];
  for (const customer of [...byUser.keys()].sort((a, b) => a - b)) {
    const list = byUser.get(customer)!.sort((a, b) => compare(a.productCode, b.productCode) || a.productRating - b.productRating);
    if (list.length < minRatings || testFraction === 0) {
      train.push(...list);
      continue;
    }
    random.shuffle(list);
    const held = Math.min(list.length - 1, Math.max(1, Math.round(testFraction * list.length)));
    test.push(...list.slice(0, held));
    train.push(...list.slice(held));
  }
  return { train, test };
}

/** What {@link trainAndEvaluate} returns. */
export interface TrainAndEvaluateResult extends TrainResult {
  readonly report: EvaluationReport;
  readonly train: readonly TrainingRow[];
  readonly test: readonly TrainingRow[];
}

/** Options of {@link trainAndEvaluate}. */
export interface TrainAndEvaluateOptions extends TrainOptions, SplitOptions, Pick<EvaluateOptions, 'k' | 'metric'> {
  /**
   * Share of each customer's training ratings set aside for early stopping
   * (default {@link DEFAULT_VALIDATION_FRACTION}; 0 trains on all of them for
   * the full epochs). Ignored when `validation` is given.
   */
  readonly validationFraction?: number;
}

/** See {@link TrainAndEvaluateOptions.validationFraction}. */
export const DEFAULT_VALIDATION_FRACTION = 0.1;

/**
 * Splits (seeded) into training and test ratings, sets a validation share of
 * the training ratings aside for early stopping, trains with every product of
 * the rows in the catalog, and evaluates on the test ratings (the popularity
 * baseline and the already-rated products come from all training ratings).
 */
export function trainAndEvaluate(rows: readonly TrainingRow[], options: TrainAndEvaluateOptions = {}): TrainAndEvaluateResult {
  const { train, test } = splitRatings(rows, options);
  const catalog = new Map<string, CatalogProduct>();
  for (const row of rows) if (!catalog.has(row.productCode)) catalog.set(row.productCode, row);
  const validationFraction = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  let fit: readonly TrainingRow[] = train;
  let validation = options.validation;
  if (validation === undefined && validationFraction > 0) {
    const inner = splitRatings(train, { seed: (options.seed ?? DEFAULT_SEED) + 1, testFraction: validationFraction, minRatings: 4 });
    fit = inner.train;
    validation = inner.test;
  }
  const result = trainModel(fit, {
    ...options,
    ...(validation === undefined ? {} : { validation }),
    catalog: [...(options.catalog ?? []), ...catalog.values()],
  });
  const report = evaluateModel(result.artifact, train, test, {
    epochs: result.bestEpoch,
    trainingSeconds: result.trainingSeconds,
    ...(options.k === undefined ? {} : { k: options.k }),
    ...(options.metric === undefined ? {} : { metric: options.metric }),
  });
  return { ...result, report, train, test };
}

/** `2026-11-23T22:00:00.123Z` + fingerprint → `2026-11-23T22-00-00Z-3f2a` (sortable, safe in S3 keys). */
export function modelVersion(createdAt: string, fingerprint: string): string {
  return `${createdAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-')}-${fingerprint.slice(0, 4)}`;
}

// ---------------------------------------------------------------------------

interface Batch {
  /** User indices. */
  readonly users: readonly number[];
  /** Their ratings in total. */
  readonly ratings: number;
}

interface Snapshot {
  readonly user: TowerSnapshot;
  readonly item: TowerSnapshot;
  readonly userIds: Float64Array;
  readonly itemIds: Float64Array;
  readonly bias: number;
}

interface IndexedData {
  /** Customer numbers, sorted; position = user index. */
  readonly users: number[];
  /** Products, sorted by code; position = item index. */
  readonly items: CatalogProduct[];
  readonly itemCounts: Int32Array;
  readonly userSlots: SparseRows;
  readonly itemSlots: SparseRows;
  /** Ratings grouped by user: user u's ratings are [userStart[u], userStart[u+1]). */
  readonly userStart: Int32Array;
  readonly ratingItem: Int32Array;
  readonly ratings: Float64Array;
  readonly mean: number;
}

function index(rows: readonly TrainingRow[], encoder: FeatureEncoder, catalog: readonly CatalogProduct[]): IndexedData {
  const customerRow = new Map<number, TrainingRow>();
  const productRow = new Map<string, CatalogProduct>();
  let sum = 0;
  for (const row of rows) {
    if (!(row.productRating >= 1 && row.productRating <= 5)) {
      throw new RangeError(`productRating must be 1–5, got ${row.productRating} (customer ${row.customerNumber}, product ${row.productCode})`);
    }
    sum += row.productRating;
    if (!customerRow.has(row.customerNumber)) customerRow.set(row.customerNumber, row);
    if (!productRow.has(row.productCode)) productRow.set(row.productCode, row);
  }
  for (const product of catalog) if (!productRow.has(product.productCode)) productRow.set(product.productCode, product);
  const users = [...customerRow.keys()].sort((a, b) => a - b);
  const items = [...productRow.values()].sort((a, b) => compare(a.productCode, b.productCode));
  const userIndex = new Map(users.map((c, u) => [c, u]));
  const itemIndex = new Map(items.map((p, i) => [p.productCode, i]));
  const userSlots: SparseRows = { rows: users.length, slots: USER_SLOTS, indices: new Int32Array(users.length * USER_SLOTS), values: new Float64Array(users.length * USER_SLOTS) };
  users.forEach((c, u) => encoder.userSlots(customerRow.get(c)!, userSlots.indices, userSlots.values, u * USER_SLOTS));
  const itemSlots: SparseRows = { rows: items.length, slots: ITEM_SLOTS, indices: new Int32Array(items.length * ITEM_SLOTS), values: new Float64Array(items.length * ITEM_SLOTS) };
  items.forEach((p, i) => encoder.itemSlots(p, itemSlots.indices, itemSlots.values, i * ITEM_SLOTS));

  // Group ratings by user (counting sort), each user's ratings in item order.
  const userStart = new Int32Array(users.length + 1);
  const rowUser = new Int32Array(rows.length);
  const rowItem = new Int32Array(rows.length);
  rows.forEach((row, r) => {
    rowUser[r] = userIndex.get(row.customerNumber)!;
    rowItem[r] = itemIndex.get(row.productCode)!;
    userStart[rowUser[r]! + 1]! += 1;
  });
  for (let u = 0; u < users.length; u++) userStart[u + 1] = userStart[u + 1]! + userStart[u]!;
  const order = Array.from({ length: rows.length }, (_, r) => r).sort(
    (a, b) => rowUser[a]! - rowUser[b]! || rowItem[a]! - rowItem[b]! || rows[a]!.productRating - rows[b]!.productRating,
  );
  const ratingItem = new Int32Array(rows.length);
  const ratings = new Float64Array(rows.length);
  const itemCounts = new Int32Array(items.length);
  order.forEach((r, k) => {
    ratingItem[k] = rowItem[r]!;
    ratings[k] = rows[r]!.productRating;
    itemCounts[rowItem[r]!]! += 1;
  });
  return { users, items, itemCounts, userSlots, itemSlots, userStart, ratingItem, ratings, mean: sum / rows.length };
}

interface IndexedValidation {
  readonly userIds: number[];
  readonly itemIds: number[];
  readonly userSlots: SparseRows;
  readonly itemSlots: SparseRows;
  readonly ratingUser: Int32Array;
  readonly ratingItem: Int32Array;
  readonly ratings: Float64Array;
}

/** Validation rows against the training index: known ids keep their free vectors, new ones get the towers alone. */
function indexValidation(rows: readonly TrainingRow[], data: IndexedData, encoder: FeatureEncoder): IndexedValidation {
  const trainUser = new Map(data.users.map((c, u) => [c, u]));
  const trainItem = new Map(data.items.map((p, i) => [p.productCode, i]));
  const userLocal = new Map<number, number>();
  const itemLocal = new Map<string, number>();
  const userRows: TrainingRow[] = [];
  const itemRows: TrainingRow[] = [];
  const ratingUser = new Int32Array(rows.length);
  const ratingItem = new Int32Array(rows.length);
  const ratings = new Float64Array(rows.length);
  rows.forEach((row, r) => {
    let u = userLocal.get(row.customerNumber);
    if (u === undefined) userLocal.set(row.customerNumber, (u = userRows.push(row) - 1));
    let i = itemLocal.get(row.productCode);
    if (i === undefined) itemLocal.set(row.productCode, (i = itemRows.push(row) - 1));
    ratingUser[r] = u;
    ratingItem[r] = i;
    ratings[r] = row.productRating;
  });
  const userSlots: SparseRows = { rows: userRows.length, slots: USER_SLOTS, indices: new Int32Array(userRows.length * USER_SLOTS), values: new Float64Array(userRows.length * USER_SLOTS) };
  userRows.forEach((row, u) => encoder.userSlots(row, userSlots.indices, userSlots.values, u * USER_SLOTS));
  const itemSlots: SparseRows = { rows: itemRows.length, slots: ITEM_SLOTS, indices: new Int32Array(itemRows.length * ITEM_SLOTS), values: new Float64Array(itemRows.length * ITEM_SLOTS) };
  itemRows.forEach((row, i) => encoder.itemSlots(row, itemSlots.indices, itemSlots.values, i * ITEM_SLOTS));
  return {
    // Free-vector rows of the training index (-1: none).
    userIds: userRows.map((row) => trainUser.get(row.customerNumber) ?? -1),
    itemIds: itemRows.map((row) => trainItem.get(row.productCode) ?? -1),
    userSlots,
    itemSlots,
    ratingUser,
    ratingItem,
    ratings,
  };
}

/**
 * Free per-id vectors with lazy AdamW (only the rows in a batch move).
 * Disabled vectors stay at 0.
 */
class FreeVectors {
  readonly values: Float64Array;
  private readonly m: Float64Array;
  private readonly v: Float64Array;

  constructor(
    count: number,
    private readonly d: number,
    readonly enabled: boolean,
  ) {
    const size = enabled ? count * d : 0;
    this.values = new Float64Array(size);
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** Adds row `ids[b]` to row b of `out` (ids of -1 add nothing). */
  addTo(out: Float64Array, ids: readonly number[]): void {
    if (!this.enabled) return;
    const d = this.d;
    for (let b = 0; b < ids.length; b++) {
      const id = ids[b]!;
      if (id < 0) continue;
      for (let j = 0; j < d; j++) out[b * d + j] = out[b * d + j]! + this.values[id * d + j]!;
    }
  }

  /** One lazy AdamW step: row b of `grad` plus `l2(b)` · the vector, for id `ids[b]`. */
  update(ids: readonly number[], grad: Float64Array, l2: (b: number) => number, adam: AdamState): void {
    if (!this.enabled) return;
    const d = this.d;
    const c1 = 1 - adam.beta1 ** adam.step;
    const c2 = 1 - adam.beta2 ** adam.step;
    for (let b = 0; b < ids.length; b++) {
      const base = ids[b]! * d;
      const lambda = l2(b);
      for (let j = 0; j < d; j++) {
        const k = base + j;
        const g = grad[b * d + j]! + lambda * this.values[k]!;
        const m = (this.m[k] = adam.beta1 * this.m[k]! + (1 - adam.beta1) * g);
        const v = (this.v[k] = adam.beta2 * this.v[k]! + (1 - adam.beta2) * g * g);
        this.values[k] = this.values[k]! - (adam.learningRate * (m / c1)) / (Math.sqrt(v / c2) + adam.epsilon);
      }
    }
  }
}

/** The tower output plus the free vectors, flattened row-major. */
function combine(output: Matrix, ids: FreeVectors, members: readonly number[]): Float64Array {
  const d = output.columns;
  const out = new Float64Array(output.rows * d);
  for (let b = 0; b < output.rows; b++) for (let j = 0; j < d; j++) out[b * d + j] = output.get(b, j);
  ids.addTo(out, members);
  return out;
}

function gatherRows(source: SparseRows, members: readonly number[]): SparseRows {
  const slots = source.slots;
  const indices = new Int32Array(members.length * slots);
  const values = new Float64Array(members.length * slots);
  for (let b = 0; b < members.length; b++) {
    const from = members[b]! * slots;
    for (let s = 0; s < slots; s++) {
      indices[b * slots + s] = source.indices[from + s]!;
      values[b * slots + s] = source.values[from + s]!;
    }
  }
  return { rows: members.length, slots, indices, values };
}

function toMatrix(flat: Float64Array, rows: number, columns: number): Matrix {
  const m = new Matrix(rows, columns);
  for (let i = 0; i < rows; i++) for (let j = 0; j < columns; j++) m.set(i, j, flat[i * columns + j]!);
  return m;
}

function resolve(options: TrainOptions): Resolved {
  const ids = options.idEmbeddings ?? true;
  const settings: Resolved = {
    seed: options.seed ?? DEFAULT_SEED,
    dimensions: options.dimensions ?? DEFAULT_DIMENSIONS,
    hiddenUnits: options.hiddenUnits ?? DEFAULT_HIDDEN_UNITS,
    epochs: options.epochs,
    patience: options.patience ?? DEFAULT_PATIENCE,
    batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE,
    itemUpdateEvery: options.itemUpdateEvery ?? DEFAULT_ITEM_UPDATE_EVERY,
    learningRate: options.learningRate ?? DEFAULT_LEARNING_RATE,
    finalLearningRateFraction: options.finalLearningRateFraction ?? DEFAULT_FINAL_LEARNING_RATE_FRACTION,
    weightDecay: options.weightDecay ?? DEFAULT_WEIGHT_DECAY,
    userIds: typeof ids === 'boolean' ? ids : ids.users,
    itemIds: typeof ids === 'boolean' ? ids : ids.items,
    idRegularization: options.idRegularization ?? DEFAULT_ID_REGULARIZATION,
  };
  const positiveIntegers = ['dimensions', 'epochs', 'batchSize', 'itemUpdateEvery', 'patience'] as const;
  for (const name of positiveIntegers) {
    const value = settings[name];
    if (value === undefined && name === 'epochs') continue;
    if (!Number.isInteger(value) || (value as number) < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(settings.seed)) throw new RangeError(`seed must be an integer, got ${settings.seed}`);
  if (settings.hiddenUnits.length === 0 || settings.hiddenUnits.some((h) => !Number.isInteger(h) || h < 1)) {
    throw new RangeError(`hiddenUnits must be one or more positive integers, got [${settings.hiddenUnits.join(', ')}]`);
  }
  if (!(settings.learningRate > 0)) throw new RangeError(`learningRate must be positive, got ${settings.learningRate}`);
  if (!(settings.finalLearningRateFraction > 0 && settings.finalLearningRateFraction <= 1)) {
    throw new RangeError(`finalLearningRateFraction must be in (0, 1], got ${settings.finalLearningRateFraction}`);
  }
  if (!(settings.weightDecay >= 0)) throw new RangeError(`weightDecay must be ≥ 0, got ${settings.weightDecay}`);
  if (!(settings.idRegularization >= 0)) throw new RangeError(`idRegularization must be ≥ 0, got ${settings.idRegularization}`);
  return settings;
}

function roundTo(decimals: number): (value: number) => number {
  const factor = 10 ** decimals;
  return (value) => {
    const rounded = Math.round(value * factor) / factor;
    return rounded === 0 ? 0 : rounded; // no -0 in the JSON
  };
}

function fingerprint(
  space: FeatureSpace,
  userLayers: readonly DenseLayer[],
  itemLayers: readonly DenseLayer[],
  users: Float64Array,
  items: Float64Array,
  ratingBias: number,
): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ space, userLayers, itemLayers, ratingBias }));
  hash.update(new Uint8Array(users.buffer, users.byteOffset, users.byteLength));
  hash.update(new Uint8Array(items.buffer, items.byteOffset, items.byteLength));
  return hash.digest('hex');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

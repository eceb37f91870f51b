/**
 * A trainable tower of the two-tower model: a sparse input layer (the
 * encoded features have a few non-zero slots, so the first layer gathers the
 * weight rows of those slots instead of multiplying a mostly-zero matrix),
 * then dense layers on ml-matrix, ReLU between them and a linear output.
 * Forward and backward passes run over a batch of entities; the optimiser is
 * AdamW. Exported as plain {@link DenseLayer}s for the artifact.
 *
 * ```ts
 * const tower = Tower.create({ inputs: 40, slots: 3, hidden: [64], outputs: 32 }, new SeededRandom(1));
 * const pass = tower.forward(batch);          // pass.output: n × 32
 * tower.backward(pass, batch, gradOfOutput);  // accumulates gradients
 * tower.step(adam);                           // updates and clears them
 * ```
 */
import { Matrix } from 'ml-matrix';
import type { DenseLayer } from './artifact.js';
import type { SeededRandom } from './random.js';

/** The shape of a tower. */
export interface TowerLayout {
  /** Width of the dense input vector. */
  readonly inputs: number;
  /** Non-zero slots per input row (see features.ts). */
  readonly slots: number;
  /** Widths of the hidden ReLU layers (at least one). */
  readonly hidden: readonly number[];
  /** Embedding width. */
  readonly outputs: number;
}

/** A batch of sparse input rows: row r's slot s is `values[r·slots + s]` at position `indices[r·slots + s]`. */
export interface SparseRows {
  readonly rows: number;
  readonly slots: number;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

/** AdamW settings and the step counter (shared by everything one optimiser updates). */
export interface AdamState {
  /** The current step size (the trainer's schedule sets it each epoch). */
  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Decoupled weight decay on weights (not biases). */
  readonly weightDecay: number;
  /** Steps taken so far, incremented by the trainer before each update. */
  step: number;
}

/** Default AdamW hyper-parameters. */
export const DEFAULT_ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** The sparse input layer: weight row i (contiguous, `outputs` long) belongs to input position i. */
interface SparseLayer {
  readonly inputs: number;
  readonly outputs: number;
  /** inputs × outputs, row-major (the transpose of the artifact's W). */
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly gradWeights: Float64Array;
  readonly gradBias: Float64Array;
  readonly m: Float64Array;
  readonly v: Float64Array;
  readonly mBias: Float64Array;
  readonly vBias: Float64Array;
}

/** A dense layer on ml-matrix. */
interface DenseTrainLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: 'relu' | 'linear';
  /** inputs × outputs (the transpose of the artifact's W). */
  readonly weights: Matrix;
  readonly bias: Float64Array;
  readonly gradWeights: Matrix;
  readonly gradBias: Float64Array;
  readonly m: Matrix;
  readonly v: Matrix;
  readonly mBias: Float64Array;
  readonly vBias: Float64Array;
}

/** The activations a forward pass keeps for the backward pass. */
export interface TowerPass {
  /** Pre-activations of the sparse layer, one row per entity. */
  readonly sparsePre: readonly Float64Array[];
  /** Pre-activations of each dense layer. */
  readonly pre: readonly Matrix[];
  /** Input of each dense layer (the previous layer's activations). */
  readonly inputs: readonly Matrix[];
  /** rows × outputs: the embeddings. */
  readonly output: Matrix;
}

/** Saved weights of a tower (see {@link Tower.snapshot}). */
export interface TowerSnapshot {
  readonly sparseWeights: Float64Array;
  readonly sparseBias: Float64Array;
  readonly dense: readonly { readonly weights: Matrix; readonly bias: Float64Array }[];
}

/** A trainable tower (see the module comment). */
export class Tower {
  private constructor(
    readonly layout: TowerLayout,
    private readonly sparse: SparseLayer,
    private readonly dense: readonly DenseTrainLayer[],
  ) {}

  /**
   * A freshly initialised tower: He-normal weights for the ReLU layers (the
   * sparse layer's fan-in is its slot count), small normal output weights
   * scaled by `outputGain` so initial dot products stay near the bias.
   */
  static create(layout: TowerLayout, random: SeededRandom, outputGain = 0.3): Tower {
    if (layout.hidden.length === 0) throw new RangeError('a tower needs at least one hidden layer');
    const widths = [layout.inputs, ...layout.hidden, layout.outputs];
    for (const width of [...widths, layout.slots]) {
      if (!Number.isInteger(width) || width < 1) throw new RangeError(`tower widths and slots must be positive integers, got ${width}`);
    }
    const h0 = widths[1]!;
    const std0 = Math.sqrt(2 / layout.slots);
    const weights0 = new Float64Array(layout.inputs * h0);
    for (let k = 0; k < weights0.length; k++) weights0[k] = random.gaussian() * std0;
    const sparse: SparseLayer = {
      inputs: layout.inputs,
      outputs: h0,
      weights: weights0,
      bias: new Float64Array(h0),
      gradWeights: new Float64Array(weights0.length),
      gradBias: new Float64Array(h0),
      m: new Float64Array(weights0.length),
      v: new Float64Array(weights0.length),
      mBias: new Float64Array(h0),
      vBias: new Float64Array(h0),
    };
    const dense: DenseTrainLayer[] = [];
    for (let l = 1; l + 1 < widths.length; l++) {
      const inputs = widths[l]!;
      const outputs = widths[l + 1]!;
      const last = l + 2 === widths.length;
      const std = last ? outputGain / Math.sqrt(inputs) : Math.sqrt(2 / inputs);
      const weights = new Matrix(inputs, outputs);
      for (let i = 0; i < inputs; i++) for (let j = 0; j < outputs; j++) weights.set(i, j, random.gaussian() * std);
      dense.push({
        inputs,
        outputs,
        activation: last ? 'linear' : 'relu',
        weights,
        bias: new Float64Array(outputs),
        gradWeights: new Matrix(inputs, outputs),
        gradBias: new Float64Array(outputs),
        m: new Matrix(inputs, outputs),
        v: new Matrix(inputs, outputs),
        mBias: new Float64Array(outputs),
        vBias: new Float64Array(outputs),
      });
    }
    return new Tower(layout, sparse, dense);
  }

  /** Runs the batch through the tower. */
  forward(input: SparseRows): TowerPass {
    this.checkInput(input);
    const { weights, bias, outputs } = this.sparse;
    // Sparse layer by hand: each row sums the weight rows of its non-zero slots.
    const sparsePre: Float64Array[] = new Array<Float64Array>(input.rows);
    const activated: Float64Array[] = new Array<Float64Array>(input.rows);
    for (let r = 0; r < input.rows; r++) {
      const z = Float64Array.from(bias);
      for (let s = 0, at = r * input.slots; s < input.slots; s++, at++) {
        const value = input.values[at]!;
        if (value === 0) continue;
        const base = input.indices[at]! * outputs;
        for (let j = 0; j < outputs; j++) z[j] = z[j]! + value * weights[base + j]!;
      }
      const a = new Float64Array(outputs);
      for (let j = 0; j < outputs; j++) if (z[j]! > 0) a[j] = z[j]!;
      sparsePre[r] = z;
      activated[r] = a;
    }
    // Dense layers on ml-matrix.
    let current = input.rows === 0 ? new Matrix(0, outputs) : new Matrix(activated);
    const pre: Matrix[] = [];
    const inputs: Matrix[] = [];
    for (const layer of this.dense) {
      inputs.push(current);
      // current · W as currentᵀᵀ · W: transposeMultiply streams rows and skips the ReLU zeros.
      const z = current.transpose().transposeMultiply(layer.weights).addRowVector(layer.bias);
      pre.push(z);
      current = layer.activation === 'relu' ? relu(z) : z;
    }
    return { sparsePre, pre, inputs, output: current };
  }

  /** Back-propagates `gradOutput` (rows × outputs, dLoss/dOutput) and accumulates the gradients. */
  backward(pass: TowerPass, input: SparseRows, gradOutput: Matrix): void {
    let grad = gradOutput;
    for (let l = this.dense.length - 1; l >= 0; l--) {
      const layer = this.dense[l]!;
      if (layer.activation === 'relu') grad = reluGrad(grad, pass.pre[l]!);
      addColumnSums(layer.gradBias, grad);
      layer.gradWeights.add(pass.inputs[l]!.transposeMultiply(grad));
      // grad · Wᵀ as gradᵀᵀ · Wᵀ: row-streaming transposeMultiply is faster than mmul here.
      grad = grad.transpose().transposeMultiply(layer.weights.transpose());
    }
    // Sparse layer: through its ReLU, then scattered into the weight rows of each row's slots.
    const { gradWeights, gradBias, outputs } = this.sparse;
    const g = new Float64Array(outputs);
    for (let r = 0; r < input.rows; r++) {
      const z = pass.sparsePre[r]!;
      for (let j = 0; j < outputs; j++) {
        const value = z[j]! > 0 ? grad.get(r, j) : 0;
        g[j] = value;
        gradBias[j] = gradBias[j]! + value;
      }
      for (let s = 0, at = r * input.slots; s < input.slots; s++, at++) {
        const value = input.values[at]!;
        if (value === 0) continue;
        const base = input.indices[at]! * outputs;
        for (let j = 0; j < outputs; j++) gradWeights[base + j] = gradWeights[base + j]! + value * g[j]!;
      }
    }
  }

  /** One AdamW update from the accumulated gradients, which are then cleared. `adam.step` must already count this step. */
  step(adam: AdamState): void {
    const c1 = 1 - adam.beta1 ** adam.step;
    const c2 = 1 - adam.beta2 ** adam.step;
    const sparse = this.sparse;
    adamVector(sparse.weights, sparse.gradWeights, sparse.m, sparse.v, adam, c1, c2, adam.weightDecay);
    sparse.gradWeights.fill(0);
    adamVector(sparse.bias, sparse.gradBias, sparse.mBias, sparse.vBias, adam, c1, c2);
    sparse.gradBias.fill(0);
    for (const layer of this.dense) {
      const { weights, gradWeights, m, v } = layer;
      for (let i = 0; i < layer.inputs; i++) {
        for (let j = 0; j < layer.outputs; j++) {
          const g = gradWeights.get(i, j);
          const mi = adam.beta1 * m.get(i, j) + (1 - adam.beta1) * g;
          const vi = adam.beta2 * v.get(i, j) + (1 - adam.beta2) * g * g;
          m.set(i, j, mi);
          v.set(i, j, vi);
          const w = weights.get(i, j);
          weights.set(i, j, w - adam.learningRate * (mi / c1 / (Math.sqrt(vi / c2) + adam.epsilon) + adam.weightDecay * w));
        }
      }
      gradWeights.fill(0);
      adamVector(layer.bias, layer.gradBias, layer.mBias, layer.vBias, adam, c1, c2);
      layer.gradBias.fill(0);
    }
  }

  /** A copy of the weights and biases (for keeping the best epoch). */
  snapshot(): TowerSnapshot {
    return {
      sparseWeights: this.sparse.weights.slice(),
      sparseBias: this.sparse.bias.slice(),
      dense: this.dense.map((layer) => ({ weights: layer.weights.clone(), bias: layer.bias.slice() })),
    };
  }

  /** Puts back the weights and biases of a {@link snapshot} of this tower. */
  restore(snapshot: TowerSnapshot): void {
    this.sparse.weights.set(snapshot.sparseWeights);
    this.sparse.bias.set(snapshot.sparseBias);
    this.dense.forEach((layer, l) => {
      const saved = snapshot.dense[l]!;
      for (let i = 0; i < layer.inputs; i++) for (let j = 0; j < layer.outputs; j++) layer.weights.set(i, j, saved.weights.get(i, j));
      layer.bias.set(saved.bias);
    });
  }

  /**
   * The tower as artifact layers (W row-major, outputs × inputs), values
   * passed through `round` (the trainer rounds to keep artifacts compact).
   */
  toDenseLayers(round: (value: number) => number = (x) => x): DenseLayer[] {
    const { inputs, outputs } = this.sparse;
    const first: number[] = new Array<number>(inputs * outputs);
    for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) first[o * inputs + i] = round(this.sparse.weights[i * outputs + o]!);
    const layers: DenseLayer[] = [{ inputs, outputs, weights: first, bias: Array.from(this.sparse.bias, round), activation: 'relu' }];
    for (const layer of this.dense) {
      const weights: number[] = new Array<number>(layer.inputs * layer.outputs);
      for (let o = 0; o < layer.outputs; o++) {
        for (let i = 0; i < layer.inputs; i++) weights[o * layer.inputs + i] = round(layer.weights.get(i, o));
      }
      layers.push({ inputs: layer.inputs, outputs: layer.outputs, weights, bias: Array.from(layer.bias, round), activation: layer.activation });
    }
    return layers;
  }

  private checkInput(input: SparseRows): void {
    if (input.slots !== this.layout.slots) throw new RangeError(`tower expects ${this.layout.slots} slots per row, got ${input.slots}`);
    if (input.indices.length < input.rows * input.slots || input.values.length < input.rows * input.slots) {
      throw new RangeError(`sparse batch of ${input.rows} rows needs ${input.rows * input.slots} slots`);
    }
  }
}

/** One AdamW update of a flat parameter array (`weightDecay` 0 for biases). */
export function adamVector(
  param: Float64Array,
  grad: Float64Array,
  m: Float64Array,
  v: Float64Array,
  adam: AdamState,
  c1 = 1 - adam.beta1 ** adam.step,
  c2 = 1 - adam.beta2 ** adam.step,
  weightDecay = 0,
): void {
  const { beta1, beta2, epsilon, learningRate } = adam;
  for (let j = 0; j < param.length; j++) {
    const g = grad[j]!;
    const mj = (m[j] = beta1 * m[j]! + (1 - beta1) * g);
    const vj = (v[j] = beta2 * v[j]! + (1 - beta2) * g * g);
    const w = param[j]!;
    param[j] = w - learningRate * (mj / c1 / (Math.sqrt(vj / c2) + epsilon) + weightDecay * w);
  }
}

function relu(z: Matrix): Matrix {
  const a = new Matrix(z.rows, z.columns);
  for (let i = 0; i < z.rows; i++) {
    for (let j = 0; j < z.columns; j++) {
      const value = z.get(i, j);
      if (value > 0) a.set(i, j, value);
    }
  }
  return a;
}

function reluGrad(grad: Matrix, pre: Matrix): Matrix {
  const out = new Matrix(grad.rows, grad.columns);
  for (let i = 0; i < grad.rows; i++) {
    for (let j = 0; j < grad.columns; j++) if (pre.get(i, j) > 0) out.set(i, j, grad.get(i, j));
  }
  return out;
}

function addColumnSums(target: Float64Array, m: Matrix): void {
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < m.columns; j++) target[j] = target[j]! + m.get(i, j);
}

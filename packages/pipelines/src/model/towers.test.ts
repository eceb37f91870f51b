import { Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { SeededRandom } from './random.js';
import { Tower, type AdamState, type SparseRows } from './towers.js';

const layout = { inputs: 7, slots: 3, hidden: [6, 5], outputs: 4 };

function batch(): SparseRows {
  // Three rows: two one-hot slots and a numeric slot each.
  return {
    rows: 3,
    slots: 3,
    indices: Int32Array.from([0, 3, 6, 1, 4, 6, 2, 5, 6]),
    values: Float64Array.from([1, 1, 0.7, 1, 1, -1.2, 1, 1, 0.3]),
  };
}

/** A fixed linear loss of the output, so dLoss/dOutput is `coefficients`. */
const coefficients = new Matrix([
  [0.5, -1, 0.25, 2],
  [-0.3, 0.8, 1.1, -0.6],
  [1.5, 0.2, -0.9, 0.4],
]);

function loss(tower: Tower): number {
  const out = tower.forward(batch()).output;
  let sum = 0;
  for (let i = 0; i < out.rows; i++) for (let j = 0; j < out.columns; j++) sum += out.get(i, j) * coefficients.get(i, j);
  return sum;
}

/** Reads every weight through the artifact form (row-major W, then bias, per layer). */
function parameters(tower: Tower): number[] {
  return tower.toDenseLayers().flatMap((layer) => [...layer.weights, ...layer.bias]);
}

describe('Tower', () => {
  it('forward matches a dense reference computation of its artifact layers', () => {
    const tower = Tower.create(layout, new SeededRandom(3), 1);
    const out = tower.forward(batch()).output;
    const layers = tower.toDenseLayers();
    const input = batch();
    for (let r = 0; r < input.rows; r++) {
      let x = new Array<number>(layout.inputs).fill(0);
      for (let s = 0; s < input.slots; s++) x[input.indices[r * 3 + s]!]! += input.values[r * 3 + s]!;
      for (const layer of layers) {
        const y: number[] = [];
        for (let o = 0; o < layer.outputs; o++) {
          let sum = layer.bias[o]!;
          for (let i = 0; i < layer.inputs; i++) sum += layer.weights[o * layer.inputs + i]! * x[i]!;
          y.push(layer.activation === 'relu' ? Math.max(0, sum) : sum);
        }
        x = y;
      }
      for (let j = 0; j < layout.outputs; j++) expect(out.get(r, j)).toBeCloseTo(x[j]!, 12);
    }
  });

  it('back-propagates the right gradients (the first Adam step moves every weight against the finite-difference gradient)', () => {
    const tower = Tower.create(layout, new SeededRandom(5), 1);
    const before = parameters(tower);
    // Finite differences through the artifact form: rebuild a tower per perturbed weight is costly, so
    // perturb via snapshot/restore of a twin tower instead.
    const epsilon = 1e-6;
    const numeric: number[] = [];
    const twin = Tower.create(layout, new SeededRandom(5), 1);
    const saved = twin.snapshot();
    const flat = flatten(saved);
    for (let k = 0; k < flat.length; k++) {
      const plus = flat.slice();
      plus[k]! += epsilon;
      twin.restore(unflatten(saved, plus));
      const up = loss(twin);
      const minus = flat.slice();
      minus[k]! -= epsilon;
      twin.restore(unflatten(saved, minus));
      numeric.push((up - loss(twin)) / (2 * epsilon));
    }
    // One Adam step from zero moments moves each weight by about −lr · sign(gradient).
    const input = batch();
    const pass = tower.forward(input);
    tower.backward(pass, input, coefficients);
    const adam: AdamState = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-12, weightDecay: 0, step: 1 };
    tower.step(adam);
    const moved = flatten(tower.snapshot());
    let checked = 0;
    for (let k = 0; k < flat.length; k++) {
      const delta = moved[k]! - flat[k]!;
      if (Math.abs(numeric[k]!) < 1e-7) {
        expect(Math.abs(delta)).toBeLessThan(1e-4);
        continue;
      }
      expect(Math.sign(delta)).toBe(-Math.sign(numeric[k]!));
      expect(Math.abs(delta)).toBeCloseTo(1e-3, 6);
      checked++;
    }
    expect(checked).toBeGreaterThan(40);
    expect(parameters(tower)).not.toEqual(before);
    // A step lowers the loss.
    expect(loss(tower)).toBeLessThan(loss(Tower.create(layout, new SeededRandom(5), 1)));
  });

  it('restores a snapshot exactly', () => {
    const tower = Tower.create(layout, new SeededRandom(9));
    const saved = tower.snapshot();
    const before = parameters(tower);
    const input = batch();
    tower.backward(tower.forward(input), input, coefficients);
    tower.step({ learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01, step: 1 });
    expect(parameters(tower)).not.toEqual(before);
    tower.restore(saved);
    expect(parameters(tower)).toEqual(before);
  });

  it('rejects bad shapes with messages naming them', () => {
    expect(() => Tower.create({ ...layout, hidden: [] }, new SeededRandom(1))).toThrow(/at least one hidden layer/);
    expect(() => Tower.create({ ...layout, outputs: 0 }, new SeededRandom(1))).toThrow(/positive integers, got 0/);
    const tower = Tower.create(layout, new SeededRandom(1));
    expect(() => tower.forward({ ...batch(), slots: 2 })).toThrow(/expects 3 slots per row, got 2/);
  });
});

type Snapshot = ReturnType<Tower['snapshot']>;

function flatten(s: Snapshot): number[] {
  const out = [...s.sparseWeights, ...s.sparseBias];
  for (const layer of s.dense) out.push(...layer.weights.to1DArray(), ...layer.bias);
  return out;
}

function unflatten(template: Snapshot, values: number[]): Snapshot {
  let at = 0;
  const take = (n: number): number[] => values.slice(at, (at += n));
  const sparseWeights = Float64Array.from(take(template.sparseWeights.length));
  const sparseBias = Float64Array.from(take(template.sparseBias.length));
  const dense = template.dense.map((layer) => ({
    weights: Matrix.from1DArray(layer.weights.rows, layer.weights.columns, take(layer.weights.rows * layer.weights.columns)),
    bias: Float64Array.from(take(layer.bias.length)),
  }));
  return { sparseWeights, sparseBias, dense };
}

import { describe, expect, it } from 'vitest';
import { backward, bceWithLogits, dropout, mse } from '../../src/autograd/index.ts';
import { Rng, ones, tensor } from '../../src/tensor/index.ts';
import { checkOp, inputs, propGrad, shapeArb } from './helpers.ts';
import { gradcheck } from '../../src/autograd/index.ts';

describe('dropout', () => {
  it('is seeded, inverted (kept values scaled by 1/(1-p)) and the identity in evaluation', () => {
    const x = ones([1000]);
    const a = dropout(x, 0.3, new Rng(3)), b = dropout(x, 0.3, new Rng(3));
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const kept = Array.from(a.data).filter((v) => v !== 0);
    expect(kept.every((v) => Math.abs(v - 1 / 0.7) < 1e-6)).toBe(true);
    expect(kept.length).toBeGreaterThan(620);
    expect(kept.length).toBeLessThan(780);
    expect(dropout(x, 0.3, new Rng(3), false)).toBe(x);
  });

  it('gradcheck passes with the same mask (property)', () => {
    propGrad(shapeArb(), (s) => [s], () => (t) => dropout(t, 0.4, new Rng(11)));
  });
});

describe('losses', () => {
  it('bceWithLogits: hand values and no overflow for huge logits', () => {
    const l = bceWithLogits(tensor([0, 0], { dtype: 'float64' }), tensor([0, 1], { dtype: 'float64' }));
    expect(l.item()).toBeCloseTo(Math.log(2), 12);
    const big = bceWithLogits(tensor([1000, -1000], { dtype: 'float64' }), tensor([0, 1], { dtype: 'float64' }));
    expect(big.item()).toBeCloseTo(1000, 9);
    checkOp({
      shapes: [[5], [5]], low: 0, high: 1,
      fn: (x, y) => bceWithLogits(x, y),
      ref: (x, y) => x.reduce((s, v, i) => s - (y[i] * Math.log(1 / (1 + Math.exp(-v))) + (1 - y[i]) * Math.log(1 - 1 / (1 + Math.exp(-v)))), 0) / 5,
    });
  });

  it('bceWithLogits\' gradient is the stable sigmoid bit for bit: e^-x / e^x on either side of 0, -0, huge, float32 and float64', () => {
    const vs = [0, -0, 1e-30, -1e-30, 0.5, -0.5, 3.25, -3.25, 40, -40, 700, -700, 1e5, -1e5];
    for (const dtype of ['float32', 'float64'] as const) {
      const x = tensor(vs, { dtype, requiresGrad: true }), y = tensor(vs.map((_, i) => (i % 3) / 2), { dtype });
      backward(bceWithLogits(x, y));
      const n = vs.length, out = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const v = x.data[i]!;
        const sig = v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
        out[i] = (1 / n) * (sig - y.data[i]!);
      }
      for (let i = 0; i < n; i++) expect(Object.is(x.grad!.data[i], out[i]), `${dtype} x = ${vs[i]}: ${x.grad!.data[i]} vs ${out[i]}`).toBe(true);
    }
  });

  it('mse: hand values', () => {
    expect(mse(tensor([1, 2]), tensor([3, 2])).item()).toBe(2);
    checkOp({ shapes: [[3, 2], [3, 2]], fn: mse, ref: (p, t) => p.reduce((s, v, i) => s + (v - t[i]) ** 2, 0) / 6 });
  });

  it('gradcheck passes on random shapes (property), targets in [0, 1] for BCE', () => {
    propGrad(shapeArb(), (s) => [s], (s) => (x) => bceWithLogits(x, inputs([s], 5, 0, 1)[0]), { low: -4, high: 4 });
    propGrad(shapeArb(), (s) => [s, s], () => (a, b) => mse(a, b));
    const [x, y] = inputs([[4], [4]], 9, 0, 1);
    expect(gradcheck(bceWithLogits, [x, y]).ok).toBe(true);
  });

  it('names both shapes when predictions and targets differ', () => {
    expect(() => bceWithLogits(tensor([[1], [2]]), tensor([1, 0]))).toThrow(/bceWithLogits: predictions have shape \[2, 1\] but targets have shape \[2\]/);
    expect(() => mse(tensor([1]), tensor([1, 2]))).toThrow(/mse: predictions have shape \[1\]/);
  });
});

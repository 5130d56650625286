import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { logSoftmax, softmax, sum } from '../../src/autograd/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { checkOp, propGrad, shapeArb } from './helpers.ts';

describe('softmax and logSoftmax', () => {
  it('hand values: uniform logits give uniform probabilities; rows sum to 1; huge logits stay finite', () => {
    for (const v of softmax(tensor([[0, 0], [1, 1]], { dtype: 'float64' })).data) expect(v).toBeCloseTo(0.5, 14);
    const p = softmax(tensor([[1, 2, 3]], { dtype: 'float64' }));
    expect(sum(p).item()).toBeCloseTo(1, 12);
    const l = logSoftmax(tensor([1000, 0], { dtype: 'float64' }));
    expect(l.data[0]).toBeCloseTo(0, 12);
    expect(l.data[1]).toBeCloseTo(-1000, 9);
  });

  it('forward matches the definition along axis 0', () => {
    checkOp({
      shapes: [[3, 2]],
      fn: (x) => softmax(x, 0),
      ref: (x) => {
        const out = new Float64Array(6);
        for (let j = 0; j < 2; j++) {
          let s = 0;
          for (let i = 0; i < 3; i++) s += Math.exp(x[i * 2 + j]);
          for (let i = 0; i < 3; i++) out[i * 2 + j] = Math.exp(x[i * 2 + j]) / s;
        }
        return out;
      },
    });
  });

  it('gradcheck passes on random shapes and axes (property)', () => {
    const arb = shapeArb(3).filter((s) => s.length > 0).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 })));
    propGrad(arb, ([s]) => [s], ([, ax]) => (x) => softmax(x, ax));
    propGrad(arb, ([s]) => [s], ([, ax]) => (x) => logSoftmax(x, ax));
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backward, logSoftmax, mul as mulOf, softmax, softmaxValues, sum } from '../../src/autograd/index.ts';
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

  it('the bits of the plain definition (max, sum of exp, log, exp of the difference), ties, -Inf and NaN included (property)', () => {
    const value = fc.oneof(fc.double({ min: -60, max: 60, noNaN: true }), fc.constantFrom(0, -0, 3, -Infinity, Infinity, NaN));
    fc.assert(fc.property(fc.array(fc.array(value, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 6 }), fc.boolean(), (rows, f32) => {
      const len = Math.min(...rows.map((r) => r.length));
      const flat = rows.flatMap((r) => r.slice(0, len));
      const x = tensor(rows.map((r) => r.slice(0, len)), { dtype: f32 ? 'float32' : 'float64' });
      const want = f32 ? new Float32Array(flat.length) : new Float64Array(flat.length);
      const xs = x.data, lsm = f32 ? new Float32Array(len) : new Float64Array(len);
      for (let r = 0; r < rows.length; r++) {
        let m = -Infinity;
        for (let l = 0; l < len; l++) m = Math.max(m, xs[r * len + l]!);
        let s = 0;
        for (let l = 0; l < len; l++) s += Math.exp(xs[r * len + l]! - m);
        for (let l = 0; l < len; l++) lsm[l] = xs[r * len + l]! - (m + Math.log(s));
        for (let l = 0; l < len; l++) want[r * len + l] = Math.exp(lsm[l]!);
      }
      const got = softmax(x).data;
      for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return false;
      return true;
    }), { numRuns: 300 });
  });

  it('values computed ahead (softmaxValues) and recorded later: the plain op\'s values and gradient; a mismatched tensor is an error', () => {
    const make = () => tensor([[0.5, -1, 2], [3, 3, -0.25]], { dtype: 'float32', requiresGrad: true });
    const w = tensor([[1, 2, 3], [-1, 0.5, 4]], { dtype: 'float32' });
    const run = (ahead: boolean) => {
      const x = make();
      const y = ahead ? softmax(x, -1, softmaxValues(x, -1)) : softmax(x, -1);
      backward(sum(mulOf(y, w)));
      return [Array.from(y.data), Array.from(x.grad!.data)];
    };
    expect(run(true)).toEqual(run(false));
    const x = make();
    expect(() => softmax(x, -1, softmaxValues(tensor([[1, 2]], { dtype: 'float32' })))).toThrow(/softmax: the values computed ahead are \[1, 2\] float32, x is \[2, 3\] float32/);
    expect(() => softmax(x, -1, softmaxValues(tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' })))).toThrow(/computed ahead are \[2, 3\] float64/);
  });

  it('gradcheck passes on random shapes and axes (property)', () => {
    const arb = shapeArb(3).filter((s) => s.length > 0).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: -s.length, max: s.length - 1 })));
    propGrad(arb, ([s]) => [s], ([, ax]) => (x) => softmax(x, ax));
    propGrad(arb, ([s]) => [s], ([, ax]) => (x) => logSoftmax(x, ax));
  });
});

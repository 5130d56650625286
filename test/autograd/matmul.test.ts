import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matmul } from '../../src/autograd/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { checkOp, propGrad } from './helpers.ts';

function naive(a: Float64Array, b: Float64Array, m: number, k: number, n: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++)
      for (let p = 0; p < k; p++) c[i * n + j] += (tA ? a[p * m + i] : a[i * k + p]) * (tB ? b[j * k + p] : b[p * n + j]);
  return c;
}

describe('matmul op', () => {
  it('hand values', () => {
    expect(matmul(tensor([[1, 2], [3, 4]]), tensor([[5], [6]])).toArray()).toEqual([[17], [39]]);
    expect(matmul(tensor([[1, 3], [2, 4]]), tensor([[5, 6]]), { transA: true, transB: true }).toArray()).toEqual([[17], [39]]);
  });

  it('all four transpose forms: forward vs the naive triple loop, and gradients (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), fc.boolean(), fc.boolean(), fc.integer(),
        (m, k, n, tA, tB, seed) => {
          checkOp({
            shapes: [tA ? [k, m] : [m, k], tB ? [n, k] : [k, n]],
            fn: (a, b) => matmul(a, b, { transA: tA, transB: tB }),
            ref: (a, b) => naive(a, b, m, k, n, tA, tB),
            outShape: [m, n],
            seed,
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('batched forms: [B,m,k]·[B,k,n] and [B,m,k]·[k,n]', () => {
    propGrad(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
      ([b, m, k, n]) => [[b, m, k], [b, k, n]], () => (a, c) => matmul(a, c), { numRuns: 15 });
    propGrad(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })),
      ([b, m, k, n]) => [[b, m, k], [k, n]], () => (a, c) => matmul(a, c), { numRuns: 15 });
  });

  it('names both shapes when inner dimensions differ', () => {
    expect(() => matmul(tensor([[1, 2, 3]]), tensor([[1, 2]]))).toThrow(/matmul: inner dimensions differ: \[1, 3\] · \[1, 2\]/);
    expect(() => matmul(tensor([1, 2]), tensor([[1, 2]]))).toThrow(/matmul: expected 2-D/);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concat, mul, reshape, slice, stack, transpose } from '../../src/autograd/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { propGrad, shapeArb } from './helpers.ts';

describe('layout ops', () => {
  it('hand values', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(reshape(t, [3, -1]).toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(transpose(t).toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(slice(t, 1, 1, 3).toArray()).toEqual([[2, 3], [5, 6]]);
    expect(concat([t, tensor([[7, 8, 9]])], 0).toArray()).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(concat([t, tensor([[0], [0]])], 1).toArray()).toEqual([[1, 2, 3, 0], [4, 5, 6, 0]]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([[1, 3], [2, 4]]);
  });

  it('reshape is a view sharing data', () => {
    const t = tensor([1, 2, 3, 4]);
    const r = reshape(t, [2, 2]);
    r.data[3] = 40;
    expect(t.data[3]).toBe(40);
  });

  it('gradients (property): reshape, transpose with random permutations, slice, concat, stack', () => {
    const nonEmpty = shapeArb(3).filter((s) => s.length > 0);
    // A weight makes every output position distinguishable, so a misrouted gradient is caught.
    propGrad(nonEmpty, (s) => [s], (s) => (t) => reshape(t, [s.reduce((a, b) => a * b, 1)]));
    propGrad(nonEmpty.chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s.map((_, i) => i), { minLength: s.length, maxLength: s.length }))),
      ([s]) => [s], ([, p]) => (t) => transpose(t, p));
    propGrad(nonEmpty.chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length - 1 })).chain(([s, ax]) =>
      fc.tuple(fc.constant(s), fc.constant(ax), fc.nat({ max: s[ax] }), fc.nat({ max: s[ax] })))),
    ([s]) => [s], ([, ax, a, b]) => (t) => slice(t, ax, Math.min(a, b), Math.max(a, b)));
    propGrad(nonEmpty.chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length - 1 }), fc.integer({ min: 1, max: 3 }))),
      ([s, ax, extra]) => [s, s.map((d, i) => (i === ax ? extra : d))], ([, ax]) => (a, b) => concat([a, b], ax));
    propGrad(nonEmpty.chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length }))),
      ([s]) => [s, s], ([, ax]) => (a, b) => mul(stack([a, b], ax), 1));
  });

  it('errors name the shapes', () => {
    expect(() => reshape(tensor([1, 2, 3]), [2, 2])).toThrow(/cannot view 3 elements as \[2, 2\]/);
    expect(() => concat([tensor([[1, 2]]), tensor([[1, 2, 3]])], 0)).toThrow(/concat: shapes \[1, 2\] and \[1, 3\] differ outside axis 0/);
    expect(() => slice(tensor([1, 2]), 0, 1, 5)).toThrow(/slice: range \[1, 5\) is invalid for axis 0 of size 2/);
  });
});

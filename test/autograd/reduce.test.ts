import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { max, mean, sum } from '../../src/autograd/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { propGrad, shapeArb } from './helpers.ts';

const x = () => tensor([[1, 5, 2], [7, 0, 3]]);

describe('reductions', () => {
  it('hand values over axes, with and without keepdims', () => {
    expect(sum(x()).item()).toBe(18);
    expect(sum(x(), 0).toArray()).toEqual([8, 5, 5]);
    expect(sum(x(), 1, true).toArray()).toEqual([[8], [10]]);
    expect(sum(x(), [0, 1]).shape).toEqual([]);
    expect(mean(x(), -1).toArray()).toEqual([8 / 3, 10 / 3].map((v) => Math.fround(v)));
    expect(max(x(), 1).toArray()).toEqual([5, 7]);
    expect(max(x(), 0, true).toArray()).toEqual([[7, 5, 3]]);
  });

  it('gradcheck passes for random shapes and axis subsets (property)', () => {
    const arb = shapeArb(3).chain((s) =>
      fc.tuple(fc.constant(s), fc.subarray(s.map((_, i) => i)), fc.boolean()));
    propGrad(arb, ([s]) => [s], ([, axes, keep]) => (t) => sum(t, axes, keep));
    propGrad(arb, ([s]) => [s], ([, axes, keep]) => (t) => mean(t, axes, keep));
    const arbMax = shapeArb(3).filter((s) => s.length > 0).chain((s) => fc.tuple(fc.constant(s), fc.nat({ max: s.length - 1 }), fc.boolean()));
    propGrad(arbMax, ([s]) => [s], ([, ax, keep]) => (t) => max(t, ax, keep));
  });

  it('names the axis when it is out of range', () => {
    expect(() => sum(x(), 2)).toThrow(/sum: axis 2 is out of range for a tensor of rank 2/);
  });
});

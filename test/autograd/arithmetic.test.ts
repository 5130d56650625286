import { describe, expect, it } from 'vitest';
import { add, div, mul, neg, pow, sub } from '../../src/autograd/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { broadcastPairArb, checkOp, propGrad } from './helpers.ts';

const ew = (f: (x: number, y: number) => number) => (a: Float64Array, b: Float64Array) => a.map((v, i) => f(v, b[i]));

describe('arithmetic ops', () => {
  it('forward and gradients on equal shapes', () => {
    checkOp({ shapes: [[2, 3], [2, 3]], fn: add, ref: ew((x, y) => x + y), outShape: [2, 3] });
    checkOp({ shapes: [[2, 3], [2, 3]], fn: sub, ref: ew((x, y) => x - y) });
    checkOp({ shapes: [[2, 3], [2, 3]], fn: mul, ref: ew((x, y) => x * y) });
    checkOp({ shapes: [[2, 3], [2, 3]], fn: div, ref: ew((x, y) => x / y), low: 0.5, high: 2 });
    checkOp({ shapes: [[2, 3], [2, 3]], fn: pow, ref: ew((x, y) => x ** y), low: 0.5, high: 2 });
    checkOp({ shapes: [[4]], fn: neg, ref: (a) => a.map((v) => -v) });
  });

  it('hand values with broadcasting and scalars', () => {
    expect(add(tensor([[1], [2]]), tensor([10, 20, 30])).toArray()).toEqual([[11, 21, 31], [12, 22, 32]]);
    expect(mul(tensor([1, 2, 3]), 2).toArray()).toEqual([2, 4, 6]);
    expect(sub(1, tensor([1, 2])).toArray()).toEqual([0, -1]);
    expect(pow(tensor([2, 3]), 2).toArray()).toEqual([4, 9]);
    expect(div(tensor([1, 3]), tensor([2])).toArray()).toEqual([0.5, 1.5]);
  });

  it('gradcheck passes on random broadcast shapes (property)', () => {
    for (const op of [add, sub, mul]) propGrad(broadcastPairArb(), (s) => s, () => op);
    propGrad(broadcastPairArb(), (s) => s, () => div, { low: 0.5, high: 2 });
    propGrad(broadcastPairArb(), (s) => s, () => pow, { low: 0.5, high: 2 });
  });

  it('names the op and both shapes when shapes do not broadcast', () => {
    expect(() => add(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/add: shapes \[3\] and \[2\] cannot be broadcast/);
    expect(() => mul(tensor([[1, 2, 3], [4, 5, 6]]), tensor([[1, 2], [3, 4], [5, 6]]))).toThrow(/mul: shapes \[2, 3\] and \[3, 2\].*make the sizes equal or 1/);
  });
});

import { describe, expect, it } from 'vitest';
import { abs, exp, leakyRelu, log, relu, sigmoid, sqrt, tanh } from '../../src/autograd/index.ts';
import type { Tensor } from '../../src/tensor/index.ts';
import { tensor } from '../../src/tensor/index.ts';
import { checkOp, propGrad, shapeArb } from './helpers.ts';

const cases: [string, (x: Tensor) => Tensor, (v: number) => number, { low?: number; high?: number; awayFromZero?: boolean }][] = [
  ['exp', exp, Math.exp, {}],
  ['log', log, Math.log, { low: 0.2, high: 3 }],
  ['sqrt', sqrt, Math.sqrt, { low: 0.2, high: 3 }],
  ['abs', abs, Math.abs, { awayFromZero: true }],
  ['sigmoid', sigmoid, (v) => 1 / (1 + Math.exp(-v)), {}],
  ['relu', relu, (v) => Math.max(v, 0), { awayFromZero: true }],
  ['leakyRelu', (x) => leakyRelu(x, 0.1), (v) => (v > 0 ? v : 0.1 * v), { awayFromZero: true }],
  ['tanh', tanh, Math.tanh, {}],
];

describe('unary ops', () => {
  for (const [name, op, f, range] of cases) {
    it(`${name}: forward matches Math, gradcheck passes on random shapes`, () => {
      checkOp({ shapes: [[3, 4]], fn: op, ref: (x) => x.map(f), outShape: [3, 4], ...range });
      propGrad(shapeArb(), (s) => [s], () => op, range);
    });
  }

  it('hand values, and sigmoid stays finite for large |x|', () => {
    expect(relu(tensor([-1, 0, 2])).toArray()).toEqual([0, 0, 2]);
    expect(leakyRelu(tensor([-10, 3]), 0.5).toArray()).toEqual([-5, 3]);
    expect(abs(tensor([-1.5, 2])).toArray()).toEqual([1.5, 2]);
    expect(sigmoid(tensor([-1000, 0, 1000], { dtype: 'float64' })).toArray()).toEqual([0, 0.5, 1]);
  });
});

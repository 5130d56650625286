import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backward, gatherRows, mul, sum } from '../../src/autograd/index.ts';
import { Tensor, tensor } from '../../src/tensor/index.ts';
import { propGrad } from './helpers.ts';

describe('gatherRows (embedding lookup)', () => {
  it('hand values and a scatter-add gradient that accumulates duplicates', () => {
    const table = tensor([[0, 1], [10, 11], [20, 21]], { requiresGrad: true });
    const out = gatherRows(table, [2, 0, 2]);
    expect(out.toArray()).toEqual([[20, 21], [0, 1], [20, 21]]);
    backward(sum(mul(out, tensor([[1, 2], [3, 4], [5, 6]]))));
    expect(table.grad!.toArray()).toEqual([[3, 4], [0, 0], [6, 8]]);
  });

  it('gradcheck passes for random tables and ids (property)', () => {
    const arb = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }))
      .chain(([v, w]) => fc.tuple(fc.constant(v), fc.constant(w), fc.array(fc.nat({ max: v - 1 }), { minLength: 0, maxLength: 8 })));
    propGrad(arb, ([v, w]) => [[v, w]], ([, , ids]) => (t) => gatherRows(t, ids));
  });

  it('backward touches only the used rows of an external gradient buffer', () => {
    const vocab = 100_000, width = 4;
    const table = Tensor.fromStorage(new Float32Array(vocab * width), [vocab, width], { requiresGrad: true });
    const gradBuf = new Float32Array(vocab * width).fill(NaN); // untouched rows must stay as they are
    for (const r of [5, 99_999]) gradBuf.fill(0, r * width, r * width + width);
    table.grad = Tensor.fromStorage(gradBuf, [vocab, width]);
    backward(sum(gatherRows(table, [5, 99_999, 5])));
    expect(Array.from(gradBuf.subarray(5 * width, 6 * width))).toEqual([2, 2, 2, 2]);
    expect(Array.from(gradBuf.subarray(99_999 * width))).toEqual([1, 1, 1, 1]);
    expect(Number.isNaN(gradBuf[0])).toBe(true);
  });

  it('names the index, the position and the table size when an id is out of range', () => {
    const table = tensor([[1], [2], [3]]);
    expect(() => gatherRows(table, [0, 3])).toThrow(/gatherRows: index 3 at position 1 is out of range for a table of 3 rows; ids must be integers in \[0, 3\)/);
    expect(() => gatherRows(table, [-1])).toThrow(/index -1 at position 0/);
  });
});

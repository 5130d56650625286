import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Rng, Tensor, arange, broadcastShapes, concatAlong, full, ones, rand, randint, randn, reshapeTo, sliceAlong,
  stackAlong, sumAxes, tensor, transposeTo, zeros,
} from '../../src/tensor/index.ts';

describe('Tensor creation', () => {
  it('zeros / ones / full / tensor / arange with shape and dtype', () => {
    expect(zeros([2, 3]).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(ones([2], { dtype: 'float64' }).data).toBeInstanceOf(Float64Array);
    expect(full([1, 2], 7).toArray()).toEqual([[7, 7]]);
    const t = tensor([[1, 2], [3, 4]]);
    expect(t.shape).toEqual([2, 2]);
    expect(t.dtype).toBe('float32');
    expect(t.get(1, 0)).toBe(3);
    expect(tensor(5).shape).toEqual([]);
    expect(arange(4).toArray()).toEqual([0, 1, 2, 3]);
  });

  it('rejects ragged nested arrays and mismatched storage', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(/ragged nested array at \[1\]/);
    expect(() => Tensor.fromStorage(new Float32Array(5), [2, 2])).toThrow(/data has 5 elements but shape \[2, 2\] needs 4/);
  });

  it('fromStorage wraps an existing view without copying', () => {
    const flat = new Float32Array(10);
    const t = Tensor.fromStorage(flat.subarray(4, 10), [2, 3], { requiresGrad: true });
    t.data[0] = 9;
    expect(flat[4]).toBe(9);
    expect(t.requiresGrad).toBe(true);
    expect(t.isLeaf).toBe(true);
  });

  it('the same seed gives bit-identical tensors (property)', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        for (const make of [
          (r: Rng) => randn([3, 5], r), (r: Rng) => rand([7], r, { low: -1, high: 1 }), (r: Rng) => randint([4, 2], 0, 9, r),
          (r: Rng) => randn([6], r, { dtype: 'float64', std: 0.1 }),
        ]) {
          const a = make(new Rng(seed)), b = make(new Rng(seed));
          expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
    const ints = randint([1000], 2, 5, new Rng(1));
    expect(Array.from(ints.data).every((v) => v >= 2 && v < 5 && Number.isInteger(v))).toBe(true);
  });
});

describe('shapes and layout', () => {
  it('broadcasts like NumPy and names both shapes when it cannot', () => {
    expect(broadcastShapes([3, 1], [4])).toEqual([3, 4]);
    expect(broadcastShapes([], [2, 3])).toEqual([2, 3]);
    expect(broadcastShapes([2, 1, 4], [5, 1])).toEqual([2, 5, 4]);
    expect(() => broadcastShapes([2, 3], [4, 3], 'add')).toThrow(/add: shapes \[2, 3\] and \[4, 3\] cannot be broadcast together/);
  });

  it('reshape is a view (shares data), with -1 inferred', () => {
    const t = arange(6);
    const r = reshapeTo(t, [-1, 3]);
    expect(r.shape).toEqual([2, 3]);
    expect(r.data).toBe(t.data);
  });

  it('transpose / slice / concat / stack / sumAxes on hand values', () => {
    const t = reshapeTo(arange(24), [2, 3, 4]);
    const p = transposeTo(t, [2, 0, 1]);
    expect(p.shape).toEqual([4, 2, 3]);
    expect(p.get(3, 1, 2)).toBe(t.get(1, 2, 3));
    expect(sliceAlong(t, 1, 1, 2).toArray()).toEqual([[[4, 5, 6, 7]], [[16, 17, 18, 19]]]);
    expect(concatAlong([tensor([[1, 2]]), tensor([[3, 4]])], 1).toArray()).toEqual([[1, 2, 3, 4]]);
    expect(stackAlong([tensor([1, 2]), tensor([3, 4])]).toArray()).toEqual([[1, 2], [3, 4]]);
    // Row i sums 12a + 4i + c over a < 2, c < 4: 32i + 48 + 12.
    expect(sumAxes(t, [0, 2]).toArray()).toEqual([60, 92, 124]);
    expect(sumAxes(t, 1, true).shape).toEqual([2, 1, 4]);
  });
});

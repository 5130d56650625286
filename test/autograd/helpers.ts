import { expect } from 'vitest';
import fc from 'fast-check';
import { gradcheck } from '../../src/autograd/gradcheck.ts';
import { Rng } from '../../src/tensor/rng.ts';
import { sizeOf, type Shape } from '../../src/tensor/shape.ts';
import { Tensor } from '../../src/tensor/tensor.ts';

/**
 * One-line op tests in the manner of tinygrad's helper_test_op: seeded float64 inputs, the
 * output shape, the forward values against a reference, then gradients against finite
 * differences.
 */
export interface CheckOpOptions {
  /** Input shapes. */
  shapes: Shape[];
  fn: (...xs: Tensor[]) => Tensor;
  /** Forward reference on the flat inputs; returns the flat expected output. */
  ref?: (...xs: Float64Array[]) => ArrayLike<number> | number;
  /** Expected output shape. */
  outShape?: Shape;
  /** Input value range; `awayFromZero` keeps |x| >= 0.1 (kinks of relu / abs / max). */
  low?: number;
  high?: number;
  awayFromZero?: boolean;
  seed?: number;
  tol?: number;
  /** Inputs to differentiate (default all). */
  wrt?: number[];
}

export function inputs(shapes: Shape[], seed: number, low = -2, high = 2, awayFromZero = false): Tensor[] {
  const rng = new Rng(seed);
  return shapes.map((s) => {
    const d = new Float64Array(sizeOf(s));
    for (let i = 0; i < d.length; i++) {
      let v = rng.uniform(low, high);
      if (awayFromZero && Math.abs(v) < 0.1) v = v < 0 ? v - 0.1 : v + 0.1;
      d[i] = v;
    }
    return new Tensor(d, s);
  });
}

export function checkOp(o: CheckOpOptions): void {
  const xs = inputs(o.shapes, o.seed ?? 7, o.low, o.high, o.awayFromZero);
  const y = o.fn(...xs);
  if (o.outShape) expect(y.shape).toEqual(o.outShape);
  if (o.ref) {
    const want = o.ref(...xs.map((x) => x.data as Float64Array));
    const w = typeof want === 'number' ? [want] : Array.from(want);
    expect(y.size).toBe(w.length);
    for (let i = 0; i < w.length; i++) expect(y.data[i]).toBeCloseTo(w[i], 9);
  }
  const r = gradcheck(o.fn, xs, { tol: o.tol ?? 1e-6, wrt: o.wrt });
  expect(r.ok, r.message).toBe(true);
}

/** A random shape of rank 0..maxRank with dims 1..maxDim (size-1 dims are common). */
export const shapeArb = (maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 0, maxLength: maxRank });

/** Two shapes that broadcast together: dims dropped from the left or set to 1 at random. */
export const broadcastPairArb = (maxRank = 3, maxDim = 4): fc.Arbitrary<[number[], number[]]> =>
  fc
    .tuple(
      fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: maxRank }),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: maxRank, maxLength: maxRank }),
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: maxRank, maxLength: maxRank }),
      fc.nat({ max: maxRank }),
      fc.nat({ max: maxRank }),
    )
    .map(([full, ma, mb, da, db]) => {
      const mk = (mask: number[], drop: number): number[] =>
        full.map((d, i) => (mask[i] === 0 ? 1 : d)).slice(Math.min(drop, full.length));
      return [mk(ma, da), mk(mb, db)];
    });

/** fast-check property: gradcheck passes for `fn` on inputs of the generated shapes. */
export function propGrad<S>(
  arb: fc.Arbitrary<S>, shapesOf: (s: S) => Shape[], fnOf: (s: S) => (...xs: Tensor[]) => Tensor,
  opts: { low?: number; high?: number; awayFromZero?: boolean; numRuns?: number; tol?: number } = {},
): void {
  fc.assert(
    fc.property(arb, fc.integer(), (s, seed) => {
      const xs = inputs(shapesOf(s), seed, opts.low, opts.high, opts.awayFromZero);
      const r = gradcheck(fnOf(s), xs, { tol: opts.tol ?? 1e-6 });
      if (!r.ok) throw new Error(`${JSON.stringify(s)}: ${r.message}`);
    }),
    { numRuns: opts.numRuns ?? 30 },
  );
}

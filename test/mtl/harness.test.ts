/**
 * The shared property harness: every balancer in the registry goes through the same checks
 * (torchjd's lesson). A new balancer gets all of them by being registered; methods that are
 * not symmetric in the tasks are listed in NOT_SYMMETRIC with the reason.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { balancerIds, createBalancer, BalancerInputError, BalancerOptionError } from '../../src/mtl/index.ts';
import { ctxFor, permuteRows, randomG, randomLosses } from './helpers.ts';
import { Rng } from '../../src/tensor/rng.ts';

/** Not symmetric in the tasks, and why. */
const NOT_SYMMETRIC: Record<string, string> = {
  single: 'trains one named task',
  pcgrad: 'random projection order per task',
  'pcgrad+': 'random projection order per task',
  gradvac: 'random projection order per task',
};

/** Relative tolerance of the permutation check (every solver is exact and certified, so one for all). */
const PERM_TOL = 1e-9;

function run(id: string, G: Float64Array | Float32Array, T: number, steps = 1, seed = 0, losses?: number[]) {
  const b = createBalancer(id);
  let out: Float64Array | Float32Array = G instanceof Float32Array ? new Float32Array(0) : new Float64Array(0);
  for (let s = 0; s < steps; s++) out = b.combine(G, T, ctxFor(s, losses ?? randomLosses(s, T), seed));
  return { b, out };
}

describe.each(balancerIds)('balancer %s', (id) => {
  it('declares kind, modes and resolved options', () => {
    const b = createBalancer(id);
    expect(b.id).toBe(id);
    expect(['gradient', 'loss', 'both']).toContain(b.kind);
    expect(b.modes.length).toBeGreaterThan(0);
    expect(JSON.parse(JSON.stringify(b.options))).toEqual(b.options);
  });

  it('returns a finite d-vector for gradients scaled 1e-10 .. 1e10 (float64 and float32)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: -10, max: 10 }), fc.boolean(),
        (seed, T, d, e, f32) => {
          const G = randomG(seed, T, d, { scale: Math.pow(10, e), spread: 1, f32 });
          const { out } = run(id, G, T, 2, seed);
          expect(out.length).toBe(d);
          expect(out.constructor).toBe(G.constructor);
          for (const v of out) expect(Number.isFinite(v)).toBe(true);
        },
      ),
      { numRuns: 40, seed: 1 },
    );
  });

  it('writes into a caller-provided out buffer', () => {
    const T = 3, d = 7;
    const G = randomG(3, T, d, { f32: true });
    const b = createBalancer(id);
    const out = new Float32Array(d);
    const r = b.combine(G, T, ctxFor(0, randomLosses(0, T)), out);
    expect(r).toBe(out);
  });

  it('is deterministic for a seed', () => {
    const T = 4, d = 9;
    const G = randomG(11, T, d);
    const a = run(id, G, T, 3, 42).out, b = run(id, G, T, 3, 42).out;
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('round-trips its state through JSON', () => {
    const T = 3, d = 6;
    const A = createBalancer(id);
    for (let s = 0; s < 3; s++) A.combine(randomG(100 + s, T, d), T, ctxFor(s, randomLosses(s, T), 5));
    const B = createBalancer(id);
    B.setState(JSON.parse(JSON.stringify(A.getState())));
    const G = randomG(200, T, d);
    const a = A.combine(G, T, ctxFor(3, randomLosses(3, T), 5));
    const b = B.combine(G, T, ctxFor(3, randomLosses(3, T), 5));
    expect(Array.from(b)).toEqual(Array.from(a));
    A.reset();
    const C = createBalancer(id);
    expect(Array.from(A.combine(G, T, ctxFor(0, randomLosses(0, T), 5)))).toEqual(Array.from(C.combine(G, T, ctxFor(0, randomLosses(0, T), 5))));
  });

  it.skipIf(id in NOT_SYMMETRIC)('is invariant to the order of the tasks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 5 }), (seed, T) => {
        const d = 8;
        const G = randomG(seed, T, d, { spread: 1 }) as Float64Array;
        const L = randomLosses(seed, T);
        const perm = new Rng(seed).permutation(T);
        const a = run(id, G, T, 1, 7, L).out;
        const b = run(id, permuteRows(G, T, d, perm), T, 1, 7, Array.from(perm, (p) => L[p])).out;
        const scale = Math.max(1e-300, ...Array.from(a, Math.abs));
        for (let k = 0; k < d; k++) expect(Math.abs(a[k] - b[k])).toBeLessThanOrEqual(PERM_TOL * scale);
      }),
      { numRuns: 30, seed: 2 },
    );
  });

  it('rejects NaN / Inf in G with an error naming the task', () => {
    const T = 3, d = 5;
    for (const bad of [NaN, Infinity, -Infinity]) {
      const G = randomG(1, T, d) as Float64Array;
      G[0 * d + 2] = bad; // task 0 (single trains task 0 by default)
      const b = createBalancer(id);
      expect(() => b.combine(G, T, ctxFor(0, randomLosses(0, T)))).toThrow(BalancerInputError);
      expect(() => createBalancer(id).combine(G, T, ctxFor(0, randomLosses(0, T)))).toThrow(/task 0/);
    }
  });

  it('handles a zero-norm task and collinear (singular Gram) gradients without NaN', () => {
    const T = 4, d = 6;
    const G = randomG(9, T, d) as Float64Array;
    G.fill(0, 2 * d, 3 * d); // task 2 is zero
    for (let k = 0; k < d; k++) G[3 * d + k] = 2 * G[k]; // task 3 = 2 * task 0
    const b = createBalancer(id);
    for (let s = 0; s < 3; s++) {
      const out = b.combine(G, T, ctxFor(s, randomLosses(s, T)));
      for (const v of out) expect(Number.isFinite(v)).toBe(true);
    }
    const zero = new Float64Array(T * d);
    const z = createBalancer(id).combine(zero, T, ctxFor(0, randomLosses(0, T)));
    for (const v of z) expect(v).toBe(0);
  });

  it('rejects unknown option names, listing the valid ones', () => {
    expect(() => createBalancer(id, { notAnOption: 1 })).toThrow(BalancerOptionError);
    expect(() => createBalancer(id, { notAnOption: 1 })).toThrow(/valid options/);
  });

  it('rejects a G whose length is not a multiple of T', () => {
    expect(() => createBalancer(id).combine(new Float64Array(7), 3, ctxFor(0, [1, 1, 1]))).toThrow(BalancerInputError);
  });
});

describe('registry', () => {
  it('names the valid ids when an id is unknown', () => {
    expect(() => createBalancer('nope')).toThrow(/valid ids: single, ew/);
    expect(() => createBalancer('toString')).toThrow(/unknown balancer/);
  });
  it('has every id the issue lists', () => {
    for (const id of ['single', 'ew', 'uc', 'dwa', 'mgda', 'pcgrad', 'pcgrad+', 'gradvac', 'cagrad', 'imtl', 'dbmtl', 'gradcraft', 'gradcraft-exact', 'multibalance', 'graddrop', 'moco']) {
      expect(balancerIds).toContain(id);
    }
  });
});

/**
 * The exact min-norm solver and MGDA's certificate: KKT on generated hard families, the issue's
 * pinned cases, both `apply` conventions on the golden J, and the Frank-Wolfe option's honesty.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { balancers, createBalancer } from '../../../src/mtl/index.ts';
import { minNormKkt, minNormPoint } from '../../../src/mtl/solvers/simplex.ts';
import { minNormSimplex } from '../../../src/mtl/linalg.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { FAMILIES, familyG, gramOf } from './families.ts';
import { methodOptionsHelp } from '../../../src/cli/commands/balance.ts';

const ctx = (T: number) => ({ step: 0, rng: new Rng(0), losses: Array.from({ length: T }, (_, t) => 0.1 + 0.7 * t) });

describe('minNormPoint (Wolfe, scale-invariant)', () => {
  it('certifies the KKT conditions on 1,600 generated cases of every hard family', () => {
    let runs = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(...FAMILIES), fc.constantFrom(2, 3, 4, 6), fc.constantFrom(2, 3, 12, 50), (seed, family, T, d) => {
      const K = gramOf(familyG(seed, family, T, d), T);
      const alpha = new Float64Array(T);
      minNormPoint(K, T, alpha);
      const cert = minNormKkt(K, T, alpha);
      runs++;
      expect(cert.ok, `${family} T=${T} d=${d} seed=${seed}: ${JSON.stringify(cert.conditions)}`).toBe(true);
      expect(cert.status).toBe('optimal');
    }), { numRuns: 1600, seed: 14 });
    expect(runs).toBe(1600);
  });

  it('2 tasks with norms 1 and 1e7: weight 4.8e-14 on the large one, not 0 (issue 14, item 3)', () => {
    // <g0, g1> = -3.8, so alpha_1 = (|g0|^2 - <g0, g1>) / |g1 - g0|^2 = 4.8 / (1e14 + 8.6).
    const c = -3.8e-7, s = Math.sqrt(1 - c * c);
    const G = new Float64Array([1, 0, 1e7 * c, 1e7 * s]);
    const K = gramOf(G, 2);
    const alpha = new Float64Array(2);
    minNormPoint(K, 2, alpha);
    expect(alpha[1] / (4.8 / (1e14 + 8.6)) - 1).toBeLessThan(1e-6);
    expect(Math.abs(alpha[0] - (1 - alpha[1]))).toBeLessThanOrEqual(1e-16);
    expect(minNormKkt(K, 2, alpha).ok).toBe(true);
    expect(minNormKkt(K, 2, [1, 0]).ok).toBe(false); // the old answer fails the certificate
  });

  it('norms spread to 1e12, T = 6 > d = 3: exact, and invariant to scaling every row by 2^k', () => {
    for (let seed = 0; seed < 40; seed++) {
      const G = familyG(seed, 'spread1e12', 6, 3);
      const K = gramOf(G, 6);
      const a = new Float64Array(6), b = new Float64Array(6);
      minNormPoint(K, 6, a);
      minNormPoint(K.map((v) => v * 2 ** 40), 6, b);
      expect(minNormKkt(K, 6, a).ok).toBe(true);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it('zero row: all weight on it; exactly collinear opposite rows: the crossing point', () => {
    const a = new Float64Array(3);
    minNormPoint(gramOf(new Float64Array([1, 2, 0, 0, 3, 1]), 3), 3, a);
    expect(Array.from(a)).toEqual([0, 1, 0]);
    minNormPoint(gramOf(new Float64Array([1, 2, -3, -6]), 2), 2, a);
    expect(a[0]).toBeCloseTo(0.75, 15);
  });

  it('keeps the old name in linalg.ts', () => {
    const a = new Float64Array(2);
    minNormSimplex([1, 1, 1, 4], 2, a);
    expect(Array.from(a)).toEqual([1, 0]);
  });
});

describe('MGDA', () => {
  const J = new Float64Array([-4, 1, 1, 6, 1, 1]);

  it("apply 'original' (default, Sener-Koltun) and 'normalized' (LibMTL) on J with l2", () => {
    const o = createBalancer('mgda', { normalization: 'l2' });
    const a = o.combine(J, 2, ctx(2));
    for (let k = 0; k < 3; k++) expect(a[k]).toBeCloseTo(1, 14);
    expect(o.lastInfo()!.taskWeights ?? null).toBeNull();
    const n = createBalancer('mgda', { normalization: 'l2', apply: 'normalized' });
    const b = n.combine(J, 2, ctx(2));
    const h = 0.5 * (6 / Math.sqrt(38) - 4 / Math.sqrt(18)), v = 0.5 * (1 / Math.sqrt(38) + 1 / Math.sqrt(18));
    expect(Array.from(b).map((x, k) => x - [h, v, v][k]).every((e) => Math.abs(e) < 1e-15)).toBe(true);
    expect(b[0]).toBeCloseTo(0.015, 3);
    expect(b[1]).toBeCloseTo(0.199, 3);
    expect(Array.from(n.lastInfo()!.taskWeights!)).toEqual([0.5, 0.5]);
    expect(n.lastInfo()!.certificate!.ok).toBe(true);
    expect(() => createBalancer('mgda', { apply: 'both' })).toThrow(/apply/);
  });

  it('fills a certificate on every combine that the registered certify reproduces, on 1,200 generated cases', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(...FAMILIES), fc.constantFrom(2, 3, 6), fc.constantFrom(3, 12),
      fc.constantFrom('none', 'l2', 'loss', 'loss+'), fc.constantFrom('original', 'normalized'), (seed, family, T, d, normalization, apply) => {
        const G = familyG(seed, family, T, d);
        const b = createBalancer('mgda', { normalization, apply });
        const c = ctx(T);
        b.combine(G, T, c);
        const info = b.lastInfo()!;
        expect(info.certificate!.ok, `${family} ${normalization} ${apply} T=${T} seed=${seed}`).toBe(true);
        expect(info.notes.some((x) => x.includes('not certified'))).toBe(false);
        const again = balancers.mgda.certify(gramOf(G, T), T, info, b.options, c);
        expect(again.ok).toBe(true);
      }), { numRuns: 1200, seed: 15 });
  });

  it('`mtlkit balance --help` names both conventions of apply', () => {
    const line = methodOptionsHelp().split('\n').find((l) => l.trim().startsWith('apply'))!;
    expect(line).toMatch(/'original' d = sum alpha_t g_t \(Sener-Koltun's code/);
    expect(line).toMatch(/'normalized' d = sum alpha_t g_t \/ n_t \(LibMTL\)/);
  });

  it("solver 'frank-wolfe' keeps the paper's solver and says when its answer is not certified", () => {
    let unverified = 0;
    for (let seed = 0; seed < 30; seed++) {
      const G = familyG(seed, 'spread1e6', 5, 8);
      const b = createBalancer('mgda', { solver: 'frank-wolfe' });
      b.combine(G, 5, ctx(5));
      const info = b.lastInfo()!;
      expect(info.certificate!.status).toBe(info.certificate!.ok ? 'optimal' : 'unverified');
      if (!info.certificate!.ok) {
        unverified++;
        expect(info.notes.some((x) => x.startsWith('min-norm point not certified (frank-wolfe solver)'))).toBe(true);
      }
    }
    expect(unverified).toBeGreaterThan(0);
  });
});

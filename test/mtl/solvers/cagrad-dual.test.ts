/**
 * CAGrad's exact inner solver: certificates on generated hard families, the pinned
 * worst case (norms [1, 59, 100]), the g_w = 0 case, and a brute-force check of the objective
 * on T = 2 and T = 3 (dense grid on the simplex, then a fine local grid around its best point).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { balancers, createBalancer } from '../../../src/mtl/index.ts';
import { cagradDual, cagradKkt } from '../../../src/mtl/solvers/cagrad-dual.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { FAMILIES, familyG, gramOf } from './families.ts';

const ctx = () => ({ step: 0, rng: new Rng(0) });

/** F(w) = <g_w, g0> + c |g0| |g_w| on the Gram matrix, written out plainly. */
function F(K: Float64Array, T: number, c: number, w: ArrayLike<number>): number {
  let lin = 0, q = 0, g0 = 0;
  for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) {
    lin += (w[i] * K[i * T + j]) / T;
    q += w[i] * K[i * T + j] * w[j];
    g0 += K[i * T + j] / (T * T);
  }
  return lin + c * Math.sqrt(Math.max(g0, 0)) * Math.sqrt(Math.max(q, 0));
}

/** min of F over a grid of the simplex of step h, then refined 6 times on a 10x finer local grid. */
function bruteForce(K: Float64Array, T: number, c: number): number {
  let best = Infinity, at = [1, 0, 0].slice(0, T);
  const visit = (w: number[]) => { const f = F(K, T, c, w); if (f < best) { best = f; at = w; } };
  let h = 1 / 400;
  const grid = (center: number[] | null, radius: number) => {
    const n = Math.round(2 * radius / h);
    for (let i = 0; i <= n; i++) {
      const x = center ? center[0] - radius + i * h : i * h;
      if (x < 0 || x > 1) continue;
      if (T === 2) { visit([x, 1 - x]); continue; }
      for (let j = 0; j <= n; j++) {
        const y = center ? center[1] - radius + j * h : j * h;
        if (y < 0 || x + y > 1) continue;
        visit([x, y, 1 - x - y]);
      }
    }
  };
  grid(null, 0.5);
  for (let r = 0; r < 6; r++) { const radius = 10 * h; h /= 10; grid(at, radius); }
  return best;
}

describe('cagradDual', () => {
  it('certifies its answer on 1,600 generated cases of every hard family', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), fc.constantFrom(...FAMILIES), fc.constantFrom(2, 3, 4, 6), fc.constantFrom(3, 12, 50),
      fc.constantFrom(0.1, 0.4, 0.5, 0.9, 2), fc.constantFrom(0, 1, 2), (seed, family, T, d, c, rescale) => {
        const G = familyG(seed, family, T, d);
        const b = createBalancer('cagrad', { c, rescale });
        b.combine(G, T, ctx());
        const info = b.lastInfo()!;
        const where = `${family} T=${T} d=${d} c=${c} seed=${seed}: ${JSON.stringify(info.certificate)}`;
        expect(info.certificate!.ok, where).toBe(true);
        expect(info.notes.some((x) => x.includes('not certified'))).toBe(false);
        expect(balancers.cagrad.certify(gramOf(G, T), T, info, b.options).ok).toBe(true);
      }), { numRuns: 1600, seed: 16 });
  });

  it('issue 14 item 1: norms [1, 59, 100], where the old solver put all weight on task 0', () => {
    const G = new Float64Array([0.07950365767941323, -0.8695712558685821, 0.13913140093897317, -0.46708398886655267,
      6.121509187263829, 5.924041148964996, -45.22018077043281, -36.92652316188182,
      42.488285993881945, 24.623893019181583, 70.49192903530414, 51.1790717653578]);
    const K = gramOf(G, 3);
    const sol = cagradDual(K, 3, 0.4);
    expect(sol.w[1]).toBeGreaterThan(0.018); // the old answer was [1, 0, 0]
    expect(cagradKkt(K, 3, 0.4 * Math.sqrt(K.reduce((s, v) => s + v, 0)) / 3, [1, 0, 0], [1 / 3 + 0.4, 1 / 3, 1 / 3]).ok).toBe(false);
    const b = createBalancer('cagrad', { rescale: 0 });
    const d = b.combine(G, 3, ctx());
    const gd = [0, 1, 2].map((t) => G.subarray(4 * t, 4 * t + 4).reduce((s, v, k) => s + v * d[k], 0));
    // min_t <g_t, d> is the optimal value F(w*) (zero duality gap), and no grid point does better.
    expect(Math.min(...gd) / F(K, 3, 0.4, sol.w) - 1).toBeLessThan(1e-12);
    expect(F(K, 3, 0.4, sol.w)).toBeLessThanOrEqual(bruteForce(K, 3, 0.4) + 1e-12 * K[8]);
  });

  it('matches a brute-force minimum of the objective on T = 2 and T = 3', () => {
    for (let seed = 0; seed < 60; seed++) {
      const T = 2 + (seed % 2), family = FAMILIES[seed % 3];
      const G = familyG(seed, family, T, 4);
      const K = gramOf(G, T);
      const c = [0.2, 0.4, 0.9][seed % 3];
      const sol = cagradDual(K, T, c);
      let scale = 0;
      for (let t = 0; t < T; t++) scale = Math.max(scale, K[t * T + t]);
      const ours = F(K, T, c, sol.w), brute = bruteForce(K, T, c);
      expect(ours, `seed ${seed}`).toBeLessThanOrEqual(brute + 1e-13 * scale);
      expect(brute - ours).toBeLessThan(1e-6 * scale); // the grid gets close: the check has teeth
    }
  });

  it('g_w = 0 optimal: the mean gradient projected onto the non-conflicting cone, certified', () => {
    // g1 = 0, g2 = [1, 0], g3 = [-2, 0.5]: g0 = [-1, 0.5] / 3 conflicts with g2; its projection
    // onto {d_x >= 0, d_y >= 4 d_x} is [0, 1/6], at distance 1/3 < c |g0| for c = 0.9.
    const G = new Float64Array([0, 0, 1, 0, -2, 0.5]);
    const b = createBalancer('cagrad', { c: 0.9, rescale: 0 });
    const d = b.combine(G, 3, ctx());
    expect(Math.abs(d[0])).toBeLessThan(1e-15);
    expect(d[1]).toBeCloseTo(1 / 6, 15);
    expect(b.lastInfo()!.certificate!.ok).toBe(true);
    expect(b.lastInfo()!.notes.join(' ')).toMatch(/projected onto the directions that conflict with no task/);
    // With c = 0.5 the projection is outside the ball: g_w != 0 and the update is on the sphere.
    const e = createBalancer('cagrad', { c: 0.5, rescale: 0 });
    e.combine(G, 3, ctx());
    expect(e.lastInfo()!.certificate!.ok).toBe(true);
    expect(e.lastInfo()!.notes).toEqual([]);
  });

  it('c = 0 and g0 = 0 give the mean gradient, certified', () => {
    for (const G of [new Float64Array([1, 2, 3, -1]), new Float64Array([1, 2, -1, -2])]) {
      const b = createBalancer('cagrad', { c: G[2] === 3 ? 0 : 0.4, rescale: 0 });
      const d = b.combine(G, 2, ctx());
      expect(Array.from(d)).toEqual([(G[0] + G[2]) / 2, (G[1] + G[3]) / 2]);
      expect(b.lastInfo()!.certificate!.ok).toBe(true);
    }
  });
});

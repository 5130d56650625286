import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { balancers, createBalancer } from '../../../src/mtl/index.ts';
import { gramJs } from '../../../src/mtl/linalg.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { arbCase, type Case } from './families.ts';

const ctx = { step: 0, rng: new Rng(0), losses: [0.5, 1, 2, 0.3, 0.7, 1.1] };
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let s = 0; for (let k = 0; k < a.length; k++) s += a[k] * b[k]; return s; };
const nrm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));
const rowOf = (G: Float64Array, t: number, d: number): Float64Array => G.subarray(t * d, t * d + d);

/** Residual of x outside the span of M's rows (n x n), by modified Gram-Schmidt: independent of the SVD. */
function outsideRowSpace(M: number[][], x: number[]): number {
  const Q: number[][] = [];
  const amax = Math.max(...M.map(nrm));
  for (const row of M) {
    const q = row.slice();
    for (let pass = 0; pass < 2; pass++) for (const p of Q) { const d = dot(p, q); q.forEach((_, k) => { q[k] -= d * p[k]; }); }
    const nq = nrm(q);
    if (nq > 1e-9 * amax) Q.push(q.map((v) => v / nq));
  }
  const r = x.slice();
  for (let pass = 0; pass < 2; pass++) for (const p of Q) { const d = dot(p, r); r.forEach((_, k) => { r[k] -= d * p[k]; }); }
  return nrm(r) / Math.max(nrm(x), 1e-300);
}

function check(c: Case): void {
  const { G, T, d } = c;
  const b = createBalancer('imtl');
  const out = b.combine(G, T, ctx);
  const info = b.lastInfo()!;
  const K = new Float64Array(T * T);
  gramJs(G, K, T, d);
  expect(info.certificate!.ok).toBe(true);
  expect(balancers.imtl.certify!(K, T, info, b.options, ctx).ok).toBe(true);
  const a = info.weights!;
  const live = [...Array(T).keys()].filter((t) => nrm(rowOf(G, t, d)) > 0);
  if (live.length === 0) return;
  let sum = 0, scale = 0;
  for (const t of live) { sum += a[t]; scale += Math.abs(a[t]) * nrm(rowOf(G, t, d)); }
  expect(Math.abs(sum - 1)).toBeLessThan(1e-12 * Math.max(1, ...live.map((t) => Math.abs(a[t]))));
  const singular = info.notes.find((n) => /numerical rank/.test(n));
  if (!singular || live.length < 2) {
    // Full rank: equal projections on every unit gradient, measured on the rows.
    const p = live.map((t) => dot(out, rowOf(G, t, d)) / nrm(rowOf(G, t, d)));
    for (const v of p) expect(Math.abs(v - p[0])).toBeLessThanOrEqual(1e-9 * scale);
    return;
  }
  // Rank deficient: the documented system M x = rhs (reference = first live task), built from the
  // rows; normal equations and (for exact degeneracies) x in M's row space.
  const u = live.map((t) => Array.from(rowOf(G, t, d), (v) => v / nrm(rowOf(G, t, d))));
  const g = live.map((t) => Array.from(rowOf(G, t, d)));
  const n = live.length - 1;
  const M = Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, cc) =>
    dot(u[0].map((v, k) => v - u[r + 1][k]), g[0].map((v, k) => v - g[cc + 1][k]))));
  const rhs = Array.from({ length: n }, (_, r) => dot(u[0].map((v, k) => v - u[r + 1][k]), g[0]));
  const x = live.slice(1).map((t) => a[t]);
  const colScale = Array.from({ length: n }, (_, cc) => nrm(g[0]) + nrm(g[cc + 1]));
  const res = M.map((row, r) => dot(row, x) - rhs[r]);
  const ne = Array.from({ length: n }, (_, cc) => M.reduce((s, row, r) => s + row[cc] * res[r], 0) / colScale[cc]);
  const Ms = Math.max(1, Math.sqrt(M.reduce((s, row) => s + row.reduce((q, v, cc) => q + (v / colScale[cc]) ** 2, 0), 0)));
  expect(nrm(ne)).toBeLessThanOrEqual(1e-8 * Ms * (Ms * nrm(x.map((v, cc) => v * colScale[cc])) + nrm(rhs)) + 1e-300);
  if (c.family === 'collinear' || c.family === 'wide' || c.family === 'zero') expect(outsideRowSpace(M, x)).toBeLessThan(1e-6);
}

describe('IMTL-G', () => {
  it('certificates hold on 1,200 cases of the hard families; checked again from the rows', () => {
    fc.assert(fc.property(arbCase, (c) => check(c)), { numRuns: 1200, seed: 61 });
  });

  it('golden J = [[-4, 1, 1], [6, 1, 1]] keeps the closed form [0.0767, 1, 1]', () => {
    const b = createBalancer('imtl');
    const out = b.combine(new Float64Array([-4, 1, 1, 6, 1, 1]), 2, ctx);
    expect(out[0]).toBeCloseTo(0.0767, 4);
    expect(out[1]).toBeCloseTo(1, 12);
    expect(b.lastInfo()!.certificate!.status).toBe('optimal');
    expect(b.lastInfo()!.notes).toEqual([]);
  });

  it('T = 2 pointing the same way: always alpha = [1, 0] (minimum-norm alpha_2 = 0), with a rank note', () => {
    const dir = [0.3, 0.7, -0.2];
    for (const [s0, s1] of [[1, 2], [3, 7], [0.1, 5], [1e-6, 1e6], [7, 3]]) {
      const G = new Float64Array([...dir.map((v) => s0 * v), ...dir.map((v) => s1 * v)]);
      const b = createBalancer('imtl');
      b.combine(G, 2, ctx);
      const info = b.lastInfo()!;
      expect(Array.from(info.weights!)).toEqual([1, 0]);
      expect(info.notes.join(' ')).toMatch(/numerical rank 0 of 1/);
      expect(info.certificate!.ok).toBe(true);
    }
  });

  it('6 tasks in d = 3: rank 3 of 5, moderate weights, d = 0 (equal projections force it)', () => {
    const rng = new Rng(3);
    const G = Float64Array.from({ length: 18 }, () => rng.normal());
    const b = createBalancer('imtl');
    const out = b.combine(G, 6, ctx);
    const info = b.lastInfo()!;
    expect(info.notes.join(' ')).toMatch(/numerical rank 3 of 5/);
    expect(Math.max(...Array.from(info.weights!, Math.abs))).toBeLessThan(10);
    expect(nrm(out)).toBeLessThan(1e-12 * 18);
    expect(info.certificate!.ok).toBe(true);
  });

  it('norms 1e6 and 1e-6, orthogonal: alpha = [1e-12, 1] / (1 + 1e-12) to 1e-12 relative', () => {
    const b = createBalancer('imtl');
    b.combine(new Float64Array([1e6, 0, 0, 1e-6]), 2, ctx);
    const a = b.lastInfo()!.weights!;
    expect(Math.abs(a[0] / (1e-12 / (1 + 1e-12)) - 1)).toBeLessThan(1e-12);
    expect(Math.abs(a[1] / (1 / (1 + 1e-12)) - 1)).toBeLessThan(1e-12);
  });

  it('norms spread over 1e12 with independent directions: full rank, equal projections (no rank note)', () => {
    // With the long row as task 1 the scaled columns all lean towards it (singular values of
    // the order of the norm ratio): the rank is decided with the shortest row as task 1.
    const rng = new Rng(5), d = 50;
    for (let k = 0; k < 40; k++) {
      const T = 2 + (k % 5);
      const G = new Float64Array(T * d);
      for (let t = 0; t < T; t++) {
        const v = Float64Array.from({ length: d }, () => rng.normal());
        const s = (t === 0 ? 1e6 : 10 ** (-6 + rng.next())) / nrm(v);
        G.set(v.map((x) => x * s), t * d);
      }
      const b = createBalancer('imtl');
      const out = b.combine(G, T, ctx);
      const info = b.lastInfo()!;
      expect(info.notes).toEqual([]);
      expect(info.certificate!.status).toBe('optimal');
      const p = [...Array(T).keys()].map((t) => dot(out, rowOf(G, t, d)) / nrm(rowOf(G, t, d)));
      const scale = info.weights!.reduce((a, w, t) => a + Math.abs(w) * nrm(rowOf(G, t, d)), 0);
      for (const v of p) expect(Math.abs(v - p[0])).toBeLessThan(1e-12 * scale);
    }
  });

  it('hybrid: the certificate is taken on the loss-weighted rows', () => {
    const rng = new Rng(4);
    const G = Float64Array.from({ length: 12 }, () => rng.normal());
    const b = createBalancer('imtl', { variant: 'hybrid' });
    for (let s = 0; s < 3; s++) b.combine(G, 3, { ...ctx, step: s, losses: [0.5, 1, 2] });
    expect(b.lastInfo()!.certificate!.ok).toBe(true);
    expect(createBalancer('imtl', { variant: 'l' }).combine(G, 3, { ...ctx, losses: [0.5, 1, 2] }).length).toBe(4);
  });
});

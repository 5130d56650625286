import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { balancers, createBalancer } from '../../../src/mtl/index.ts';
import { gramJs } from '../../../src/mtl/linalg.ts';
import { Rng } from '../../../src/tensor/rng.ts';
import { FAMILIES, arbCase, makeCase } from './families.ts';

const ctx = { step: 0, rng: new Rng(0) };
const OPTIONS = [{}, { ablation: 'ori' }, { epsilon: 0 }, { epsilon: 0.3 }, { ablation: 'ori', epsilon: 0.3 }, { ablation: 'ori', epsilon: 0 }];

/** The adjusted rows g^_t = f_t g_t, explicitly (not through K). */
function adjustedRows(G: Float64Array, T: number, d: number, f: ArrayLike<number>): Float64Array[] {
  return Array.from({ length: T }, (_, t) => Float64Array.from({ length: d }, (_, k) => f[t] * G[t * d + k]));
}
const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let s = 0; for (let k = 0; k < a.length; k++) s += a[k] * b[k]; return s; };
const nrm = (a: ArrayLike<number>): number => Math.sqrt(dot(a, a));

/**
 * Second method for infeasibility, independent of the solver: 0 is in the convex hull of the
 * unit vectors (computed from the rows) iff it is in the hull of some affinely independent
 * subset (Caratheodory); each subset's affine min-norm point comes from a small bordered system
 * solved by Gaussian elimination. Returns the smallest squared distance found with barycentric
 * weights >= -1e-9, an upper bound on the hull's squared distance from 0.
 */
function hullDistance2(U: Float64Array[]): number {
  let best = Infinity;
  const n = U.length, d = U[0]?.length ?? 0;
  for (let mask = 1; mask < 1 << n; mask++) {
    const S = [...Array(n).keys()].filter((j) => mask & (1 << j));
    if (S.length > d + 1) continue;
    const m = S.length;
    const B = Array.from({ length: m + 1 }, (_, a) => Array.from({ length: m + 2 }, (_, b) =>
      a < m && b < m ? dot(U[S[a]], U[S[b]]) : a === m && b === m ? 0 : b === m + 1 ? (a === m ? 1 : 0) : 1));
    // Gaussian elimination with partial pivoting on [B | rhs].
    let singular = false;
    for (let c = 0; c <= m && !singular; c++) {
      let p = c;
      for (let r = c + 1; r <= m; r++) if (Math.abs(B[r][c]) > Math.abs(B[p][c])) p = r;
      if (Math.abs(B[p][c]) < 1e-13) { singular = true; break; }
      [B[c], B[p]] = [B[p], B[c]];
      for (let r = 0; r <= m; r++) if (r !== c) { const f = B[r][c] / B[c][c]; for (let k = c; k <= m + 1; k++) B[r][k] -= f * B[c][k]; }
    }
    if (singular) continue;
    const mu = S.map((_, a) => B[a][m + 1] / B[a][a]);
    if (mu.some((x) => x < -1e-9)) continue;
    const p = new Float64Array(d);
    S.forEach((j, a) => { for (let k = 0; k < d; k++) p[k] += mu[a] * U[j][k]; });
    best = Math.min(best, dot(p, p));
  }
  return best;
}

function check(G: Float64Array, T: number, d: number, options: Record<string, unknown>): { infeasible: number; certified: boolean } {
  const b = createBalancer('gradcraft-exact', options);
  b.combine(G, T, ctx);
  const info = b.lastInfo()!;
  const cert = info.certificate!;
  // The registered certifier, called from outside, agrees with what the balancer stored.
  const K = new Float64Array(T * T);
  gramJs(G, K, T, d);
  const again = balancers['gradcraft-exact'].certify!(K, T, info, b.options, ctx);
  expect(again.ok).toBe(cert.ok);
  expect(cert.ok).toBe(true);
  expect(info.notes.some((n) => /certificate not verified/.test(n))).toBe(false);
  const eps = b.options.epsilon as number;
  const gh = adjustedRows(G, T, d, info.rowScales!);
  let infeasible = 0;
  for (let i = 0; i < T; i++) {
    const ni = nrm(gh[i]);
    if (!(ni > 0)) continue;
    const claimed = info.notes.some((n) => n.startsWith(`task ${i}: the constraints`));
    const others = [...Array(T).keys()].filter((j) => j !== i && nrm(gh[j]) > 0);
    if (claimed) {
      infeasible++;
      expect(eps).toBeGreaterThan(0);
      // Independent: 0 is (to float64's resolution of a Gram matrix) in the hull of the other directions.
      const U = others.map((j) => gh[j].map((v) => v / nrm(gh[j])));
      expect(hullDistance2(U)).toBeLessThan(1e-10);
      continue;
    }
    // Feasible: every constraint, measured on the explicit crafted vector and rows.
    const gt = new Float64Array(d);
    let S = 0;
    for (let k = 0; k < T; k++) {
      const c = info.taskCoefs![i * T + k];
      S += Math.abs(c) * nrm(G.subarray(k * d, k * d + d));
      for (let q = 0; q < d; q++) gt[q] += c * G[k * d + q];
    }
    for (const j of others) {
      const nj = nrm(gh[j]);
      expect(dot(gt, gh[j]) - eps * ni * nj).toBeGreaterThanOrEqual(-1e-8 * S * nj);
    }
  }
  return { infeasible, certified: cert.ok };
}

describe('gradcraft-exact', () => {
  it('certificates hold on 1,200 cases of the hard families, with tau default and 0, epsilon 0, 1e-10 and 0.3', () => {
    let infeasible = 0;
    fc.assert(fc.property(arbCase, fc.constantFrom(...OPTIONS), (c, o) => {
      infeasible += check(c.G, c.T, c.d, o).infeasible;
    }), { numRuns: 1200, seed: 51 });
    expect(infeasible).toBeGreaterThan(0);
  });

  it('every family is covered, with T > d', () => {
    for (const fam of FAMILIES) for (let s = 0; s < 20; s++) { const c = makeCase(fam, s); check(c.G, c.T, c.d, { epsilon: 0.3 }); }
    expect(makeCase('wide', 0).T).toBe(6);
    expect(makeCase('wide', 0).d).toBe(3);
  });

  it('6 tasks in d = 3, epsilon 0.3: feasible for every task (the old Lawson-Hanson solve said not satisfiable for five)', () => {
    const G = Float64Array.from([-1.13332, 0.259484, -0.154201, 1.43674, -0.692611, 2.00381, 0.797604, 0.987763, -0.608773,
      0.617073, 0.691925, 1.09425, 0.634381, -0.182707, 0.406389, 0.265433, 0.222541, -0.403459]);
    for (const o of [{ ablation: 'ori', epsilon: 0.3 }, { epsilon: 0.3 }]) {
      const b = createBalancer('gradcraft-exact', o);
      b.combine(G, 6, ctx);
      const info = b.lastInfo()!;
      expect(info.notes).toEqual([]);
      expect(info.certificate!.status).toBe('optimal');
      expect(check(G, 6, 3, o).infeasible).toBe(0);
      // Task 1 needs three multipliers (tasks 0, 4, 5), in original-row units about 48.5, 67.5, 43.2.
      const w = info.certificate!.multipliers!.slice(6, 12);
      expect(w.map((x) => x > 0)).toEqual([true, false, false, false, true, true]);
    }
  });

  it('three tasks with two exactly opposite: infeasible for the third at epsilon 0.3, with a witness, and epsilon relaxed to 0', () => {
    const G = Float64Array.from([1, 0, 0, -2, 0, 0, 0.3, 1, 0]);
    const b = createBalancer('gradcraft-exact', { epsilon: 0.3, ablation: 'ori' });
    b.combine(G, 3, ctx);
    const info = b.lastInfo()!;
    expect(info.certificate!.status).toBe('infeasible');
    expect(info.certificate!.ok).toBe(true);
    expect(info.notes.filter((n) => /infeasible/.test(n)).length).toBe(1);
    expect(info.certificate!.conditions.some((c) => /Farkas/.test(c.name) && c.ok)).toBe(true);
    // The relaxed answer for task 2: (0, 1, 0), orthogonal to both.
    const C = info.taskCoefs!;
    const g2 = [0, 1, 2].map((k) => C[6] * G[k] + C[7] * G[3 + k] + C[8] * G[6 + k]);
    expect(g2[0]).toBeCloseTo(0, 12);
    expect(g2[1]).toBeCloseTo(1, 12);
  });

  it('epsilon 1e-10 with 0 in the hull of the others: noted as infeasible (the LDP alone cannot tell 1e-10 from rounding)', () => {
    // Two exactly opposite rows (u_1 = -u_0, norms 4 : 1) in d = 50, and 6 rows in d = 3 around the origin.
    const rng = new Rng(8);
    const v = Float64Array.from({ length: 50 }, () => rng.normal());
    const w = Float64Array.from({ length: 50 }, () => rng.normal());
    const opp = Float64Array.from([...v, ...v.map((x) => -0.25 * x), ...w]);
    const ring = Float64Array.from([1, 0, 0, -1, 1, 0.1, -1, -1, 0.2, 0.2, 0.3, 1, 0.1, -0.2, -1, 3, 2, 0.5]);
    for (const [G, T, d] of [[opp, 3, 50], [ring, 6, 3]] as const) {
      const b = createBalancer('gradcraft-exact', { ablation: 'ori' });
      b.combine(G, T, ctx);
      const info = b.lastInfo()!;
      expect(info.notes.some((n) => /are infeasible/.test(n))).toBe(true);
      check(G, T, d, { ablation: 'ori' });
    }
  });

  it('the norm EMA (b > 0): rowScales carry the eq. 5 factors across steps and the certificate holds', () => {
    const bal = createBalancer('gradcraft-exact', { b: 0.9, epsilon: 0.3 });
    for (let s = 0; s < 5; s++) {
      const c = makeCase('wide', 100 + s);
      bal.combine(c.G, c.T, ctx);
      expect(bal.lastInfo()!.certificate!.ok).toBe(true);
    }
    // The factors differ from what K alone gives (the EMA), so the certifier needs them.
    const info = bal.lastInfo()!;
    const K = new Float64Array(36);
    const c = makeCase('wide', 104);
    gramJs(c.G, K, 6, 3);
    expect(balancers['gradcraft-exact'].certify!(K, 6, { ...info, rowScales: null }, bal.options, ctx).ok).toBe(false);
  });
});

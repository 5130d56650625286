/**
 * The papers' own invariants, on top of the shared harness, plus the golden values of
 * J = [[-4, 1, 1], [6, 1, 1]] whose conventions match ours (see docs/balancers.md).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createBalancer, diagnose, MultiBalance } from '../../src/mtl/index.ts';
import { magnitudeFactors } from '../../src/mtl/balancers/common.ts';
import { crafted, ctxFor, dotv, norm, randomG, randomLosses, row } from './helpers.ts';
import { Rng } from '../../src/tensor/rng.ts';

const J = new Float64Array([-4, 1, 1, 6, 1, 1]);
const close = (a: ArrayLike<number>, b: number[], tol = 5e-5) => {
  expect(a.length).toBe(b.length);
  for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol);
};

describe('golden values for J = [[-4,1,1],[6,1,1]]', () => {
  const c = ctxFor(0, [1, 1]);
  it('MGDA (normalization none) = [0, 1, 1]', () => close(createBalancer('mgda').combine(J, 2, c), [0, 1, 1], 1e-12));
  it('PCGrad (sum) = [0.5848, 3.8012, 3.8012]', () => close(createBalancer('pcgrad').combine(J, 2, c), [0.5848, 3.8012, 3.8012]));
  it('IMTL-G = [0.0767, 1, 1]', () => close(createBalancer('imtl').combine(J, 2, c), [0.0767, 1, 1]));
  it('CAGrad c=0.5, no rescale = [0.1835, 1.2041, 1.2041]', () =>
    close(createBalancer('cagrad', { c: 0.5, rescale: 0 }).combine(J, 2, c), [0.1835, 1.2041, 1.2041]));
  it('GradCraft tau=0, eps=0 = PCGrad / 2', () =>
    close(createBalancer('gradcraft', { tau: 0, epsilon: 0 }).combine(J, 2, c), [0.5848 / 2, 3.8012 / 2, 3.8012 / 2]));
});

/** Adjusted gradients g^_j = f_j g_j as the balancer computes them (eq. 5 without EMA). */
function adjusted(G: ArrayLike<number>, T: number, d: number, tau: number): Float64Array[] {
  const rows = Array.from({ length: T }, (_, t) => row(G, t, d));
  const f = new Float64Array(T);
  magnitudeFactors(rows.map(norm), T, tau, f);
  return rows.map((r, t) => r.map((v) => v * f[t]));
}

describe('GradCraft', () => {
  it('eq. 5: max / min norm ratio after adjustment is at most 1 / tau', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 8 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (seed, T, tau) => {
      const G = randomG(seed, T, 5, { spread: 4 });
      const n = adjusted(G, T, 5, tau).map(norm);
      expect(Math.max(...n) / Math.min(...n)).toBeLessThanOrEqual((1 / tau) * (1 + 1e-12));
    }), { numRuns: 100, seed: 3 });
  });

  it('eq. 6: <g~_i, g^_j> = epsilon |g^_i| |g^_j| for every j in the conflict set of i', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom(0, 1e-10, 0.05, 0.3), fc.constantFrom(0, 0.1, 0.5), (seed, T, eps, tau) => {
      const d = 12;
      const G = randomG(seed, T, d, { spread: 1.5 });
      const b = createBalancer('gradcraft', { tau, epsilon: eps });
      b.combine(G, T, ctxFor(0, randomLosses(0, T), 0, true));
      const info = b.lastInfo()!;
      const gh = adjusted(G, T, d, tau);
      for (let i = 0; i < T; i++) {
        const gt = crafted(G, info.taskCoefs!, T, d, i);
        for (let j = 0; j < T; j++) {
          if (j !== i) expect(info.conflictSets![i].includes(j)).toBe(dotv(gh[i], gh[j]) < 0);
        }
        for (const j of info.conflictSets![i]) {
          const target = eps * norm(gh[i]) * norm(gh[j]);
          expect(Math.abs(dotv(gt, gh[j]) - target)).toBeLessThanOrEqual(1e-9 * norm(gt) * norm(gh[j]) + 1e-12 * target);
          expect(dotv(gt, gh[j])).toBeGreaterThanOrEqual(-1e-9 * norm(gt) * norm(gh[j]));
        }
      }
    }), { numRuns: 80, seed: 4 });
  });

  it('T=2, tau=0, epsilon=0 equals PCGrad up to sum-versus-mean (factor 2)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), (seed) => {
      const G = randomG(seed, 2, 7, { spread: 2 });
      const a = createBalancer('gradcraft', { tau: 0, epsilon: 0 }).combine(G, 2, ctxFor(0, [1, 1]));
      const p = createBalancer('pcgrad').combine(G, 2, ctxFor(0, [1, 1]));
      const s = Math.max(...Array.from(p, Math.abs));
      for (let k = 0; k < 7; k++) expect(Math.abs(2 * a[k] - p[k])).toBeLessThanOrEqual(1e-12 * s);
    }), { numRuns: 60, seed: 5 });
  });

  it('ablations map to the Table 3 settings and clash with explicit options', () => {
    expect(createBalancer('gradcraft', { ablation: 'fix-epsilon' }).options.epsilon).toBe(0);
    expect(createBalancer('gradcraft', { ablation: 'fix-tau' }).options.tau).toBe(1);
    expect(createBalancer('gradcraft', { ablation: 'ori' }).options.tau).toBe(0);
    expect(() => createBalancer('gradcraft', { ablation: 'ori', tau: 0.2 })).toThrow(/fixes tau/);
    const G = randomG(8, 4, 10, { spread: 1 });
    const out = createBalancer('gradcraft', { ablation: 'local' }).combine(G, 4, ctxFor(0, [1, 1, 1, 1]));
    for (const v of out) expect(Number.isFinite(v)).toBe(true);
  });

  it('solves a singular conflict Gram (two collinear conflicting gradients) exactly by the pseudo-inverse', () => {
    // g1 and g2 point the same way and both conflict with g0.
    const d = 3;
    const G = new Float64Array([1, 0, 0, -1, 1, 0, -2, 2, 0]);
    const b = createBalancer('gradcraft', { tau: 0, epsilon: 0.1 });
    b.combine(G, 3, ctxFor(0, [1, 1, 1], 0, true));
    const info = b.lastInfo()!;
    expect(info.notes.join(' ')).toMatch(/pseudo-inverse/);
    const g0 = crafted(G, info.taskCoefs!, 3, d, 0);
    for (const j of [1, 2]) {
      const gj = row(G, j, d);
      expect(dotv(g0, gj)).toBeCloseTo(0.1 * 1 * norm(gj), 10);
    }
  });
});

describe('gradcraft-exact', () => {
  it('no crafted gradient conflicts with any adjusted task gradient, and plain GradCraft sometimes does', () => {
    let plainViolations = 0;
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 3, max: 6 }), fc.constantFrom(0, 1e-10, 0.1), (seed, T, eps) => {
      const d = 8 + (seed % 33);
      const G = randomG(seed, T, d, { spread: 1 });
      const tau = 0.1;
      const gh = adjusted(G, T, d, tau);
      for (const [id, exact] of [['gradcraft-exact', true], ['gradcraft', false]] as const) {
        const b = createBalancer(id, { tau, epsilon: eps });
        b.combine(G, T, ctxFor(0, randomLosses(0, T)));
        const C = b.lastInfo()!.taskCoefs!;
        for (let i = 0; i < T; i++) {
          const gt = crafted(G, C, T, d, i);
          for (let j = 0; j < T; j++) {
            if (j === i) continue;
            const slack = dotv(gt, gh[j]) - eps * norm(gh[i]) * norm(gh[j]);
            const tol = 1e-9 * norm(gt) * norm(gh[j]);
            if (exact) expect(slack).toBeGreaterThanOrEqual(-tol);
            else if (dotv(gt, gh[j]) < -tol) plainViolations++;
          }
        }
      }
    }), { numRuns: 150, seed: 6 });
    expect(plainViolations).toBeGreaterThan(0);
  });

  it('equals GradCraft when the projection creates no new conflict and its multipliers are non-negative', () => {
    const G = randomG(12, 2, 9, { spread: 1 });
    const a = createBalancer('gradcraft').combine(G, 2, ctxFor(0, [1, 1]));
    const b = createBalancer('gradcraft-exact').combine(G, 2, ctxFor(0, [1, 1]));
    for (let k = 0; k < 9; k++) expect(b[k]).toBeCloseTo(a[k], 12);
  });
});

describe('PCGrad', () => {
  it('with two tasks does not depend on the order (seed) or on swapping the tasks', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 0, max: 1e6 }), (seed, s2) => {
      const d = 6;
      const G = randomG(seed, 2, d, { spread: 1 }) as Float64Array;
      const a = createBalancer('pcgrad').combine(G, 2, ctxFor(0, [1, 1], 1));
      const b = createBalancer('pcgrad').combine(G, 2, ctxFor(0, [1, 1], s2));
      const sw = new Float64Array([...G.subarray(d), ...G.subarray(0, d)]);
      const c = createBalancer('pcgrad').combine(sw, 2, ctxFor(0, [1, 1], s2));
      for (let k = 0; k < d; k++) {
        expect(b[k]).toBe(a[k]);
        expect(c[k]).toBeCloseTo(a[k], 10);
      }
    }), { numRuns: 60, seed: 7 });
  });
});

describe('MGDA', () => {
  it('returns the min-norm point of the convex hull (KKT conditions)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 2, max: 12 }), (seed, T, d) => {
      const G = randomG(seed, T, d, { spread: 1 });
      const b = createBalancer('mgda');
      const out = b.combine(G, T, ctxFor(0, randomLosses(0, T)));
      const alpha = b.lastInfo()!.weights!;
      let s = 0;
      for (const a of alpha) { expect(a).toBeGreaterThanOrEqual(0); s += a; }
      expect(s).toBeCloseTo(1, 12);
      const dd = dotv(out, out);
      const scale = Math.max(...Array.from({ length: T }, (_, t) => dotv(row(G, t, d), row(G, t, d))));
      for (let t = 0; t < T; t++) {
        const gd = dotv(row(G, t, d), out);
        expect(gd).toBeGreaterThanOrEqual(dd - 1e-10 * scale);
        if (alpha[t] > 1e-9) expect(Math.abs(gd - dd)).toBeLessThanOrEqual(1e-10 * scale);
      }
    }), { numRuns: 100, seed: 8 });
  });

  it('Frank-Wolfe solver approximates the exact one', () => {
    const G = randomG(21, 5, 10);
    const a = createBalancer('mgda').combine(G, 5, ctxFor(0, [1, 1, 1, 1, 1]));
    const b = createBalancer('mgda', { solver: 'frank-wolfe' }).combine(G, 5, ctxFor(0, [1, 1, 1, 1, 1]));
    expect(norm(b)).toBeGreaterThanOrEqual(norm(a) * (1 - 1e-9));
    expect(norm(b)).toBeLessThanOrEqual(norm(a) * 1.05 + 1e-12);
  });
});

describe('IMTL-G', () => {
  it('the update has equal projections on every unit task gradient', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 6 }), (seed, T) => {
      const d = 10;
      const G = randomG(seed, T, d, { spread: 1 });
      const out = createBalancer('imtl').combine(G, T, ctxFor(0, randomLosses(0, T)));
      const p = Array.from({ length: T }, (_, t) => { const r = row(G, t, d); return dotv(out, r) / norm(r); });
      for (let t = 1; t < T; t++) expect(Math.abs(p[t] - p[0])).toBeLessThanOrEqual(1e-8 * (Math.abs(p[0]) + norm(out)));
    }), { numRuns: 60, seed: 9 });
  });
});

describe('MultiBalance', () => {
  it('keeps the task weights on the simplex at every step', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e6 }), fc.integer({ min: 2, max: 6 }), fc.constantFrom('cosine', 'gradient'), fc.constantFrom(0.5, 5, 50), (seed, T, form, beta) => {
      const b = new MultiBalance({ form, beta });
      for (let s = 0; s < 15; s++) {
        b.combine(randomG(seed + s, T, 8, { spread: 2 }), T, ctxFor(s, randomLosses(s, T)));
        const l = b.weights();
        let sum = 0;
        for (const v of l) { expect(v).toBeGreaterThanOrEqual(0); sum += v; }
        expect(sum).toBeCloseTo(1, 12);
      }
    }), { numRuns: 40, seed: 10 });
  });

  it('with beta = 0 the weights stay at lambda0 and the update is the EW mean of the EMA-rescaled gradients', () => {
    const T = 3, d = 5, gamma = 0.3;
    const b = new MultiBalance({ beta: 0, gamma });
    const u = new Float64Array(T);
    for (let s = 0; s < 6; s++) {
      const G = randomG(40 + s, T, d, { spread: 1.5 });
      const out = b.combine(G, T, ctxFor(s, randomLosses(s, T)));
      for (const v of b.weights()) expect(v).toBeCloseTo(1 / T, 15);
      const want = new Float64Array(d);
      for (let t = 0; t < T; t++) {
        const n = norm(row(G, t, d));
        u[t] = s === 0 ? n : (1 - gamma) * u[t] + gamma * n;
        for (let k = 0; k < d; k++) want[k] += G[t * d + k] / u[t] / T;
      }
      for (let k = 0; k < d; k++) expect(out[k]).toBeCloseTo(want[k], 12);
    }
  });

  it('one step moves weight away from the tasks the combined direction already serves', () => {
    // Two identical tasks and one orthogonal: V lambda0 leans towards the pair, so their cosine
    // with it is larger and their weights drop (the min-norm descent of eq. 12).
    const G = new Float64Array([1, 0, 1, 0, 0, 1]);
    for (const form of ['cosine', 'gradient'] as const) {
      const b = new MultiBalance({ beta: 0.1, form });
      b.combine(G, 3, ctxFor(0, [1, 1, 1]));
      const l = b.weights();
      expect(l[0]).toBeCloseTo(l[1], 15);
      expect(l[2]).toBeGreaterThan(l[0]);
    }
  });
});

describe('loss-weighting balancers', () => {
  it('DWA: weights T/T for two steps, then T * softmax(r / 2)', () => {
    const b = createBalancer('dwa');
    const L = [[1, 1], [0.5, 1], [0.25, 1]];
    const w0 = b.lossWeights!(L[0], ctxFor(0, L[0]));
    const w1 = b.lossWeights!(L[1], ctxFor(1, L[1]));
    const w2 = b.lossWeights!(L[2], ctxFor(2, L[2]));
    expect(Array.from(w0)).toEqual([1, 1]);
    expect(Array.from(w1)).toEqual([1, 1]);
    const e0 = Math.exp(0.5 / 2), e1 = Math.exp(1 / 2);
    expect(w2[0]).toBeCloseTo((2 * e0) / (e0 + e1), 14);
    expect(w2[1]).toBeCloseTo((2 * e1) / (e0 + e1), 14);
  });

  it('DWA: averages the losses of each epoch when ctx.epoch is given', () => {
    const b = createBalancer('dwa', { weightSum: 1 });
    const c = (step: number, epoch: number, L: number[]) => ({ ...ctxFor(step, L), epoch });
    b.lossWeights!([1, 1], c(0, 0, [1, 1]));
    b.lossWeights!([3, 1], c(1, 0, [3, 1])); // epoch 0 mean: [2, 1]
    b.lossWeights!([1, 1], c(2, 1, [1, 1])); // epoch 1 mean: [1, 1]
    const w = b.lossWeights!([9, 9], c(3, 2, [9, 9]));
    const e0 = Math.exp(0.5 / 2), e1 = Math.exp(1 / 2);
    expect(w[0]).toBeCloseTo(e0 / (e0 + e1), 14);
  });

  it('UC: the learned weights approach 1 / (2 L_t) for constant losses', () => {
    const b = createBalancer('uc', { lr: 0.05 });
    const L = [0.2, 2];
    let w: Float64Array = new Float64Array(2);
    for (let s = 0; s < 3000; s++) w = b.lossWeights!(L, ctxFor(s, L));
    expect(w[0]).toBeCloseTo(1 / (2 * L[0]), 1);
    expect(w[1]).toBeCloseTo(1 / (2 * L[1]), 1);
  });

  it('IMTL-L: the scaled losses approach 1', () => {
    const b = createBalancer('imtl', { variant: 'l', lr: 0.05 });
    expect(b.kind).toBe('loss');
    const L = [0.2, 2];
    let w: Float64Array = new Float64Array(2);
    for (let s = 0; s < 3000; s++) w = b.lossWeights!(L, ctxFor(s, L));
    expect(w[0] * L[0]).toBeCloseTo(1, 1);
    expect(w[1] * L[1]).toBeCloseTo(1, 1);
  });

  it('loss-kind balancers need the losses and say so', () => {
    for (const id of ['uc', 'dwa']) {
      expect(() => createBalancer(id).combine(J, 2, { step: 0, rng: new Rng(0) })).toThrow(/ctx.losses/);
    }
    expect(() => createBalancer('dbmtl').combine(J, 2, { step: 0, rng: new Rng(0) })).toThrow(/ctx.losses/);
  });
});

describe('DB-MTL', () => {
  it('scales every EMA-buffered log-loss gradient to the max (or median) norm', () => {
    const T = 3, d = 4;
    const G = randomG(5, T, d, { spread: 2 });
    const L = [0.5, 1, 2];
    for (const target of ['max', 'median'] as const) {
      const out = createBalancer('dbmtl', { target, beta: 0.9 }).combine(G, T, ctxFor(0, L));
      const rows = Array.from({ length: T }, (_, t) => row(G, t, d).map((v) => (0.1 * v) / (L[t] + 1e-8)));
      const ns = rows.map(norm).sort((a, b) => a - b);
      const tgt = target === 'max' ? ns[2] : ns[1];
      const want = new Float64Array(d);
      for (const r of rows) for (let k = 0; k < d; k++) want[k] += (tgt / norm(r)) * r[k];
      for (let k = 0; k < d; k++) expect(out[k]).toBeCloseTo(want[k], 12);
    }
  });

  it('refuses a change of gradient length mid-training (rep mode)', () => {
    const b = createBalancer('dbmtl');
    b.combine(randomG(1, 2, 4), 2, ctxFor(0, [1, 1]));
    expect(() => b.combine(randomG(1, 2, 5), 2, ctxFor(1, [1, 1]))).toThrow(/param mode/);
  });
});

describe('diagnostics', () => {
  it('reports cosines, conflicts, weights and residual conflicts', () => {
    const b = createBalancer('ew');
    const out = b.combine(J, 2, ctxFor(0, [1, 1], 0, true));
    const dg = diagnose(J, 2, out, b.lastInfo());
    expect(dg.cosine[0][1]).toBeCloseTo(-22 / Math.sqrt(18 * 38), 12);
    expect(dg.conflictPairs).toEqual([[0, 1]]);
    expect(dg.weights).toEqual([0.5, 0.5]);
    expect(dg.residualConflicts.tasksAgainstUpdate).toEqual([0]);
    const g = createBalancer('gradcraft-exact');
    const o2 = g.combine(J, 2, ctxFor(0, [1, 1], 0, true));
    const d2 = diagnose(J, 2, o2, g.lastInfo());
    expect(d2.residualConflicts.pairs).toEqual([]);
    expect(d2.conflictSets).toEqual([[1], [0]]);
    expect(d2.normsAfter!.length).toBe(2);
    // Without the balancer's info: only what G and the update show.
    const bare = diagnose(J, 2, o2, null);
    expect(bare.weights).toBeNull();
    expect(bare.conflictSets).toEqual([[1], [0]]);
    expect(bare.alignment).toEqual(d2.alignment);
  });
});

/**
 * GradCraft (Bai et al., KDD 2024): magnitude adjustment, then global direction deconfliction.
 *
 * Step 2, magnitude (eq. 5):
 *   g^_i = tau * max_j |g_j| / |g_i| * g_i + (1 - tau) g_i
 * so max_i |g^_i| / min_i |g^_i| <= 1 / tau. Optional EMA of the norms (the official code's
 * `b`, default 0 = off): m_i <- b m_i + (1 - b) |g_i| replaces |g_i| in eq. 5 (m starts at 0).
 *
 * Step 3, projection (eq. 6-9). For each i, its conflict set C_i = { j : <g^_i, g^_j> < 0 },
 * found ONCE against the adjusted gradients; with G_i the rows g^_j, j in C_i:
 *   G_i g~_i^T = z,  z_j = epsilon |g^_i| |g^_j|                             (eq. 6)
 *   g~_i = g^_i + w^T G_i                                                    (eq. 7)
 *   (G_i G_i^T) w = -G_i g^_i^T + z                                          (eq. 8-9)
 * (eq. 8 as printed has g~ for g^ on the left; eq. 9 is the one used, as in the code).
 * Step 4 (eq. 10): d = (1/T) sum_i g~_i  (reduction 'mean'; 'sum' optional).
 *
 * Defaults: tau 0.1, epsilon 1e-10 (the paper's best; stable in tau [0, 0.3],
 * epsilon [1e-12, 1e-9]). Table 3's ablations via `ablation`:
 *   'fix-epsilon' epsilon = 0;  'fix-tau' tau = 1;  'ori' tau = 0 (no magnitude step);
 *   'local' PCGrad's sequential pairwise projection (random order, onto the adjusted g^_j)
 *   instead of eq. 6-9 (epsilon unused).
 * Giving an ablation together with the option it fixes is an error.
 *
 * Numerical care: a zero-norm task keeps a zero row (eq. 5 would divide by 0) and can be in no
 * conflict set; a singular or ill-conditioned G_i G_i^T (collinear conflicting gradients: they
 * then point the same way, so eq. 6 is consistent) is solved by the pseudo-inverse, which is
 * then exact (see linalg.solveSPD); the official code uses a plain inverse.
 *
 * Note the guarantee is only against C_i: projecting can create a new conflict with a task
 * outside C_i (about 15% of projections on random gradients); `gradcraft-exact` removes that.
 *
 * scope: 'shared' (default, the paper's text: only shared parameters are crafted) or
 * 'whole-model' (the official code: every parameter; mean on shared coordinates, sum on the
 * others). The balancer itself only sees the rows it is given: 'whole-model' is carried out by
 * the trainer, which passes whole-model rows and applies the mean/sum split.
 *
 * Everything is linear in the rows, so the work is one Gram matrix, T small solves and one
 * weighted row sum. Modes: param (the paper) and rep.
 */
import type { BalanceContext, BalancerState, Grad } from '../balancer.ts';
import { BalancerOptionError } from '../balancer.ts';
import { solveSPD, weightedRowSum } from '../linalg.ts';
import {
  BaseBalancer, checkState, isNum, magnitudeFactors, numArray, oneOf, pcgradCoefs, resolveOptions, scaleGram, scaleSteps, stepRng,
  type OptionsSpec, coefWeights } from './common.ts';

export const gradcraftOptions: OptionsSpec = {
  tau: { default: 0.1, check: isNum(0, 1), doc: 'eq. 5: closeness of each norm to the maximum norm' },
  epsilon: { default: 1e-10, check: isNum(0, 1), doc: 'eq. 6: required cosine with each conflicting task' },
  b: { default: 0, check: isNum(0, 1, {}), doc: "EMA rate of the norms (official code's b; 0 = off)" },
  ablation: { default: 'none', check: oneOf('none', 'fix-epsilon', 'fix-tau', 'ori', 'local'), doc: "Table 3 variant: 'none', 'fix-epsilon', 'fix-tau', 'ori', 'local'" },
  reduction: { default: 'mean', check: oneOf('mean', 'sum'), doc: "eq. 10 'mean' or 'sum'" },
  scope: { default: 'shared', check: oneOf('shared', 'whole-model'), doc: "which parameters are crafted (applied by the trainer)" },
};

/** Resolve options and apply an ablation, rejecting contradictory combinations. */
export function resolveGradcraft(id: string, options: Record<string, unknown>, spec: OptionsSpec): Record<string, unknown> {
  const o = resolveOptions(id, spec, options);
  const ab = o.ablation;
  const clash = (name: string): void => {
    if (name in options) throw new BalancerOptionError(`${id}: ablation '${ab}' fixes ${name}; do not pass ${name} too`);
  };
  if (ab === 'fix-epsilon') { clash('epsilon'); o.epsilon = 0; }
  if (ab === 'fix-tau') { clash('tau'); o.tau = 1; }
  if (ab === 'ori') { clash('tau'); o.tau = 0; }
  return o;
}

export class GradCraft extends BaseBalancer {
  readonly id: string = 'gradcraft';
  readonly kind = 'gradient' as const;
  readonly modes = ['param', 'rep'] as const;
  protected mags = new Float64Array(0);
  protected Kh = new Float64Array(0);
  protected f = new Float64Array(0);

  constructor(options: Record<string, unknown> = {}, spec: OptionsSpec = gradcraftOptions, id = 'gradcraft') {
    super(resolveGradcraft(id, options, spec));
  }

  /** Eq. 5 factors into this.f and the adjusted Gram into this.Kh. */
  protected adjust(K: Float64Array, T: number): void {
    if (this.Kh.length !== T * T) this.Kh = new Float64Array(T * T);
    if (this.f.length !== T) this.f = new Float64Array(T);
    const b = this.options.b as number;
    if (this.mags.length !== T) this.mags = new Float64Array(T);
    for (let t = 0; t < T; t++) {
      const n = Math.sqrt(K[t * T + t]);
      this.mags[t] = b > 0 ? b * this.mags[t] + (1 - b) * n : n;
    }
    magnitudeFactors(this.mags, T, this.options.tau as number, this.f);
    for (let t = 0; t < T; t++) if (!(K[t * T + t] > 0)) this.f[t] = 1;
    scaleGram(K, T, this.f, this.Kh);
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    this.adjust(K, T);
    const Kh = this.Kh, f = this.f;
    // The eq. 5 factors (g^_t = f_t g_t; with the norm EMA they are not those of this step's norms).
    const info = this.info!;
    if (!info.rowScales || info.rowScales.length !== T) info.rowScales = new Float64Array(T);
    info.rowScales.set(f.subarray(0, T));
    const C = this.infoArray('taskCoefs', T * T);
    if (this.options.ablation === 'local') {
      pcgradCoefs(Kh, T, stepRng(this.id, ctx), C, this.info!.conflictSets, false, this.projectionTrace());
    } else {
      this.project(Kh, T, C, ctx);
    }
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) C[i * T + j] *= f[j];
    if (this.options.ablation === 'local') scaleSteps(info.projectionSteps, f);
    const w = this.infoArray('weights', T);
    coefWeights(C, T, this.options.reduction === 'mean' ? 1 / T : 1, w);
    weightedRowSum(G, T, d, w, out);
  }

  /** Eq. 6-9 for every task, in the adjusted basis: Chat[i,:]. */
  protected project(Kh: Float64Array, T: number, C: Float64Array, ctx: BalanceContext): void {
    const eps = this.options.epsilon as number;
    C.fill(0, 0, T * T);
    const sets = this.info!.conflictSets;
    for (let i = 0; i < T; i++) {
      C[i * T + i] = 1;
      const set: number[] = [];
      for (let j = 0; j < T; j++) if (j !== i && Kh[i * T + j] < 0) set.push(j);
      if (sets) sets.push(set);
      const n = set.length;
      if (n === 0) continue;
      const A = new Float64Array(n * n), rhs = new Float64Array(n), w = new Float64Array(n);
      const ni = Math.sqrt(Kh[i * T + i]);
      for (let a = 0; a < n; a++) {
        const ja = set[a];
        rhs[a] = -Kh[ja * T + i] + eps * ni * Math.sqrt(Kh[ja * T + ja]);
        for (let c = 0; c < n; c++) A[a * n + c] = Kh[ja * T + set[c]];
      }
      const rep = solveSPD(A, n, rhs, w);
      if (rep.method === 'pinv') this.note(ctx, `task ${i}: conflict Gram of rank ${rep.rank}/${n}, pseudo-inverse used`);
      for (let a = 0; a < n; a++) C[i * T + set[a]] += w[a];
    }
  }

  override reset(): void {
    this.mags = new Float64Array(0);
  }

  override getState(): BalancerState {
    return { id: this.id, version: 1, mags: Array.from(this.mags) };
  }

  override setState(state: BalancerState): void {
    checkState(this.id, state);
    this.mags = Float64Array.from(numArray(this.id, state.mags ?? [], 'mags'));
  }
}

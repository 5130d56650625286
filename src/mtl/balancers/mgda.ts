/**
 * MGDA: multiple-gradient descent as multi-objective optimisation (Sener and Koltun, NeurIPS
 * 2018; Desideri 2012).
 *
 *   alpha* = argmin_{alpha in simplex} | sum_t alpha_t g_t / n_t |^2
 *   apply 'original' (default):  d = sum_t alpha*_t g_t         (Sener and Koltun's code)
 *   apply 'normalized':          d = sum_t alpha*_t g_t / n_t   (LibMTL)
 *
 * where n_t is the gradient normaliser: 'none' (1), 'l2' (|g_t|), 'loss' (L_t), 'loss+'
 * (L_t |g_t|). The paper's code finds alpha* on the normalised gradients and scales the
 * ORIGINAL losses by it, so 'original' is the default; LibMTL combines the normalised gradients
 * themselves, which is `apply: 'normalized'` (its alpha* is then reported in
 * `lastInfo().taskWeights`, the row weights being alpha*_t / n_t). With normalisation 'none'
 * the two agree.
 *
 * The min-norm point is found exactly by Wolfe's active-set algorithm on unit-normalised rows
 * (solver 'exact', default; src/mtl/solvers/simplex.ts); solver 'frank-wolfe' reproduces the
 * paper's Frank-Wolfe solver (250 iterations, stop at a step of 1e-5). Either way the answer is
 * certified by the KKT conditions of the problem above (with h_t = g_t / n_t):
 *   <h_t, x> >= |x|^2 for every t, equality where alpha_t > 0,  x = sum_t alpha_t h_t,
 * residuals relative to s (|h_t| + s), s = sum_t alpha_t |h_t| (`certifyMgda`); a certificate
 * that fails (Frank-Wolfe's early stop, typically) is recorded in `lastInfo().notes`.
 *
 * A zero gradient (after normalisation) is in the hull, so the min-norm point is 0: MGDA says
 * the point is Pareto-stationary and returns a zero update (a note records it).
 * Modes: param and rep (MGDA-UB is the rep-mode upper bound of the same paper).
 */
import type { BalanceContext, BalancerInfo, Certificate, Grad } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { failedConditions, minNormFrankWolfe, minNormKkt, minNormPoint } from '../solvers/simplex.ts';
import { BaseBalancer, oneOf, requireLosses, resolveOptions, type OptionsSpec } from './common.ts';

export const mgdaOptions: OptionsSpec = {
  normalization: { default: 'none', check: oneOf('none', 'l2', 'loss', 'loss+'), doc: "gradient normaliser n_t: 'none' (1), 'l2' (|g_t|), 'loss' (L_t), 'loss+' (L_t |g_t|)" },
  apply: {
    default: 'original',
    check: oneOf('original', 'normalized'),
    doc: "what the weights alpha (found on g_t / n_t) multiply: 'original' d = sum alpha_t g_t (Sener-Koltun's code, the paper), 'normalized' d = sum alpha_t g_t / n_t (LibMTL); same when normalization is 'none'",
  },
  solver: { default: 'exact', check: oneOf('exact', 'frank-wolfe'), doc: "'exact' (Wolfe's active set, certified) or 'frank-wolfe' (Sener-Koltun's solver, 250 it., stop 1e-5)" },
};

/** The normalisers n_t of MGDA's options (T-sized). */
function normalisers(K: ArrayLike<number>, T: number, options: Readonly<Record<string, unknown>>, losses: ArrayLike<number> | null): Float64Array {
  const norm = options.normalization as string;
  const n = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const gn = Math.sqrt(Math.max(K[t * T + t], 0));
    n[t] = norm === 'none' ? 1 : norm === 'l2' ? gn : norm === 'loss' ? losses![t] : losses![t] * gn;
  }
  return n;
}

/** Kn_ij = K_ij / (n_i n_j): the Gram matrix of the normalised rows (a zero n gives a zero row). */
function normalisedGram(K: ArrayLike<number>, T: number, n: ArrayLike<number>, Kn: Float64Array): void {
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      const s = n[i] * n[j];
      Kn[i * T + j] = s > 0 ? K[i * T + j] / s : 0;
    }
  }
}

/**
 * MGDA's certificate: the KKT conditions of min_{alpha in simplex} |sum_t alpha_t g_t / n_t|^2
 * at the alpha the balancer reported (its row weights for apply 'original', `taskWeights` for
 * 'normalized'), re-measured on K (see `minNormKkt` for the relative residuals).
 */
export function certifyMgda(K: Float64Array, T: number, info: BalancerInfo, options: Readonly<Record<string, unknown>>, ctx: BalanceContext): Certificate {
  const losses = String(options.normalization).startsWith('loss') ? requireLosses('mgda', ctx, T, true) : null;
  const n = normalisers(K, T, options, losses);
  const Kn = new Float64Array(T * T);
  normalisedGram(K, T, n, Kn);
  const alpha = options.apply === 'normalized' ? info.taskWeights : info.weights;
  if (!alpha || alpha.length !== T) {
    return { problem: 'MGDA min-norm point', status: 'unverified', conditions: [{ name: 'alpha reported', residual: Infinity, tol: 0, ok: false }], ok: false };
  }
  return minNormKkt(Kn, T, alpha);
}

export class MGDA extends BaseBalancer {
  readonly id = 'mgda';
  readonly kind = 'gradient' as const;
  readonly modes = ['param', 'rep'] as const;
  override readonly needsLosses: boolean;
  private Kn = new Float64Array(0);

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('mgda', mgdaOptions, options));
    this.needsLosses = String(this.options.normalization).startsWith('loss');
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    const L = this.needsLosses ? requireLosses('mgda', ctx, T, true) : null;
    const n = normalisers(K, T, this.options, L);
    if (this.Kn.length !== T * T) this.Kn = new Float64Array(T * T);
    normalisedGram(K, T, n, this.Kn);
    const alpha = new Float64Array(T);
    const rep = this.options.solver === 'exact' ? minNormPoint(this.Kn, T, alpha) : minNormFrankWolfe(this.Kn, T, alpha);
    if (!rep.converged) this.note(ctx, `min-norm solver stopped after ${rep.iterations} iterations`);
    const w = this.infoArray('weights', T);
    const info = this.info!;
    if (this.options.apply === 'normalized') {
      for (let t = 0; t < T; t++) w[t] = n[t] > 0 ? alpha[t] / n[t] : 0;
      this.infoArray('taskWeights', T).set(alpha);
    } else {
      w.set(alpha);
      info.taskWeights = null;
    }
    for (let t = 0; t < T; t++) {
      if (alpha[t] > 0 && !(K[t * T + t] > 0)) this.note(ctx, `task ${t} has a zero gradient: Pareto-stationary, zero update`);
    }
    const cert = certifyMgda(K, T, info, this.options, ctx);
    info.certificate = cert;
    if (!cert.ok) this.note(ctx, `min-norm point not certified (${this.options.solver} solver): ${failedConditions(cert)}`);
    weightedRowSum(G, T, d, w, out);
  }
}

/**
 * PCGrad+: GradCraft's variant of PCGrad (Bai et al., KDD 2024, section 4.1.2): the magnitude
 * adjustment of eq. 5, then PCGrad on the adjusted gradients.
 *
 *   g^_i = tau * max_j |g_j| / |g_i| * g_i + (1 - tau) g_i          (eq. 5)
 *   PCGrad on g^ (projections onto the adjusted g^_j, random order per task)
 *   d = sum_i g~_i   (reduction 'sum' as PCGrad; 'mean' as GradCraft's eq. 10)
 *
 * A zero-norm task stays zero (it has no direction to scale). The official code's PCGrad+
 * adds a scalar to every coordinate (a bug); not reproduced. Modes: param and rep.
 */
import type { BalanceContext, Grad } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { BaseBalancer, isNum, magnitudeFactors, oneOf, pcgradCoefs, resolveOptions, scaleGram, scaleSteps, stepRng, type OptionsSpec, coefWeights } from './common.ts';

export const pcgradPlusOptions: OptionsSpec = {
  tau: { default: 0.1, check: isNum(0, 1), doc: 'eq. 5 closeness to the maximum norm (GradCraft best: 0.1)' },
  reduction: { default: 'sum', check: oneOf('sum', 'mean'), doc: "'sum' (PCGrad) or 'mean'" },
};

export class PCGradPlus extends BaseBalancer {
  readonly id = 'pcgrad+';
  readonly kind = 'gradient' as const;
  readonly modes = ['param', 'rep'] as const;
  private Kh = new Float64Array(0);

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('pcgrad+', pcgradPlusOptions, options));
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    const norms = new Float64Array(T);
    for (let t = 0; t < T; t++) norms[t] = Math.sqrt(K[t * T + t]);
    const f = new Float64Array(T);
    magnitudeFactors(norms, T, this.options.tau as number, f);
    if (this.Kh.length !== T * T) this.Kh = new Float64Array(T * T);
    scaleGram(K, T, f, this.Kh);
    const C = this.infoArray('taskCoefs', T * T);
    pcgradCoefs(this.Kh, T, stepRng(this.id, ctx), C, this.info!.conflictSets, false, this.projectionTrace());
    // The eq. 5 factors, so g^_t = f_t g_t can be drawn or checked from the info alone.
    if (!this.info!.rowScales || this.info!.rowScales.length !== T) this.info!.rowScales = new Float64Array(T);
    this.info!.rowScales.set(f);
    // Back to the original rows: g~_i = sum_j Chat[i,j] f_j g_j.
    for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) C[i * T + j] *= f[j];
    scaleSteps(this.info!.projectionSteps, f);
    const w = this.infoArray('weights', T);
    coefWeights(C, T, this.options.reduction === 'mean' ? 1 / T : 1, w);
    weightedRowSum(G, T, d, w, out);
  }
}

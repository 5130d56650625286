/**
 * GradVac: gradient vaccine (Wang, Tsvetkov, Firat and Cao, ICLR 2021).
 *
 *   for each task i, g'_i = g_i; for j != i in a random order:
 *     phi_ij = cos(g'_i, g_j)
 *     if phi_ij < phihat_ij:
 *       g'_i <- g'_i + |g'_i| (phihat_ij sqrt(1 - phi_ij^2) - phi_ij sqrt(1 - phihat_ij^2))
 *                      / (|g_j| sqrt(1 - phihat_ij^2)) * g_j
 *     phihat_ij <- (1 - beta) phihat_ij + beta phi_ij
 *   d = sum_i g'_i
 *
 * phihat starts at 0 (so the first steps act like PCGrad). beta = 1e-2 as in the paper (and the
 * GradCraft code; LibMTL's default is 0.5). The target EMA is updated every time the pair is
 * visited (targetUpdate 'always'), as in the paper's Algorithm 1 and LibMTL since 2024, with the
 * cosine measured before the pair's projection; 'on-projection' updates it only when the pair is
 * projected, as the GradCraft code (and LibMTL before 2024) does. Runs in
 * coefficient space on the Gram matrix like PCGrad; whole-model granularity (one phihat per
 * pair). Modes: param and rep (the state is T x T cosines, not coordinates).
 */
import type { BalanceContext, BalancerState, Grad, ProjectionStep } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { BaseBalancer, checkState, isNum, numArray, oneOf, resolveOptions, stepRng, type OptionsSpec, coefWeights } from './common.ts';

export const gradvacOptions: OptionsSpec = {
  beta: { default: 1e-2, check: isNum(0, 1), doc: 'EMA rate of the target similarities (paper 1e-2)' },
  reduction: { default: 'sum', check: oneOf('sum', 'mean'), doc: "'sum' (paper) or 'mean'" },
  targetUpdate: { default: 'always', check: oneOf('always', 'on-projection'), doc: "update phihat on every visit of a pair (paper, LibMTL) or only when projecting (GradCraft code)" },
};

export class GradVac extends BaseBalancer {
  readonly id = 'gradvac';
  readonly kind = 'gradient' as const;
  readonly modes = ['param', 'rep'] as const;
  private phiHat = new Float64Array(0);

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('gradvac', gradvacOptions, options));
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    if (this.phiHat.length !== T * T) this.phiHat = new Float64Array(T * T);
    const beta = this.options.beta as number;
    const always = this.options.targetUpdate === 'always';
    const C = this.infoArray('taskCoefs', T * T);
    C.fill(0);
    for (let i = 0; i < T; i++) C[i * T + i] = 1;
    const rng = stepRng(this.id, ctx);
    const sets = this.info!.conflictSets;
    const trace = this.projectionTrace();
    for (let i = 0; i < T; i++) {
      const order = rng.permutation(T);
      const steps: ProjectionStep[] = [];
      if (trace) { trace.orders.push(Array.from(order)); trace.steps.push(steps); }
      const set: number[] = [];
      for (let a = 0; a < T; a++) {
        const j = order[a];
        if (j === i) continue;
        const nj = Math.sqrt(K[j * T + j]);
        let ip = 0, nn = 0;
        for (let k = 0; k < T; k++) {
          ip += C[i * T + k] * K[k * T + j];
          let r = 0;
          for (let l = 0; l < T; l++) r += K[k * T + l] * C[i * T + l];
          nn += C[i * T + k] * r;
        }
        const ni = Math.sqrt(Math.max(nn, 0));
        if (!(ni > 0) || !(nj > 0)) continue;
        const phi = Math.max(-1, Math.min(1, ip / (ni * nj)));
        const target = this.phiHat[i * T + j];
        if (phi < target) {
          const s1 = Math.sqrt(1 - phi * phi), s2 = Math.sqrt(Math.max(1 - target * target, 1e-30));
          C[i * T + j] += (ni * (target * s1 - phi * s2)) / (nj * s2);
          set.push(j);
          if (trace) steps.push({ onto: j, coefs: Array.from(C.subarray(i * T, i * T + T)) });
          if (!always) this.phiHat[i * T + j] = (1 - beta) * target + beta * phi;
        }
        if (always) this.phiHat[i * T + j] = (1 - beta) * target + beta * phi;
      }
      if (sets) sets.push(set);
    }
    const w = this.infoArray('weights', T);
    coefWeights(C, T, this.options.reduction === 'mean' ? 1 / T : 1, w);
    weightedRowSum(G, T, d, w, out);
  }

  override reset(): void {
    this.phiHat = new Float64Array(0);
  }

  override getState(): BalancerState {
    return { id: this.id, version: 1, phiHat: Array.from(this.phiHat) };
  }

  override setState(state: BalancerState): void {
    checkState(this.id, state);
    this.phiHat = Float64Array.from(numArray(this.id, state.phiHat, 'phiHat'));
  }
}

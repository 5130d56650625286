/**
 * PCGrad: projecting conflicting gradients (Yu et al., NeurIPS 2020).
 *
 *   for each task i, g_i^pc = g_i; for j != i in a random order:
 *     if <g_i^pc, g_j> < 0:  g_i^pc <- g_i^pc - <g_i^pc, g_j> / |g_j|^2 g_j
 *   d = sum_i g_i^pc   (reduction 'sum', the paper's code; 'mean' divides by T)
 *
 * Projections are onto the ORIGINAL gradients g_j, the order is drawn per task from the seeded
 * stream rng.fork('pcgrad:' + step). Everything is linear, so it runs in coefficient space on
 * the Gram matrix (T^2 d / 2 flops once) and finishes with one weighted row sum; the per-task
 * coefficients are exposed as info.taskCoefs. Zero-norm tasks are never projected on.
 *
 * selfProjection (default false, the paper's Algorithm 1 and TorchJD): true reproduces the
 * official code, GradCraft's copy and LibMTL, whose loop over the shuffled tasks includes i
 * itself, so g_i^pc is projected onto the original g_i when it has turned against it.
 * Modes: param and rep.
 */
import type { BalanceContext, Grad } from '../balancer.ts';
import { weightedRowSum } from '../linalg.ts';
import { BaseBalancer, oneOf, pcgradCoefs, resolveOptions, stepRng, type OptionsSpec, coefWeights } from './common.ts';

export const pcgradOptions: OptionsSpec = {
  reduction: { default: 'sum', check: oneOf('sum', 'mean'), doc: "'sum' (paper's code) or 'mean'" },
  selfProjection: { default: false, check: oneOf(true, false), doc: "also project g_i^pc onto g_i itself (official code, LibMTL); false: the paper" },
};

export class PCGrad extends BaseBalancer {
  readonly id: string = 'pcgrad';
  readonly kind = 'gradient' as const;
  readonly modes = ['param', 'rep'] as const;

  constructor(options: Record<string, unknown> = {}) {
    super(resolveOptions('pcgrad', pcgradOptions, options));
  }

  protected run(G: Grad, T: number, d: number, ctx: BalanceContext, out: Grad): void {
    const K = this.gramChecked(G, T, d);
    const C = this.infoArray('taskCoefs', T * T);
    pcgradCoefs(K, T, stepRng(this.id, ctx), C, this.info!.conflictSets, this.options.selfProjection as boolean, this.projectionTrace());
    const w = this.infoArray('weights', T);
    coefWeights(C, T, this.options.reduction === 'mean' ? 1 / T : 1, w);
    weightedRowSum(G, T, d, w, out);
  }
}

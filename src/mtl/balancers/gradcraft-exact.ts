/**
 * gradcraft-exact: GradCraft with a global guarantee against EVERY task (mtlkit's addition).
 *
 * Plain GradCraft projects g^_i onto the constraints of its conflict set C_i only, and the
 * projection can create a new conflict with a task outside C_i. Here, for each i:
 *
 *   minimise |g~_i - g^_i|^2  subject to  <g~_i, g^_j> >= epsilon |g^_i| |g^_j|  for all j != i
 *
 * whose KKT conditions give g~_i = g^_i + sum_{j != i} w_j g^_j with w >= 0 solving the
 * non-negative QP (an NNLS in normal-equation form) over the T-1 multipliers:
 *
 *   min_{w >= 0} 1/2 w^T A w - b^T w,  A = Ghat_{-i} Ghat_{-i}^T,  b = z - Ghat_{-i} g^_i
 *
 * (Lawson-Hanson active set, linalg.nnqp). When the projection onto C_i creates no new
 * conflict and its multipliers are non-negative, this equals GradCraft's eq. 9 exactly.
 * Magnitude step (eq. 5), epsilon, ablations other than 'local', and eq. 10 are as in
 * `gradcraft`. The constraints are feasible whenever the non-zero gradients are linearly
 * independent (d >= T in practice); if they are not (e.g. two exactly opposite gradients with
 * epsilon > 0), the best multipliers found are used and a note reports the violation.
 * Modes: param and rep.
 */
import type { BalanceContext } from '../balancer.ts';
import { BalancerOptionError } from '../balancer.ts';
import { nnqp } from '../linalg.ts';
import { GradCraft, gradcraftOptions } from './gradcraft.ts';
import type { OptionsSpec } from './common.ts';

export const gradcraftExactOptions: OptionsSpec = { ...gradcraftOptions };

export class GradCraftExact extends GradCraft {
  override readonly id: string = 'gradcraft-exact';

  constructor(options: Record<string, unknown> = {}) {
    super(options, gradcraftExactOptions, 'gradcraft-exact');
    if (this.options.ablation === 'local') {
      throw new BalancerOptionError("gradcraft-exact: ablation 'local' replaces the projection; use gradcraft with ablation 'local'");
    }
  }

  protected override project(Kh: Float64Array, T: number, C: Float64Array, ctx: BalanceContext): void {
    const eps = this.options.epsilon as number;
    C.fill(0, 0, T * T);
    const sets = this.info!.conflictSets;
    const others: number[] = [];
    for (let i = 0; i < T; i++) {
      C[i * T + i] = 1;
      others.length = 0;
      for (let j = 0; j < T; j++) if (j !== i && Kh[j * T + j] > 0) others.push(j);
      const n = others.length;
      const ni = Math.sqrt(Kh[i * T + i]);
      if (n === 0 || !(ni > 0)) { if (sets) sets.push([]); continue; }
      const A = new Float64Array(n * n), b = new Float64Array(n), w = new Float64Array(n);
      for (let a = 0; a < n; a++) {
        const ja = others[a];
        b[a] = eps * ni * Math.sqrt(Kh[ja * T + ja]) - Kh[ja * T + i];
        for (let c = 0; c < n; c++) A[a * n + c] = Kh[ja * T + others[c]];
      }
      const rep = nnqp(A, b, n, w);
      if (!rep.converged || rep.violation > 1e-9) {
        this.note(ctx, `task ${i}: constraints not all satisfiable (violation ${rep.violation.toExponential(2)}), best multipliers used`);
      }
      const set: number[] = [];
      for (let a = 0; a < n; a++) {
        if (w[a] > 0) { C[i * T + others[a]] += w[a]; set.push(others[a]); }
      }
      if (sets) sets.push(set);
    }
  }
}

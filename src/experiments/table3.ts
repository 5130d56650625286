/**
 * `table3`: GradCraft's Table 3, the ablations. GradCraft, GradCraft-fix ϵ (epsilon = 0),
 * GradCraft-fix τ (tau = 1), GradCraft-ori (tau = 0: no magnitude step) and GradCraft-local
 * (PCGrad's pairwise projection instead of the global one), plus Single as the RI reference.
 */
import { methodRuns, TABLE2_METHODS, TABLE3_METHODS } from './methods.ts';
import type { PresetDef } from './types.ts';

export const table3: PresetDef = {
  name: 'table3',
  title: 'GradCraft Table 3: the ablations fix-ϵ, fix-τ, ori and local against GradCraft (AV-A, RI-A, AV-G, RI-G)',
  description:
    'Trains Single (the RI reference, not listed), GradCraft and its four ablations (balancer option ablation = ' +
    'fix-epsilon | fix-tau | ori | local) and reports AV-A, RI-A, AV-G, RI-G; plot ri.svg.',
  runTime: { quick: 'about 1.5 min on 2 cores (--workers 2)', full: 'about 5 min per seed on 2 cores (--workers 2; measured: 14.0 min for --seeds 3)' },
  phases: [(ctx) => [TABLE2_METHODS[0]!, ...TABLE3_METHODS].flatMap((m) => methodRuns(m, ctx.seeds))],
};

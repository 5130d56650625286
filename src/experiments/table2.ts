/**
 * `table2`: GradCraft's Table 2. Every method of the paper (Single, EW, UC, DWA, MGDA, PCGrad,
 * PCGrad+, GradVac, CAGrad, IMTL, DBMTL, GradCraft) on the PLE preset, one run per method and
 * seed; the report lays it out like the paper: per-task AUC with AV-A and RI-A, per-task GAUC
 * with AV-G and RI-G (RI against Single), best in bold, second underlined.
 */
import { methodRuns, TABLE2_METHODS } from './methods.ts';
import type { PresetDef } from './types.ts';

export const table2: PresetDef = {
  name: 'table2',
  title: 'GradCraft Table 2: all 12 methods, per-task AUC / GAUC, AV-A, RI-A, AV-G, RI-G vs Single',
  description:
    'Trains Single (one model per task), EW, UC, DWA, MGDA, PCGrad, PCGrad+, GradVac, CAGrad, IMTL, DBMTL and GradCraft ' +
    'on the PLE preset (param mode, paper defaults for every method) and reports test AUC and GAUC per task with ' +
    'AV-A / RI-A / AV-G / RI-G (GradCraft eq. 12-15); plots ri.svg and auc_change.svg.',
  runTime: { quick: 'about 70 s on 2 cores (--workers 2; measured: 69 s)', full: 'about 8 min per seed on 2 cores (--workers 2; measured: 24.4 min for --seeds 3)' },
  phases: [(ctx) => TABLE2_METHODS.flatMap((m) => methodRuns(m, ctx.seeds))],
};

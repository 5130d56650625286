/**
 * `multibalance`: the MultiBalance paper's comparisons (its section 5.3-5.4) on our data.
 *
 * - Its Table 2: balancing per-task gradients of the shared PARAMETERS (MGDA, MoCo: T backward
 *   passes a step) against balancing those of the shared REPRESENTATION (MultiBalance: one
 *   backward), as throughput drop against EW and NE gain per task over EW. MGDA (rep) and
 *   MultiBalance (param) complete the 2 x 2 (MoCo runs in param mode only).
 * - Its Table 3: UC, PCGrad, GradVac, GradDrop, DB-MTL (median target), IMTL-G, MultiBalance
 *   without the EMA of norms (gamma = 1) and MultiBalance, as NE gain over EW. As in the paper
 *   ("to be fair, we also apply previous non-MOO methods to balance representation gradients")
 *   they balance representation gradients, except DB-MTL, whose EMA buffer is defined on
 *   parameter coordinates only (param mode; see src/mtl/balancers/dbmtl.ts).
 * - Its Table 4: MultiBalance's task-weight learning rate beta in {1, 2, 5, 10}.
 * - Its Figure 2: per-task gradient magnitudes before balancing, the learned task weights
 *   lambda (diagnostics' task_weights) and the magnitudes after balancing (lambda_m |g_m| / u_m),
 *   over steps, from the MultiBalance (rep) run's diagnostics.
 *
 * Throughput is samples/s of training-step time: with --workers > 1 concurrent runs share the
 * cores and the drops are noisier; use --workers 1 for the throughput column.
 */
import type { TrainConfig } from '../train/index.ts';
import { methodRuns, type MethodSpec } from './methods.ts';
import type { PlanContext, PresetDef, RunSpec } from './types.ts';

export const MB_BETAS = [1, 2, 5, 10];

/** The default beta of the multibalance balancer (its Table 3 row reuses the beta = 1 run). */
const DEFAULT_BETA = 1;

function mbRuns(ctx: PlanContext): RunSpec[] {
  const rep: Partial<TrainConfig> = { mode: 'rep' };
  const param: Partial<TrainConfig> = { mode: 'param' };
  const diag = ctx.base.diagnosticsEvery && ctx.base.diagnosticsEvery > 0 ? {} : { diagnosticsEvery: 5 };
  const r = (m: MethodSpec, idPart: string, config: Partial<TrainConfig>, rows: RunSpec['rows']): RunSpec[] =>
    methodRuns(m, ctx.seeds, { idPart, config }).map((s) => ({ ...s, rows }));
  return [
    ...r({ method: 'ew', label: 'EW' }, 'ew', param, [{ method: 'ew', label: 'EW', param: null }]),
    // Table 2 (modes), in the paper's order, then the 2 x 2 completion.
    ...r({ method: 'mgda', label: 'MGDA' }, 'mgda-param', param, [{ method: 'mgda', label: 'MGDA (param)', param: { mode: 'param' } }]),
    ...r({ method: 'moco', label: 'MoCo' }, 'moco-param', param, [{ method: 'moco', label: 'MoCo (param)', param: { mode: 'param' } }]),
    // One run backs MultiBalance (rep) of Table 2, MultiBalance of Table 3 and beta = 1 of Table 4;
    // it is the first MultiBalance row, so the report draws Figure 2 from it.
    ...r({ method: 'multibalance', label: 'MultiBalance' }, 'multibalance-rep', { ...rep, ...diag }, [
      { method: 'multibalance', label: 'MultiBalance (rep)', param: { mode: 'rep' } },
      { method: 'multibalance', label: 'MultiBalance', param: null },
      { method: 'multibalance', label: 'MultiBalance', param: { lr: DEFAULT_BETA } },
    ]),
    ...r({ method: 'mgda', label: 'MGDA' }, 'mgda-rep', rep, [{ method: 'mgda', label: 'MGDA (rep)', param: { mode: 'rep' } }]),
    ...r({ method: 'multibalance', label: 'MultiBalance' }, 'multibalance-param', param, [{ method: 'multibalance', label: 'MultiBalance (param)', param: { mode: 'param' } }]),
    // Table 3 baselines.
    ...r({ method: 'uc', label: 'UC' }, 'uc', rep, [{ method: 'uc', label: 'UC', param: null }]),
    ...r({ method: 'pcgrad', label: 'PCGrad' }, 'pcgrad-rep', rep, [{ method: 'pcgrad', label: 'PCGrad', param: null }]),
    ...r({ method: 'gradvac', label: 'GradVac' }, 'gradvac-rep', rep, [{ method: 'gradvac', label: 'GradVac', param: null }]),
    ...r({ method: 'graddrop', label: 'GradDrop' }, 'graddrop-rep', rep, [{ method: 'graddrop', label: 'GradDrop', param: null }]),
    ...r({ method: 'dbmtl', label: 'DB-MTL', methodOptions: { target: 'median' } }, 'dbmtl-median-param', param, [{ method: 'dbmtl', label: 'DB-MTL', param: null }]),
    ...r({ method: 'imtl', label: 'IMTL-G', methodOptions: { variant: 'g' } }, 'imtl-g-rep', rep, [{ method: 'imtl', label: 'IMTL-G', param: null }]),
    ...r({ method: 'multibalance', label: 'MultiBalance w/o EMA', methodOptions: { gamma: 1 } }, 'multibalance-noema-rep', rep, [
      { method: 'multibalance', label: 'MultiBalance w/o EMA', param: null },
    ]),
    // Table 4: the other learning rates.
    ...MB_BETAS.filter((b) => b !== DEFAULT_BETA).flatMap((beta) =>
      r({ method: 'multibalance', label: 'MultiBalance', methodOptions: { beta } }, `multibalance-beta${beta}-rep`, rep, [
        { method: 'multibalance', label: 'MultiBalance', param: { lr: beta } },
      ]),
    ),
  ];
}

export const multibalance: PresetDef = {
  name: 'multibalance',
  title: 'MultiBalance Tables 2-4 and Figure 2: param vs rep balancing, baselines and beta as NE gain over EW',
  description:
    'Trains EW; MGDA and MoCo on parameter gradients and MultiBalance on representation gradients (+ MGDA rep, MultiBalance param); ' +
    'UC, PCGrad, GradVac, GradDrop, DB-MTL, IMTL-G, MultiBalance w/o EMA on representation gradients (DB-MTL param); ' +
    'MultiBalance with beta 2, 5, 10. Tables: throughput drop and NE gain (Table 2), NE gain (Table 3), beta (Table 4); ' +
    'plots ne_gain.svg and figure2.svg. Use --workers 1 for clean throughput numbers.',
  runTime: { quick: 'about 3 min on 2 cores (--workers 1; measured: 180 s)', full: 'about 16 min per seed on 2 cores (--workers 1; measured: 48.6 min for --seeds 3)' },
  phases: [mbRuns],
};

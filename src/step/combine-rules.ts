import type { Storage } from '../tensor/backend.ts';
import type { ParameterStore } from '../nn/store.ts';
import type { Balancer, BalanceContext, BalancerInfo, BalancerKind } from '../mtl/balancer.ts';
import { weightedRowSum } from '../mtl/linalg.ts';
import { guardBalancer } from './errors.ts';
import type { TaskLosses } from './task-losses.ts';

/** What a combine did: the info diagnostics read, and the loss weights it applied (or null). */
export interface Combined {
  /** null: the balancer's own `lastInfo()`. */
  info: BalancerInfo | null;
  lossWeights: Float64Array | null;
}

/**
 * How the T rows of G become the combined vector, by balancer kind. Task t's own group already
 * holds the gradient of L_t (weight 1, as the GradCraft code does); a rule that weights the
 * losses scales the groups to match.
 */
export interface CombineRule {
  /** `w`: this step's loss weights (loss kind), else null. */
  combine(G: Storage, d: number, out: Storage, bctx: BalanceContext, w: Float64Array | null): Combined;
}

/** 'gradient' (GradCraft, PCGrad, MGDA, ...): the balancer's combine. */
class GradientRule implements CombineRule {
  constructor(private readonly balancer: Balancer, private readonly tasks: number) {}

  combine(G: Storage, d: number, out: Storage, bctx: BalanceContext): Combined {
    guardBalancer(bctx.step, () => this.balancer.combine(G, this.tasks, bctx, out));
    return { info: null, lossWeights: null };
  }
}

/**
 * 'loss' (EW, UC, DWA, Single, IMTL-L) on a per-task step (diagnostics, or `perTaskAlways`): the
 * loss path's update by linearity, shared = sum_t w_t g_t and task t's group times w_t.
 */
class LossRule implements CombineRule {
  constructor(private readonly store: ParameterStore, private readonly tasks: number) {}

  combine(G: Storage, d: number, out: Storage, _bctx: BalanceContext, w: Float64Array | null): Combined {
    const T = this.tasks;
    weightedRowSum(G, T, d, w!, out);
    scaleTaskGroups(this.store, w!);
    const info = { weights: Float64Array.from(w!), taskCoefs: null, lossWeights: Float64Array.from(w!), conflictSets: null, notes: [] };
    return { info, lossWeights: w };
  }
}

/**
 * 'both' (IMTL hybrid): combine gets the raw rows and ctx.losses and applies its own loss
 * weights (calling lossWeights too would advance its state twice); task t's group is then
 * scaled by the loss weight the balancer reports.
 */
class BothRule implements CombineRule {
  constructor(private readonly balancer: Balancer, private readonly store: ParameterStore, private readonly losses: TaskLosses) {}

  combine(G: Storage, d: number, out: Storage, bctx: BalanceContext): Combined {
    guardBalancer(bctx.step, () => this.balancer.combine(G, this.losses.tasks, bctx, out));
    const info = this.balancer.lastInfo();
    const lw = info?.lossWeights ?? null;
    if (lw === null) return { info, lossWeights: null };
    const w = this.losses.weightsFrom(lw);
    scaleTaskGroups(this.store, w);
    return { info, lossWeights: w };
  }
}

type RuleMaker = (balancer: Balancer, store: ParameterStore, losses: TaskLosses) => CombineRule;

const RULES = {
  gradient: (b, _s, l) => new GradientRule(b, l.tasks),
  loss: (_b, s, l) => new LossRule(s, l.tasks),
  both: (b, s, l) => new BothRule(b, s, l),
} as const satisfies Record<BalancerKind, RuleMaker>;

export function combineRuleFor(balancer: Balancer, store: ParameterStore, losses: TaskLosses): CombineRule {
  return RULES[balancer.kind](balancer, store, losses);
}

/** Task t's group gradient times w_t (skipped where w_t is 1). */
function scaleTaskGroups(store: ParameterStore, w: Float64Array): void {
  const g = store.grads;
  for (let t = 0; t < w.length; t++) {
    const s = w[t]!;
    if (s === 1) continue;
    store.forEachRun((a, b) => {
      for (let i = a; i < b; i++) g[i] *= s;
    }, { group: t });
  }
}

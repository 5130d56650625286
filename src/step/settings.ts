import type { Balancer, GradientMode } from '../mtl/balancer.ts';
import { REDUCTIONS, SCOPES, type BalancedStepOptions, type Reduction, type Scope } from './types.ts';

/** A step's settings, resolved and checked once at construction. */
export interface StepSettings {
  readonly mode: GradientMode;
  readonly scope: Scope;
  readonly reduction: Reduction;
  readonly diagnosticsEvery: number;
  readonly perTaskAlways: boolean;
  /**
   * Param mode with a balancer that keeps per-coordinate state (`perCoordinateState`: dbmtl,
   * moco): G's rows are the whole shared group in one layout that never changes.
   */
  readonly fixedLayout: boolean;
  readonly maxBatch: number;
}

export function resolveSettings(balancer: Balancer, opts: BalancedStepOptions): StepSettings {
  const mode = opts.mode ?? 'param';
  const scope = opts.scope ?? ownOption(balancer, 'scope', SCOPES) ?? 'shared';
  if (mode !== 'param' && mode !== 'rep') throw new Error(`BalancedStep: mode must be 'param' or 'rep', got ${String(mode)}`);
  if (!SCOPES.includes(scope)) throw new Error(`BalancedStep: scope must be 'shared' or 'whole-model', got ${String(scope)}`);
  if (scope === 'whole-model' && mode === 'rep') {
    throw new Error("BalancedStep: scope 'whole-model' crafts parameter gradients and needs mode 'param' (rep mode balances the shared representation)");
  }
  if (balancer.kind !== 'loss' && !balancer.modes.includes(mode)) {
    throw new Error(`BalancedStep: balancer '${balancer.id}' runs in mode ${balancer.modes.map((m) => `'${m}'`).join(' / ')}, not '${mode}' (see its doc comment for why)`);
  }
  return {
    mode,
    scope,
    reduction: opts.reduction ?? ownOption(balancer, 'reduction', REDUCTIONS) ?? 'sum',
    diagnosticsEvery: opts.diagnosticsEvery ?? 0,
    perTaskAlways: opts.perTaskAlways ?? false,
    fixedLayout: mode === 'param' && balancer.kind !== 'loss' && balancer.perCoordinateState === true,
    maxBatch: opts.maxBatch ?? 256,
  };
}

/**
 * One of a balancer's own options when it is one of `choices` (GradCraft's `scope`, the
 * projection methods' `reduction`), else null: the one place the step reads untyped options.
 */
function ownOption<C extends readonly string[]>(balancer: Balancer, name: string, choices: C): C[number] | null {
  const v = balancer.options[name];
  return typeof v === 'string' && choices.includes(v) ? v : null;
}

import type { ModelBatch } from '../nn/models/model.ts';
import type { GradientMode } from '../mtl/balancer.ts';
import type { Diagnostics } from '../mtl/diagnostics.ts';
import type { Rng } from '../tensor/rng.ts';

/** Which parameters a gradient balancer crafts (docs/training.md "scope"). */
export const SCOPES = ['shared', 'whole-model'] as const satisfies readonly string[];
export type Scope = (typeof SCOPES)[number];

/**
 * How a balancer's combined vector relates to its rows: 'mean' divides by T. Whole-model scope
 * multiplies the task blocks by T under 'mean' (the GradCraft code's sum on task coordinates).
 */
export const REDUCTIONS = ['mean', 'sum'] as const satisfies readonly string[];
export type Reduction = (typeof REDUCTIONS)[number];

export interface BalancedStepOptions {
  /** Default 'param'. */
  mode?: GradientMode;
  /** Default: the balancer's own `scope` option when it has one, else 'shared'. */
  scope?: Scope;
  /** Default: the balancer's own `reduction` option when it has one, else 'sum' (no factor). */
  reduction?: Reduction;
  /** Largest batch expected (rep mode sizes G from it; it grows if exceeded). Default 256. */
  maxBatch?: number;
  /** Diagnose every k-th step (step % k === 0); 0 = never. Default 0. */
  diagnosticsEvery?: number;
  /** Force the per-task gradient path for loss-kind balancers too (tests, studies). */
  perTaskAlways?: boolean;
}

/** A training batch: what the model reads plus row-major [size x T] labels. */
export type TrainBatch = ModelBatch & { labels: Float32Array };

export interface StepContext {
  /** Global step index, 0-based. */
  step: number;
  epoch?: number;
  /** The run's generator; balancers fork from it and never advance it. */
  rng: Rng;
  /**
   * The store's gradients are zero already and its touched rows forgotten: the optimizer's last
   * step ran with `zeroGrad` and nothing has written a gradient since. The step then skips its
   * own zeroGrad. Default false.
   */
  gradsZeroed?: boolean;
}

export interface StepOutcome {
  /** Per-task loss values of this step (a reused buffer: copy what you keep). */
  losses: Float64Array;
  /** Loss weights used (loss and both kinds), else null (reused buffer). */
  lossWeights: Float64Array | null;
  /** Length of the balanced vector this step (0 on the plain loss path). */
  d: number;
  /** Diagnostics when this was a sampled step. */
  diagnostics: Diagnostics | null;
  /** Which path ran. */
  path: 'per-task' | 'loss';
}

/**
 * The `Balancer` contract: how per-task gradients become one update.
 *
 * A balancer receives G, the T x d row-major matrix of per-task gradients (row t is task t's
 * gradient of the shared block in param mode, or of the shared representation in rep mode),
 * and writes one d-vector. Training passes float32 rows and a preallocated `out`, so a step
 * allocates nothing of size d; `mtlkit balance` passes float64 so results compare with a
 * reference to many digits. All small linear algebra (T x T) runs in float64 either way.
 *
 * Kinds:
 * - 'gradient': needs the T per-task gradients (one backward per task in param mode, or one
 *   backward through the heads in rep mode).
 * - 'loss': a loss-weighting method. `lossWeights(losses, ctx)` returns one weight per task;
 *   the trainer backpropagates sum_t w_t L_t ONCE. Learnable scalars (UC's log-variances,
 *   IMTL-L's scales) are owned by the balancer and updated inside `lossWeights` from their
 *   analytic derivative (see each balancer). `combine(G)` still works on a loss-kind balancer
 *   (it returns sum_t w_t G_t, the same update by linearity) so every method can be studied on
 *   gradients; it advances the state exactly as `lossWeights` does, so call one or the other
 *   per step, never both.
 * - 'both': loss weights and gradient combination in one method (IMTL's hybrid). The trainer
 *   passes the UNWEIGHTED per-task rows and the losses; `combine` applies its own loss weights
 *   to the rows and then combines them, and reports those weights in `lastInfo().lossWeights`
 *   so the trainer can scale each task's own group by them. Calling `lossWeights` as well would
 *   advance the learnable scales twice.
 *
 * Errors are part of the interface: a non-finite entry of G or of the losses throws a
 * `BalancerInputError` naming the task and coordinate (the trainer may catch it and skip the
 * step); no balancer ever returns a NaN update silently.
 */
import type { Rng } from '../tensor/rng.ts';

export type Grad = Float32Array | Float64Array;
export type BalancerKind = 'gradient' | 'loss' | 'both';
/** param: gradients of the shared parameters; rep: gradients at the shared representation. */
export type GradientMode = 'param' | 'rep';

export interface BalanceContext {
  /** Per-task losses of the current step (required by loss-kind balancers, dbmtl, mgda 'loss'). */
  losses?: ArrayLike<number>;
  /** Global step index, 0-based. Randomised balancers derive their stream from (rng, step). */
  step: number;
  /** Epoch index; DWA averages losses per epoch when it is given. */
  epoch?: number;
  /** The caller's generator. Balancers never advance it: they use `rng.fork(id + ':' + step)`. */
  rng: Rng;
  /** When true the balancer also records conflict sets and notes (small allocations). */
  diagnostics?: boolean;
}

/**
 * What the last `combine` did, in T-sized quantities. Buffers are reused between calls: copy
 * what you keep.
 */
export interface BalancerInfo {
  /** Effective row weights w with combined = sum_t w_t G_t, or null when the update is not a
   *  fixed linear combination of this step's rows (graddrop, moco, dbmtl). */
  weights: Float64Array | null;
  /** T x T coefficients: the per-task crafted gradient i is sum_j C[i*T+j] G_j (projection
   *  methods), or null. */
  taskCoefs: Float64Array | null;
  /** Per-task loss weights used this step (loss and both kinds). */
  lossWeights: Float64Array | null;
  /**
   * The method's own task weights when they are not the row weights above: MultiBalance's
   * lambda (its rows are weighted lambda_m / u_m) and MoCo's lambda (which weights the tracked
   * y_t, not this step's rows). Absent or null otherwise.
   */
  taskWeights?: Float64Array | null;
  /**
   * Per-task factors f applied to the rows before the method's own step, when there are any
   * (GradCraft's eq. 5: g^_t = f_t g_t, whose norms may be an EMA carried in the state), so a
   * certifier can rebuild the adjusted gradients from K. Absent or null otherwise.
   */
  rowScales?: Float64Array | null;
  /** For each task, the tasks it was projected against (when ctx.diagnostics). */
  conflictSets: number[][] | null;
  /**
   * Randomised projection methods (pcgrad, pcgrad+, gradvac, gradcraft 'local'), when
   * ctx.diagnostics: for each task i, the order in which it visited the tasks (all T drawn,
   * i itself included; the method skips i unless it projects onto itself). Absent or null otherwise.
   */
  projectionOrder?: number[][] | null;
  /**
   * The same methods, when ctx.diagnostics: for each task i, the projections it made, in the
   * order made: onto which task, and task i's gradient after it as coefficients over this
   * step's rows G (the last is row i of taskCoefs). Absent or null otherwise.
   */
  projectionSteps?: ProjectionStep[][] | null;
  /** Human-readable notes on fallbacks taken (pseudo-inverse, zero-norm task, infeasible...). */
  notes: string[];
  /**
   * For balancers that solve an optimisation problem (MGDA, CAGrad, gradcraft-exact, IMTL-G):
   * the optimality / feasibility conditions of this step's answer, re-measured after the solve.
   * Absent or null for closed-form methods.
   */
  certificate?: Certificate | null;
}

/** One projection of a task's gradient (BalancerInfo.projectionSteps). */
export interface ProjectionStep {
  /** The task projected against. */
  onto: number;
  /** The task's gradient after this projection: coefficients over this step's rows G. */
  coefs: number[];
}

/** One condition of a certificate: a residual that must not exceed its tolerance. */
export interface CertificateCondition {
  /** What is measured, e.g. 'stationarity', 'simplex feasibility', 'constraint task 2 vs 4'. */
  name: string;
  /** Non-negative; relative to the natural scale of the problem (stated by the certifier). */
  residual: number;
  tol: number;
  ok: boolean;
}

/**
 * What a solver proves about its answer. `status` 'optimal' with every condition ok is the
 * only state in which a balancer returns an update without a note; 'infeasible' is claimed only
 * with a witness in `conditions` (e.g. a Farkas-type residual), 'unverified' whenever a
 * condition fails.
 */
export interface Certificate {
  /** The problem solved, in words (e.g. 'min-norm point of the convex hull, KKT'). */
  problem: string;
  status: 'optimal' | 'infeasible' | 'unverified';
  conditions: CertificateCondition[];
  /** True when every condition is within its tolerance. */
  ok: boolean;
  /** Dual variables / multipliers that witness the answer, when the problem has them. */
  multipliers?: number[];
}

/**
 * A balancer's certificate check, registered beside it (BalancerEntry.certify) so the property
 * harness can run it on any input: given the float64 Gram matrix K = G G^T of the rows the
 * balancer saw, the info it reported and its resolved options, re-derive the conditions.
 */
export type Certifier = (
  K: Float64Array, T: number, info: BalancerInfo, options: Readonly<Record<string, unknown>>, ctx: BalanceContext,
) => Certificate;

export type BalancerState = { id: string; version: number } & Record<string, unknown>;

export interface Balancer {
  readonly id: string;
  readonly kind: BalancerKind;
  /** Gradient modes this balancer is meaningful in (the reason is in its doc comment). */
  readonly modes: readonly GradientMode[];
  /** Whether `combine` needs ctx.losses (dbmtl, uc, dwa, imtl 'l'/'hybrid', mgda 'loss'/'loss+', moco 'loss'). */
  readonly needsLosses: boolean;
  /** Resolved options (defaults filled in), JSON-able. */
  readonly options: Readonly<Record<string, unknown>>;
  /**
   * True when the balancer keeps state per gradient coordinate across steps (an EMA of G:
   * dbmtl, moco). Coordinate k must then mean the same parameter every step, so the training
   * step (BalancedStep, param mode) gives it a FIXED layout: the whole shared group, dense
   * parameters and every row of every shared table, instead of the compact touched-rows view
   * whose length and row order change per step. Correct, but O(table size) per step (docs/balancers.md).
   * Absent or false: the state is T-sized and any per-step layout works.
   */
  readonly perCoordinateState?: boolean;
  /**
   * Combine the T rows of G (length T*d) into one d-vector, written into `out` when given
   * (same dtype as G, length d) and returned.
   */
  combine<A extends Grad>(G: A, T: number, ctx: BalanceContext, out?: A): A;
  /** Loss weights for this step (loss and both kinds only); advances learnable state. */
  lossWeights?(losses: ArrayLike<number>, ctx: BalanceContext): Float64Array;
  /** What the last combine did; null before the first call. */
  lastInfo(): BalancerInfo | null;
  /** Forget all state (EMAs, histories, learnable scalars) as if freshly constructed. */
  reset(): void;
  /** JSON-able state, for checkpoints. */
  getState(): BalancerState;
  setState(state: BalancerState): void;
}

/** What was wrong with a balancer's input. */
export const BALANCER_INPUT_FAULTS = ['non-finite', 'domain', 'invalid'] as const satisfies readonly string[];
/** 'non-finite': a NaN / Inf in G or the losses; 'domain': a finite value the method cannot
 *  take (a loss <= 0 for a log); 'invalid': anything else (shapes, a missing context, state). */
export type BalancerInputFault = (typeof BALANCER_INPUT_FAULTS)[number];

/** Invalid input to a balancer (shape, NaN / Inf, missing losses), with the task it concerns. */
export class BalancerInputError extends Error {
  readonly fault: BalancerInputFault;
  /** The task whose row or loss is at fault, or null when the input as a whole is. */
  readonly task: number | null;

  constructor(message: string, detail: { fault?: BalancerInputFault; task?: number | null } = {}) {
    super(message);
    this.name = 'BalancerInputError';
    this.fault = detail.fault ?? 'invalid';
    this.task = detail.task ?? null;
  }
}

/** A bad option name or value, found at construction. */
export class BalancerOptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BalancerOptionError';
  }
}

/** What a reference implementation is: a stateful step from the rows and a context to an update. */
import type { Rng } from './rng.ts';
import type { Rows, Vec } from './vec.ts';

export interface RefCtx {
  losses?: number[];
  step: number;
  epoch?: number;
  /** The caller's generator, as passed to the balancer (randomised methods fork it). */
  rng: Rng;
}

export interface RefOut {
  /** The update; null when the method has no answer (e.g. infeasible constraints). */
  d: Vec | null;
  /** The sum of the norms of the summands that make d: the yardstick of the error. */
  scale: number;
  /**
   * Set where the answer is a set rather than a point (CAGrad when 0 is in the hull, MGDA's
   * 'original' weights when the alphas are not unique): the relative violation of membership.
   */
  accept?: (d: ArrayLike<number>, weights: ArrayLike<number> | null) => number;
  /**
   * How much the problem amplifies rounding (>= 1): a correct answer may be off by about
   * eps cond, so the comparison's tolerance is at least 1e3 eps cond. Absent: 1.
   */
  cond?: number;
  /**
   * Set when the answer hinges on a decision within rounding of its threshold (IMTL-G's rank):
   * either side of it is right, so only a finite update is asked.
   */
  borderline?: boolean;
  /** Set when the reference finds the problem infeasible (gradcraft-exact). */
  infeasible?: boolean;
}

export interface Reference {
  step(G: Rows, ctx: RefCtx): RefOut;
}

export type RefFactory = (options: Record<string, unknown>) => Reference;

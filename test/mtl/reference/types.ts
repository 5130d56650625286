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
   * How much the problem amplifies rounding (a condition number of the system solved, >= 1):
   * the tolerance of the comparison is multiplied by it. Absent: 1.
   */
  cond?: number;
  /** Set when the reference finds the problem infeasible (gradcraft-exact). */
  infeasible?: boolean;
}

export interface Reference {
  step(G: Rows, ctx: RefCtx): RefOut;
}

export type RefFactory = (options: Record<string, unknown>) => Reference;

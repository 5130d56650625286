import { backward, backwardMany } from '../autograd/backward.ts';
import type { GradResolver } from '../autograd/destination.ts';
import { NonFiniteGradientError } from '../autograd/errors.ts';
import { BalancerInputError } from '../mtl/balancer.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Where in a step a non-finite value showed up. */
export const NON_FINITE_STAGES = ['loss', 'backward', 'balancer', 'update'] as const satisfies readonly string[];
export type NonFiniteStage = (typeof NON_FINITE_STAGES)[number];

/**
 * A NaN or Inf in a loss or gradient, with where it happened. `task` is the task index whose
 * loss or backward failed, or null when the failing pass involved every task. `cause` is the
 * typed error underneath (the autograd check's or the balancer's), when there is one.
 */
export class NonFiniteError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly task: number | null,
    readonly where: NonFiniteStage,
    override readonly cause: NonFiniteGradientError | BalancerInputError | null = null,
  ) {
    super(message);
    this.name = 'NonFiniteError';
  }
}

/** The step's name for what a backward pass ran from, in messages. */
export type BackwardRoot = { task: number } | 'summed loss' | 'combined representation gradient';

/** backward / backwardMany, with a non-finite gradient reported as the step's NonFiniteError. */
export function backwardChecked(step: number, root: BackwardRoot, run: () => void): void {
  try {
    run();
  } catch (err) {
    if (!(err instanceof NonFiniteGradientError)) throw err;
    const task = typeof root === 'object' ? root.task : null;
    const who = task !== null ? `task ${task}'s loss` : `the ${String(root)}`;
    throw new NonFiniteError(`step ${step}: backward of ${who}: ${err.message}`, step, task, 'backward', err);
  }
}

export function backwardInto(step: number, root: BackwardRoot, loss: Tensor, into?: GradResolver): void {
  backwardChecked(step, root, () => backward(loss, undefined, { into }));
}

export function backwardManyInto(step: number, roots: readonly Tensor[], upstreams: readonly Tensor[]): void {
  backwardChecked(step, 'combined representation gradient', () => backwardMany(roots, upstreams));
}

/** A balancer call, with a non-finite input reported as the step's NonFiniteError. */
export function guardBalancer<R>(step: number, fn: () => R): R {
  try {
    return fn();
  } catch (err) {
    if (err instanceof BalancerInputError && err.fault === 'non-finite') {
      throw new NonFiniteError(`step ${step}: ${err.message}`, step, err.task, 'balancer', err);
    }
    throw err;
  }
}

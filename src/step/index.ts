/**
 * The balanced training step: per-task gradients of a multi-task model gathered into a T x d
 * buffer (parameter or representation scope), handed to a balancer, written back as one update.
 * It sits above nn (models, parameters) and mtl (the pure balancers).
 */
export { BalancedStep } from './balanced-step.ts';
export { NonFiniteError, NON_FINITE_STAGES, type NonFiniteStage } from './errors.ts';
export {
  REDUCTIONS, SCOPES, type BalancedStepOptions, type Reduction, type Scope, type StepContext, type StepOutcome, type TrainBatch,
} from './types.ts';

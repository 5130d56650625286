/**
 * The balanced training step: per-task gradients of a multi-task model gathered into a T x d
 * buffer (parameter or representation scope), handed to a balancer, written back as one update.
 * It sits above nn (models, parameters) and mtl (the pure balancers).
 */
export {
  BalancedStep, NonFiniteError, type BalancedStepOptions, type Scope, type StepContext, type StepOutcome, type TrainBatch,
} from './balanced-step.ts';

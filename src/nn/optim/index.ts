export { Optimizer, type OptimizerState, type StepOptions } from './optimizer.ts';
export { SGD, type SGDOptions } from './sgd.ts';
export { Adam, type AdamOptions } from './adam.ts';
export { Adagrad, type AdagradOptions } from './adagrad.ts';

import type { ParameterStore } from '../store.ts';
import { Adagrad } from './adagrad.ts';
import { Adam } from './adam.ts';
import type { Optimizer } from './optimizer.ts';
import { SGD } from './sgd.ts';

export type OptimizerName = 'sgd' | 'adam' | 'adagrad';

/** Builds an optimizer by name (for configs, the CLI and load). */
export function makeOptimizer(name: OptimizerName, store: ParameterStore, opts: Record<string, number | boolean> = {}): Optimizer {
  const o = opts as Record<string, never>;
  switch (name) {
    case 'sgd':
      return new SGD(store, { lr: 0.01, ...o });
    case 'adam':
      return new Adam(store, o);
    case 'adagrad':
      return new Adagrad(store, o);
    default:
      throw new Error(`makeOptimizer: unknown optimizer '${String(name)}' (have sgd, adam, adagrad)`);
  }
}

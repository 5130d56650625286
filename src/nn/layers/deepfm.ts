import type { Tensor } from '../../tensor/tensor.ts';
import type { Rng } from '../../tensor/rng.ts';
import { add } from '../../autograd/ops/arithmetic.ts';
import { Module, type LayerOptions } from '../module.ts';
import type { ParameterStore } from '../store.ts';
import { FM } from './fm.ts';
import { Linear } from './linear.ts';
import { MLP } from './mlp.ts';

export interface DeepFMOptions extends LayerOptions {
  fields: number;
  dim: number;
  hidden: readonly number[];
  dropout?: number;
  rng?: Rng;
  firstOrder?: { vocabSizes: readonly number[] } | null;
}

/**
 * DeepFM (Guo et al., 2017): FM and an MLP on the same field embeddings.
 * `features(e)` gives [FM scalar, MLP output] as used inside PLE experts (the GradCraft code's
 * "DeepFM" expert); `forward(e)` is the standalone logit FM(e) + Linear(MLP(e)).
 */
export class DeepFM extends Module {
  readonly fm: FM;
  readonly mlp: MLP;
  readonly logit: Linear;

  constructor(store: ParameterStore, name: string, opts: DeepFMOptions) {
    super(store, name);
    this.fm = this.child(new FM(store, `${name}.fm`, { fields: opts.fields, dim: opts.dim, firstOrder: opts.firstOrder ? { ...opts.firstOrder, group: opts.group } : null }));
    this.mlp = this.child(new MLP(store, `${name}.mlp`, [opts.fields * opts.dim, ...opts.hidden], { group: opts.group, init: opts.init, dropout: opts.dropout, rng: opts.rng }));
    this.logit = this.child(new Linear(store, `${name}.logit`, this.mlp.outFeatures, 1, { group: opts.group, init: opts.init }));
  }

  features(e: Tensor, ids?: Int32Array): { fm: Tensor; deep: Tensor } {
    return { fm: this.fm.forward(e, ids), deep: this.mlp.forward(e) };
  }

  forward(e: Tensor, ids?: Int32Array): Tensor {
    const { fm, deep } = this.features(e, ids);
    return add(fm, this.logit.forward(deep));
  }
}

import type { Tensor } from '../../tensor/tensor.ts';
import type { Rng } from '../../tensor/rng.ts';
import { Module, type LayerOptions } from '../module.ts';
import type { InitSpec } from '../init.ts';
import type { ParameterStore } from '../store.ts';
import { Dropout } from './dropout.ts';
import { Linear } from './linear.ts';

export interface MLPOptions extends LayerOptions {
  /** Dropout probability after each layer (0: none). */
  dropout?: number;
  /** Seeded stream for the dropout masks (required when dropout > 0). */
  rng?: Rng;
  bias?: boolean;
  /** Every layer's bias init (default zeros); see LinearOptions.biasInit. */
  biasInit?: InitSpec;
}

/**
 * dims = [in, h1, h2, ...]: every layer is Linear -> ReLU -> Dropout (the GradCraft code's
 * DNN: ReLU and dropout after every hidden layer, no batch norm). A logit layer, when wanted,
 * is a separate Linear after it.
 */
export class MLP extends Module {
  readonly layers: Linear[] = [];
  readonly drops: Dropout[] = [];

  constructor(store: ParameterStore, name: string, readonly dims: readonly number[], opts: MLPOptions) {
    super(store, name);
    if (dims.length < 2) throw new Error(`${name}: an MLP needs [in, out, ...] dims, got [${dims.join(', ')}]`);
    const p = opts.dropout ?? 0;
    if (p > 0 && !opts.rng) throw new Error(`${name}: dropout needs an rng`);
    for (let i = 1; i < dims.length; i++) {
      this.layers.push(this.child(new Linear(store, `${name}.${i - 1}`, dims[i - 1]!, dims[i]!, { group: opts.group, init: opts.init, bias: opts.bias, biasInit: opts.biasInit, activation: 'relu' })));
      if (p > 0) this.drops.push(this.child(new Dropout(store, `${name}.drop${i - 1}`, p, opts.rng!.fork(`${name}.drop${i - 1}`))));
    }
  }

  get outFeatures(): number {
    return this.dims[this.dims.length - 1]!;
  }

  forward(x: Tensor): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      h = this.layers[i]!.forward(h);
      if (this.drops.length) h = this.drops[i]!.forward(h);
    }
    return h;
  }
}

import type { Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../../autograd/node.ts';
import { Module, Scratch, paramTensor, type LayerOptions } from '../module.ts';
import type { Parameter } from '../parameter.ts';
import type { ParameterStore } from '../store.ts';

export type Activation = 'none' | 'relu';

export interface LinearOptions extends LayerOptions {
  bias?: boolean;
  activation?: Activation;
}

/**
 * y = act(x W + b) with W stored [in, out] (no transpose in forward). One fused op: the bias
 * and ReLU ride on the matmul's output buffer; backward masks the gradient once and maps it
 * onto two in-place matmuls (dW += x^T g, dx += g W^T) that accumulate into the flat store.
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly activation: Activation;
  private readonly out = new Scratch();
  private readonly gmask = new Scratch();

  constructor(store: ParameterStore, name: string, readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions) {
    super(store, name);
    this.weight = this.param('weight', [inFeatures, outFeatures], { group: opts.group, init: opts.init ?? 'xavier_uniform' });
    this.bias = opts.bias === false ? null : this.param('bias', [outFeatures], { group: opts.group, init: 'zeros', decay: false });
    this.activation = opts.activation ?? 'none';
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new Error(`${this.name}: expected input [batch, ${this.inFeatures}], got [${x.shape.join(', ')}]`);
    }
    const bsz = x.shape[0]!, n = this.outFeatures, k = this.inFeatures;
    const W = paramTensor(this.weight), b = this.bias ? paramTensor(this.bias) : null;
    const y = this.out.get(bsz * n, this.dtype);
    const be = getBackend();
    be.matmul(x.data, W.data, y, bsz, k, n, false, false, false);
    if (b) {
      const bd = b.data;
      for (let r = 0; r < bsz; r++) for (let j = 0, o = r * n; j < n; j++) y[o + j] += bd[j]!;
    }
    const relu = this.activation === 'relu';
    if (relu) for (let i = 0; i < y.length; i++) if (!(y[i]! > 0)) y[i] = 0;
    const out = new Tensor(y, [bsz, n]);
    const inputs = b ? [x, W, b] : [x, W];
    return record(relu ? 'linear_relu' : 'linear', inputs, out, (g, grads) => {
      let gz: Storage = g.data;
      if (relu) {
        gz = this.gmask.get(y.length, this.dtype);
        const gd = g.data;
        for (let i = 0; i < y.length; i++) gz[i] = y[i]! > 0 ? gd[i]! : 0;
      }
      if (grads.needs(1)) be.matmul(x.data, gz, grads.buffer(1), k, bsz, n, true, false, true);
      if (b && grads.needs(2)) {
        const db = grads.buffer(2);
        for (let r = 0; r < bsz; r++) for (let j = 0, o = r * n; j < n; j++) db[j] += gz[o + j]!;
      }
      if (grads.needs(0)) be.matmul(gz, W.data, grads.buffer(0), bsz, n, k, false, true, true);
    });
  }
}

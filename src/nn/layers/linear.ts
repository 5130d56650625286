import type { Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../../autograd/node.ts';
import { Module, Scratch, paramTensor, type LayerOptions } from '../module.ts';
import { linearBiasInit, type InitSpec } from '../init.ts';
import type { Parameter } from '../parameter.ts';
import type { ParameterStore } from '../store.ts';
import { addColumnSums } from './rowops.ts';

export type Activation = 'none' | 'relu';

export interface LinearOptions extends LayerOptions {
  bias?: boolean;
  /** The bias's init (default zeros); 'torch_default' = PyTorch's U(-1/sqrt(in), 1/sqrt(in)). */
  biasInit?: InitSpec;
  activation?: Activation;
}

/**
 * y = act(x W + b) with W stored [in, out] (no transpose in forward). One fused op: the bias
 * and ReLU ride on the matmul (the backend's linearForward: the native matmul applies them to
 * each tile before it stores it); backward masks the gradient once and maps it
 * onto two in-place matmuls (dW += x^T g, dx += g W^T) that accumulate into the flat store.
 */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter | null;
  readonly activation: Activation;
  private readonly out = new Scratch();
  private readonly gmask = new Scratch();
  private readonly colsum = new Scratch();

  constructor(store: ParameterStore, name: string, readonly inFeatures: number, readonly outFeatures: number, opts: LinearOptions) {
    super(store, name);
    this.weight = this.param('weight', [inFeatures, outFeatures], { group: opts.group, init: opts.init ?? 'xavier_uniform' });
    this.bias = opts.bias === false ? null : this.param('bias', [outFeatures], { group: opts.group, init: linearBiasInit(opts.biasInit, inFeatures), decay: false });
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
    const relu = this.activation === 'relu';
    be.linearForward(x.data, W.data, b ? b.data : null, y, bsz, k, n, relu);
    const out = new Tensor(y, [bsz, n]);
    const inputs = b ? [x, W, b] : [x, W];
    return record(relu ? 'linear_relu' : 'linear', inputs, out, (g, grads) => {
      let gz: Storage = g.data;
      const db = b && grads.needs(2) ? grads.buffer(2) : null;
      if (relu) {
        // Mask and bias gradient in one pass over gz (rowops' reluGradMask + addColumnSums).
        gz = this.gmask.get(y.length, this.dtype);
        be.reluGradColumnSums(y, g.data, gz, db, bsz, n);
      } else if (db) {
        addColumnSums(be, gz, db, bsz, n, this.colsum);
      }
      // matmulChecked: the matmuls check what they store, so the sweep need not read dW and dx
      // again for NaN / Inf (where it says not finite, the sweep's own check finds and names it).
      if (grads.needs(1) && be.matmulChecked(x.data, gz, grads.buffer(1), k, bsz, n, true, false, true)) grads.finiteChecked(1, k * n);
      if (grads.needs(0)) {
        // The first gradient this input receives is written whole, not added to zeros.
        const fresh = grads.freshBuffer(0);
        if (be.matmulChecked(gz, W.data, fresh ?? grads.buffer(0), bsz, n, k, false, true, fresh === null)) grads.finiteChecked(0, bsz * k);
      }
    });
  }
}

import type { Storage } from '../../tensor/backend.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../../autograd/node.ts';
import { softmax } from '../../autograd/ops/softmax.ts';
import { Module, type Scratch, type LayerOptions } from '../module.ts';
import type { ParameterStore } from '../store.ts';
import { Linear } from './linear.ts';

export interface GateOptions extends LayerOptions {
  bias?: boolean;
}

/** Gate: softmax(x W (+ b)) over `experts` outputs, [batch, experts]. */
export class Gate extends Module {
  readonly linear: Linear;

  constructor(store: ParameterStore, name: string, inFeatures: number, readonly experts: number, opts: GateOptions) {
    super(store, name);
    this.linear = this.child(new Linear(store, `${name}.linear`, inFeatures, experts, { group: opts.group, init: opts.init, bias: opts.bias ?? false }));
  }

  forward(x: Tensor): Tensor {
    return softmax(this.linear.forward(x), -1);
  }
}

/**
 * out[b, :] = sum_e w[b, e] x_e[b, :], the gated mixture of expert outputs (all [batch, d]).
 * dw[b, e] = <g[b, :], x_e[b, :]>;  dx_e[b, :] = w[b, e] g[b, :].
 */
export function mixture(w: Tensor, xs: readonly Tensor[], scratch: Scratch): Tensor {
  const B = w.shape[0]!, E = xs.length;
  if (w.rank !== 2 || w.shape[1] !== E) throw new Error(`mixture: weights [${w.shape.join(', ')}] do not match ${E} experts`);
  const d = xs[0]!.shape[1]!;
  for (const x of xs) {
    if (x.rank !== 2 || x.shape[0] !== B || x.shape[1] !== d) throw new Error(`mixture: expert output [${x.shape.join(', ')}] differs from [${B}, ${d}]`);
  }
  const y: Storage = scratch.zeros(B * d, w.dtype), wd = w.data;
  for (let e = 0; e < E; e++) {
    const xd = xs[e]!.data;
    for (let b = 0; b < B; b++) {
      const we = wd[b * E + e]!, o = b * d;
      for (let j = 0; j < d; j++) y[o + j] += we * xd[o + j]!;
    }
  }
  return record('mixture', [w, ...xs], new Tensor(y, [B, d]), (g, grads) => {
    const gd = g.data;
    if (grads.needs(0)) {
      const dw = grads.buffer(0);
      for (let e = 0; e < E; e++) {
        const xd = xs[e]!.data;
        for (let b = 0; b < B; b++) {
          let s = 0;
          const o = b * d;
          for (let j = 0; j < d; j++) s += gd[o + j]! * xd[o + j]!;
          dw[b * E + e] += s;
        }
      }
    }
    for (let e = 0; e < E; e++) {
      if (!grads.needs(e + 1)) continue;
      const dx = grads.buffer(e + 1);
      for (let b = 0; b < B; b++) {
        const we = wd[b * E + e]!, o = b * d;
        for (let j = 0; j < d; j++) dx[o + j] += we * gd[o + j]!;
      }
    }
  });
}


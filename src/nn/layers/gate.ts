import type { Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
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
  const be = getBackend();
  const xd = xs.map((x) => x.data);
  const y: Storage = scratch.get(B * d, w.dtype);
  be.mixture(w.data, xd, y, B, d);
  return record('mixture', [w, ...xs], new Tensor(y, [B, d]), (g, grads) => {
    const dw = grads.needs(0) ? grads.buffer(0) : null;
    const dxs = xs.map((_, e) => (grads.needs(e + 1) ? grads.buffer(e + 1) : null));
    // The kernel's check of what it stored spares the sweep its pass over dw and the dxs.
    if (be.mixtureBackward(w.data, xd, g.data, dw, dxs, B, d)) {
      if (dw) grads.finiteChecked(0, B * E);
      for (let e = 0; e < E; e++) if (dxs[e]) grads.finiteChecked(e + 1, B * d);
    }
  });
}


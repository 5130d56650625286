import type { Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record } from '../../autograd/node.ts';
import { softmax, softmaxValues } from '../../autograd/ops/softmax.ts';
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

  /** The softmax computed ahead (`ahead`'s work) for input `aheadOf`, which forward(x, true) takes. */
  private probs: Tensor | null = null;
  private aheadOf: Storage | null = null;

  /**
   * Gates that read one input x, run ahead of their records: the returned work computes their
   * logits (narrow matmuls that one thread streams about as fast as two) and softmax, for the
   * caller to run beside other kernels (the experts' first matmuls, MLP.forwardAhead), where
   * the other threads would wait for them. Each gate's forward(x, true) then records its ops,
   * with the values forward alone gives.
   */
  static ahead(gates: readonly Gate[], x: Tensor): () => void {
    return () => {
      for (const g of gates) Linear.forwardPair(g.linear, x, null, null);
      for (const g of gates) g.softmaxAhead(x);
    };
  }

  /** `ahead`'s work for this gate: the softmax of the logits its Linear computed ahead on x. */
  softmaxAhead(x: Tensor): void {
    this.probs = softmaxValues(this.linear.aheadOutput(x), -1);
    this.aheadOf = x.data;
  }

  /** softmax(x W (+ b)). `computed`: `ahead`'s work has run on x, so only the ops are recorded. */
  forward(x: Tensor, computed = false): Tensor {
    const probs = this.probs, ahead = this.aheadOf;
    this.probs = null;
    this.aheadOf = null;
    if (!computed) return softmax(this.linear.forward(x), -1);
    if (ahead !== x.data || probs === null) throw new Error(`${this.name}: forward(x, computed) but no softmax was computed ahead for this input (Gate.ahead ran on another input, its work did not run, or not since the last forward)`);
    return softmax(this.linear.forward(x, true), -1, probs);
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
    // An input's first gradient is written whole (a task's own experts and gate get theirs
    // from this mixture alone), the rest added: no zeroing pass over a fresh buffer first.
    let written = 0;
    const take = (i: number): Storage | null => {
      if (!grads.needs(i)) return null;
      // (The mask has 31 bits: experts past them are added to a zeroed buffer.)
      const fresh = i < 31 ? grads.freshBuffer(i) : null;
      if (fresh !== null) written |= 1 << i;
      return fresh ?? grads.buffer(i);
    };
    const dw = take(0);
    const dxs = xs.map((_, e) => take(e + 1));
    // The kernel's check of what it stored spares the sweep its pass over dw and the dxs.
    if (be.mixtureBackward(w.data, xd, g.data, dw, dxs, B, d, written)) {
      if (dw) grads.finiteChecked(0, B * E);
      for (let e = 0; e < E; e++) if (dxs[e]) grads.finiteChecked(e + 1, B * d);
    }
  });
}


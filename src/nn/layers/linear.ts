import type { Backend, LinearForwardCall, LinearReluBackwardCall, Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { record, type GradSink } from '../../autograd/node.ts';
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
 * each tile before it stores it); backward is two in-place matmuls (dW += x^T g, dx += g W^T)
 * into the flat store, with ReLU's mask and the bias gradient in the same kernel
 * (linearReluBackward: the native matmul reads g through the mask as it packs it).
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

  /** The input whose output `forwardPair` left in this layer's output buffer (forward(x, true) takes it). */
  private aheadOf: Storage | null = null;

  private check(x: Tensor): void {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new Error(`${this.name}: expected input [batch, ${this.inFeatures}], got [${x.shape.join(', ')}]`);
    }
  }

  private call(x: Tensor): LinearForwardCall {
    const rows = x.shape[0]!, n = this.outFeatures;
    return {
      x: x.data, w: paramTensor(this.weight).data, b: this.bias ? paramTensor(this.bias).data : null, y: this.out.get(rows * n, this.dtype),
      rows, k: this.inFeatures, n, relu: this.activation === 'relu',
    };
  }

  /**
   * Runs the kernels of `a` on `xa` and `b` on `xb` at once (the backend's linearForwardPair:
   * two expert stacks reading one input), leaving each output in its layer's buffer; each
   * layer's `forward(x, true)` then records its op without running the kernel again. `b` null:
   * `a` alone. The values are those forward gives. `meanwhile`: JavaScript work run on this
   * thread beside the pair's kernels (see linearForwardPair); with `a` alone, before its kernel.
   */
  static forwardPair(a: Linear, xa: Tensor, b: Linear | null, xb: Tensor | null, meanwhile?: () => void): void {
    a.check(xa);
    const first = a.call(xa);
    if (b === null || xb === null) {
      try {
        meanwhile?.();
      } finally {
        getBackend().linearForward(first.x, first.w, first.b, first.y, first.rows, first.k, first.n, first.relu);
      }
    } else {
      b.check(xb);
      getBackend().linearForwardPair(first, b.call(xb), meanwhile);
      b.aheadOf = xb.data;
    }
    a.aheadOf = xa.data;
  }

  /**
   * Runs the kernels of a stack of layers on xa (the backend's linearStackForward: each layer
   * reads the one before's output), and of a second stack on xb at once (null: none), leaving
   * each output in its layer's buffer as forwardPair does for one layer; each layer's
   * `forward(h, true)` then records its op. `meanwhile` as forwardPair's.
   */
  static forwardStacks(a: readonly Linear[], xa: Tensor, b: readonly Linear[] | null, xb: Tensor | null, meanwhile?: () => void): void {
    const calls = (layers: readonly Linear[], x: Tensor): LinearForwardCall[] => {
      const out: LinearForwardCall[] = [];
      let h = x;
      for (const layer of layers) {
        layer.check(h);
        const c = layer.call(h);
        out.push(c);
        h = new Tensor(c.y, [c.rows, c.n]);
      }
      return out;
    };
    const first = calls(a, xa), second = b !== null && xb !== null ? calls(b, xb) : null;
    getBackend().linearStackForward(first, second, meanwhile);
    a.forEach((layer, l) => { layer.aheadOf = first[l]!.x; });
    if (b !== null && second !== null) b.forEach((layer, l) => { layer.aheadOf = second[l]!.x; });
  }

  /** The output computed ahead (see forwardPair), as the tensor forward returns. */
  aheadOutput(x: Tensor): Tensor {
    if (this.aheadOf !== x.data) throw new Error(`${this.name}: no output was computed ahead for this input (Linear.forwardPair ran on another input, or not since the last forward)`);
    return new Tensor(this.out.get(x.shape[0]! * this.outFeatures, this.dtype), [x.shape[0]!, this.outFeatures]);
  }

  /**
   * y = act(x W + b). `computed`: forwardPair has already run this layer's kernel on x, so only
   * the op is recorded (an error if it ran on another input).
   */
  forward(x: Tensor, computed = false): Tensor {
    this.check(x);
    const bsz = x.shape[0]!, n = this.outFeatures, k = this.inFeatures;
    const W = paramTensor(this.weight), b = this.bias ? paramTensor(this.bias) : null;
    const y = this.out.get(bsz * n, this.dtype);
    const be = getBackend();
    const relu = this.activation === 'relu';
    const ahead = this.aheadOf;
    this.aheadOf = null;
    if (!computed) be.linearForward(x.data, W.data, b ? b.data : null, y, bsz, k, n, relu);
    else if (ahead !== x.data) throw new Error(`${this.name}: forward(x, computed) but no output was computed ahead for this input (Linear.forwardPair ran on another input, or not since the last forward)`);
    const out = new Tensor(y, [bsz, n]);
    const inputs = b ? [x, W, b] : [x, W];
    if (relu) {
      // The mask, the bias gradient and both matmuls in one kernel (the native matmul reads g
      // through the mask as it packs it): reluGradColumnSums, then the two matmuls. Their check
      // of what they stored spares the sweep its pass over dW and dx.
      const prepare = (g: Tensor, grads: GradSink): ReluPart => {
        const db = b && grads.needs(2) ? grads.buffer(2) : null;
        const dw = grads.needs(1) ? grads.buffer(1) : null;
        // The first gradient this input receives is written whole, not added to zeros.
        const fresh = grads.needs(0) ? grads.freshBuffer(0) : null;
        const dx = grads.needs(0) ? fresh ?? grads.buffer(0) : null;
        const gz = this.gmask.get(y.length, this.dtype);
        return { be, grads, call: { x: x.data, w: W.data, y, g: g.data, gz, dw, dx, db, rows: bsz, k, n, accumulateDx: fresh === null } };
      };
      const pair = { key: `linear_relu ${bsz}x${k}x${n} ${this.dtype}`, prepare, run: runReluPair };
      return record('linear_relu', inputs, out, (g, grads) => {
        const p = prepare(g, grads), c = p.call;
        settle(p, be.linearReluBackward(c.x, c.w, c.y, c.g, c.gz, c.dw, c.dx, c.db, c.rows, c.k, c.n, c.accumulateDx));
      }, pair);
    }
    return record('linear', inputs, out, (g, grads) => {
      const db = b && grads.needs(2) ? grads.buffer(2) : null;
      if (db) addColumnSums(be, g.data, db, bsz, n, this.colsum);
      // The matmuls check what they store, so the sweep need not read dW and dx again for NaN /
      // Inf (where one says not finite, the sweep's own check finds and names it).
      const dw = grads.needs(1) ? grads.buffer(1) : null;
      const fresh = grads.needs(0) ? grads.freshBuffer(0) : null;
      const dx = grads.needs(0) ? fresh ?? grads.buffer(0) : null;
      const checked = be.linearBackward(x.data, W.data, g.data, dw, dx, bsz, k, n, fresh === null);
      if (checked & 1) grads.finiteChecked(1, k * n);
      if (checked & 2) grads.finiteChecked(0, bsz * k);
    });
  }
}

/** One ReLU layer's backward, prepared for linearReluBackwardPair: its kernel call and its sink. */
interface ReluPart {
  be: Backend;
  grads: GradSink;
  call: LinearReluBackwardCall;
}

/** Tells the sink which of dW (flag 1) and dx (flag 2) its kernel found finite as it stored them. */
function settle(p: ReluPart, checked: number): void {
  if (checked & 1) p.grads.finiteChecked(1, p.call.k * p.call.n);
  if (checked & 2) p.grads.finiteChecked(0, p.call.rows * p.call.k);
}

/** Two ReLU layers' backwards as one kernel call (the sweep pairs them; BackwardPair). */
function runReluPair(first: ReluPart, second: ReluPart): void {
  const checked = first.be.linearReluBackwardPair(first.call, second.call);
  settle(first, checked & 3);
  settle(second, checked >> 2);
}

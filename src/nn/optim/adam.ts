import type { Storage } from '../../tensor/backend.ts';
import type { ParameterStore } from '../store.ts';
import { Optimizer } from './optimizer.ts';

export interface AdamOptions {
  lr?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  lazy?: boolean;
  /** Lazy table rows' moments in compact arenas (default true; see Optimizer). */
  compactRows?: boolean;
}

/**
 * Adam (Kingma and Ba, 2015), bias-corrected, in PyTorch's form (the GradCraft code's):
 *   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
 *   w <- w - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
 * Lazy (default): a table row's m, v and value change only in steps that touch the row, with
 * the global t in the bias corrections (TensorFlow's LazyAdam).
 */
export class Adam extends Optimizer {
  readonly name = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  private readonly m: Storage;
  private readonly v: Storage;
  private stepSize = 0;
  private invSqrtBc2 = 1;

  constructor(store: ParameterStore, opts: AdamOptions = {}) {
    super(store, { lr: opts.lr ?? 1e-3, lazy: opts.lazy, compactRows: opts.compactRows });
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    for (const [k, b] of [['beta1', this.beta1], ['beta2', this.beta2]] as const) {
      if (!(b >= 0 && b < 1)) throw new Error(`Adam: ${k} must be in [0, 1), got ${b}`);
    }
    this.m = this.buffer();
    this.v = this.buffer();
  }

  protected override prepare(): void {
    this.stepSize = this.lr / (1 - Math.pow(this.beta1, this.t));
    this.invSqrtBc2 = 1 / Math.sqrt(1 - Math.pow(this.beta2, this.t));
  }

  protected update(a: number, b: number, state: readonly Storage[], s: number): void {
    const w = this.store.values, g = this.store.grads, m = state[0]!, v = state[1]!, d = s - a;
    const b1 = this.beta1, b2 = this.beta2, c1 = 1 - b1, c2 = 1 - b2;
    const step = this.stepSize, r = this.invSqrtBc2, eps = this.eps;
    for (let i = a; i < b; i++) {
      const gi = g[i]!;
      const mi = b1 * m[i + d]! + c1 * gi;
      const vi = b2 * v[i + d]! + c2 * gi * gi;
      m[i + d] = mi;
      v[i + d] = vi;
      w[i] -= (step * mi) / (Math.sqrt(vi) * r + eps);
    }
  }

  protected options(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps };
  }

  protected buffers(): Record<string, Storage> {
    return { m: this.m, v: this.v };
  }
}

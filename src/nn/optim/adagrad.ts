import type { Storage } from '../../tensor/backend.ts';
import type { ParameterStore } from '../store.ts';
import { Optimizer } from './optimizer.ts';

export interface AdagradOptions {
  lr?: number;
  eps?: number;
  /** Starting value of the accumulator (PyTorch 0, TensorFlow 0.1). */
  initialAccumulator?: number;
  lazy?: boolean;
  /** Lazy table rows' accumulators in compact arenas (default true; see Optimizer). */
  compactRows?: boolean;
}

/**
 * Adagrad (Duchi et al., 2011), PyTorch's form: G <- G + g^2; w <- w - lr g / (sqrt(G) + eps).
 * An untouched row has g = 0, so lazy and dense updates give the same values here; lazy only
 * saves the work.
 */
export class Adagrad extends Optimizer {
  readonly name = 'adagrad';
  readonly eps: number;
  readonly initialAccumulator: number;
  private readonly acc: Storage;

  constructor(store: ParameterStore, opts: AdagradOptions = {}) {
    super(store, { lr: opts.lr ?? 1e-2, lazy: opts.lazy, compactRows: opts.compactRows });
    this.eps = opts.eps ?? 1e-10;
    this.initialAccumulator = opts.initialAccumulator ?? 0;
    this.acc = this.buffer(this.initialAccumulator);
  }

  protected update(a: number, b: number, state: readonly Storage[], so: number): void {
    const w = this.store.values, g = this.store.grads, acc = state[0]!, lr = this.lr, eps = this.eps, d = so - a;
    for (let i = a; i < b; i++) {
      const gi = g[i]!;
      const s = acc[i + d]! + gi * gi;
      acc[i + d] = s;
      w[i] -= (lr * gi) / (Math.sqrt(s) + eps);
    }
  }

  protected options(): Record<string, number | boolean> {
    return { eps: this.eps, initialAccumulator: this.initialAccumulator };
  }

  protected buffers(): Record<string, Storage> {
    return { accumulator: this.acc };
  }
}

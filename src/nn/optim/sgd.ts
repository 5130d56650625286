import type { Storage } from '../../tensor/backend.ts';
import type { ParameterStore } from '../store.ts';
import { Optimizer } from './optimizer.ts';

export interface SGDOptions {
  lr: number;
  /** Heavy-ball momentum mu (PyTorch's form, no dampening): v <- mu v + g; w <- w - lr v. */
  momentum?: number;
  /** Nesterov: w <- w - lr (g + mu v). */
  nesterov?: boolean;
  lazy?: boolean;
  /** Lazy table rows' velocity in compact arenas (default true; see Optimizer). */
  compactRows?: boolean;
}

export class SGD extends Optimizer {
  readonly name = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  private readonly v: Storage | null;

  constructor(store: ParameterStore, opts: SGDOptions) {
    super(store, opts);
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new Error(`SGD: momentum must be in [0, 1), got ${this.momentum}`);
    this.v = this.momentum > 0 ? this.buffer() : null;
  }

  protected update(a: number, b: number, state: readonly Storage[], s: number): void {
    const w = this.store.values, g = this.store.grads, lr = this.lr, mu = this.momentum, v = state[0] ?? null, d = s - a;
    if (v === null) {
      for (let i = a; i < b; i++) w[i] -= lr * g[i]!;
      return;
    }
    if (this.nesterov) {
      for (let i = a; i < b; i++) {
        const vi = mu * v[i + d]! + g[i]!;
        v[i + d] = vi;
        w[i] -= lr * (g[i]! + mu * vi);
      }
    } else {
      for (let i = a; i < b; i++) {
        const vi = mu * v[i + d]! + g[i]!;
        v[i + d] = vi;
        w[i] -= lr * vi;
      }
    }
  }

  protected options(): Record<string, number | boolean> {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }

  protected buffers(): Record<string, Storage> {
    return this.v ? { velocity: this.v } : {};
  }
}

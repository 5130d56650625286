import type { AdamRunSet, AdamScalars, Storage } from '../../tensor/backend.ts';
import { getBackend } from '../../tensor/backends/registry.ts';
import type { ParameterStore } from '../store.ts';
import { Optimizer, type TableRuns } from './optimizer.ts';

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
  /** This step's scalars, handed to the backend kernel (one object, updated in place). */
  private readonly h: AdamScalars;
  /** One-run offsets for `update` (reused: no allocation per run). */
  private readonly oneW = new Int32Array(1);
  private readonly oneS = new Int32Array(1);
  /** The tables' runs as adamRunSets takes them (reused). */
  private readonly sets: AdamRunSet[] = [];

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
    this.h = { beta1: this.beta1, beta2: this.beta2, eps: this.eps, stepSize: 0, invSqrtBc2: 1, zeroGrad: false };
  }

  // Every kernel reads each gradient element once: zeroGrad rides on that read.
  protected override prepare(zeroGrad: boolean): boolean {
    this.h.stepSize = this.lr / (1 - Math.pow(this.beta1, this.t));
    this.h.invSqrtBc2 = 1 / Math.sqrt(1 - Math.pow(this.beta2, this.t));
    this.h.zeroGrad = zeroGrad;
    return zeroGrad;
  }

  // The arithmetic is the backend's `adamRuns` (its js twin is the reference loop; the wasm
  // kernel returns the same bits, see asm/kernels.ts adam32).
  protected update(a: number, b: number, state: readonly Storage[], s: number): void {
    this.oneW[0] = a;
    this.oneS[0] = s;
    getBackend().adamRuns(this.store.values, this.store.grads, state[0]!, state[1]!, this.oneW, this.oneS, 1, b - a, this.h);
  }

  protected override updateAlongside(a: number, b: number, state: readonly Storage[], s: number, meanwhile: () => void): void {
    getBackend().adamRunAlongside(this.store.values, this.store.grads, state[0]!, state[1]!, a, s, b - a, this.h, meanwhile);
  }

  protected override updateRuns(wAt: Int32Array, sAt: Int32Array, count: number, width: number, state: readonly Storage[]): void {
    getBackend().adamRuns(this.store.values, this.store.grads, state[0]!, state[1]!, wAt, sAt, count, width, this.h);
  }

  protected override updateTables(tables: readonly TableRuns[]): void {
    const sets = this.sets;
    sets.length = tables.length;
    for (let i = 0; i < tables.length; i++) {
      const t = tables[i]!, s = sets[i] ??= { m: t.state[0]!, v: t.state[1]!, wAt: t.wAt, sAt: t.sAt, count: t.count, width: t.width };
      s.m = t.state[0]!;
      s.v = t.state[1]!;
      s.wAt = t.wAt;
      s.sAt = t.sAt;
      s.count = t.count;
      s.width = t.width;
    }
    getBackend().adamRunSets(this.store.values, this.store.grads, sets, this.h);
  }

  protected options(): Record<string, number | boolean> {
    return { beta1: this.beta1, beta2: this.beta2, eps: this.eps };
  }

  protected buffers(): Record<string, Storage> {
    return { m: this.m, v: this.v };
  }
}

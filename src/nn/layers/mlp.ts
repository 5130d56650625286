import { Tensor } from '../../tensor/tensor.ts';
import type { Rng } from '../../tensor/rng.ts';
import { Module, type LayerOptions } from '../module.ts';
import type { InitSpec } from '../init.ts';
import type { ParameterStore } from '../store.ts';
import { Dropout } from './dropout.ts';
import { Linear } from './linear.ts';

export interface MLPOptions extends LayerOptions {
  /** Dropout probability after each layer (0: none). */
  dropout?: number;
  /** Seeded stream for the dropout masks (required when dropout > 0). */
  rng?: Rng;
  bias?: boolean;
  /** Every layer's bias init (default zeros); see LinearOptions.biasInit. */
  biasInit?: InitSpec;
}

/**
 * dims = [in, h1, h2, ...]: every layer is Linear -> ReLU -> Dropout (the GradCraft code's
 * DNN: ReLU and dropout after every hidden layer, no batch norm). A logit layer, when wanted,
 * is a separate Linear after it.
 */
export class MLP extends Module {
  readonly layers: Linear[] = [];
  readonly drops: Dropout[] = [];

  constructor(store: ParameterStore, name: string, readonly dims: readonly number[], opts: MLPOptions) {
    super(store, name);
    if (dims.length < 2) throw new Error(`${name}: an MLP needs [in, out, ...] dims, got [${dims.join(', ')}]`);
    const p = opts.dropout ?? 0;
    if (p > 0 && !opts.rng) throw new Error(`${name}: dropout needs an rng`);
    for (let i = 1; i < dims.length; i++) {
      this.layers.push(this.child(new Linear(store, `${name}.${i - 1}`, dims[i - 1]!, dims[i]!, { group: opts.group, init: opts.init, bias: opts.bias, biasInit: opts.biasInit, activation: 'relu' })));
      if (p > 0) this.drops.push(this.child(new Dropout(store, `${name}.drop${i - 1}`, p, opts.rng!.fork(`${name}.drop${i - 1}`))));
    }
  }

  get outFeatures(): number {
    return this.dims[this.dims.length - 1]!;
  }

  /** Whether dropout leaves every layer's output as it is (none, p = 0, or not training). */
  private get passThrough(): boolean {
    return this.drops.every((d) => d.p === 0 || !d.training);
  }

  /** Whether forwardAhead runs these MLPs: two or more, no dropout acting, the same depth. */
  static runsAhead(mlps: readonly MLP[]): boolean {
    return mlps.length >= 2 && mlps.every((m) => m.passThrough && m.layers.length === mlps[0]!.layers.length);
  }

  /**
   * Runs the forward kernels of MLPs, two stacks at a time (Linear.forwardStacks: each thread
   * starts on one stack and takes its rows block by block through every layer, so a layer's
   * output rows feed the next while still in that core's caches, where layer after layer, or
   * every call split across the threads, reads them back from memory). `x`: the input all of
   * them read (a level's experts), or each one's own (the towers, one per task). Each MLP's
   * `forward(x, true)` on its input then records its ops, in any order, with the values forward
   * alone gives. Only where runsAhead (dropout's masks are drawn in forward order); returns
   * whether it ran. `meanwhile` runs on this thread beside the first stacks' kernels
   * (linearStackForward's terms: no operand of theirs, no kernel that splits), once, and only
   * where this runs. `tails`: one Linear per MLP run last in its stack (a task's head after its
   * tower: its narrow logit then runs on the kernel threads' blocks of rows too); its
   * `forward(y, true)` on the MLP's output then records it.
   */
  static forwardAhead(mlps: readonly MLP[], x: Tensor | readonly Tensor[], meanwhile?: () => void, tails?: readonly Linear[]): boolean {
    if (!MLP.runsAhead(mlps)) return false;
    if (!(x instanceof Tensor) && x.length !== mlps.length) throw new Error(`MLP.forwardAhead: ${x.length} inputs for ${mlps.length} MLPs`);
    if (tails !== undefined && tails.length !== mlps.length) throw new Error(`MLP.forwardAhead: ${tails.length} tails for ${mlps.length} MLPs`);
    const h: Tensor[] = mlps.map((_, i) => (x instanceof Tensor ? x : x[i]!));
    const layers = (i: number): readonly Linear[] => (tails === undefined ? mlps[i]!.layers : [...mlps[i]!.layers, tails[i]!]);
    let beside = meanwhile;
    for (let i = 0; i < mlps.length; i += 2) {
      const b = i + 1 < mlps.length;
      Linear.forwardStacks(layers(i), h[i]!, b ? layers(i + 1) : null, b ? h[i + 1]! : null, beside);
      beside = undefined;
    }
    return true;
  }

  /** `computed`: forwardAhead has run this MLP's kernels on x; forward records the ops. */
  forward(x: Tensor, computed = false): Tensor {
    let h = x;
    for (let i = 0; i < this.layers.length; i++) {
      h = this.layers[i]!.forward(h, computed);
      if (this.drops.length) h = this.drops[i]!.forward(h);
    }
    return h;
  }
}

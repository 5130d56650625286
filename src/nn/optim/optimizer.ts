import type { Storage } from '../../tensor/backend.ts';
import { allocStorage } from '../alloc.ts';
import type { ParameterStore } from '../store.ts';

/** What save/load needs of an optimizer: its options, its step count and its flat buffers. */
export interface OptimizerState {
  name: string;
  options: Record<string, number | boolean>;
  step: number;
  /** Flat buffers of the store's layout (moments, accumulators), by name. */
  buffers: Record<string, Storage>;
}

/**
 * An optimizer updates `store.values` from `store.grads` in place. Every state buffer has the
 * store's layout. With `lazy` (the default) a sparse table updates, and advances the state of,
 * only the rows touched this step, as TensorFlow's LazyAdam does; `lazy: false` updates every
 * row of every table (the textbook dense rule, O(table size) per step).
 */
export abstract class Optimizer {
  abstract readonly name: string;
  lr: number;
  readonly lazy: boolean;
  /** Number of steps taken (Adam's t). */
  t = 0;

  constructor(readonly store: ParameterStore, opts: { lr: number; lazy?: boolean }) {
    if (!store.isAllocated) throw new Error('Optimizer: allocate the ParameterStore before creating its optimizer');
    if (!(opts.lr >= 0) || !Number.isFinite(opts.lr)) throw new Error(`Optimizer: lr must be a finite number >= 0, got ${opts.lr}`);
    this.lr = opts.lr;
    this.lazy = opts.lazy ?? true;
  }

  protected buffer(): Storage {
    return allocStorage(this.store.dtype, this.store.size);
  }

  /** One update over [start, end) of the flat buffers. */
  protected abstract update(start: number, end: number): void;
  protected abstract options(): Record<string, number | boolean>;
  protected abstract buffers(): Record<string, Storage>;
  /** Per-step scalars (bias corrections) computed once before the runs. */
  protected prepare(): void {}

  private readonly run = (a: number, b: number): void => this.update(a, b);

  step(): void {
    if (this.store.redirected) throw new Error(`${this.name}.step: the shared group is still redirected; call store.redirectShared(null) and write the combined gradient back first`);
    this.t++;
    this.prepare();
    this.store.forEachRun(this.run, { allRows: !this.lazy });
  }

  state(): OptimizerState {
    return { name: this.name, options: { lr: this.lr, lazy: this.lazy, ...this.options() }, step: this.t, buffers: this.buffers() };
  }

  /** Restores step count, lr and buffers (copied into this optimizer's own buffers). */
  loadState(s: OptimizerState): void {
    if (s.name !== this.name) throw new Error(`${this.name}.loadState: the saved state is for '${s.name}'`);
    const mine = this.buffers();
    for (const [k, buf] of Object.entries(mine)) {
      const src = s.buffers[k];
      if (!src) throw new Error(`${this.name}.loadState: the saved state has no buffer '${k}'`);
      if (src.length !== buf.length) throw new Error(`${this.name}.loadState: buffer '${k}' has ${src.length} entries, expected ${buf.length}`);
      if (src !== buf) buf.set(src);
    }
    this.t = s.step;
    if (typeof s.options.lr === 'number') this.lr = s.options.lr;
  }
}

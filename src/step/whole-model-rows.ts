import type { Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import type { Range } from '../nn/store.ts';
import { ParamRows } from './param-rows.ts';
import type { RowSource } from './row-source.ts';
import type { TrainBatch } from './types.ts';

/**
 * Param mode, scope 'whole-model' (the official GradCraft code, docs/papers-vs-code.md): rows
 * are whole-model vectors [shared compact view | task 0's group | ... | task T-1's group], task
 * t's row zero in every other task's block. The combined vector's shared part goes to the shared
 * slice, its task blocks to the task groups times `taskFactor` (T under reduction 'mean': the
 * code's "mean on shared coordinates, sum on the others"). Task groups enter as whole ranges
 * (our models have no task-specific tables).
 */
export class WholeModelRows implements RowSource {
  private readonly shared: ParamRows;
  private readonly taskRanges: Range[];
  private readonly taskTotal: number;

  /**
   * `taskBlocks` false: the task groups already hold their update (a loss-kind balancer scaled
   * them by w_t), so write-back leaves them.
   */
  constructor(private readonly model: MultiTaskModel, private readonly taskFactor: number, private readonly taskBlocks: boolean) {
    this.shared = new ParamRows(model);
    const store = model.store;
    this.taskRanges = Array.from({ length: model.tasks }, (_, t) => store.range(t));
    this.taskTotal = this.taskRanges.reduce((a, r) => a + r.length, 0);
  }

  /** The task blocks' total length (the part of d beyond the shared view). */
  get taskLength(): number {
    return this.taskTotal;
  }

  forward(batch: TrainBatch): Tensor[] {
    return this.shared.forward(batch);
  }

  width(): number {
    return this.shared.width() + this.taskTotal;
  }

  collect(losses: Tensor[], G: Storage, d: number, step: number): void {
    this.shared.collect(losses, G, d, step);
    const grads = this.model.store.grads, T = losses.length, ds = d - this.taskTotal;
    for (let t = 0; t < T; t++) {
      let off = t * d + ds;
      for (let u = 0; u < T; u++) {
        const r = this.taskRanges[u]!;
        if (u === t) G.set(grads.subarray(r.offset, r.offset + r.length), off);
        else getBackend().zero(G, off, off + r.length);
        off += r.length;
      }
    }
  }

  writeBack(out: Storage): void {
    this.shared.writeBack(out);
    if (!this.taskBlocks) return;
    const grads = this.model.store.grads, factor = this.taskFactor;
    let off = out.length - this.taskTotal;
    for (const r of this.taskRanges) {
      for (let i = 0; i < r.length; i++) grads[r.offset + i] = factor * out[off + i]!;
      off += r.length;
    }
  }
}

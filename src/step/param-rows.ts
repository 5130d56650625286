import type { Storage } from '../tensor/backend.ts';
import { getBackend } from '../tensor/backends/registry.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import { backwardInto } from './errors.ts';
import type { RowSource } from './row-source.ts';
import type { TrainBatch } from './types.ts';

/**
 * Param mode, shared scope (GradCraft and every parameter-gradient method): one forward, then
 * one backward of each L_t whose shared-group gradient lands straight in row t of G
 * (`store.sharedInto(row)` is that call's destination: no copy). Each backward visits only what
 * L_t reaches. Row t is the compact touched-rows view of the shared group: [dense shared
 * params | touched rows of each shared table]. Task groups keep the flat buffer: task t's
 * group collects exactly the gradient of L_t, since no other loss reaches it.
 */
export class ParamRows implements RowSource {
  constructor(private readonly model: MultiTaskModel) {}

  forward(batch: TrainBatch): Tensor[] {
    return this.model.forward(batch, { train: true });
  }

  width(): number {
    return this.model.store.sharedView().length;
  }

  collect(losses: Tensor[], G: Storage, d: number, step: number): void {
    const store = this.model.store, ds = store.sharedView().length, be = getBackend();
    for (let t = 0; t < losses.length; t++) {
      const row = G.subarray(t * d, t * d + ds);
      be.zero(row, 0, ds);
      backwardInto(step, { task: t }, losses[t]!, store.sharedInto(row));
    }
  }

  writeBack(out: Storage): void {
    this.model.store.scatterShared(out);
  }
}

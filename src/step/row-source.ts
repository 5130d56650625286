import type { Storage } from '../tensor/backend.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { TrainBatch } from './types.ts';

/**
 * Where the per-task path's rows come from and where the combined vector goes: one per
 * gradient mode / scope (param-rows.ts, whole-model-rows.ts, rep-rows.ts).
 */
export interface RowSource {
  /** The forward pass this source differentiates: the T logits. */
  forward(batch: TrainBatch): Tensor[];
  /** The row length d of this step (after forward). */
  width(): number;
  /** Fills row t of G (rows of length d, written in place) with task t's gradient of its raw loss. */
  collect(losses: Tensor[], G: Storage, d: number, step: number): void;
  /** Sends the combined d-vector into the store's gradients. */
  writeBack(out: Storage, step: number): void;
}

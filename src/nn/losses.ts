import type { Storage } from '../tensor/backend.ts';
import { Tensor } from '../tensor/tensor.ts';
import { add, mul } from '../autograd/ops/arithmetic.ts';
import { bceWithLogits } from '../autograd/ops/loss.ts';
import { Scratch } from './module.ts';

/**
 * Per-task binary cross-entropy with logits, mean over the batch (the GradCraft code's loss).
 * Labels arrive row-major [batch x T] (a data Batch's `labels`); each task's column is copied
 * into a reused buffer of the logits' dtype.
 */
export class MultiTaskBCE {
  private readonly cols: Scratch[];

  constructor(readonly tasks: number) {
    this.cols = Array.from({ length: tasks }, () => new Scratch());
  }

  /** One scalar loss per task. logits[t] is [batch]. */
  losses(logits: readonly Tensor[], labels: Float32Array, batch: number): Tensor[] {
    const T = this.tasks;
    if (logits.length !== T) throw new Error(`MultiTaskBCE: got ${logits.length} logit tensors for ${T} tasks`);
    if (labels.length < batch * T) throw new Error(`MultiTaskBCE: labels has ${labels.length} entries, need batch * tasks = ${batch} * ${T}`);
    return logits.map((z, t) => {
      const y: Storage = this.cols[t]!.get(batch, z.dtype);
      for (let b = 0; b < batch; b++) y[b] = labels[b * T + t]!;
      return bceWithLogits(z, new Tensor(y, z.shape));
    });
  }
}

/** sum_t w_t L_t (w = 1: equal weighting). */
export function weightedSum(losses: readonly Tensor[], weights?: readonly number[]): Tensor {
  let total: Tensor | null = null;
  losses.forEach((l, t) => {
    const w = weights ? weights[t]! : 1;
    const term = w === 1 ? l : mul(l, w);
    total = total === null ? term : add(total, term);
  });
  if (total === null) throw new Error('weightedSum: no losses');
  return total;
}

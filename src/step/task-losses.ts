import { add, mul } from '../autograd/ops/arithmetic.ts';
import { MultiTaskBCE } from '../nn/losses.ts';
import type { Balancer, BalanceContext } from '../mtl/balancer.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { guardBalancer, NonFiniteError } from './errors.ts';
import type { TrainBatch } from './types.ts';

/** The per-task BCE losses of a step, their values (checked finite) and loss weights. */
export class TaskLosses {
  private readonly bce: MultiTaskBCE;
  /** This step's loss values (reused). */
  readonly values: Float64Array;
  private readonly weightBuf: Float64Array;

  constructor(readonly tasks: number) {
    this.bce = new MultiTaskBCE(tasks);
    this.values = new Float64Array(tasks);
    this.weightBuf = new Float64Array(tasks);
  }

  /** The T loss tensors of `logits`; their values land in `values`, a NaN / Inf stops the step. */
  of(logits: Tensor[], batch: TrainBatch, step: number): Tensor[] {
    const losses = this.bce.losses(logits, batch.labels, batch.size);
    const lv = this.values;
    for (let t = 0; t < this.tasks; t++) {
      lv[t] = losses[t]!.item();
      if (!Number.isFinite(lv[t])) {
        throw new NonFiniteError(`step ${step}: the loss of task ${t} is ${lv[t]} (forward pass)`, step, t, 'loss');
      }
    }
    return losses;
  }

  /** A loss-kind balancer's weights for this step (a reused buffer). */
  weights(balancer: Balancer, bctx: BalanceContext): Float64Array {
    const w = this.weightBuf;
    w.set(guardBalancer(bctx.step, () => balancer.lossWeights!(this.values, bctx)));
    return w;
  }

  /** The reused weight buffer, filled from `w` ('both': the weights the balancer reports). */
  weightsFrom(w: ArrayLike<number>): Float64Array {
    this.weightBuf.set(w);
    return this.weightBuf;
  }
}

/** sum_t w_t L_t, skipping zero weights (Single's other tasks cost nothing). */
export function weightedLoss(losses: Tensor[], w: ArrayLike<number>): Tensor {
  let total: Tensor | null = null;
  for (let t = 0; t < losses.length; t++) {
    const wt = w[t]!;
    if (wt === 0) continue;
    const term = wt === 1 ? losses[t]! : mul(losses[t]!, wt);
    total = total === null ? term : add(total, term);
  }
  // Every weight zero: a zero loss that still reaches the graph (so backward is well-defined).
  return total ?? mul(losses[0]!, 0);
}

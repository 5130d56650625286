import type { MultiTaskModel } from '../nn/models/model.ts';
import type { Balancer } from '../mtl/balancer.ts';
import { backwardInto } from './errors.ts';
import { weightedLoss, type TaskLosses } from './task-losses.ts';
import type { StepContext, StepOutcome, TrainBatch } from './types.ts';

/**
 * Loss-kind balancers (EW, UC, DWA, Single, IMTL-L) on a plain step, in either mode:
 * w = lossWeights(losses), then ONE backward of sum_t w_t L_t into the flat buffer.
 */
export class LossPath {
  constructor(private readonly model: MultiTaskModel, private readonly balancer: Balancer, private readonly losses: TaskLosses) {}

  run(batch: TrainBatch, ctx: StepContext): StepOutcome {
    const losses = this.losses.of(this.model.forward(batch, { train: true }), batch, ctx.step);
    const lv = this.losses.values;
    const w = this.losses.weights(this.balancer, { step: ctx.step, epoch: ctx.epoch, rng: ctx.rng, losses: lv, diagnostics: false });
    backwardInto(ctx.step, 'summed loss', weightedLoss(losses, w));
    return { losses: lv, lossWeights: w, d: 0, diagnostics: null, path: 'loss' };
  }
}

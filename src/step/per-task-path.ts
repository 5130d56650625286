import type { Balancer } from '../mtl/balancer.ts';
import { diagnose } from '../mtl/diagnostics.ts';
import type { CombineRule } from './combine-rules.ts';
import type { RowBuffers } from './row-buffers.ts';
import type { RowSource } from './row-source.ts';
import type { TaskLosses } from './task-losses.ts';
import type { StepContext, StepOutcome, TrainBatch } from './types.ts';

/**
 * The per-task path: forward, one row of G per task (from the row source: param, whole-model
 * or rep), the combine rule of the balancer's kind, diagnostics when sampled, write-back.
 */
export class PerTaskPath {
  constructor(
    private readonly balancer: Balancer,
    private readonly source: RowSource,
    private readonly rule: CombineRule,
    private readonly losses: TaskLosses,
    private readonly bufs: RowBuffers,
  ) {}

  run(batch: TrainBatch, ctx: StepContext, diagnoseNow: boolean): StepOutcome {
    const T = this.losses.tasks, step = ctx.step;
    const losses = this.losses.of(this.source.forward(batch), batch, step);
    const lv = this.losses.values;
    const bctx = { step, epoch: ctx.epoch, rng: ctx.rng, losses: lv, diagnostics: diagnoseNow };
    // Loss kind: the weights before the rows, as on the loss path.
    const w = this.balancer.kind === 'loss' ? this.losses.weights(this.balancer, bctx) : null;
    const d = this.source.width();
    this.bufs.ensure(d);
    const G = this.bufs.rows(d), out = this.bufs.combined(d);
    this.source.collect(losses, G, d, step);
    const { info, lossWeights } = this.rule.combine(G, d, out, bctx, w);
    const diagnostics = diagnoseNow ? diagnose(G, T, out, info ?? this.balancer.lastInfo()) : null;
    this.source.writeBack(out, step);
    return { losses: lv, lossWeights, d, diagnostics, path: 'per-task' };
  }
}

/**
 * The balanced training step: per-task gradients in param or rep mode, the balancer, and the
 * combined gradient written back into the store's flat gradient buffer. What is left for the
 * caller is L2 (`addL2Grad`) and one optimizer step. docs/training.md has the data flow.
 *
 * This class only picks a path; each path is its own object:
 * - loss-path.ts: loss-kind balancers on a plain step (one backward of sum_t w_t L_t);
 * - per-task-path.ts: T rows of G from a row source (param-rows.ts, whole-model-rows.ts,
 *   rep-rows.ts), the combine rule of the balancer's kind (combine-rules.ts), diagnostics,
 *   write-back. Loss-kind balancers take it on diagnostics steps (the same update up to float
 *   rounding, plus the T gradients to diagnose).
 *
 * Conventions. Per-task losses are BCE means over the batch. The gradient path gives task t's
 * group the gradient of L_t itself (weight 1, as the GradCraft code does), whatever the
 * balancer's reduction; the shared block gets combine(G). So EW as a combine with reduction
 * 'sum' reproduces the gradient of sum_t L_t exactly, and EW's default ('mean', the loss path)
 * is the gradient of (1/T) sum_t L_t everywhere.
 */
import type { Storage } from '../tensor/backend.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import type { Balancer, GradientMode } from '../mtl/balancer.ts';
import { combineRuleFor } from './combine-rules.ts';
import { FixedLayout } from './fixed-layout.ts';
import { LossPath } from './loss-path.ts';
import { ParamRows } from './param-rows.ts';
import { PerTaskPath } from './per-task-path.ts';
import { RepRows, repBlocks } from './rep-rows.ts';
import { RowBuffers } from './row-buffers.ts';
import type { RowSource } from './row-source.ts';
import { resolveSettings, type StepSettings } from './settings.ts';
import { TaskLosses } from './task-losses.ts';
import type { BalancedStepOptions, Reduction, Scope, StepContext, StepOutcome, TrainBatch } from './types.ts';
import { WholeModelRows } from './whole-model-rows.ts';

export { NonFiniteError } from './errors.ts';
export type { BalancedStepOptions, Scope, StepContext, StepOutcome, TrainBatch } from './types.ts';

export class BalancedStep {
  readonly mode: GradientMode;
  readonly scope: Scope;
  readonly reduction: Reduction;
  readonly tasks: number;
  /** Param mode with a per-coordinate-state balancer: the whole shared group, fixed layout. */
  readonly fixedLayout: boolean;
  private readonly settings: StepSettings;
  private readonly bufs: RowBuffers;
  private readonly layout: FixedLayout | null;
  private readonly lossPath: LossPath;
  private readonly perTask: PerTaskPath;

  constructor(readonly model: MultiTaskModel, readonly balancer: Balancer, opts: BalancedStepOptions = {}) {
    const s = (this.settings = resolveSettings(balancer, opts));
    this.mode = s.mode;
    this.scope = s.scope;
    this.reduction = s.reduction;
    this.fixedLayout = s.fixedLayout;
    this.tasks = model.tasks;
    const store = model.store;
    const losses = new TaskLosses(this.tasks);
    let source: RowSource;
    if (s.mode === 'rep') source = new RepRows(model);
    else if (s.scope === 'whole-model') source = new WholeModelRows(model, s.reduction === 'mean' ? this.tasks : 1, balancer.kind !== 'loss');
    else source = new ParamRows(model);
    this.bufs = new RowBuffers(this.tasks, store.dtype, initialWidth(model, s, source));
    this.layout = s.fixedLayout ? new FixedLayout(store) : null;
    this.lossPath = new LossPath(model, balancer, losses);
    this.perTask = new PerTaskPath(balancer, source, combineRuleFor(balancer, store, losses), losses, this.bufs);
  }

  /** The current T x d capacity (for tests that check no per-step growth). */
  get capacity(): number {
    return this.bufs.capacity;
  }

  /** G's rows of the last per-task step (length T x d; valid until the next step). */
  rows(d: number): Storage {
    return this.bufs.rows(d);
  }

  /** The combined vector of the last per-task step. */
  combined(d: number): Storage {
    return this.bufs.combined(d);
  }

  /**
   * Rep mode: where each `repLayout` segment's block starts in a row of G for a batch of
   * `batch` rows (row t = [segment 0's batch x w_0 values, row-major | segment 1's | ...]).
   */
  repBlocks(batch: number): { name: string; offset: number; width: number }[] {
    return repBlocks(this.model, batch);
  }

  /**
   * zeroGrad (unless `ctx.gradsZeroed`), forward in training mode, per-task BCE, gradients by
   * the balancer, written back. After it, `store.grads` holds the step's gradient: add L2 and
   * step the optimizer (with `zeroGrad`, the next run takes `gradsZeroed`).
   */
  run(batch: TrainBatch, ctx: StepContext): StepOutcome {
    if (ctx.gradsZeroed !== true) this.model.store.zeroGrad();
    this.layout?.touchAll();
    const every = this.settings.diagnosticsEvery;
    const diagnoseNow = every > 0 && ctx.step % every === 0;
    if (this.balancer.kind === 'loss' && !diagnoseNow && !this.settings.perTaskAlways) return this.lossPath.run(batch, ctx);
    return this.perTask.run(batch, ctx, diagnoseNow);
  }
}

/**
 * G's first row capacity: rep mode knows d = B x width; param mode takes the dense shared part
 * plus at most min(rows, B) rows of each shared table (all rows in the fixed layout); a table
 * shared by several fields may need more, and G then grows once.
 */
function initialWidth(model: MultiTaskModel, s: StepSettings, source: RowSource): number {
  if (s.mode === 'rep') return s.maxBatch * model.repWidth;
  const v = model.store.sharedView();
  const rows = v.segments.reduce((a, g) => a + (s.fixedLayout ? g.param.rows : Math.min(g.param.rows, s.maxBatch)) * g.width, 0);
  return v.denseLength + rows + (source instanceof WholeModelRows ? source.taskLength : 0);
}

/**
 * One playground training run, step by step, on the library itself: the preset model, the
 * balancer, BalancedStep (per-task gradients, balancing, write-back), L2 and the optimizer, the
 * seeded batcher, the trainer's own scoring (`evaluate`) and diagnostics.jsonl records. The Worker drives it a few steps at a
 * time so that pause / resume / balancer changes land between steps; it also runs in Node
 * (the tests, and the AUC floor the browser test states).
 */
import {
  addL2Grad, BalancedStep, Batcher, createBalancer, createModel, diagnosticsRecord, evaluate as evaluateModel, makeOptimizer, Rng,
  type Balancer, type Dataset, type Diagnostics, type MultiTaskModel, type Optimizer, type Splits,
} from '../../../src/core.ts';
import type { RunConfig } from './config.ts';

/** What one step reports: its losses, and the balancer's view of the gradients on a sampled step. */
export interface StepReport {
  step: number;
  epoch: number;
  losses: number[];
  diagnostics: Diagnostics | null;
}

/** The trainer's default evaluation batch (TrainConfig.evalBatchSize), which config.json records. */
export const EVAL_BATCH_SIZE = 2048;

/** The trainer's scores of a model on a split (per task, and the means final.json records). */
export type Scores = ReturnType<typeof evaluateModel>;

export interface EvalReport {
  step: number;
  /** Per task, null where the split has one class. */
  auc: (number | null)[];
  meanAuc: number | null;
}

/** A finished pass over the training split: the run folder's epochs.jsonl line. */
export interface EpochRecord {
  epoch: number;
  train_loss: number[];
  valid: Record<string, { auc: number | null; gauc: number | null; ne: number | null }>;
  valid_mean_auc: number | null;
  valid_mean_auc_tasks: number;
  seconds: number;
  step: number;
  method: string;
}

/** A balancer change in the middle of a run. */
export interface Switch {
  step: number;
  method: string;
  mode: 'param' | 'rep';
}

export class TrainingSession {
  readonly model: MultiTaskModel;
  readonly tasks: string[];
  readonly epochs: EpochRecord[] = [];
  readonly diagnostics: Record<string, unknown>[] = [];
  readonly switches: Switch[] = [];
  private balancer!: Balancer;
  private stepper!: BalancedStep;
  private readonly optimizer: Optimizer;
  private readonly batcher: Batcher;
  private readonly rng: Rng;
  private readonly lossSum: Float64Array;
  private rows = 0;
  private epochStarted: number;
  private readonly validPreds: Float32Array;
  method: string;
  mode: 'param' | 'rep';
  step = 0;

  constructor(readonly config: RunConfig, readonly splits: Splits, private readonly clock: () => number = () => performance.now() / 1000) {
    const train = splits.train;
    this.tasks = [...train.taskNames];
    this.model = createModel(config.model, {
      vocabSizes: train.fields.map((f) => f.vocabSize), tasks: this.tasks.length, denseWidth: train.denseNames.length, seed: config.seed,
    });
    this.optimizer = makeOptimizer('adam', this.model.store, { lr: config.lr });
    this.batcher = new Batcher(train, { batchSize: config.batchSize, seed: config.seed });
    this.rng = new Rng(config.seed).fork('balancer');
    this.lossSum = new Float64Array(this.tasks.length);
    this.validPreds = new Float32Array(splits.valid.rows * this.tasks.length);
    this.method = config.method;
    this.mode = config.mode;
    this.use(config.method, config.mode);
    this.epochStarted = clock();
  }

  get stepsPerEpoch(): number {
    return this.batcher.batchesPerEpoch;
  }

  /**
   * Balances with `method` in `mode` from the next step on. The model, the optimizer's moments
   * and the batch order carry on; the new balancer starts from its own initial state.
   */
  use(method: string, mode: 'param' | 'rep'): void {
    const balancer = createBalancer(method);
    const stepper = new BalancedStep(this.model, balancer, { mode, maxBatch: this.config.batchSize, diagnosticsEvery: this.config.diagnosticsEvery });
    this.balancer = balancer;
    this.stepper = stepper;
    if (this.step > 0 && (method !== this.method || mode !== this.mode)) this.switches.push({ step: this.step, method, mode });
    this.method = method;
    this.mode = mode;
  }

  get balancerId(): string {
    return this.balancer.id;
  }

  /** One training step; at the end of a pass over the data, also the epoch's validation record. */
  next(): { step: StepReport; epoch: EpochRecord | null } {
    let batch = this.batcher.next();
    let epoch: EpochRecord | null = null;
    if (batch === null) {
      epoch = this.closeEpoch();
      batch = this.batcher.next()!;
    }
    const res = this.stepper.run(batch, { step: this.step, epoch: this.batcher.epoch, rng: this.rng });
    addL2Grad(this.model.store, this.config.l2);
    this.optimizer.step();
    const T = this.tasks.length;
    for (let t = 0; t < T; t++) this.lossSum[t] += res.losses[t]! * batch.size;
    this.rows += batch.size;
    const losses = Array.from(res.losses);
    // The trainer's line, plus the balancer that made it, since a playground run can change it.
    if (res.diagnostics) this.diagnostics.push({ ...diagnosticsRecord(this.step, this.batcher.epoch + 1, losses, res.diagnostics), method: this.method });
    const report: StepReport = { step: this.step, epoch: this.batcher.epoch, losses, diagnostics: res.diagnostics };
    this.step++;
    return { step: report, epoch };
  }

  /** AUC / GAUC / NE per task on `ds` (validation by default) with the current weights, as the trainer scores them. */
  evaluate(ds: Dataset = this.splits.valid): { report: EvalReport; scores: Scores } {
    const scores = evaluateModel(this.model, ds, EVAL_BATCH_SIZE, ds === this.splits.valid ? this.validPreds : undefined);
    const auc = ds.taskNames.map((n) => {
      const a = scores.perTask[n]!.auc;
      return a !== null && Number.isFinite(a) ? a : null;
    });
    return { report: { step: this.step, auc, meanAuc: scores.meanAuc }, scores };
  }

  private closeEpoch(): EpochRecord {
    const { scores } = this.evaluate();
    const rec: EpochRecord = {
      epoch: this.epochs.length + 1,
      train_loss: Array.from(this.lossSum, (s) => s / Math.max(1, this.rows)),
      valid: scores.perTask,
      valid_mean_auc: scores.meanAuc,
      valid_mean_auc_tasks: scores.meanAucTasks,
      seconds: this.clock() - this.epochStarted,
      step: this.step,
      method: this.method,
    };
    this.epochs.push(rec);
    this.lossSum.fill(0);
    this.rows = 0;
    this.epochStarted = this.clock();
    return rec;
  }

  /** The training loss of the epoch so far (a partial epoch at download time). */
  partialTrainLoss(): number[] | null {
    return this.rows > 0 ? Array.from(this.lossSum, (s) => s / this.rows) : null;
  }
}

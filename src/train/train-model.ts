/**
 * One model on all of the splits' tasks: epochs over seeded shuffled batches, the balanced step
 * (src/step), L2 after balancing, one optimizer step; validation each epoch; early stopping
 * (early-stopping.ts) restoring the best weights, also when the epoch limit comes first (the
 * GradCraft code restores only when stopping early; mtlkit always does, and says which
 * happened); test evaluation of the restored model.
 *
 * The pieces around the loop are their own units: the run's logs (run-log.ts), its clock
 * (step-timer.ts), the NaN / Inf stop (diverged.ts) and the checkpoints (checkpoint.ts).
 */
import { Batcher } from '../data/batcher.ts';
import type { Splits } from '../data/split.ts';
import type { Batch, Dataset } from '../data/types.ts';
import type { Balancer } from '../mtl/balancer.ts';
import { createBalancer } from '../mtl/balancers/index.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import { createModel } from '../nn/models/presets.ts';
import { makeOptimizer } from '../nn/optim/index.ts';
import type { Optimizer } from '../nn/optim/optimizer.ts';
import { addL2Grad } from '../nn/regularize.ts';
import { BalancedStep, NonFiniteError } from '../step/index.ts';
import { Rng } from '../tensor/rng.ts';
import { activeBackendRecord } from './backend-record.ts';
import { dropoutStates, hasState, loadState, saveBest, saveState, setDropoutStates, statePath, type TrainState } from './checkpoint.ts';
import { ConfigError, type TrainConfig } from './config.ts';
import { divergedError } from './diverged.ts';
import { EarlyStopping } from './early-stopping.ts';
import { evaluate } from './evaluate-model.ts';
import type { Progress } from './progress.ts';
import type { TestMetrics, TrainResult, ValidMetrics } from './result.ts';
import { ResumeError, TrainingInterruptedError } from './resume-errors.ts';
import { RunLog } from './run-log.ts';
import { now, StepTimer } from './step-timer.ts';

export interface TrainHooks {
  /** Before each training step (tests inject a NaN here). */
  beforeStep?(step: number, batch: Batch): void;
  /** After each epoch's checkpoint is written (tests simulate a kill by throwing). */
  afterEpoch?(epoch: number): void;
}

/** How this process came to the run (train.ts decides; the per-task runs adjust `resuming`). */
export interface RunContext {
  /** The folder may hold an interrupted run of this config to continue. */
  resuming: boolean;
  /** Resume from state.prev.ckpt (--use-previous-checkpoint). */
  usePrevious: boolean;
  signal: AbortSignal | undefined;
  /** The run's recorded backend differs from this process's (allowed by the caller). */
  backendChanged: boolean;
}

export interface TrainModelOptions {
  cfg: TrainConfig;
  splits: Splits;
  runDir: string;
  run: RunContext;
  progress: Progress;
  hooks?: TrainHooks;
  /** The progress display's name for this model (default: the method id). */
  label?: string;
}

/** Where the loop stands: what a checkpoint records and a resume restores. */
interface Position {
  epochDone: number;
  step: number;
  lastLosses: number[] | null;
}

function buildModel(cfg: TrainConfig, ds: Dataset): MultiTaskModel {
  return createModel(cfg.model, {
    vocabSizes: ds.fields.map((f) => f.vocabSize),
    tasks: ds.taskNames.length,
    denseWidth: ds.denseNames.length,
    seed: cfg.seed,
    dropout: cfg.modelOptions.dropout,
    tableLayout: cfg.modelOptions.tableLayout,
    init: cfg.modelOptions.init,
  });
}

function buildBalancer(cfg: TrainConfig): Balancer {
  try {
    return createBalancer(cfg.method, cfg.methodOptions);
  } catch (e) {
    throw new ConfigError(`config.methodOptions: ${(e as Error).message}`);
  }
}

export async function trainModel(o: TrainModelOptions): Promise<TrainResult> {
  const { cfg, splits, runDir, run, progress, hooks } = o;
  const t0 = now();
  const backend = activeBackendRecord();
  const tasks = [...splits.train.taskNames];
  const T = tasks.length;
  const model = buildModel(cfg, splits.train);
  const store = model.store;
  const optimizer = makeOptimizer(cfg.optimizer, store, { ...cfg.optimizerOptions, lr: cfg.lr });
  const balancer = buildBalancer(cfg);
  const step = new BalancedStep(model, balancer, { mode: cfg.mode, scope: cfg.scope ?? undefined, maxBatch: cfg.batchSize, diagnosticsEvery: cfg.diagnosticsEvery });
  const batcher = new Batcher(splits.train, { batchSize: cfg.batchSize, seed: cfg.seed });
  const rng = new Rng(cfg.seed).fork('balancer');
  // The best epoch's parameters, restored at the end (and the fallback before any epoch had a score).
  const best = store.dtype === 'float64' ? new Float64Array(store.size) : new Float32Array(store.size);
  best.set(store.values);
  const validPreds = new Float32Array(splits.valid.rows * T);
  const log = new RunLog(runDir);

  let early = new EarlyStopping(cfg.patience, cfg.minDelta);
  let timer = new StepTimer();
  const pos: Position = { epochDone: 0, step: 0, lastLosses: null };
  if (run.resuming) {
    const st = resumeFrom({ cfg, runDir, run, progress, log, model, optimizer, best, batcher, balancer });
    if (st) {
      early = new EarlyStopping(cfg.patience, cfg.minDelta, st.early);
      timer = new StepTimer(st.timing);
      pos.epochDone = st.epoch;
      pos.step = st.step;
      pos.lastLosses = st.lastLosses;
    }
  }
  progress.start({ label: o.label ?? cfg.method, epochs: cfg.epochs, stepsPerEpoch: batcher.batchesPerEpoch, startEpoch: pos.epochDone, tasks });
  const lossSum = new Float64Array(T);
  // Whether the optimizer's last step left the gradients zero (its zeroGrad): the next step
  // then need not zero them. Not so at the start, nor after a resume.
  let gradsZeroed = false;
  try {
    for (let epoch = pos.epochDone + 1; epoch <= cfg.epochs && !early.stopped; epoch++) {
      const e0 = now();
      lossSum.fill(0);
      let rows = 0;
      for (const batch of batcher.epochBatches()) {
        if (run.signal) {
          await new Promise((r) => setImmediate(r));
          if (run.signal.aborted) throw new TrainingInterruptedError(runDir, cfg.checkpoint ? pos.epochDone : 0, pos.step, cfg.checkpoint || pos.epochDone === 0);
        }
        hooks?.beforeStep?.(pos.step, batch);
        let res;
        const s0 = now();
        try {
          res = step.run(batch, { step: pos.step, epoch: epoch - 1, rng, gradsZeroed });
          gradsZeroed = false;
          addL2Grad(store, cfg.l2);
          optimizer.step({ zeroGrad: true });
          gradsZeroed = true;
          if (!res.diagnostics) timer.plainStep(s0, batch.size);
        } catch (err) {
          if (err instanceof NonFiniteError) {
            throw divergedError(err, { epoch, tasks, lastLosses: pos.lastLosses, runDir, goodEpoch: cfg.checkpoint && pos.epochDone > 0 ? pos.epochDone : 0 });
          }
          throw err;
        }
        for (let t = 0; t < T; t++) lossSum[t] += res.losses[t]! * batch.size;
        rows += batch.size;
        if (res.diagnostics) log.diagnostics(pos.step, epoch, res.losses, res.diagnostics);
        pos.lastLosses = Array.from(res.losses);
        pos.step++;
        progress.step(pos.step, res.losses);
      }
      const trainSec = now() - e0;
      timer.epoch(trainSec, rows);
      const v0 = now();
      const ev = evaluate(model, splits.valid, cfg.evalBatchSize, validPreds);
      timer.evaluated(v0);
      const score = ev.meanAuc;
      const verdict = early.observe(epoch, score);
      if (verdict !== 'worse') best.set(store.values);
      const improved = verdict === 'improved';
      const trainLoss = Array.from(lossSum, (s) => s / Math.max(1, rows));
      log.epoch({
        epoch, train_loss: trainLoss, valid: ev.perTask, valid_mean_auc: score, valid_mean_auc_tasks: ev.meanAucTasks, seconds: now() - e0,
        improved, best_epoch: early.bestEpoch, samples_per_s: rows / Math.max(trainSec, 1e-9), step: pos.step,
      });
      pos.epochDone = epoch;
      if (cfg.checkpoint) {
        const st: TrainState = {
          version: 1, epoch, step: pos.step, batcher: batcher.state(), balancer: balancer.getState(), dropout: dropoutStates(model),
          early: early.state(), timing: timer.totals(), lastLosses: pos.lastLosses,
        };
        // State first: a crash before best.ckpt is written leaves a state whose best epoch is
        // its own, whose parameters are then the best ones (checkpoint.ts).
        saveState(runDir, store, optimizer, st);
        if (improved) saveBest(runDir, store, epoch);
      }
      progress.epoch({
        epoch, epochs: cfg.epochs, trainLoss, validMeanAuc: score, bestEpoch: early.bestEpoch, bestScore: early.bestScore,
        improved, seconds: now() - e0, samplesPerS: rows / Math.max(trainSec, 1e-9),
      });
      hooks?.afterEpoch?.(epoch);
    }
  } finally {
    progress.stop();
  }

  // Restore the best weights (early stop or epoch limit alike) and test them.
  store.values.set(best);
  const stoppedEarly = early.stopped;
  const bestEpoch = early.bestEpoch === 0 ? pos.epochDone : early.bestEpoch;
  const restored = stoppedEarly
    ? `stopped early after epoch ${pos.epochDone} (no improvement > ${cfg.minDelta} for ${cfg.patience} epochs); restored the best weights of epoch ${bestEpoch}`
    : `reached the epoch limit (${cfg.epochs}) before early stopping; restored the best weights of epoch ${bestEpoch}`;
  progress.note(restored);
  const tt = now();
  // Validation again on the restored weights: equal to the best epoch's record, which checks
  // the restore (tests compare them bit for bit).
  const ve = evaluate(model, splits.valid, cfg.evalBatchSize, validPreds);
  const valid = { mean_auc: ve.meanAuc, mean_auc_tasks: ve.meanAucTasks, ...ve.perTask } as ValidMetrics;
  const te = evaluate(model, splits.test, cfg.evalBatchSize);
  timer.evaluated(tt);
  const test = { ...te.perTask, av_a: te.avA, av_g: te.avG } as TestMetrics;
  return {
    config: cfg,
    tasks,
    valid,
    test,
    best_epoch: bestEpoch,
    epochs_run: pos.epochDone,
    stopped_early: stoppedEarly,
    stop_reason: stoppedEarly ? 'patience' : 'epoch-limit',
    restored,
    timing: timer.summary(pos.step, now() - t0),
    run_dir: runDir,
    backend,
  };
}

interface ResumeParts {
  cfg: TrainConfig;
  runDir: string;
  run: RunContext;
  progress: Progress;
  log: RunLog;
  model: MultiTaskModel;
  optimizer: Optimizer;
  best: Float32Array | Float64Array;
  batcher: Batcher;
  balancer: Balancer;
}

/**
 * Puts the run where its checkpoint left it (parameters, optimizer, best weights, batch order,
 * balancer and dropout streams; the logs cut back to match) and returns the checkpoint's state,
 * or null when there is no checkpoint yet and the run starts from epoch 1.
 */
function resumeFrom(p: ResumeParts): TrainState | null {
  const { cfg, runDir, run, log } = p;
  if (hasState(runDir) || run.usePrevious) {
    const { state: st, bestAhead } = loadState(runDir, p.model.store, p.optimizer, p.best, { usePrevious: run.usePrevious });
    if (bestAhead && run.backendChanged) {
      throw new ResumeError(runDir, 'inconsistent', `checkpoint/best.ckpt already holds an epoch after ${st.epoch}, and the weights of best epoch ${st.early.bestEpoch} are gone; only a bit-exact rerun rewrites them`, 'resume on the recorded backend (without --allow-backend-change)');
    }
    p.batcher.setState(st.batcher);
    p.balancer.setState(st.balancer);
    setDropoutStates(p.model, st.dropout, statePath(runDir));
    log.cutTo(st.epoch, st.step);
    return st;
  }
  const done = log.epochsLogged();
  if (done > 0) {
    throw new ResumeError(runDir, 'no-checkpoint',
      `epochs.jsonl records ${done} finished epoch${done === 1 ? '' : 's'} but there is no checkpoint/state.ckpt` +
      (cfg.checkpoint ? ' (deleted?)' : ' (the run was started with checkpoint: false)'),
      'a resume continues from a checkpoint; start the run again without --resume (another --out)');
  }
  // Stopped before its first epoch ended: nothing was done, so starting over loses nothing.
  p.progress.note(`resume: ${runDir} has no checkpoint yet (stopped before its first epoch ended); training starts from epoch 1`);
  log.clear();
  return null;
}

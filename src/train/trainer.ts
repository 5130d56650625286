/**
 * The trainer: epochs over seeded shuffled batches, the balanced step (src/step/balanced-step.ts),
 * L2 after balancing, one optimizer step; validation each epoch; early stopping on the mean
 * validation AUC (patience, minDelta) restoring the best weights, also when the epoch limit
 * comes first (the GradCraft code restores only when stopping early; mtlkit always does, and
 * says which happened); test evaluation of the restored model; a run folder (run-folder.ts);
 * per-epoch checkpoints and exact resume (checkpoint.ts); a NaN / Inf guard.
 *
 * 'single' trains one single-task model per task, each monitored on its own task, and
 * combines their test metrics into one result (GradCraft's Single baseline).
 */
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { Batcher } from '../data/batcher.ts';
import { sequentialBatches } from '../data/batcher.ts';
import type { Splits } from '../data/split.ts';
import type { Batch, Dataset } from '../data/types.ts';
import { selectTasks } from '../data/dataset.ts';
import { evaluateTasks } from '../metrics/evaluate.ts';
import { averageOverTasks } from '../metrics/paper.ts';
import { noGrad } from '../autograd/mode.ts';
import { createBalancer } from '../mtl/balancers/index.ts';
import { BalancedStep, NonFiniteError } from '../step/balanced-step.ts';
import { createModel } from '../nn/models/presets.ts';
import type { MultiTaskModel } from '../nn/models/model.ts';
import { makeOptimizer } from '../nn/optim/index.ts';
import { addL2Grad } from '../nn/regularize.ts';
import { Rng } from '../tensor/rng.ts';
import { ConfigError, resolveConfig, type TrainConfig } from './config.ts';
import { activeBackendRecord, backendDifference, backendSettings, describeBackend, parseBackendRecord, type BackendRecord } from './backend-record.ts';
import {
  dropoutStates, hasState, loadState, saveBest, saveState, setDropoutStates, statePath, type EarlyStopState, type TrainState,
} from './checkpoint.ts';
import { absoluteData, loadSplits } from './data.ts';
import { loadConfigPlugins } from './plugins.ts';
import { autoProgress, type Progress } from './progress.ts';
import { resumeCommand } from './resume-command.ts';
import { ResumeError, TrainingInterruptedError } from './resume-errors.ts';
import { appendJsonl, countJsonl, createRunDir, diagnosticsRecord, filterJsonl, refuseTakenRunDir, writeJsonAtomic } from './run-folder.ts';

export interface TaskScore {
  auc: number | null;
  gauc: number | null;
  ne: number | null;
}

/** valid: mean_auc (over the tasks that have a validation AUC; mean_auc_tasks counts them) and one entry per task. */
export type ValidMetrics = { mean_auc: number | null } & Record<string, TaskScore | number | null>;
/** test: one entry per task, av_a and av_g. */
export type TestMetrics = { av_a: number | null; av_g: number | null } & Record<string, TaskScore | number | null>;

export interface Timing {
  /**
   * Training samples per second of step time (forward, backward, balancing, L2, optimizer),
   * over the steps that did not record diagnostics (those cost extra: T backwards for loss
   * methods), so methods compare fairly. Evaluation and checkpoints are excluded.
   */
  samples_per_s: number;
  /** The same over every step, diagnostics steps included. */
  samples_per_s_all: number;
  /** Wall seconds of the whole run (training, evaluation, checkpoints). */
  seconds: number;
  train_seconds: number;
  eval_seconds: number;
  steps: number;
  samples: number;
  ms_per_step: number;
}

/** The result of a run: final.json, and the CLI's --json last line. */
export interface TrainResult {
  config: TrainConfig;
  tasks: string[];
  valid: ValidMetrics;
  test: TestMetrics;
  /** 1-based epoch whose weights were restored. */
  best_epoch: number;
  epochs_run: number;
  stopped_early: boolean;
  /** 'patience' (early stop) or 'epoch-limit'. Either way the best weights were restored. */
  stop_reason: 'patience' | 'epoch-limit';
  restored: string;
  timing: Timing;
  run_dir: string;
  /** The kernels the run trained on (also in config.json); resume compares them. */
  backend: BackendRecord;
  /** Only after --allow-backend-change resumed on other kernels: what the run started on. */
  backend_before_resume?: BackendRecord;
  /** 'single' only: each task's own run. */
  single_runs?: Record<string, { best_epoch: number; epochs_run: number; stopped_early: boolean; run_dir: string }>;
}

export interface TrainHooks {
  /** Before each training step (tests inject a NaN here). */
  beforeStep?(step: number, batch: Batch): void;
  /** After each epoch's checkpoint is written (tests simulate a kill by throwing). */
  afterEpoch?(epoch: number): void;
}

export interface TrainOptions {
  /** Continue the run in this folder (its config.json is used). */
  resume?: string;
  /** Progress display; default: bar on a TTY, lines otherwise. */
  progress?: Progress;
  quiet?: boolean;
  hooks?: TrainHooks;
  /** Use these splits instead of loading config.data (tests, experiments that share data). */
  splits?: Splits;
  /** Resume on other kernels than the run recorded (the result is then not bit-identical). */
  allowBackendChange?: boolean;
  /** Resume from checkpoint/state.prev.ckpt (when state.ckpt is damaged). */
  usePreviousCheckpoint?: boolean;
  /**
   * Stop at the next step boundary once aborted (the CLI's SIGINT), with a
   * TrainingInterruptedError. With a signal the trainer yields to the event loop between steps.
   */
  signal?: AbortSignal;
}

interface RunContext {
  resuming: boolean;
  usePrevious: boolean;
  signal: AbortSignal | undefined;
  /** The run's recorded backend differs from this process's (allowed by the caller). */
  backendChanged: boolean;
}

/** The NaN / Inf guard's stop: where, what, and the last finite values. */
export class TrainingDivergedError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly epoch: number,
    readonly task: string | null,
    readonly lastFiniteLosses: Record<string, number> | null,
    readonly checkpoint: string | null,
  ) {
    super(message);
    this.name = 'TrainingDivergedError';
  }
}

/** Trains per `config` (partial configs get the defaults), or resumes `opts.resume`. */
export async function train(config: Partial<TrainConfig> | Record<string, unknown> = {}, opts: TrainOptions = {}): Promise<TrainResult> {
  let cfg: TrainConfig;
  let runDir: string;
  let splits: Splits;
  const backend = activeBackendRecord();
  let before: BackendRecord | null = null;
  const progress = opts.progress ?? autoProgress({ quiet: opts.quiet });
  if (opts.resume) {
    runDir = opts.resume;
    const file = join(runDir, 'config.json');
    if (!existsSync(file)) throw new ResumeError(runDir, 'not-a-run', 'the folder holds no config.json', 'give the folder of a run that mtlkit train started (its --out)');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    await loadConfigPlugins(stored);
    cfg = resolveConfig(stored);
    if (existsSync(join(runDir, 'final.json'))) {
      return JSON.parse(readFileSync(join(runDir, 'final.json'), 'utf8')) as TrainResult;
    }
    before = checkResumeBackend(runDir, stored.backend, backend, !!opts.allowBackendChange, progress);
    splits = opts.splits ?? (await loadSplits(cfg));
  } else {
    await loadConfigPlugins(config);
    cfg = resolveConfig(config);
    cfg = { ...cfg, data: absoluteData(cfg.data), outDir: null };
    const outDir = (config as { outDir?: string | null }).outDir ?? null;
    // config.json is written only once the data has loaded: a run folder whose data failed to
    // load holds nothing, and the same command is accepted once the data is fixed.
    if (outDir !== null) refuseTakenRunDir(outDir);
    splits = opts.splits ?? (await loadSplits(cfg));
    runDir = createRunDir(outDir, { method: cfg.method, mode: cfg.mode, seed: cfg.seed });
    writeJsonAtomic(join(runDir, 'config.json'), { ...cfg, backend });
  }
  const ctx: RunContext = { resuming: !!opts.resume, usePrevious: !!opts.usePreviousCheckpoint, signal: opts.signal, backendChanged: before !== null };
  const result = cfg.method === 'single'
    ? await trainSingle(cfg, splits, runDir, ctx, progress, opts.hooks)
    : await trainOne(cfg, splits, runDir, ctx, progress, opts.hooks, cfg.method);
  if (before !== null) result.backend_before_resume = before;
  writeJsonAtomic(join(runDir, 'final.json'), result);
  return result;
}

/**
 * Resume runs on the kernels the run recorded, or says why not: the backends round
 * differently, so a resumed run is bit-identical to an uninterrupted one only on the same ones.
 * Returns the recorded backend when it differs and `allow` let it pass, else null.
 */
function checkResumeBackend(runDir: string, raw: unknown, now: BackendRecord, allow: boolean, progress: Progress): BackendRecord | null {
  const was = parseBackendRecord(raw);
  const diff = was === null ? 'its config.json records no backend (written by an older mtlkit)' : backendDifference(was, now);
  if (diff === null) return null;
  const why = `the run trained on ${was ? describeBackend(was) : 'an unrecorded backend'}, this process has ${describeBackend(now)} (${diff}); ` +
    'a resumed run is bit-identical to an uninterrupted one only on the same kernels';
  if (!allow) {
    const same = was ? `resume on the recorded kernels: ${resumeCommand(runDir, backendSettings(was))}, or ` : '';
    throw new ResumeError(runDir, 'backend', why, `${same}pass --allow-backend-change to continue anyway (not bit-exact)`);
  }
  progress.note(`resume: ${why}; continuing as asked (--allow-backend-change)`);
  return was ?? now;
}

/** Continues the run in `dir` exactly where its last checkpoint left it. */
export function resume(dir: string, opts: Omit<TrainOptions, 'resume'> = {}): Promise<TrainResult> {
  return train({}, { ...opts, resume: dir });
}

function taskScore(m: { auc: number | null; gauc: number | null; ne: number | null }): TaskScore {
  return { auc: m.auc, gauc: m.gauc, ne: m.ne };
}

/** Sigmoid outputs of the model on every row of `ds`, row-major [rows x T] (eval mode, no graph). */
export function predict(model: MultiTaskModel, ds: Dataset, batchSize: number, out?: Float32Array): Float32Array {
  const T = model.tasks;
  const preds = out ?? new Float32Array(ds.rows * T);
  let row = 0;
  noGrad(() => {
    for (const b of sequentialBatches(ds, batchSize)) {
      const logits = model.forward(b, { train: false });
      for (let t = 0; t < T; t++) {
        const z = logits[t]!.data;
        for (let i = 0; i < b.size; i++) preds[(row + i) * T + t] = 1 / (1 + Math.exp(-z[i]!));
      }
      row += b.size;
    }
  });
  model.train(true);
  return preds;
}

/** AUC / GAUC / NE per task of `model` on `ds`. */
export function evaluate(model: MultiTaskModel, ds: Dataset, batchSize: number, preds?: Float32Array): { perTask: Record<string, TaskScore>; meanAuc: number | null; meanAucTasks: number; avA: number | null; avG: number | null } {
  const p = predict(model, ds, batchSize, preds);
  const rep = evaluateTasks({ taskNames: ds.taskNames, labels: ds.labels, preds: p, users: ds.users });
  const perTask: Record<string, TaskScore> = {};
  for (const m of rep.tasks) perTask[m.name] = taskScore(m);
  // Early stopping needs a number even when a task's validation labels are all one class:
  // the mean over the tasks that have an AUC.
  const aucs = rep.tasks.map((m) => m.auc).filter((a): a is number => a !== null && Number.isFinite(a));
  const meanAuc = rep.avA ?? (aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : null);
  return { perTask, meanAuc, meanAucTasks: rep.meanAucTasks, avA: rep.avA, avG: rep.avG };
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

function now(): number {
  return performance.now() / 1000;
}

/** One model on all of the splits' tasks. */
async function trainOne(cfg: TrainConfig, splits: Splits, runDir: string, ctx: RunContext, progress: Progress, hooks: TrainHooks | undefined, method: string, label = method): Promise<TrainResult> {
  const t0 = now();
  const backend = activeBackendRecord();
  const tasks = [...splits.train.taskNames];
  const T = tasks.length;
  const model = buildModel(cfg, splits.train);
  const store = model.store;
  const optimizer = makeOptimizer(cfg.optimizer, store, { ...cfg.optimizerOptions, lr: cfg.lr });
  const methodOptions = method === 'single' ? { ...cfg.methodOptions, task: 0 } : cfg.methodOptions;
  let balancer;
  try {
    balancer = createBalancer(method, methodOptions);
  } catch (e) {
    throw new ConfigError(`config.methodOptions: ${(e as Error).message}`);
  }
  const step = new BalancedStep(model, balancer, { mode: cfg.mode, scope: cfg.scope ?? undefined, maxBatch: cfg.batchSize, diagnosticsEvery: cfg.diagnosticsEvery });
  const batcher = new Batcher(splits.train, { batchSize: cfg.batchSize, seed: cfg.seed });
  const rng = new Rng(cfg.seed).fork('balancer');
  const best = store.dtype === 'float64' ? new Float64Array(store.size) : new Float32Array(store.size);
  best.set(store.values);
  const validPreds = new Float32Array(splits.valid.rows * T);

  let early: EarlyStopState = { bestScore: null, bestEpoch: 0, badEpochs: 0, stopped: false };
  let epochDone = 0, gstep = 0;
  let timing = { trainSeconds: 0, evalSeconds: 0, samples: 0, plainSeconds: 0, plainSamples: 0 };
  let lastLosses: number[] | null = null;
  const epochsFile = join(runDir, 'epochs.jsonl'), diagFile = join(runDir, 'diagnostics.jsonl');
  if (ctx.resuming && (hasState(runDir) || ctx.usePrevious)) {
    const { state: st, bestAhead } = loadState(runDir, store, optimizer, best, { usePrevious: ctx.usePrevious });
    if (bestAhead && ctx.backendChanged) {
      throw new ResumeError(runDir, 'inconsistent', `checkpoint/best.ckpt already holds an epoch after ${st.epoch}, and the weights of best epoch ${st.early.bestEpoch} are gone; only a bit-exact rerun rewrites them`, 'resume on the recorded backend (without --allow-backend-change)');
    }
    batcher.setState(st.batcher);
    balancer.setState(st.balancer);
    setDropoutStates(model, st.dropout, statePath(runDir));
    early = { ...st.early };
    epochDone = st.epoch;
    gstep = st.step;
    timing = { ...st.timing };
    lastLosses = st.lastLosses;
    filterJsonl(epochsFile, (r) => (r.epoch as number) <= epochDone);
    filterJsonl(diagFile, (r) => (r.step as number) < gstep);
  } else if (ctx.resuming) {
    const done = countJsonl(epochsFile);
    if (done > 0) {
      throw new ResumeError(runDir, 'no-checkpoint',
        `epochs.jsonl records ${done} finished epoch${done === 1 ? '' : 's'} but there is no checkpoint/state.ckpt` +
        (cfg.checkpoint ? ' (deleted?)' : ' (the run was started with checkpoint: false)'),
        'a resume continues from a checkpoint; start the run again without --resume (another --out)');
    }
    // Stopped before its first epoch ended: nothing was done, so starting over loses nothing.
    progress.note(`resume: ${runDir} has no checkpoint yet (stopped before its first epoch ended); training starts from epoch 1`);
    filterJsonl(epochsFile, () => false);
    filterJsonl(diagFile, () => false);
  }
  const stepsPerEpoch = batcher.batchesPerEpoch;
  progress.start({ label, epochs: cfg.epochs, stepsPerEpoch, startEpoch: epochDone, tasks });
  const lossSum = new Float64Array(T);
  try {
    for (let epoch = epochDone + 1; epoch <= cfg.epochs && !early.stopped; epoch++) {
      const e0 = now();
      lossSum.fill(0);
      let rows = 0;
      for (const batch of batcher.epochBatches()) {
        if (ctx.signal) {
          await new Promise((r) => setImmediate(r));
          if (ctx.signal.aborted) throw new TrainingInterruptedError(runDir, cfg.checkpoint ? epochDone : 0, gstep, cfg.checkpoint || epochDone === 0);
        }
        hooks?.beforeStep?.(gstep, batch);
        let res;
        const s0 = now();
        try {
          res = step.run(batch, { step: gstep, epoch: epoch - 1, rng });
          addL2Grad(store, cfg.l2);
          optimizer.step();
          if (!res.diagnostics) {
            timing.plainSeconds += now() - s0;
            timing.plainSamples += batch.size;
          }
        } catch (err) {
          if (err instanceof NonFiniteError) throw diverged(err, epoch, tasks, lastLosses, runDir, cfg.checkpoint && epochDone > 0 ? epochDone : 0);
          throw err;
        }
        for (let t = 0; t < T; t++) lossSum[t] += res.losses[t]! * batch.size;
        rows += batch.size;
        if (res.diagnostics) appendJsonl(diagFile, diagnosticsRecord(gstep, epoch, res.losses, res.diagnostics));
        lastLosses = Array.from(res.losses);
        gstep++;
        progress.step(gstep, res.losses);
      }
      const trainSec = now() - e0;
      timing.trainSeconds += trainSec;
      timing.samples += rows;
      const v0 = now();
      const ev = evaluate(model, splits.valid, cfg.evalBatchSize, validPreds);
      timing.evalSeconds += now() - v0;
      const score = ev.meanAuc;
      const improved = score !== null && (early.bestScore === null || score > early.bestScore + cfg.minDelta);
      if (improved) {
        early.bestScore = score;
        early.bestEpoch = epoch;
        early.badEpochs = 0;
        best.set(store.values);
      } else {
        early.badEpochs++;
        if (early.bestEpoch === 0) {
          // No usable validation score yet: keep the latest weights as the fallback.
          best.set(store.values);
        }
      }
      early.stopped = early.badEpochs >= cfg.patience;
      const trainLoss = Array.from(lossSum, (s) => s / Math.max(1, rows));
      appendJsonl(epochsFile, {
        epoch, train_loss: trainLoss, valid: ev.perTask, valid_mean_auc: score, valid_mean_auc_tasks: ev.meanAucTasks, seconds: now() - e0,
        improved, best_epoch: early.bestEpoch, samples_per_s: rows / Math.max(trainSec, 1e-9), step: gstep,
      });
      epochDone = epoch;
      if (cfg.checkpoint) {
        const st: TrainState = {
          version: 1, epoch, step: gstep, batcher: batcher.state(), balancer: balancer.getState(), dropout: dropoutStates(model),
          early, timing, lastLosses,
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
  const bestEpoch = early.bestEpoch === 0 ? epochDone : early.bestEpoch;
  const restored = stoppedEarly
    ? `stopped early after epoch ${epochDone} (no improvement > ${cfg.minDelta} for ${cfg.patience} epochs); restored the best weights of epoch ${bestEpoch}`
    : `reached the epoch limit (${cfg.epochs}) before early stopping; restored the best weights of epoch ${bestEpoch}`;
  progress.note(restored);
  const tt = now();
  // Validation again on the restored weights: equal to the best epoch's record, which checks
  // the restore (tests compare them bit for bit).
  const ve = evaluate(model, splits.valid, cfg.evalBatchSize, validPreds);
  const valid = { mean_auc: ve.meanAuc, mean_auc_tasks: ve.meanAucTasks, ...ve.perTask } as ValidMetrics;
  const te = evaluate(model, splits.test, cfg.evalBatchSize);
  timing.evalSeconds += now() - tt;
  const test = { ...te.perTask, av_a: te.avA, av_g: te.avG } as TestMetrics;
  const seconds = now() - t0;
  return {
    config: cfg,
    tasks,
    valid,
    test,
    best_epoch: bestEpoch,
    epochs_run: epochDone,
    stopped_early: stoppedEarly,
    stop_reason: stoppedEarly ? 'patience' : 'epoch-limit',
    restored,
    timing: {
      samples_per_s: timing.plainSamples > 0 ? timing.plainSamples / Math.max(timing.plainSeconds, 1e-9) : timing.samples / Math.max(timing.trainSeconds, 1e-9),
      samples_per_s_all: timing.samples / Math.max(timing.trainSeconds, 1e-9),
      seconds,
      train_seconds: timing.trainSeconds,
      eval_seconds: timing.evalSeconds,
      steps: gstep,
      samples: timing.samples,
      ms_per_step: (1000 * timing.trainSeconds) / Math.max(1, gstep),
    },
    run_dir: runDir,
    backend,
  };
}

function diverged(err: NonFiniteError, epoch: number, tasks: string[], last: number[] | null, runDir: string, goodEpoch: number): TrainingDivergedError {
  const task = err.task !== null ? tasks[err.task] ?? String(err.task) : null;
  const lastFinite = last ? Object.fromEntries(tasks.map((t, k) => [t, last[k]!])) : null;
  const ckpt = goodEpoch > 0 ? join(runDir, 'checkpoint', 'state.ckpt') : null;
  const lastStr = lastFinite ? Object.entries(lastFinite).map(([t, v]) => `${t}=${v.toPrecision(6)}`).join(', ') : 'none (first step)';
  const msg =
    `training diverged at step ${err.step} (epoch ${epoch})${task !== null ? `, task '${task}'` : ''}: ${err.message}. ` +
    `Last finite losses: ${lastStr}. ` +
    (ckpt ? `The last good checkpoint (epoch ${goodEpoch}) is kept in ${ckpt}; ` : 'No checkpoint was written yet; ') +
    'lower the learning rate or check the data, then start again.';
  writeJsonAtomic(join(runDir, 'failed.json'), {
    error: 'non-finite', step: err.step, epoch, task, where: err.where, message: err.message, last_finite_losses: lastFinite,
    last_good_checkpoint: ckpt, last_good_epoch: goodEpoch || null,
  });
  return new TrainingDivergedError(msg, err.step, epoch, task, lastFinite, ckpt);
}

/** Single: one single-task model per task, each in `<run>/single-<task>/`, combined. */
async function trainSingle(cfg: TrainConfig, splits: Splits, runDir: string, ctx: RunContext, progress: Progress, hooks?: TrainHooks): Promise<TrainResult> {
  const resuming = ctx.resuming;
  const t0 = now();
  const tasks = [...splits.train.taskNames];
  const runs: TrainResult[] = [];
  for (const task of tasks) {
    const sub = join(runDir, `single-${task}`);
    const subCfg: TrainConfig = { ...cfg, tasks: [task], methodOptions: { ...cfg.methodOptions, task: 0 } };
    const subSplits: Splits = { train: selectTasks(splits.train, [task]), valid: selectTasks(splits.valid, [task]), test: selectTasks(splits.test, [task]) };
    let r: TrainResult;
    if (resuming && existsSync(join(sub, 'final.json'))) {
      r = JSON.parse(readFileSync(join(sub, 'final.json'), 'utf8')) as TrainResult;
    } else {
      const fresh = !(resuming && existsSync(join(sub, 'config.json')));
      if (fresh) {
        createRunDir(sub, { method: 'single', mode: cfg.mode, seed: cfg.seed });
        writeJsonAtomic(join(sub, 'config.json'), { ...subCfg, backend: activeBackendRecord() });
      }
      try {
        r = await trainOne(subCfg, subSplits, sub, { ...ctx, resuming: !fresh }, progress, hooks, 'single', `single[${task}]`);
      } catch (e) {
        // The user resumes the whole run, not one task's sub-run.
        if (e instanceof TrainingInterruptedError) throw new TrainingInterruptedError(runDir, e.epochsSaved, e.step, e.resumable);
        throw e;
      }
      writeJsonAtomic(join(sub, 'final.json'), r);
    }
    runs.push(r);
  }
  const valid: ValidMetrics = { mean_auc: averageOverTasks(runs.map((r, k) => ((r.valid[tasks[k]!] as TaskScore | undefined)?.auc ?? null))) };
  const test = { av_a: null, av_g: null } as TestMetrics;
  runs.forEach((r, k) => {
    valid[tasks[k]!] = r.valid[tasks[k]!] ?? null;
    test[tasks[k]!] = r.test[tasks[k]!] ?? null;
  });
  test.av_a = averageOverTasks(runs.map((r, k) => (r.test[tasks[k]!] as TaskScore).auc));
  test.av_g = averageOverTasks(runs.map((r, k) => (r.test[tasks[k]!] as TaskScore).gauc));
  const sum = (f: (t: Timing) => number): number => runs.reduce((a, r) => a + f(r.timing), 0);
  const trainSeconds = sum((t) => t.train_seconds), samples = sum((t) => t.samples), steps = sum((t) => t.steps);
  const single_runs: NonNullable<TrainResult['single_runs']> = {};
  runs.forEach((r, k) => (single_runs[tasks[k]!] = { best_epoch: r.best_epoch, epochs_run: r.epochs_run, stopped_early: r.stopped_early, run_dir: r.run_dir }));
  return {
    config: cfg,
    tasks,
    valid,
    test,
    best_epoch: Math.max(...runs.map((r) => r.best_epoch)),
    epochs_run: Math.max(...runs.map((r) => r.epochs_run)),
    stopped_early: runs.every((r) => r.stopped_early),
    stop_reason: runs.every((r) => r.stopped_early) ? 'patience' : 'epoch-limit',
    restored: runs.map((r, k) => `${tasks[k]}: ${r.restored}`).join('; '),
    timing: {
      samples_per_s: runs.reduce((a, r) => a + r.timing.samples / r.timing.samples_per_s, 0) > 0 ? samples / runs.reduce((a, r) => a + r.timing.samples / r.timing.samples_per_s, 0) : 0,
      samples_per_s_all: samples / Math.max(trainSeconds, 1e-9), seconds: now() - t0, train_seconds: trainSeconds,
      eval_seconds: sum((t) => t.eval_seconds), steps, samples, ms_per_step: (1000 * trainSeconds) / Math.max(1, steps),
    },
    run_dir: runDir,
    backend: activeBackendRecord(),
    single_runs,
  };
}

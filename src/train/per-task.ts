/**
 * A per-task method (the balancer registry's `perTask`, e.g. Single: GradCraft's Single
 * baseline): one single-task model per task, each in `<run>/<method>-<task>/`, each monitored
 * on its own task, its `task` option 0 (its only task); their test metrics are combined into
 * one result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectTasks } from '../data/dataset.ts';
import type { Splits } from '../data/split.ts';
import { averageOverTasks } from '../metrics/paper.ts';
import { writeJsonAtomic } from '../platform/atomic-write.ts';
import { activeBackendRecord } from './backend-record.ts';
import type { TrainConfig } from './config.ts';
import type { TaskScore, TestMetrics, Timing, TrainResult, ValidMetrics } from './result.ts';
import { TrainingInterruptedError } from './resume-errors.ts';
import { createRunDir } from './run-folder.ts';
import { now } from './step-timer.ts';
import { trainModel, type TrainModelOptions } from './train-model.ts';

export async function trainPerTask(o: Omit<TrainModelOptions, 'label'>): Promise<TrainResult> {
  const { cfg, splits, runDir, run } = o;
  const t0 = now();
  const tasks = [...splits.train.taskNames];
  const runs: TrainResult[] = [];
  for (const task of tasks) {
    const sub = join(runDir, `${cfg.method}-${task}`);
    const subCfg: TrainConfig = { ...cfg, tasks: [task], methodOptions: { ...cfg.methodOptions, task: 0 } };
    const subSplits: Splits = { train: selectTasks(splits.train, [task]), valid: selectTasks(splits.valid, [task]), test: selectTasks(splits.test, [task]) };
    let r: TrainResult;
    if (run.resuming && existsSync(join(sub, 'final.json'))) {
      r = JSON.parse(readFileSync(join(sub, 'final.json'), 'utf8')) as TrainResult;
    } else {
      const fresh = !(run.resuming && existsSync(join(sub, 'config.json')));
      if (fresh) {
        createRunDir(sub, { method: cfg.method, mode: cfg.mode, seed: cfg.seed });
        writeJsonAtomic(join(sub, 'config.json'), { ...subCfg, backend: activeBackendRecord() });
      }
      try {
        r = await trainModel({ ...o, cfg: subCfg, splits: subSplits, runDir: sub, run: { ...run, resuming: !fresh }, label: `${cfg.method}[${task}]` });
      } catch (e) {
        // The user resumes the whole run, not one task's sub-run.
        if (e instanceof TrainingInterruptedError) throw new TrainingInterruptedError(runDir, e.epochsSaved, e.step, e.resumable);
        throw e;
      }
      writeJsonAtomic(join(sub, 'final.json'), r);
    }
    runs.push(r);
  }
  return combine(cfg, tasks, runs, runDir, now() - t0);
}

/** One result from the tasks' own runs (run k trained task k). */
function combine(cfg: TrainConfig, tasks: string[], runs: TrainResult[], runDir: string, seconds: number): TrainResult {
  const own = (r: TrainResult, k: number, split: 'valid' | 'test'): TaskScore | null => (r[split][tasks[k]!] as TaskScore | null | undefined) ?? null;
  const valid: ValidMetrics = { mean_auc: averageOverTasks(runs.map((r, k) => own(r, k, 'valid')?.auc ?? null)) };
  const test = { av_a: null, av_g: null } as TestMetrics;
  runs.forEach((r, k) => {
    valid[tasks[k]!] = r.valid[tasks[k]!] ?? null;
    test[tasks[k]!] = r.test[tasks[k]!] ?? null;
  });
  test.av_a = averageOverTasks(runs.map((r, k) => (r.test[tasks[k]!] as TaskScore).auc));
  test.av_g = averageOverTasks(runs.map((r, k) => (r.test[tasks[k]!] as TaskScore).gauc));
  const sum = (f: (t: Timing) => number): number => runs.reduce((a, r) => a + f(r.timing), 0);
  const trainSeconds = sum((t) => t.train_seconds), samples = sum((t) => t.samples), steps = sum((t) => t.steps);
  const plainSeconds = sum((t) => t.samples / t.samples_per_s);
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
      samples_per_s: plainSeconds > 0 ? samples / plainSeconds : 0,
      samples_per_s_all: samples / Math.max(trainSeconds, 1e-9), seconds, train_seconds: trainSeconds,
      eval_seconds: sum((t) => t.eval_seconds), steps, samples, ms_per_step: (1000 * trainSeconds) / Math.max(1, steps),
    },
    run_dir: runDir,
    backend: activeBackendRecord(),
    single_runs,
  };
}

/** What a run gives back: final.json's shape and the CLI's --json last line. */
import type { BackendRecord } from './backend-record.ts';
import type { TrainConfig } from './config.ts';

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
  /** A per-task method only (Single): each task's own run. */
  single_runs?: Record<string, { best_epoch: number; epochs_run: number; stopped_early: boolean; run_dir: string }>;
}

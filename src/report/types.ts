/**
 * The run / experiment folder contract the trainer writes and the report layer reads
 * (documented for people in docs/reports.md). Everything is plain JSON.
 */

/** One task's metrics on a split. `gauc` is null when the data has no user ids. */
export interface TaskMetrics {
  auc: number;
  gauc: number | null;
  ne: number;
}

/**
 * Metrics on a split: one entry per task name, plus the averages the trainer computed
 * (`av_a`, `av_g`). The report recomputes the averages from the per-task values.
 */
export type SplitMetrics = Record<string, TaskMetrics | number | null>;

export interface Timing {
  samples_per_s: number;
  seconds: number;
}

/** `final.json` of a run folder. */
export interface FinalJson {
  config: unknown;
  tasks: string[];
  best_epoch: number;
  stopped_early: boolean;
  valid: SplitMetrics;
  test: SplitMetrics;
  timing: Timing;
}

/** One line of `epochs.jsonl`. */
export interface EpochRecord {
  epoch: number;
  train_loss: number[];
  valid: Record<string, { auc: number; gauc: number | null; ne: number }>;
  valid_mean_auc: number;
  seconds: number;
}

/** One line of `diagnostics.jsonl` (sampled training steps). */
export interface DiagnosticsRecord {
  step: number;
  norms_before: number[];
  norms_after: number[];
  cosine: number[][];
  conflicts: number;
  residual_conflicts: number;
  /** Effective row weights (combined = sum_t w_t g_t). */
  weights: number[] | null;
  /** The method's own task weights where they differ (MultiBalance's lambda); absent in older runs. */
  task_weights?: number[] | null;
}

export type Preset = 'table2' | 'table3' | 'tau' | 'epsilon' | 'tasks' | 'multibalance' | 'findings' | 'conflict';
export const PRESETS: readonly Preset[] = ['table2', 'table3', 'tau', 'epsilon', 'tasks', 'multibalance', 'findings', 'conflict'];

/** One row of `experiment.json`: one run of one method (one seed, one parameter setting). */
export interface ExperimentRow {
  /** Method id, e.g. "single", "ew", "gradcraft", "gradcraft-fix-tau", "multibalance". */
  method: string;
  /** Display name, e.g. "GradCraft-fix τ". Defaults to the method id. */
  label?: string;
  seed?: number;
  /** The swept / varied setting, e.g. {"tau": 0.1}, {"epsilon": 0}, {"T": 4}, {"mode": "rep"}, {"lr": 5}. */
  param?: Record<string, unknown> | null;
  /** Task names of this row when they differ from the experiment's (the `tasks` preset). */
  tasks?: string[];
  test: SplitMetrics;
  valid?: SplitMetrics;
  timing?: Timing;
  /** Run folder of this row, relative to the experiment folder. */
  run_dir?: string;
}

/** `experiment.json` of an experiment folder. */
export interface ExperimentJson {
  preset: Preset;
  tasks: string[];
  rows: ExperimentRow[];
  /** Optional: what was run (the runner's options) and when (ISO time). */
  config?: unknown;
  created?: string;
}

/**
 * The run folder as its readers see it (docs/reports.md for people): final.json,
 * epochs.jsonl and diagnostics.jsonl, as the trainer writes them (run-folder.ts) and the
 * report layer reads them. Everything is plain JSON.
 */
import type { Timing } from './result.ts';

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

/** The timing fields every reader relies on (final.json holds all of the trainer's Timing). */
export type TimingFields = Pick<Timing, 'samples_per_s' | 'seconds'>;

/** `final.json` of a run folder. */
export interface FinalJson {
  config: unknown;
  tasks: string[];
  best_epoch: number;
  stopped_early: boolean;
  valid: SplitMetrics;
  test: SplitMetrics;
  timing: TimingFields;
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

/**
 * The experiment folder's index, experiment.json, as the runner writes it (runner.ts) and the
 * report layer reads it (docs/reports.md for people). Everything is plain JSON.
 */
import type { SplitMetrics, TimingFields } from '../train/run-folder-contract.ts';

/** The presets' names, declared once: the registry (registry.ts) must have one preset for each. */
export const EXPERIMENT_PRESETS = ['table2', 'table3', 'tau', 'epsilon', 'tasks', 'multibalance', 'findings', 'conflict'] as const;
export type ExperimentPreset = (typeof EXPERIMENT_PRESETS)[number];

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
  timing?: TimingFields;
  /** Run folder of this row, relative to the experiment folder. */
  run_dir?: string;
}

/** `experiment.json` of an experiment folder. */
export interface ExperimentJson {
  preset: ExperimentPreset;
  tasks: string[];
  rows: ExperimentRow[];
  /** Optional: what was run (the runner's options) and when (ISO time). */
  config?: unknown;
  created?: string;
}

/**
 * What an experiment preset is: a list of training runs (one TrainConfig each) and the rows of
 * experiment.json they back (docs/reports.md). The runner (runner.ts) executes the runs, in this
 * process or in child processes, and writes the experiment folder.
 */
import type { TrainConfig, TrainResult } from '../train/index.ts';
import type { ExperimentPreset, ExperimentRow } from './folder-contract.ts';

/** quick: the README-sized run (minutes); full: the paper-like size (hours); toy: tests (seconds). */
export type ExperimentSize = 'toy' | 'quick' | 'full';

/** One row of experiment.json that a run backs (its metrics are filled in from the run). */
export interface RowInfo {
  method: string;
  label: string;
  param: Record<string, unknown> | null;
  /** This row's task subset (the tasks preset). */
  tasks?: string[];
}

/** One training run of an experiment. */
export interface RunSpec {
  /** Folder name under `<experiment>/runs/`; unique within the experiment. */
  id: string;
  /** The run's config (the runner sets outDir). */
  config: Partial<TrainConfig>;
  /** The experiment rows this run backs; none for runs that only feed a selection. */
  rows: RowInfo[];
}

/** A finished run. */
export interface RunOutcome {
  spec: RunSpec;
  /** null when the run failed (error says why); its rows then print n/a. */
  result: TrainResult | null;
  error?: string;
  /** True when the run was found finished in the folder (resumed experiment). */
  reused: boolean;
}

/** What a preset sees when it plans its runs. */
export interface PlanContext {
  size: ExperimentSize;
  /** The training seeds (one run per method and seed). */
  seeds: number[];
  /** Size profile merged with the user's overrides: every run starts from this. */
  base: Partial<TrainConfig>;
  /** The data's task names, in order. */
  tasks: string[];
  /** Preset-specific options from the command line (e.g. tasks' `baseline`). */
  options: Record<string, unknown>;
}

/** One phase of a preset: its runs may depend on the outcomes of the earlier phases. */
export type Phase = (ctx: PlanContext, done: RunOutcome[]) => RunSpec[];

export interface PresetDef {
  name: ExperimentPreset;
  /** One line: what it reproduces. */
  title: string;
  /** A paragraph for --help and docs: rows, columns, plots. */
  description: string;
  /** Expected wall time of each size on 2 cores (stated in --help and docs/experiments.md). */
  runTime: Record<'quick' | 'full', string>;
  phases: Phase[];
  /** Extra facts for experiment.json's config (e.g. the tasks preset's baseline selection). */
  summarize?(ctx: PlanContext, done: RunOutcome[]): Record<string, unknown>;
  /** Rows of experiment.json; default: every run's rows with its metrics. */
  rows?(ctx: PlanContext, done: RunOutcome[]): ExperimentRow[];
}

/** Experiments: the papers' tables and figures as presets runnable by name (docs/experiments.md). */
export { runExperiment, mergeConfig, baseConfig, type ExperimentOptions, type ExperimentRun } from './runner.ts';
export { presets, presetNames, getPreset } from './registry.ts';
export { SIZES, seedList } from './sizes.ts';
export { START } from './start.ts';
export { TABLE2_METHODS, TABLE3_METHODS, type MethodSpec } from './methods.ts';
export { TAU_VALUES, EPSILON_VALUES } from './sweeps.ts';
export { TASK_SUBSETS } from './tasks.ts';
export { MB_BETAS } from './multibalance.ts';
export { runOne, runFolderState, type RunJob, type RunFolderState } from './run-one.ts';
export { ExperimentRefused, ReuseFolderError, RunFolderConflict, type FieldChange } from './errors.ts';
export { EXPERIMENT_PRESETS, type ExperimentPreset, type ExperimentJson, type ExperimentRow } from './folder-contract.ts';
export * from './findings-arms.ts';
export type { ExperimentSize, PlanContext, PresetDef, RunOutcome, RunSpec, RowInfo, Phase } from './types.ts';

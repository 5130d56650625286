/**
 * The folder contract the report layer reads. Its writers own it: the run folder's files are
 * src/train/run-folder-contract.ts, experiment.json is src/experiments/folder-contract.ts.
 */
export type { DiagnosticsRecord, EpochRecord, FinalJson, SplitMetrics, TaskMetrics, TimingFields } from '../train/run-folder-contract.ts';
export type { ExperimentJson, ExperimentPreset, ExperimentRow } from '../experiments/folder-contract.ts';

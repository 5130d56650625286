/** Public API of mtlkit's training: config, trainer, checkpoints, progress, run folders. Reports are in ./report. */
export { resolveConfig, ConfigError, DEFAULT_CONFIG, type TrainConfig, type DataConfig, type SyntheticDataConfig, type CsvDataConfig, type ModelOptions, type OptimizerId } from './config.ts';
export { train, resume, type TrainOptions } from './trainer.ts';
export type { TrainHooks } from './train-model.ts';
export type { TrainResult, Timing, TaskScore, ValidMetrics, TestMetrics } from './result.ts';
export { predict, evaluate } from './evaluate-model.ts';
export { TrainingDivergedError } from './diverged.ts';
export { EarlyStopping, type EpochVerdict } from './early-stopping.ts';
export { loadDataset, loadSplits, absoluteData } from './data.ts';
export { statePath, previousStatePath, bestPath, dropoutLayers, type TrainState, type EarlyStopState } from './checkpoint.ts';
export { ResumeError, TrainingInterruptedError, type ResumeFault } from './resume-errors.ts';
export { resumeCommand } from './resume-command.ts';
export { activeBackendRecord, type BackendRecord } from './backend-record.ts';
export { CheckpointError, type CheckpointFault } from '../nn/io.ts';
export { autoProgress, barProgress, lineProgress, silentProgress, type Progress, type EpochLine } from './progress.ts';
export { createRunDir, diagnosticsRecord } from './run-folder.ts';
export type { DiagnosticsRecord, EpochRecord, FinalJson, SplitMetrics, TimingFields } from './run-folder-contract.ts';
export { loadPlugins, loadConfigPlugins, pluginPath, pluginsRelativeTo, PluginError } from './plugins.ts';

/**
 * mtlkit's platform-neutral core: tensors and autograd, layers and models, balancers, metrics,
 * the in-memory side of data (synthetic data, datasets, splits, batches, encoders, schemas and
 * CSVs from text), the trainer's pure pieces (scoring a model, the run folder's records), and
 * the report tables, plots and chart specs of run and experiment folders' JSON.
 * It imports nothing from Node, so it bundles for a browser as it is; what needs the
 * surroundings (files, threads, the wasm kernels' bytes) it asks of the host (./platform).
 * src/index.ts is this plus the Node-only parts.
 */
export * from './tensor/index.ts';
export * from './autograd/index.ts';
export * from './nn/index.ts';
export * from './mtl/index.ts';
export * from './step/index.ts';
export * from './metrics/index.ts';
export type { Batch, Dataset, FieldInfo } from './data/types.ts';
export { numDense, numFields, numTasks } from './data/types.ts';
export { makeDataset, subsetDataset, selectTasks, describeDataset, type DatasetParts, type DatasetSummary } from './data/dataset.ts';
export { splitDataset, splitIndices, type SplitOptions, type Splits } from './data/split.ts';
export { Batcher, sequentialBatches, type BatcherOptions, type BatcherState, type LastBatchRule } from './data/batcher.ts';
export {
  generateSynthetic, durationBucket, SYNTHETIC_TASKS, SYNTHETIC_DEFAULTS, DEFAULT_POSITIVE_RATES, DURATION_EDGES,
  type SyntheticOptions, type SyntheticTask,
} from './data/synthetic.ts';
export { parseSchema, validateSchema, DEFAULT_MISSING, type CsvSchema, type LabelRule, type NumericSpec } from './data/schema.ts';
export { loadCsvText } from './data/csv-text.ts';
export type { LoadCsvOptions, LoadedCsv } from './data/csv-decode.ts';
export {
  parseEncoders, bucketOf, quantileEdges, vocabMap,
  type Encoders, type CategoricalEncoder, type BucketEncoder, type ValueEncoder,
} from './data/encoders.ts';
export { DataError } from './data/errors.ts';
export { kCoreMask } from './data/kcore.ts';
export { experimentTables } from './report/tables.ts';
export { experimentPlotsFrom } from './report/experiment-plots.ts';
export { parseJsonl, ReportError } from './report/jsonl.ts';
export type { Plot, RunLookup } from './report/plot.ts';
export { runChartSpecs, type ChartSpec, type LineSpec, type HeatmapSpec, type BarSpec } from './report/chart-specs.ts';
export type { RunData } from './report/io.ts';
export { toHtml, toMarkdown, type Table, type TableRow, type Column, type Cell } from './report/table.ts';
export type { DiagnosticsRecord, EpochRecord, FinalJson, ExperimentJson, ExperimentRow } from './report/types.ts';
// The trainer's pure pieces, so that a browser trains, scores and logs as the CLI does.
export { predict, evaluate } from './train/evaluate-model.ts';
export { DEFAULT_CONFIG, type TrainConfig } from './train/config-defaults.ts';
export { diagnosticsRecord } from './train/run-records.ts';
export { activeBackendRecord, type BackendRecord } from './train/backend-record.ts';
export type { TaskScore } from './train/result.ts';
export * from './platform/index.ts';
export { doctor, platformReport, gpuLine, webGpuLine, type PlatformReport } from './doctor.ts';

/** Public API of mtlkit's data layer. */
export type { Batch, Dataset, FieldInfo } from './types.ts';
export { numDense, numFields, numTasks } from './types.ts';
export { makeDataset, subsetDataset, selectTasks, describeDataset, type DatasetParts, type DatasetSummary } from './dataset.ts';
export { splitDataset, splitIndices, type SplitOptions, type Splits } from './split.ts';
export { Batcher, sequentialBatches, type BatcherOptions, type BatcherState, type LastBatchRule } from './batcher.ts';
export {
  generateSynthetic,
  durationBucket,
  SYNTHETIC_TASKS,
  SYNTHETIC_DEFAULTS,
  DEFAULT_POSITIVE_RATES,
  DURATION_EDGES,
  type SyntheticOptions,
  type SyntheticTask,
} from './synthetic.ts';
export { loadCsv, type LoadCsvOptions, type LoadedCsv } from './csv-loader.ts';
export { loadCsvText } from './csv-text.ts';
export { loadSchema, parseSchema, validateSchema, DEFAULT_MISSING, type CsvSchema, type LabelRule, type NumericSpec } from './schema.ts';
export {
  saveEncoders,
  loadEncoders,
  parseEncoders,
  bucketOf,
  quantileEdges,
  vocabMap,
  type Encoders,
  type CategoricalEncoder,
  type BucketEncoder,
  type ValueEncoder,
} from './encoders.ts';
export { DataError } from './errors.ts';
export { readCsv, type CsvHeader, type CsvReadOptions } from './csv.ts';
export { loadWechat, WECHAT_TASKS, type WechatOptions, type LoadedWechat } from './wechat.ts';
export { kCoreMask } from './kcore.ts';

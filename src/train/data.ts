/**
 * The data a run trains on, from its config: the synthetic world or a CSV with its schema,
 * the task subset, and the seeded 8:1:1 split (src/data).
 *
 * A task whose labels have one class in the training split is refused (ConstantLabelError,
 * naming the rule and the counts) unless the schema says `"constantLabels": "warn"`; synthetic
 * data only warns (its labels are drawn at the configured rates, and a small `rows` can leave a
 * sparse task without a positive). One class in the validation split is a warning: that task
 * has no validation AUC, and `valid.mean_auc` averages the others (`mean_auc_tasks` counts them).
 */
import { resolve } from 'node:path';
import { generateSynthetic, SYNTHETIC_TASKS, type SyntheticOptions } from '../data/synthetic.ts';
import { loadCsv } from '../data/csv-loader.ts';
import { constantLabels, type LabelSource } from '../data/label-check.ts';
import { loadSchema, type CsvSchema } from '../data/schema.ts';
import { selectTasks } from '../data/dataset.ts';
import { splitDataset, type Splits } from '../data/split.ts';
import type { Dataset } from '../data/types.ts';
import { ConfigError, type DataConfig, type TrainConfig } from './config.ts';

/** CSV paths made absolute, so a run folder's config.json re-runs from any directory. */
export function absoluteData(data: DataConfig): DataConfig {
  if (data.kind !== 'csv') return data;
  return { ...data, path: resolve(data.path), schema: typeof data.schema === 'string' ? resolve(data.schema) : data.schema };
}

export async function loadDataset(config: TrainConfig): Promise<Dataset> {
  return (await loadSource(config)).ds;
}

interface Loaded {
  ds: Dataset;
  src: LabelSource;
  constantLabels: 'error' | 'warn';
}

async function loadSource(config: TrainConfig): Promise<Loaded> {
  const d = config.data;
  let loaded: Loaded;
  if (d.kind === 'synthetic') {
    const { kind: _kind, ...opts } = d;
    const ds = generateSynthetic({ ...(opts as SyntheticOptions), tasks: [...SYNTHETIC_TASKS] });
    loaded = { ds, src: { file: 'synthetic data' }, constantLabels: 'warn' };
  } else {
    const schema: CsvSchema = typeof d.schema === 'string' ? loadSchema(d.schema) : d.schema;
    const csv = await loadCsv(d.path, schema, { minCount: d.minCount });
    loaded = { ds: csv.dataset, src: { file: d.path, rules: schema.labels, values: csv.stats.labelValues }, constantLabels: schema.constantLabels ?? 'error' };
  }
  if (config.tasks) {
    const ds = loaded.ds;
    const missing = config.tasks.filter((t) => !ds.taskNames.includes(t));
    if (missing.length) throw new ConfigError(`config.tasks: the data has no task ${missing.map((t) => `'${t}'`).join(', ')} (tasks: ${ds.taskNames.join(', ')})`);
    loaded.ds = selectTasks(ds, config.tasks);
  }
  return loaded;
}

export interface LoadSplitsOptions {
  /** Where warnings go (a constant label allowed by the schema, one class in validation). Default: stderr. */
  warn?: (msg: string) => void;
}

export async function loadSplits(config: TrainConfig, opts: LoadSplitsOptions = {}): Promise<Splits> {
  const warn = opts.warn ?? ((msg: string) => process.stderr.write(`mtlkit: warning: ${msg}\n`));
  const { ds, src, constantLabels: policy } = await loadSource(config);
  const s = splitDataset(ds, { seed: config.split.seed, ratios: config.split.ratios });
  if (s.train.rows === 0 || s.valid.rows === 0) {
    throw new ConfigError(`config.split: ${ds.rows} rows give ${s.train.rows} training and ${s.valid.rows} validation rows; use more data or other ratios`);
  }
  const fix = !src.rules ? 'raise data.rows or drop the task with config.tasks'
    : policy === 'error' ? 'set "constantLabels": "warn" in the schema to train on it anyway'
      : 'it trains anyway ("constantLabels": "warn")';
  const train = constantLabels(s.train, 'training', src, fix);
  if (policy === 'error' && train.length) throw train[0];
  for (const e of train) warn(e.message);
  const trainTasks = new Set(train.map((e) => e.task));
  for (const e of constantLabels(s.valid, 'validation', src, 'use more data or another split')) {
    if (!trainTasks.has(e.task)) warn(`${e.message} (valid.mean_auc averages the tasks that have a validation AUC; mean_auc_tasks counts them)`);
  }
  return s;
}

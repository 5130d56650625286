/**
 * The data a run trains on, from its config: the synthetic world or a CSV with its schema,
 * the task subset, and the seeded 8:1:1 split (src/data).
 */
import { resolve } from 'node:path';
import { generateSynthetic, SYNTHETIC_TASKS, type SyntheticOptions } from '../data/synthetic.ts';
import { loadCsv } from '../data/csv-loader.ts';
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
  const d = config.data;
  let ds: Dataset;
  if (d.kind === 'synthetic') {
    const { kind: _kind, ...opts } = d;
    ds = generateSynthetic({ ...(opts as SyntheticOptions), tasks: [...SYNTHETIC_TASKS] });
  } else {
    ds = (await loadCsv(d.path, d.schema, { minCount: d.minCount })).dataset;
  }
  if (config.tasks) {
    const missing = config.tasks.filter((t) => !ds.taskNames.includes(t));
    if (missing.length) throw new ConfigError(`config.tasks: the data has no task ${missing.map((t) => `'${t}'`).join(', ')} (tasks: ${ds.taskNames.join(', ')})`);
    ds = selectTasks(ds, config.tasks);
  }
  return ds;
}

export async function loadSplits(config: TrainConfig): Promise<Splits> {
  const ds = await loadDataset(config);
  const s = splitDataset(ds, { seed: config.split.seed, ratios: config.split.ratios });
  if (s.train.rows === 0 || s.valid.rows === 0) {
    throw new ConfigError(`config.split: ${ds.rows} rows give ${s.train.rows} training and ${s.valid.rows} validation rows; use more data or other ratios`);
  }
  return s;
}

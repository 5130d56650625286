/**
 * The splits a playground run trains on, made by the library's data code: the synthetic world
 * (generateSynthetic with the panel's knobs, all six tasks) or a CSV with its schema, then the
 * seeded 8:1:1 split the CLI uses.
 */
import { DEFAULT_CONFIG, generateSynthetic, splitDataset, SYNTHETIC_TASKS, type Dataset, type Splits } from '../../../src/core.ts';
import type { CensusData, CsvData, RunData } from './config.ts';

/** The CLI's split (DEFAULT_CONFIG.split), so a downloaded run trains on the same rows. */
export const SPLIT = DEFAULT_CONFIG.split;

/** The splits of `data`; `csv` loads a CSV (a dropped one, or the census data built into the Worker). */
export async function loadRunData(data: RunData, csv: (d: CsvData | CensusData) => Promise<Dataset>): Promise<Splits> {
  const ds = data.kind === 'synthetic'
    ? generateSynthetic({ rows: data.rows, users: data.users, items: data.items, conflict: data.conflict, noise: data.noise, seed: data.seed, tasks: [...SYNTHETIC_TASKS] })
    : await csv(data);
  return splitDataset(ds, SPLIT);
}

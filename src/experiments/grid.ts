/**
 * Grid search selecting on validation, as the GradCraft paper's protocol does ("we leverage the
 * grid search to find the best hyper-parameters": lr, batch size, L2, each method's own options;
 * the best configuration is the one with the highest mean validation AUC). A thin layer over
 * src/sweep: each method's grid becomes one sweep spec (docs/sweeps.md), its trials run as
 * processes on the local pool (resumable, crash-isolated), and the best trial's values of the
 * swept fields are applied to every seed of that method's runs.
 *
 * A grid file maps `all` (every method) and method ids (that method only) to sweep grids:
 *
 *   { "all":       { "lr": [1e-4, 5e-4, 1e-3], "batchSize": [2048, 4096], "l2": [0, 1e-6, 1e-5] },
 *     "gradcraft": { "methodOptions.tau": [0, 0.1, 0.2, 0.3] },
 *     "cagrad":    { "methodOptions.c": [0.2, 0.4, 0.6, 0.8] } }
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { canonicalJson } from '../sweep/trial-id.ts';
import { getPath, setPath, type Json, type JsonObject } from '../sweep/fields.ts';
import { parseSpec } from '../sweep/spec.ts';
import { scriptArgv } from '../sweep/entry.ts';
import { runSweep } from '../sweep/sweep.ts';
import type { TrainConfig } from '../train/index.ts';

export type GridFile = Record<string, Record<string, Json[]>>;

export interface GridChoice {
  /** The swept fields and the values selected. */
  chosen: Record<string, Json>;
  /** The best trial's validation metric (mean validation AUC). */
  valid_mean_auc: number;
  trials: number;
  sweep_dir: string;
}

/** The grid of one method: `all` merged with the method's own entry; null when empty. */
export function methodGrid(grid: GridFile, method: string): Record<string, Json[]> | null {
  const g = { ...(grid.all ?? {}), ...(grid[method] ?? {}) };
  return Object.keys(g).length ? g : null;
}

/** The runner of a grid trial: grid-trial.ts writes its run folder into the trial's folder. */
function trialRunner(): string[] {
  return scriptArgv('./grid-trial.ts', import.meta.url);
}

/**
 * Runs the grid over `config` (one seed) on the local pool and returns the chosen values.
 * `dir` holds the sweep (results.jsonl, best.json, trials/<id>/): run again to resume.
 */
export async function selectOnValidation(config: Partial<TrainConfig>, grid: Record<string, Json[]>, dir: string, opts: { workers?: number; quiet?: boolean } = {}): Promise<GridChoice> {
  const spec = parseSpec({ name: 'grid', base: config as unknown as JsonObject, grid, select: { metric: 'valid.mean_auc', mode: 'max' }, retries: 0 }, { source: 'grid' });
  const summary = await runSweep({ ...spec, runner: trialRunner() }, { outDir: dir, workers: opts.workers ?? 1, progress: { quiet: opts.quiet ?? true } });
  if (!summary.best) throw new Error(`grid search in ${dir}: no trial succeeded (${summary.failures.map((f) => f.error.split('\n')[0]).join('; ')})`);
  const chosen: Record<string, Json> = {};
  for (const field of Object.keys(grid)) chosen[field] = getPath(summary.best.config, field) as Json;
  return { chosen, valid_mean_auc: summary.best.value, trials: summary.trials, sweep_dir: dir };
}

/** `config` with the chosen values set (dotted paths, e.g. methodOptions.tau). */
export function applyChoice(config: Partial<TrainConfig>, chosen: Record<string, Json>): Partial<TrainConfig> {
  const out = JSON.parse(JSON.stringify(config)) as JsonObject;
  for (const [field, v] of Object.entries(chosen)) setPath(out, field, v, 'grid');
  return out as unknown as Partial<TrainConfig>;
}

/** A stable folder name for a method's sweep: the config without its seed. */
export function gridKey(config: Partial<TrainConfig>): string {
  const { seed: _seed, outDir: _out, ...rest } = config as Record<string, unknown>;
  return canonicalJson(rest as Json);
}

/** `<experiment>/grid/<method>-<hash of the key>`. */
export function gridDir(expDir: string, method: string, key: string): string {
  return join(expDir, 'grid', `${method.replace(/[^\w.-]+/g, '_')}-${createHash('sha256').update(key).digest('hex').slice(0, 10)}`);
}

/**
 * One run of an experiment, the same code in this process and in a child process
 * (worker.ts): train into `<experiment>/runs/<id>`, or reuse the run found finished there, or
 * resume it from its last checkpoint. A folder that holds a run of a different config is
 * refused (RunFolderConflict), so a re-run of an experiment into the same --out never mixes
 * results; the runner checks every run's folder this way before it starts any.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../sweep/trial-id.ts';
import type { Splits } from '../data/split.ts';
import { statePath } from '../train/checkpoint.ts';
import { absoluteData, loadConfigPlugins, resolveConfig, silentProgress, train, type Progress, type TrainConfig, type TrainResult } from '../train/index.ts';
import { RunFolderConflict, type FieldChange } from './errors.ts';

export interface RunJob {
  id: string;
  /** Complete run config (without outDir). */
  config: Partial<TrainConfig>;
  runDir: string;
}

export interface RunOneOptions {
  /** Splits already loaded for this config's data (in-process runs share them). */
  splits?: Splits;
  progress?: Progress;
}

/** The config a run folder stores (the trainer writes it resolved, data paths absolute, outDir null). */
export function storedConfig(config: Partial<TrainConfig>): TrainConfig {
  const c = resolveConfig({ ...config, outDir: null });
  return { ...c, data: absoluteData(c.data) };
}

/**
 * What a run's folder holds: nothing yet ('new'), this run finished ('finished'), this run
 * interrupted after a checkpoint ('resume') or before one ('restart': nothing to resume from,
 * so it starts over). Throws RunFolderConflict when the folder holds another config's run.
 */
export type RunFolderState = 'new' | 'finished' | 'resume' | 'restart';

export function runFolderState(job: RunJob): RunFolderState {
  const cfgFile = join(job.runDir, 'config.json');
  if (!existsSync(cfgFile)) return 'new';
  const stored = resolveConfig(JSON.parse(readFileSync(cfgFile, 'utf8')));
  const wanted = storedConfig(job.config);
  if (canonicalJson(stored) !== canonicalJson(wanted)) throw new RunFolderConflict(job.runDir, job.id, configChanges(stored, wanted));
  if (existsSync(join(job.runDir, 'final.json'))) return 'finished';
  return existsSync(statePath(job.runDir)) ? 'resume' : 'restart';
}

function configChanges(stored: TrainConfig, wanted: TrainConfig): FieldChange[] {
  const a = stored as unknown as Record<string, unknown>, b = wanted as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonicalJson(a[k]) !== canonicalJson(b[k])).map((field) => ({ field, stored: a[field], wanted: b[field] }));
}

export async function runOne(job: RunJob, opts: RunOneOptions = {}): Promise<{ result: TrainResult; reused: boolean }> {
  await loadConfigPlugins(job.config); // a child process starts with the built-in balancers only
  const progress = opts.progress ?? silentProgress;
  const state = runFolderState(job);
  if (state === 'finished') return { result: JSON.parse(readFileSync(join(job.runDir, 'final.json'), 'utf8')) as TrainResult, reused: true };
  if (state === 'resume') return { result: await train({}, { resume: job.runDir, progress, splits: opts.splits }), reused: false };
  // A run killed before its first checkpoint (or run with checkpoint: false) left only a partial
  // folder of this same config: starting it over is what resuming it would give.
  if (state === 'restart') rmSync(job.runDir, { recursive: true, force: true });
  return { result: await train({ ...job.config, outDir: job.runDir }, { progress, splits: opts.splits }), reused: false };
}

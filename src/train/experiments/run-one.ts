/**
 * One run of an experiment, the same code in this process and in a child process
 * (worker.ts): train into `<experiment>/runs/<id>`, or reuse the run found finished there, or
 * resume it from its last checkpoint. A folder that holds a run of a different config is an
 * error, so a re-run of an experiment into the same --out never mixes results.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from '../../sweep/trial-id.ts';
import type { Splits } from '../../data/split.ts';
import { absoluteData, loadConfigPlugins, resolveConfig, silentProgress, train, type Progress, type TrainConfig, type TrainResult } from '../index.ts';

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

export async function runOne(job: RunJob, opts: RunOneOptions = {}): Promise<{ result: TrainResult; reused: boolean }> {
  await loadConfigPlugins(job.config); // a child process starts with the built-in balancers only
  const progress = opts.progress ?? silentProgress;
  const cfgFile = join(job.runDir, 'config.json');
  if (existsSync(cfgFile)) {
    const stored = resolveConfig(JSON.parse(readFileSync(cfgFile, 'utf8')));
    if (canonicalJson(stored) !== canonicalJson(storedConfig(job.config))) {
      throw new Error(`${job.runDir} holds a different run (its config.json differs from this experiment's run '${job.id}'); use another --out`);
    }
    const finalFile = join(job.runDir, 'final.json');
    if (existsSync(finalFile)) return { result: JSON.parse(readFileSync(finalFile, 'utf8')) as TrainResult, reused: true };
    return { result: await train({}, { resume: job.runDir, progress, splits: opts.splits }), reused: false };
  }
  return { result: await train({ ...job.config, outDir: job.runDir }, { progress, splits: opts.splits }), reused: false };
}

/**
 * A playground run as the CLI's run folder (docs/reports.md): config.json, epochs.jsonl,
 * diagnostics.jsonl and final.json, so that `mtlkit report` renders it and
 * `mtlkit train --config <folder>/config.json` trains the same configuration from the start.
 *
 * What differs from a CLI run, and is said in final.json: the weights are those at the moment
 * of the download (no early stopping, no restore of a best epoch), the last epoch may be
 * partial, and `switches` lists the balancer changes made during the run.
 */
import { activeBackendRecord, DEFAULT_CONFIG, type TrainConfig } from '../../../src/core.ts';
import { CENSUS_FILE, type RunConfig } from './config.ts';
import { SPLIT } from './data.ts';
import { EVAL_BATCH_SIZE, type TrainingSession } from './session.ts';

export type RunFiles = Record<'config.json' | 'epochs.jsonl' | 'diagnostics.jsonl' | 'final.json', string>;

/** The TrainConfig fields of src/train/config.ts the run used (its defaults elsewhere). */
export function trainConfigOf(c: RunConfig, epochs: number, schema: unknown): Record<string, unknown> {
  const data = c.data.kind === 'synthetic'
    ? { kind: 'synthetic', rows: c.data.rows, users: c.data.users, items: c.data.items, conflict: c.data.conflict, noise: c.data.noise, seed: c.data.seed }
    : { kind: 'csv', path: c.data.kind === 'census' ? CENSUS_FILE : c.data.file, schema };
  const cfg: Omit<TrainConfig, 'data'> & { data: unknown } = {
    ...DEFAULT_CONFIG, data, split: SPLIT, model: c.model, method: c.method, mode: c.mode,
    lr: c.lr, batchSize: c.batchSize, l2: c.l2, epochs: Math.max(1, epochs),
    seed: c.seed, evalBatchSize: EVAL_BATCH_SIZE, diagnosticsEvery: c.diagnosticsEvery, checkpoint: false,
  };
  return cfg;
}

const jsonl = (rows: readonly unknown[]): string => rows.map((r) => JSON.stringify(r) + '\n').join('');

/** The four files, from the session as it is now (`seconds`: wall time spent training). */
export function runFolderFiles(s: TrainingSession, seconds: number, schema: unknown = null): RunFiles {
  const epochsRun = Math.ceil(s.step / Math.max(1, s.stepsPerEpoch));
  const config = { ...trainConfigOf(s.config, epochsRun, schema), backend: activeBackendRecord() };
  const v = s.evaluate(s.splits.valid).scores;
  const t = s.evaluate(s.splits.test).scores;
  const samples = s.step * s.config.batchSize;
  const final = {
    config, tasks: s.tasks,
    // The trainer's final.json blocks (src/train/train-model.ts), from the same scores.
    valid: { mean_auc: v.meanAuc, mean_auc_tasks: v.meanAucTasks, ...v.perTask },
    test: { ...t.perTask, av_a: t.avA, av_g: t.avG },
    best_epoch: s.epochs.length, epochs_run: epochsRun, stopped_early: false, stop_reason: 'stopped-in-playground',
    restored: `the mtlkit playground: the weights after step ${s.step} (no early stopping, no restore of a best epoch)`,
    timing: { samples_per_s: samples / Math.max(seconds, 1e-9), seconds, steps: s.step, samples },
    switches: s.switches,
  };
  return {
    'config.json': JSON.stringify(config, null, 2) + '\n',
    'epochs.jsonl': jsonl(s.epochs),
    'diagnostics.jsonl': jsonl(s.diagnostics),
    'final.json': JSON.stringify(final, null, 2) + '\n',
  };
}

/** The folder's name in the zip, as the CLI names run folders (runs/<method>-<mode>-s<seed>-...). */
export function runFolderName(s: TrainingSession): string {
  return `playground-${s.config.method}-${s.config.mode}-s${s.config.seed}-step${s.step}`;
}

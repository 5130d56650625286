/**
 * Writing a run folder (the contract of docs/reports.md, types in run-folder-contract.ts):
 *
 *   config.json        the resolved TrainConfig (re-run with `mtlkit train --config`) and
 *                      `backend`, the kernels it trains on; written once the data has loaded
 *   epochs.jsonl       one line per epoch: epoch, train_loss[], valid{task: {auc, gauc, ne}},
 *                      valid_mean_auc, seconds (+ improved, best_epoch, samples_per_s, step)
 *   diagnostics.jsonl  sampled steps: step, norms_before, norms_after, cosine, conflicts,
 *                      residual_conflicts, weights (+ epoch, losses, loss_weights,
 *                      task_weights: MultiBalance's / MoCo's lambda, ...)
 *   final.json         config, tasks, best_epoch, stopped_early, valid, test, timing (the CLI's
 *                      --json object)
 *   failed.json        only when the NaN / Inf guard stopped the run
 *   checkpoint/        state.ckpt, state.prev.ckpt and best.ckpt (checkpoint.ts)
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.ts';

// The records themselves are pure (the browser writes them too): run-records.ts.
export { diagnosticsRecord } from './run-records.ts';

export function appendJsonl(file: string, value: unknown): void {
  appendFileSync(file, JSON.stringify(value) + '\n');
}

/**
 * Keeps the lines of a .jsonl file that `keep` accepts (resume drops records of an epoch the
 * crash interrupted, since that epoch runs again); a torn last line is dropped too.
 */
export function filterJsonl(file: string, keep: (rec: Record<string, unknown>) => boolean): void {
  if (!existsSync(file)) return;
  const kept: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      if (keep(JSON.parse(line) as Record<string, unknown>)) kept.push(line);
    } catch {
      // torn line
    }
  }
  writeFileAtomic(file, kept.map((l) => l + '\n').join(''));
}

/** Complete records in a .jsonl file (0 when it does not exist; a torn last line does not count). */
export function countJsonl(file: string): number {
  if (!existsSync(file)) return 0;
  let n = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      JSON.parse(line);
      n++;
    } catch {
      // torn line
    }
  }
  return n;
}

/** An explicit run folder may exist only if it holds no run yet (no config.json). */
export function refuseTakenRunDir(outDir: string): void {
  if (existsSync(join(outDir, 'config.json'))) {
    throw new Error(`run folder ${outDir} already holds a run (config.json); use --resume ${outDir} to continue it, or another --out`);
  }
}

function stamp(d = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Creates the run folder. An explicit folder may exist only if it holds no run yet (no
 * config.json); the default name runs/<method>-<mode>-s<seed>-<time> gets -2, -3, ... when
 * taken (parallel trials of a sweep).
 */
export function createRunDir(outDir: string | null, name: { method: string; mode: string; seed: number }): string {
  if (outDir !== null) {
    refuseTakenRunDir(outDir);
    mkdirSync(outDir, { recursive: true });
    return outDir;
  }
  mkdirSync('runs', { recursive: true });
  const base = join('runs', `${name.method}-${name.mode}-s${name.seed}-${stamp()}`);
  for (let i = 1; ; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/**
 * One sweep, start to finish: expand the spec into trials, skip those the results file already
 * has (resume), run the rest on the local pool or through the queue, append each outcome to the
 * results file, then select the best trial on validation and write `best.json`.
 *
 * Output folder layout:
 *   results.jsonl   one TrialRecord per line, owned by this process
 *   best.json       the selected trial: id, metric value, config, test and valid metrics
 *   spec.json       the spec as parsed (for the record)
 *   trials/<id>/    config.json handed to the runner and, with the default runner, the trial's
 *                   run folder run/ (local pool; emptied at the start of each attempt)
 */
import { availableParallelism } from 'node:os';
import { mkdirSync } from 'node:fs';
import { writeJsonAtomic } from '../platform/atomic-write.ts';
import { join } from 'node:path';
import { runLocalPool, type ExecutorEvents } from './local-pool.ts';
import { Progress, type ProgressOptions } from './progress.ts';
import { runQueueSweep } from './queue.ts';
import { ResultsFile, type TrialRecord } from './results.ts';
import { selectBest, type BestTrial } from './select.ts';
import { expandTrials, SpecError, type SweepSpec } from './spec.ts';

export interface SweepOptions {
  outDir: string;
  /** Local pool size (default: spec.workers, else the number of cores). */
  workers?: number;
  /** Extra attempts after a failure (default: spec.retries, else 2). */
  retries?: number;
  timeoutSec?: number;
  /** Overrides spec.runner (local pool only; queue workers use their own). */
  runner?: string[];
  /** The trial command when neither `runner` nor spec.runner gives one (the CLI's: `mtlkit train`). */
  defaultRunner?: string[];
  /** redis://host:port: enqueue on BullMQ instead of running locally. */
  queue?: string;
  queueName?: string;
  /** Run again trials the results file records as failed. */
  retryFailed?: boolean;
  pollMs?: number;
  connectionTimeoutSec?: number;
  progress?: ProgressOptions;
  signal?: AbortSignal;
}

export interface SweepSummary {
  name: string;
  outDir: string;
  results: string;
  bestFile?: string;
  trials: number;
  /** Finished before this run started (resume). */
  skipped: number;
  /** Executed by this run. */
  ran: number;
  done: number;
  failed: number;
  /** Trials with no outcome (the run was interrupted). */
  unfinished: number;
  failures: { trial: string; attempts: number; error: string }[];
  best?: BestTrial;
  interrupted: boolean;
}

export const RESULTS_FILE = 'results.jsonl';
export const BEST_FILE = 'best.json';

export async function runSweep(spec: SweepSpec, opts: SweepOptions): Promise<SweepSummary> {
  const trials = expandTrials(spec);
  mkdirSync(opts.outDir, { recursive: true });
  writeJsonAtomic(join(opts.outDir, 'spec.json'), spec);
  const results = new ResultsFile(join(opts.outDir, RESULTS_FILE));
  const retryFailed = opts.retryFailed ?? false;
  const toRun = trials.filter((t) => {
    const rec = results.get(t.id);
    return !rec || (rec.status === 'failed' && retryFailed);
  });
  const skipped = trials.length - toRun.length;

  const progress = new Progress(toRun.length, opts.progress);
  if (skipped > 0) progress.log(`sweep ${spec.name}: ${skipped} of ${trials.length} trials already in ${results.path}, skipping them`);
  const counts = { done: 0, running: 0, failed: 0 };
  const runningIds = new Set<string>();
  const events: ExecutorEvents = {
    onStart: (t) => {
      runningIds.add(t.id);
      counts.running = runningIds.size;
      progress.update(counts);
    },
    onRetry: (t, attempt, error) => {
      runningIds.delete(t.id);
      counts.running = runningIds.size;
      progress.log(`trial ${t.id} failed (attempt ${attempt}), retrying: ${error.split('\n')[0]}`);
      progress.update(counts);
    },
    onFinish: (rec: TrialRecord) => {
      runningIds.delete(rec.trial);
      counts.running = runningIds.size;
      if (!results.append(rec, retryFailed)) return;
      if (rec.status === 'ok') counts.done++;
      else {
        counts.failed++;
        progress.log(`trial ${rec.trial} failed after ${rec.attempts} attempt(s): ${(rec.error ?? '').split('\n')[0]}`);
      }
      progress.update(counts);
    },
  };

  const retries = opts.retries ?? spec.retries ?? 2;
  const timeoutSec = opts.timeoutSec ?? spec.timeoutSec;
  try {
    if (opts.queue) {
      await runQueueSweep(
        toRun,
        {
          url: opts.queue, queueName: opts.queueName, sweepName: spec.name, retries, timeoutSec, retryFailed,
          pollMs: opts.pollMs, connectionTimeoutSec: opts.connectionTimeoutSec, signal: opts.signal,
        },
        events,
      );
    } else {
      await runLocalPool(
        toRun,
        {
          runner: localRunner(spec, opts),
          workers: opts.workers ?? spec.workers ?? availableParallelism(),
          retries, timeoutSec, workDir: opts.outDir, signal: opts.signal,
        },
        events,
      );
    }
  } finally {
    progress.stop();
  }

  const best = selectBest(trials, (id) => results.get(id), spec.select);
  let bestFile: string | undefined;
  if (best) {
    bestFile = join(opts.outDir, BEST_FILE);
    writeJsonAtomic(bestFile, best);
  }
  const failures: SweepSummary['failures'] = [];
  let done = 0;
  let failed = 0;
  for (const t of trials) {
    const rec = results.get(t.id);
    if (rec?.status === 'ok') done++;
    else if (rec?.status === 'failed') {
      failed++;
      failures.push({ trial: t.id, attempts: rec.attempts, error: rec.error ?? '' });
    }
  }
  const summary: SweepSummary = {
    name: spec.name, outDir: opts.outDir, results: results.path, trials: trials.length, skipped,
    ran: counts.done + counts.failed, done, failed, unfinished: trials.length - done - failed, failures,
    interrupted: Boolean(opts.signal?.aborted),
  };
  if (bestFile) summary.bestFile = bestFile;
  if (best) summary.best = best;
  return summary;
}

function localRunner(spec: SweepSpec, opts: SweepOptions): string[] {
  const runner = opts.runner ?? spec.runner ?? opts.defaultRunner;
  if (!runner) throw new SpecError(`sweep ${spec.name}: no trial command: give the spec a "runner", or SweepOptions.runner / defaultRunner`);
  return runner;
}

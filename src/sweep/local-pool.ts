/**
 * The local executor: at most `workers` trial processes at a time on this machine, one process per
 * trial, so a crash or a timeout loses only that trial. A failed attempt goes to the back of the
 * queue and is retried up to `retries` more times; then the trial is reported failed with its error.
 * A config error (the runner's exit code 2) is reported at once: no attempt could fix it.
 *
 * Each trial owns `<workDir>/trials/<id>/` (its config file and, with the default runner, its
 * run folder `run/`). Every attempt starts by emptying that folder, so what a killed or failed
 * attempt (or an interrupted sweep) left there is replaced, never left beside a new run.
 */
import type { ChildProcess } from 'node:child_process';
import { availableParallelism, hostname } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TrialRecord } from './results.ts';
import { killTree, retryable, runTrial } from './runner.ts';
import type { Trial } from './spec.ts';

export interface ExecutorEvents {
  /** A process for the trial started (attempt counts from 1). */
  onStart?(trial: Trial, attempt: number): void;
  /** An attempt failed and the trial will be tried again. */
  onRetry?(trial: Trial, attempt: number, error: string): void;
  /** The trial's final outcome; called exactly once per trial that finishes. */
  onFinish(record: TrialRecord): void;
}

export interface LocalPoolOptions {
  runner: string[];
  workers: number;
  retries: number;
  timeoutSec?: number;
  /** Trial folders: `<workDir>/trials/<id>/` (config.json, and what the runner writes under `{trialDir}`). */
  workDir: string;
  signal?: AbortSignal;
}

/**
 * MTLKIT_THREADS for each trial process when `lanes` run at once on `cores` cores: a share of
 * the cores each (at least 1), so that N processes do not start N x cores kernel threads. The
 * thread count changes no number (src/train/backend-record.ts), only the speed. A user's own
 * MTLKIT_THREADS is kept (null: nothing to add).
 */
export function trialThreads(lanes: number, cores: number, env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.MTLKIT_THREADS !== undefined && env.MTLKIT_THREADS.trim() !== '') return null;
  return String(Math.max(1, Math.floor(cores / Math.max(1, lanes))));
}

export async function runLocalPool(trials: Trial[], opts: LocalPoolOptions, events: ExecutorEvents): Promise<void> {
  const pending: { trial: Trial; attempt: number }[] = trials.map((trial) => ({ trial, attempt: 1 }));
  const children = new Set<ChildProcess>();
  const onAbort = (): void => {
    for (const c of children) killTree(c, 'SIGKILL');
  };
  opts.signal?.addEventListener('abort', onAbort);
  const ranOn = `local:${hostname()}`;
  const lanes = Math.max(1, Math.min(opts.workers, trials.length));
  const threads = trialThreads(lanes, availableParallelism());

  const lane = async (): Promise<void> => {
    for (;;) {
      if (opts.signal?.aborted) return;
      const next = pending.shift();
      if (!next) return;
      const { trial, attempt } = next;
      const dir = join(opts.workDir, 'trials', trial.id);
      rmSync(dir, { recursive: true, force: true });
      events.onStart?.(trial, attempt);
      let child: ChildProcess | undefined;
      const outcome = await runTrial(trial.config, {
        runner: opts.runner,
        configPath: join(dir, 'config.json'),
        trialDir: dir,
        timeoutSec: opts.timeoutSec,
        env: { MTLKIT_TRIAL_ID: trial.id, MTLKIT_TRIAL_DIR: dir, MTLKIT_TRIAL_ATTEMPT: String(attempt), ...(threads !== null ? { MTLKIT_THREADS: threads } : {}) },
        onSpawn: (c) => {
          child = c;
          children.add(c);
        },
      });
      if (child) children.delete(child);
      // An aborted sweep records nothing for interrupted trials: a resume runs them again.
      if (opts.signal?.aborted) return;
      const base = { trial: trial.id, config: trial.config, attempts: attempt, durationMs: outcome.durationMs, ranOn };
      if (outcome.ok) {
        events.onFinish({ ...base, status: 'ok', result: outcome.result, finishedAt: new Date().toISOString() });
      } else if (attempt <= opts.retries && retryable(outcome)) {
        events.onRetry?.(trial, attempt, outcome.error);
        pending.push({ trial, attempt: attempt + 1 });
      } else {
        events.onFinish({ ...base, status: 'failed', error: outcome.error, finishedAt: new Date().toISOString() });
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: lanes }, lane));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

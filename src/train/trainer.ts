/**
 * The trainer's entry: `train(config)` starts a run folder (run-folder.ts) and trains it;
 * `resume(dir)` continues one exactly where its last checkpoint left it (checkpoint.ts), on the
 * kernels it recorded. A method is trained as one model on every task (train-model.ts) or, when
 * its registry entry is per-task (Single), as one model per task (per-task.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Splits } from '../data/split.ts';
import { isPerTask } from '../mtl/balancers/index.ts';
import { writeJsonAtomic } from '../platform/atomic-write.ts';
import { activeBackendRecord, backendDifference, backendSettings, describeBackend, parseBackendRecord, type BackendRecord } from './backend-record.ts';
import { resolveConfig, type TrainConfig } from './config.ts';
import { absoluteData, loadSplits } from './data.ts';
import { trainPerTask } from './per-task.ts';
import { loadConfigPlugins } from './plugins.ts';
import { autoProgress, type Progress } from './progress.ts';
import type { TrainResult } from './result.ts';
import { resumeCommand } from './resume-command.ts';
import { ResumeError } from './resume-errors.ts';
import { createRunDir, refuseTakenRunDir } from './run-folder.ts';
import { trainModel, type RunContext, type TrainHooks, type TrainModelOptions } from './train-model.ts';

export interface TrainOptions {
  /** Continue the run in this folder (its config.json is used). */
  resume?: string;
  /** Progress display; default: bar on a TTY, lines otherwise. */
  progress?: Progress;
  quiet?: boolean;
  hooks?: TrainHooks;
  /** Use these splits instead of loading config.data (tests, experiments that share data). */
  splits?: Splits;
  /** Resume on other kernels than the run recorded (the result is then not bit-identical). */
  allowBackendChange?: boolean;
  /** Resume from checkpoint/state.prev.ckpt (when state.ckpt is damaged). */
  usePreviousCheckpoint?: boolean;
  /**
   * Stop at the next step boundary once aborted (the CLI's SIGINT), with a
   * TrainingInterruptedError. With a signal the trainer yields to the event loop between steps.
   */
  signal?: AbortSignal;
}

/** Trains per `config` (partial configs get the defaults), or resumes `opts.resume`. */
export async function train(config: Partial<TrainConfig> | Record<string, unknown> = {}, opts: TrainOptions = {}): Promise<TrainResult> {
  let cfg: TrainConfig;
  let runDir: string;
  let splits: Splits;
  const backend = activeBackendRecord();
  let before: BackendRecord | null = null;
  const progress = opts.progress ?? autoProgress({ quiet: opts.quiet });
  if (opts.resume) {
    runDir = opts.resume;
    const file = join(runDir, 'config.json');
    if (!existsSync(file)) throw new ResumeError(runDir, 'not-a-run', 'the folder holds no config.json', 'give the folder of a run that mtlkit train started (its --out)');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    await loadConfigPlugins(stored);
    cfg = resolveConfig(stored);
    if (existsSync(join(runDir, 'final.json'))) {
      return JSON.parse(readFileSync(join(runDir, 'final.json'), 'utf8')) as TrainResult;
    }
    before = checkResumeBackend(runDir, stored.backend, backend, !!opts.allowBackendChange, progress);
    splits = opts.splits ?? (await loadSplits(cfg));
  } else {
    await loadConfigPlugins(config);
    cfg = resolveConfig(config);
    cfg = { ...cfg, data: absoluteData(cfg.data), outDir: null };
    const outDir = (config as { outDir?: string | null }).outDir ?? null;
    // config.json is written only once the data has loaded: a run folder whose data failed to
    // load holds nothing, and the same command is accepted once the data is fixed.
    if (outDir !== null) refuseTakenRunDir(outDir);
    splits = opts.splits ?? (await loadSplits(cfg));
    runDir = createRunDir(outDir, { method: cfg.method, mode: cfg.mode, seed: cfg.seed });
    writeJsonAtomic(join(runDir, 'config.json'), { ...cfg, backend });
  }
  const run: RunContext = { resuming: !!opts.resume, usePrevious: !!opts.usePreviousCheckpoint, signal: opts.signal, backendChanged: before !== null };
  const job: TrainModelOptions = { cfg, splits, runDir, run, progress, hooks: opts.hooks };
  const result = isPerTask(cfg.method) ? await trainPerTask(job) : await trainModel(job);
  if (before !== null) result.backend_before_resume = before;
  writeJsonAtomic(join(runDir, 'final.json'), result);
  return result;
}

/**
 * Resume runs on the kernels the run recorded, or says why not: the backends round
 * differently, so a resumed run is bit-identical to an uninterrupted one only on the same ones.
 * Returns the recorded backend when it differs and `allow` let it pass, else null.
 */
function checkResumeBackend(runDir: string, raw: unknown, now: BackendRecord, allow: boolean, progress: Progress): BackendRecord | null {
  const was = parseBackendRecord(raw);
  const diff = was === null ? 'its config.json records no backend (written by an older mtlkit)' : backendDifference(was, now);
  if (diff === null) return null;
  const why = `the run trained on ${was ? describeBackend(was) : 'an unrecorded backend'}, this process has ${describeBackend(now)} (${diff}); ` +
    'a resumed run is bit-identical to an uninterrupted one only on the same kernels';
  if (!allow) {
    const same = was ? `resume on the recorded kernels: ${resumeCommand(runDir, backendSettings(was))}, or ` : '';
    throw new ResumeError(runDir, 'backend', why, `${same}pass --allow-backend-change to continue anyway (not bit-exact)`);
  }
  progress.note(`resume: ${why}; continuing as asked (--allow-backend-change)`);
  return was ?? now;
}

/** Continues the run in `dir` exactly where its last checkpoint left it. */
export function resume(dir: string, opts: Omit<TrainOptions, 'resume'> = {}): Promise<TrainResult> {
  return train({}, { ...opts, resume: dir });
}

/**
 * The experiment runner: plan a preset's runs, execute them (sequentially in this process, or
 * over `workers` child processes with src/sweep's local pool) and write the experiment folder of
 * docs/reports.md (experiment.json + runs/<id>/ run folders). Its tables, plots and report.html
 * are the report layer's (src/report/experiment-report.ts), which the CLI runs next.
 *
 * Determinism: every run's numbers depend only on its config (seeded model, batches, dropout,
 * balancer streams; data and split have their own seeds), so the same experiment gives the same
 * tables with any number of workers. Run again with the same --out to resume: finished runs
 * are reused, interrupted ones resume from their checkpoint.
 *
 * A folder's finished results are never lost: every run's folder is checked before any run of
 * a phase starts, and one that holds another config refuses the whole experiment
 * (ExperimentRefused) with every file left as it was; the index (experiment.json and the
 * report) is replaced atomically, and never by one with fewer finished rows than it had.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SYNTHETIC_TASKS } from '../data/synthetic.ts';
import type { Splits } from '../data/split.ts';
import { chooseBackend, getBackend } from '../tensor/backends/registry.ts';
import { scriptArgv } from '../sweep/entry.ts';
import { runLocalPool } from '../sweep/local-pool.ts';
import type { JsonObject } from '../sweep/fields.ts';
import { loadConfigPlugins, loadDataset, loadSplits, resolveConfig, autoProgress, type TrainConfig, type TrainResult } from '../train/index.ts';
import type { ExperimentJson, ExperimentRow } from './folder-contract.ts';
import { writeJsonAtomic } from '../platform/atomic-write.ts';
import { describeChanges, ExperimentRefused, RunFolderConflict } from './errors.ts';
import { applyChoice, gridDir, gridKey, methodGrid, selectOnValidation, type GridChoice, type GridFile } from './grid.ts';
import { getPreset } from './registry.ts';
import { defaultRows, runDirOf } from './rows.ts';
import { runFolderState, runOne, type RunJob } from './run-one.ts';
import { ReuseIndex } from './reuse.ts';
import { seedList, SIZES } from './sizes.ts';
import type { ExperimentSize, PlanContext, RunOutcome, RunSpec } from './types.ts';

export interface ExperimentOptions {
  /** Default 'full' (the CLI's --quick gives 'quick'). */
  size?: ExperimentSize;
  /** Number of training seeds (default 1): tables show mean ± std. */
  seeds?: number;
  /** Override the size's epoch limit. */
  epochs?: number;
  /** Override the synthetic data's rows. */
  rows?: number;
  /** Any other TrainConfig fields over the size profile (data, model, lr, ...). */
  base?: Partial<TrainConfig> | Record<string, unknown>;
  /** Preset options (tasks: baseline). */
  options?: Record<string, unknown>;
  /** Experiment folder (default runs/experiments/<preset>-<size>-<time>). */
  out?: string;
  /** Child processes running at once (default 1: in this process). */
  workers?: number;
  /** Grid search on validation before each method's runs (grid.ts: {all: {...}, <method>: {...}}). */
  grid?: GridFile;
  /** Kernel backend (default MTLKIT_BACKEND, else wasm). An unknown name is an UnknownBackendError; a known one that cannot start falls back to js with a warning. */
  backend?: string;
  /** Show each run's own progress (in-process runs only). */
  verbose?: boolean;
  /** Earlier experiment folders whose finished runs of the same config are copied in instead of trained (reuse.ts). */
  reuse?: string[];
  /** One line per finished run (default: to stderr; quiet: nothing). */
  log?: (line: string) => void;
  quiet?: boolean;
  /** Creation time recorded in experiment.json (tests fix it). */
  now?: Date;
}

/** A finished experiment: its folder and the index written there. */
export interface ExperimentRun {
  preset: string;
  dir: string;
  experiment: ExperimentJson;
  runs: RunOutcome[];
  failed: { id: string; error: string }[];
  seconds: number;
}

const DEEP = ['data', 'split', 'modelOptions', 'methodOptions', 'optimizerOptions'] as const;

/** `over` on top of `base`; the nested option objects are merged one level deep. */
export function mergeConfig(base: Partial<TrainConfig> | Record<string, unknown>, over: Partial<TrainConfig> | Record<string, unknown>): Partial<TrainConfig> {
  const out: Record<string, unknown> = { ...base, ...over };
  for (const k of DEEP) {
    const a = (base as Record<string, unknown>)[k], b = (over as Record<string, unknown>)[k];
    if (a && b && typeof a === 'object' && typeof b === 'object') out[k] = { ...a, ...b };
  }
  return out as Partial<TrainConfig>;
}

/**
 * The size profile under the user's config. A user's data of another kind replaces the size's
 * data whole (the census CSV at the toy or quick size): the size's synthetic rows and rates mean
 * nothing to a CSV.
 */
function sizedConfig(opts: ExperimentOptions): Partial<TrainConfig> {
  const size = SIZES[opts.size ?? 'full'];
  const over = opts.base ?? {};
  const userData = (over as { data?: { kind?: unknown } }).data;
  const sized = userData?.kind !== undefined && userData.kind !== size.data?.kind ? { ...size, data: over.data } : size;
  return mergeConfig(sized, over);
}

/** The size profile with the user's overrides. */
export function baseConfig(opts: ExperimentOptions): Partial<TrainConfig> {
  let base = sizedConfig(opts);
  if (opts.epochs !== undefined) base = { ...base, epochs: opts.epochs };
  if (opts.rows !== undefined) {
    if (base.data?.kind === 'csv') throw new Error('experiment: --rows sizes the synthetic data; the base config reads a CSV');
    base = mergeConfig(base, { data: { kind: 'synthetic', rows: opts.rows } });
  }
  resolveConfig(base); // a bad override fails before anything runs
  return base;
}

async function dataTasks(base: Partial<TrainConfig>): Promise<string[]> {
  if (base.tasks) return [...base.tasks];
  if (!base.data || base.data.kind !== 'csv') return [...SYNTHETIC_TASKS];
  return [...(await loadDataset(resolveConfig(base))).taskNames];
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
}

const fmt = (x: unknown): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(4) : 'n/a');

function describe(r: TrainResult): string {
  return `AV-A ${fmt(r.test.av_a)}, AV-G ${fmt(r.test.av_g)}, valid ${fmt(r.valid.mean_auc)}, best epoch ${r.best_epoch}/${r.epochs_run}, ${r.timing.seconds.toFixed(1)} s`;
}

export async function runExperiment(name: string, opts: ExperimentOptions = {}): Promise<ExperimentRun> {
  const t0 = performance.now();
  const def = getPreset(name);
  const size = opts.size ?? 'full';
  const seeds = opts.seeds ?? 1;
  if (!Number.isInteger(seeds) || seeds < 1) throw new Error(`experiment: --seeds must be a positive integer, got ${seeds}`);
  const workers = opts.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`experiment: --workers must be a positive integer, got ${workers}`);
  await loadConfigPlugins(sizedConfig(opts));
  const base = baseConfig(opts);
  // A typo must not train every run on another backend: an unknown name is an error.
  const backend = (opts.backend !== undefined
    ? chooseBackend(opts.backend, '--backend')
    : chooseBackend(process.env.MTLKIT_BACKEND?.trim() || 'wasm', 'MTLKIT_BACKEND')).name;
  const log = opts.quiet ? (): void => {} : (opts.log ?? ((s: string) => process.stderr.write(s + '\n')));
  const created = opts.now ?? new Date();
  const dir = opts.out ?? join('runs', 'experiments', `${name}-${size}-${stamp(created)}`);
  const previous = previousIndex(dir);
  if (previous && previous.preset !== def.name) throw new ExperimentRefused(dir, `holds the experiment '${String(previous.preset)}', not '${def.name}'`);
  // Read before anything is written: a bad --reuse folder leaves no new folder behind.
  const reuse = opts.reuse?.length ? new ReuseIndex(opts.reuse) : null;
  mkdirSync(join(dir, 'runs'), { recursive: true });

  const ctx: PlanContext = { size, seeds: seedList(seeds), base, tasks: await dataTasks(base), options: opts.options ?? {} };
  const done: RunOutcome[] = [];
  const failed: { id: string; error: string }[] = [];
  const splitsCache = new Map<string, Promise<Splits>>();
  const gridChoices: Record<string, GridChoice & { method: string }> = {};
  let planned = 0;
  log(`experiment ${name} (${size}): ${def.title}; folder ${dir}; backend ${backend}; ${workers} worker${workers > 1 ? 's' : ''}`);
  if (reuse) log(`--reuse: ${reuse.size} finished runs in ${opts.reuse!.join(', ')}`);

  for (const phase of def.phases) {
    const specs = phase(ctx, done);
    const ids = new Set(done.map((o) => o.spec.id));
    for (const s of specs) {
      if (ids.has(s.id)) throw new Error(`experiment ${name}: run id '${s.id}' is planned twice`);
      ids.add(s.id);
    }
    planned += specs.length;
    if (opts.grid) await applyGrid(specs, opts.grid, base, ctx.seeds[0]!, dir, workers, gridChoices, log);
    const jobs = new Map<string, { spec: RunSpec; job: RunJob }>(
      specs.map((spec) => [spec.id, { spec, job: { id: spec.id, config: mergeConfig(base, spec.config), runDir: join(dir, runDirOf(spec.id)) } }]),
    );
    refuseConflicts(dir, [...jobs.values()].map((j) => j.job));
    if (reuse) {
      let copied = 0;
      for (const { job } of jobs.values()) if (reuse.fill(job) !== null) copied++;
      if (copied > 0) log(`--reuse: ${copied} of this phase's ${jobs.size} runs copied in (same config, finished)`);
    }
    const finish = (o: RunOutcome): void => {
      done.push(o);
      const k = done.length;
      const elapsed = (performance.now() - t0) / 1000;
      const eta = k < planned ? `, ETA this phase ~${Math.round((elapsed / k) * (planned - k))} s` : '';
      if (o.result) log(`[${k}/${planned}] ${o.spec.id}: ${o.reused ? 'reused, ' : ''}${describe(o.result)}${eta}`);
      else {
        failed.push({ id: o.spec.id, error: o.error ?? 'failed' });
        log(`[${k}/${planned}] ${o.spec.id}: FAILED: ${(o.error ?? '').split('\n')[0]}`);
      }
    };
    if (workers <= 1) {
      for (const { spec, job } of jobs.values()) {
        const cfg = resolveConfig(job.config);
        const key = JSON.stringify([cfg.data, cfg.tasks, cfg.split]);
        if (!splitsCache.has(key)) splitsCache.set(key, loadSplits(cfg));
        try {
          const { result, reused } = await runOne(job, { splits: await splitsCache.get(key)!, progress: opts.verbose ? autoProgress() : undefined });
          finish({ spec, result, reused });
        } catch (e) {
          finish({ spec, result: null, error: (e as Error).message, reused: false });
        }
      }
    } else {
      const trials = [...jobs.values()].map(({ job }, index) => ({ id: job.id, index, config: { ...job, backend } as unknown as JsonObject }));
      const runner = [...scriptArgv('./worker.ts', import.meta.url), '{config}'];
      const jobsDir = join(dir, '.jobs');
      await runLocalPool(trials, { runner, workers, retries: 0, workDir: jobsDir }, {
        onFinish(rec) {
          const spec = jobs.get(rec.trial)!.spec;
          if (rec.status === 'ok') {
            const r = rec.result as unknown as { result: TrainResult; reused: boolean };
            finish({ spec, result: r.result, reused: r.reused });
          } else finish({ spec, result: null, error: rec.error ?? 'failed', reused: false });
        },
      });
      // The job files only carried each run's config to its process; the run folders hold the rest.
      rmSync(jobsDir, { recursive: true, force: true });
      // Keep the plan's order (the table's row order), whatever order the runs finished in.
      const order = new Map(specs.map((s, i) => [s.id, i]));
      const head = done.filter((o) => !order.has(o.spec.id));
      const tail = done.filter((o) => order.has(o.spec.id)).sort((a, b) => order.get(a.spec.id)! - order.get(b.spec.id)!);
      done.splice(0, done.length, ...head, ...tail);
    }
  }

  const experiment: ExperimentJson = {
    preset: def.name,
    tasks: ctx.tasks,
    created: created.toISOString(),
    config: {
      preset: def.name,
      title: def.title,
      size,
      seeds: ctx.seeds,
      workers,
      backend: getBackend().name,
      model: base.model,
      epochs: base.epochs,
      batchSize: base.batchSize,
      lr: base.lr,
      rows: base.data?.kind === 'synthetic' ? (base.data.rows ?? 50_000) : undefined,
      ...(def.summarize ? def.summarize(ctx, done) : {}),
      base,
      ...(opts.grid ? { grid: opts.grid, grid_choices: gridChoices } : {}),
      ...(failed.length ? { failed } : {}),
    },
    rows: def.rows ? def.rows(ctx, done) : defaultRows(done),
  };
  const had = finishedRows(previous?.rows), has = finishedRows(experiment.rows);
  if (had > has) {
    throw new ExperimentRefused(dir, `holds ${had} finished rows and this run gives only ${has} (failed: ${failed.map((f) => f.id).join(', ') || 'none'}), so its index was kept`);
  }
  writeJsonAtomic(join(dir, 'experiment.json'), experiment);
  return { preset: def.name, dir, experiment, runs: done, failed, seconds: (performance.now() - t0) / 1000 };
}

/** The experiment.json already in `dir`, if any (an unreadable one counts as none: the runs decide). */
function previousIndex(dir: string): Partial<ExperimentJson> | null {
  const file = join(dir, 'experiment.json');
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Partial<ExperimentJson>;
  } catch {
    return null;
  }
}

/** Rows backed by a finished run (a failed run's row has empty test metrics). */
function finishedRows(rows: ExperimentRow[] | undefined): number {
  return (rows ?? []).filter((r) => r && r.test && Object.keys(r.test).length > 0).length;
}

/** Refuses the experiment when any run's folder holds another config, before anything runs. */
function refuseConflicts(dir: string, jobs: RunJob[]): void {
  const conflicts: RunFolderConflict[] = [];
  for (const job of jobs) {
    try {
      runFolderState(job);
    } catch (e) {
      if (e instanceof RunFolderConflict) conflicts.push(e);
      else throw e;
    }
  }
  if (conflicts.length === 0) return;
  const first = conflicts[0]!;
  const example = `${runDirOf(first.runId)}: ${describeChanges(first.changes)}`;
  throw new ExperimentRefused(dir, `holds ${conflicts.length} of this experiment's ${jobs.length} runs with a different config (e.g. ${example})`, conflicts);
}

/**
 * The paper's protocol before a phase: per method configuration (config without its seed), a
 * grid search on validation with the first seed; its chosen values go into every seed's run.
 */
async function applyGrid(
  specs: RunSpec[], grid: GridFile, base: Partial<TrainConfig>, seed: number, dir: string, workers: number,
  choices: Record<string, GridChoice & { method: string }>, log: (s: string) => void,
): Promise<void> {
  for (const spec of specs) {
    const method = String(spec.config.method ?? base.method ?? 'ew');
    const g = methodGrid(grid, method);
    if (!g) continue;
    const merged = mergeConfig(base, spec.config);
    const key = gridKey(merged);
    if (!choices[key]) {
      const sweepDir = gridDir(dir, method, key);
      log(`grid search for ${spec.id.replace(/-s\d+$/, '')}: ${Object.entries(g).map(([k, v]) => `${k} in {${v.join(', ')}}`).join(', ')} (${sweepDir})`);
      const choice = await selectOnValidation({ ...merged, seed }, g, sweepDir, { workers });
      choices[key] = { ...choice, method };
      log(`  chosen on validation (mean AUC ${choice.valid_mean_auc.toFixed(4)}): ${JSON.stringify(choice.chosen)}`);
    }
    spec.config = applyChoice(spec.config, choices[key]!.chosen);
  }
}

import type { Command } from 'commander';
import { chooseBackend, getBackend, UnknownBackendError } from '../../tensor/backends/registry.ts';
import {
  ConfigError, loadConfigPlugins, pluginPath, PluginError, pluginsRelativeTo, resolveConfig, resumeCommand, train, TrainingDivergedError,
  TrainingInterruptedError, type TaskScore, type TrainResult,
} from '../../train/index.ts';
import { CliError } from '../errors.ts';
import { collect, keyValue, readJsonObject, setDotted } from '../flags.ts';
import { printJson } from '../output.ts';

/**
 * `mtlkit train`: one training run (docs/training.md). Options come from, in increasing
 * priority: the defaults, `--config cfg.json`, then the flags. Without `--data` it trains on
 * the synthetic default. With `--json` the LAST stdout line is one JSON object: config, tasks,
 * valid (mean_auc and per task), test (per task {auc, gauc, ne}, av_a, av_g), best_epoch,
 * stopped_early, timing, run_dir, backend. Progress goes to stderr. Exit codes: 2 for a bad
 * config, 3 when the NaN / Inf guard stopped training, 130 after Ctrl-C (SIGINT: the run stops
 * at the next step and prints the command that resumes it), 1 otherwise.
 */
interface TrainFlags {
  data?: string;
  schema?: string;
  method?: string;
  model?: string;
  mode?: string;
  scope?: string;
  optimizer?: string;
  epochs?: string;
  patience?: string;
  seed?: string;
  lr?: string;
  batchSize?: string;
  l2?: string;
  tasks?: string;
  opt: string[];
  set: string[];
  plugin?: string[];
  diagnosticsEvery?: string;
  config?: string;
  out?: string;
  resume?: string;
  backend?: string;
  allowBackendChange?: boolean;
  usePreviousCheckpoint?: boolean;
  quiet?: boolean;
  json?: boolean;
}


function numberFlag(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x)) throw new CliError(`train: ${flag} expects a number, got '${v}'`);
  return x;
}

/** The raw config from --config and the flags (validated later by resolveConfig). */
export function configFromFlags(f: TrainFlags): Record<string, unknown> {
  let cfg: Record<string, unknown> = {};
  if (f.config) {
    cfg = readJsonObject(f.config, 'train', '--config', '');
    pluginsRelativeTo(cfg, f.config);
  }
  if (f.data !== undefined) {
    if (f.schema === undefined) throw new CliError('train: --data needs --schema SCHEMA.json (docs/data.md)');
    cfg.data = { kind: 'csv', path: f.data, schema: f.schema };
  } else if (f.schema !== undefined) {
    throw new CliError('train: --schema is given without --data FILE.csv');
  }
  const put = (k: string, v: unknown): void => {
    if (v !== undefined) cfg[k] = v;
  };
  put('method', f.method);
  put('model', f.model);
  put('mode', f.mode);
  put('scope', f.scope);
  put('optimizer', f.optimizer);
  put('epochs', numberFlag(f.epochs, '--epochs'));
  put('patience', numberFlag(f.patience, '--patience'));
  put('seed', numberFlag(f.seed, '--seed'));
  put('lr', numberFlag(f.lr, '--lr'));
  put('batchSize', numberFlag(f.batchSize, '--batch-size'));
  put('l2', numberFlag(f.l2, '--l2'));
  put('diagnosticsEvery', numberFlag(f.diagnosticsEvery, '--diagnostics-every'));
  if (f.tasks !== undefined) cfg.tasks = f.tasks.split(',').map((s) => s.trim()).filter(Boolean);
  if (f.opt.length) {
    const mo = { ...((cfg.methodOptions as Record<string, unknown> | undefined) ?? {}) };
    for (const s of f.opt) {
      const [k, v] = keyValue(s, 'train', '--opt');
      mo[k] = v;
    }
    cfg.methodOptions = mo;
  }
  for (const s of f.set) {
    const [k, v] = keyValue(s, 'train', '--set');
    setDotted(cfg, k, v);
  }
  put('outDir', f.out);
  if (f.plugin?.length) cfg.plugins = [...(Array.isArray(cfg.plugins) ? cfg.plugins : []), ...f.plugin.map((p) => pluginPath(p))];
  return cfg;
}

const fmt = (x: number | null | undefined, d = 4): string => (x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d));

function summary(r: TrainResult): string {
  const lines = [
    `${r.config.method} on ${r.config.model} (${r.config.mode} mode), tasks ${r.tasks.join(', ')}`,
    r.restored,
    '',
    `task        AUC     GAUC    NE`,
    ...r.tasks.map((t) => {
      const m = r.test[t] as TaskScore;
      return `${t.padEnd(10)}  ${fmt(m.auc)}  ${fmt(m.gauc)}  ${fmt(m.ne)}`;
    }),
    `AV-A ${fmt(r.test.av_a)}   AV-G ${fmt(r.test.av_g)}   (test)   best valid mean AUC ${fmt(r.valid.mean_auc as number | null)} @ epoch ${r.best_epoch}`,
    `${Math.round(r.timing.samples_per_s)} samples/s, ${r.timing.ms_per_step.toFixed(1)} ms/step, ${r.timing.seconds.toFixed(1)} s; run folder ${r.run_dir}`,
  ];
  return lines.join('\n') + '\n';
}

const RESUME_ONLY = ['allowBackendChange', 'usePreviousCheckpoint'] as const;
const kebab = (k: string): string => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());

/** The backend from --backend, else MTLKIT_BACKEND; a name that is not a backend is an error. */
function selectBackend(flag: string | undefined): void {
  const env = process.env.MTLKIT_BACKEND?.trim();
  try {
    if (flag !== undefined) chooseBackend(flag, '--backend');
    else if (env) chooseBackend(env, 'MTLKIT_BACKEND');
  } catch (e) {
    if (e instanceof UnknownBackendError) throw new CliError(`train: ${e.message}`, 2);
    throw e;
  }
}

/** What Ctrl-C prints: where the run stands and the exact command that continues it. */
export function interruptMessage(e: TrainingInterruptedError, backendFlag?: string): string {
  const cmd = resumeCommand(e.runDir, { backend: backendFlag });
  if (!e.resumable) {
    return `train: interrupted at step ${e.step}; ${e.runDir} writes no checkpoints (checkpoint: false), so it cannot be resumed: start it again with another --out`;
  }
  if (e.epochsSaved === 0) return `train: interrupted at step ${e.step}, before the first epoch ended; to start it again in the same folder: ${cmd}`;
  return `train: interrupted at step ${e.step}; the checkpoint of epoch ${e.epochsSaved} is in ${e.runDir}; resume with: ${cmd}`;
}

/** Ctrl-C aborts `controller` (the trainer stops at the next step); a second one exits at once. */
function abortOnSigint(controller: AbortController): () => void {
  const handler = (): void => {
    if (controller.signal.aborted) {
      process.stderr.write('mtlkit: train: interrupted again; exiting now (the last epoch checkpoint is kept)\n');
      process.exit(130);
    }
    process.stderr.write('mtlkit: train: stopping after this step (Ctrl-C again to exit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

export async function runTrain(f: TrainFlags): Promise<TrainResult> {
  selectBackend(f.backend);
  if (f.resume) {
    const others = Object.entries(f).filter(([k, v]) => !['resume', 'quiet', 'json', 'backend', 'opt', 'set', 'plugin', ...RESUME_ONLY].includes(k) && v !== undefined);
    if (others.length || f.opt.length || f.set.length || f.plugin?.length) {
      throw new CliError(`train: --resume continues a run with its own config.json; drop ${others.map(([k]) => kebab(k)).join(', ') || '--opt/--set'}`);
    }
  } else {
    const stray = RESUME_ONLY.filter((k) => f[k]);
    if (stray.length) throw new CliError(`train: ${stray.map(kebab).join(', ')} only applies with --resume DIR`);
  }
  const controller = new AbortController();
  const release = abortOnSigint(controller);
  try {
    const signal = controller.signal;
    if (f.resume) {
      return await train({}, { resume: f.resume, quiet: f.quiet, signal, allowBackendChange: f.allowBackendChange, usePreviousCheckpoint: f.usePreviousCheckpoint });
    }
    const raw = configFromFlags(f);
    await loadConfigPlugins(raw);
    resolveConfig(raw); // fail on a bad config before any data is loaded
    return await train(raw, { quiet: f.quiet, signal });
  } catch (e) {
    if (e instanceof ConfigError || e instanceof PluginError) throw new CliError(`train: ${e.message}`, 2);
    if (e instanceof TrainingDivergedError) throw new CliError(`train: ${e.message}`, 3);
    if (e instanceof TrainingInterruptedError) throw new CliError(interruptMessage(e, f.backend), 130);
    throw e;
  } finally {
    release();
  }
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a multi-task model with a balancer; writes a run folder (config, epochs, diagnostics, final metrics, checkpoints)')
    .option('--data <file.csv>', 'CSV data (needs --schema); default: the built-in synthetic data')
    .option('--schema <schema.json>', 'CSV schema (docs/data.md)')
    .option('--method <id>', 'balancer id (ew, gradcraft, multibalance, pcgrad, ..., single)')
    .option('--model <preset>', 'ple-paper | ple-lite | mmoe | shared-bottom')
    .option('--mode <mode>', 'param | rep')
    .option('--scope <scope>', "shared | whole-model (GradCraft code's crafting of every parameter)")
    .option('--optimizer <name>', 'adam | sgd | adagrad')
    .option('--epochs <n>', 'epoch limit')
    .option('--patience <n>', 'early stopping patience in epochs')
    .option('--seed <s>', 'training seed (init, dropout, batch order, balancer streams)')
    .option('--lr <x>', 'learning rate')
    .option('--batch-size <n>', 'training batch size')
    .option('--l2 <x>', 'L2 coefficient: l2 * sum(w^2)')
    .option('--tasks <list>', 'comma-separated task subset, e.g. ev,like')
    .option('--opt <key=value>', 'a balancer option (repeatable), e.g. --opt tau=0.1', collect, [])
    .option('--set <path=value>', 'any config field by dotted path (repeatable), e.g. --set data.rows=20000', collect, [])
    .option('--diagnostics-every <k>', 'record balancer diagnostics every k steps (0 = never)')
    .option('--config <file>', 'a TrainConfig JSON (flags override it)')
    .option('--plugin <module>', 'a module to import first, e.g. one that calls registerBalancer (repeatable; added to config.plugins)', collect, [])
    .option('--out <dir>', 'run folder (default runs/<method>-<mode>-s<seed>-<time>)')
    .option('--resume <dir>', 'continue an interrupted run from its last checkpoint (on the backend it recorded)')
    .option('--use-previous-checkpoint', 'with --resume: continue from checkpoint/state.prev.ckpt (when state.ckpt is damaged)')
    .option('--allow-backend-change', 'with --resume: continue on another backend than the run recorded (not bit-exact)')
    .option('--backend <name>', 'kernel backend: js | wasm | gpu | auto (default MTLKIT_BACKEND, else wasm; js if wasm cannot load, with a warning)')
    .option('--quiet', 'no progress output')
    .option('--json', 'print the result as one JSON object on the last stdout line')
    .action(async (flags: TrainFlags) => {
      const r = await runTrain(flags);
      if (flags.json) printJson({ ...r, timing: { ...r.timing, backend: getBackend().name } });
      else process.stdout.write(summary(r));
    });
}

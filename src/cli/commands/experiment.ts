import type { Command } from 'commander';
import { ConfigError } from '../../train/config.ts';
import { pluginPath, PluginError, pluginsRelativeTo } from '../../train/plugins.ts';
import { ExperimentRefused, ReuseFolderError, getPreset, presetNames, presets, runExperiment, START, type ExperimentOptions, type ExperimentSize } from '../../experiments/index.ts';
import { reportExperiment, toJson } from '../../report/index.ts';
import { CliError } from '../errors.ts';
import { UnknownBackendError } from '../../tensor/backends/registry.ts';
import { collect, keyValue, readJson, readJsonObject, setDotted } from '../flags.ts';
import { printJson } from '../output.ts';

/**
 * `mtlkit experiment <preset>`: reproduce a table or figure of the papers (docs/experiments.md).
 * Writes an experiment folder (experiment.json, runs/<id>/, table.md, table.json, SVGs,
 * report.html) and prints the Markdown table(s) on stdout; with --json the last stdout line is
 * one JSON object {preset, dir, files, tables, failed, seconds}. Progress goes to stderr.
 * Exit code 0 when the tables were written (failed runs print n/a and are listed on stderr),
 * 2 for bad options or an --out that holds another experiment (nothing in it is changed),
 * 1 when every run failed.
 */
interface ExperimentFlags {
  quick?: boolean;
  size?: string;
  seeds?: string;
  epochs?: string;
  rows?: string;
  data?: string;
  schema?: string;
  out?: string;
  workers?: string;
  backend?: string;
  baseline?: string;
  claims?: string;
  grid?: string;
  config?: string;
  set: string[];
  plugin?: string[];
  reuse?: string[];
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
}


function int(v: string | undefined, flag: string, min = 1): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (v.trim() === '' || !Number.isInteger(x) || x < min) throw new CliError(`experiment: ${flag} expects an integer >= ${min}, got '${v}'`);
  return x;
}

/** ExperimentOptions from the flags. */
export function experimentOptions(f: ExperimentFlags): ExperimentOptions {
  const size = (f.size ?? (f.quick ? 'quick' : 'full')) as ExperimentSize;
  if (!['toy', 'quick', 'full'].includes(size)) throw new CliError(`experiment: --size must be toy, quick or full, got '${f.size}'`);
  if (f.quick && f.size && f.size !== 'quick') throw new CliError('experiment: give --quick or --size, not both');
  let base: Record<string, unknown> = {};
  if (f.config) {
    base = readJsonObject(f.config, 'experiment', '--config', ' (TrainConfig fields)');
    pluginsRelativeTo(base, f.config);
  }
  if (f.data !== undefined) {
    if (f.schema === undefined) throw new CliError('experiment: --data needs --schema SCHEMA.json (docs/data.md)');
    if (f.rows !== undefined) throw new CliError('experiment: --rows sizes the synthetic data; leave it out with --data');
    base.data = { kind: 'csv', path: f.data, schema: f.schema };
  } else if (f.schema !== undefined) {
    throw new CliError('experiment: --schema is given without --data FILE.csv');
  }
  for (const s of f.set) setDotted(base, ...keyValue(s, 'experiment', '--set'));
  if (f.plugin?.length) base.plugins = [...(Array.isArray(base.plugins) ? base.plugins : []), ...f.plugin.map((p) => pluginPath(p))];
  const grid = f.grid ? readJson(f.grid, 'experiment', '--grid') : undefined;
  return {
    size,
    seeds: int(f.seeds, '--seeds'),
    epochs: int(f.epochs, '--epochs'),
    rows: int(f.rows, '--rows', 10),
    workers: int(f.workers, '--workers'),
    out: f.out,
    backend: f.backend,
    base,
    options: { ...(f.baseline ? { baseline: f.baseline } : {}), ...(f.claims ? { claims: f.claims } : {}) },
    grid: grid as ExperimentOptions['grid'],
    verbose: f.verbose,
    quiet: f.quiet,
    ...(f.reuse?.length ? { reuse: f.reuse } : {}),
  };
}

function presetHelp(): string {
  const lines = ['', 'Presets (expected run time on 2 cores):'];
  for (const name of presetNames) {
    const p = presets[name];
    lines.push(`  ${name.padEnd(13)}${p.title}`);
    lines.push(`  ${''.padEnd(13)}--quick: ${p.runTime.quick}; full: ${p.runTime.full}`);
  }
  lines.push(
    '',
    'Sizes: --quick = 30,000 synthetic rows, ple-paper, batch 256, lr 2e-3, 2 epochs (npm start: 4 epochs, 3 seeds);',
    'full (default) = 50,000 rows, ple-paper, batch 256, lr 1e-3, <= 40 epochs, patience 5; --size toy is for tests.',
    '--set model=ple-lite for the lighter model (no FM, no dropout, Glorot init; docs/experiments.md).',
    'Examples:',
    `  npm start                                                      # ${START.preset} ${START.args.join(' ')}: ${START.runTime.replace(/ \(.*\)$/, '')}`,
    '  npm run -s mtlkit -- experiment tau --quick --workers 2        # Figure 2',
    '  npm run -s mtlkit -- experiment table2 --seeds 3 --workers 2   # full size, mean ± std over 3 seeds',
    '  npm run -s mtlkit -- experiment multibalance --quick           # MultiBalance Tables 2-4, Figure 2',
    '  npm run -s mtlkit -- experiment table2 --data data/adult.csv --schema schemas/adult.json --seeds 3 --workers 2   # census data, 2 tasks',
    '  npm run -s mtlkit -- experiment findings --quick --seeds 3     # every claim as a test: 95% intervals, verdicts',
    '  npm run -s mtlkit -- experiment table2 --grid grid.json        # select lr / batch / L2 / options on validation first',
    'Run again with the same --out to resume: finished runs are reused. An --out whose runs have another',
    'config (changed --set, --epochs, ...) is refused before anything runs, and nothing in it changes.',
  );
  return lines.join('\n');
}

export function registerExperiment(program: Command): void {
  program
    .command('experiment')
    .description("reproduce a table or figure of the papers: runs every method, writes an experiment folder and report, prints the table")
    .argument('<preset>', `one of ${presetNames.join(', ')}`)
    .option('--quick', 'the short size (minutes): see below')
    .option('--size <size>', 'toy | quick | full (default full; --quick = quick)')
    .option('--seeds <n>', 'training seeds per method (tables show mean ± std); default 1')
    .option('--epochs <n>', "override the size's epoch limit")
    .option('--rows <n>', 'override the synthetic data rows')
    .option('--data <file.csv>', 'CSV data instead of the synthetic world (needs --schema), e.g. data/adult.csv')
    .option('--schema <schema.json>', 'the CSV schema (docs/data.md), e.g. schemas/adult.json')
    .option('--out <dir>', 'experiment folder (default runs/experiments/<preset>-<size>-<time>)')
    .option('--workers <n>', 'runs at once, each in its own process (default 1: in this process); results are the same')
    .option('--backend <name>', 'kernel backend js | wasm | gpu | auto (default MTLKIT_BACKEND, else wasm)')
    .option('--baseline <id>', 'tasks / findings presets: the baseline to compare with (default: the best on validation at T = 6)')
    .option('--claims <groups>', 'findings preset: the claim groups to test, a comma list of table2, table3, tau, epsilon, tasks, mb-qps, mb-ne (default all)')
    .option('--grid <file.json>', 'grid-search lr / batchSize / l2 / method options on validation before each method (docs/experiments.md)')
    .option('--config <file.json>', 'TrainConfig fields over the size profile (data, model, ...)')
    .option('--set <path=value>', 'one TrainConfig field by dotted path (repeatable), e.g. --set model=ple-lite', collect, [])
    .option('--plugin <module>', 'a module every run imports first, e.g. one that calls registerBalancer (repeatable; config.plugins)', collect, [])
    .option('--reuse <dir>', 'an earlier experiment folder whose finished runs of the same config are copied in instead of trained (repeatable), e.g. findings from table2 / table3 / tau / epsilon folders', collect, [])
    .option('--verbose', "show each run's own progress (--workers 1)")
    .option('--quiet', 'no progress lines')
    .option('--json', 'print one JSON object {preset, dir, files, tables, failed, seconds} as the last stdout line')
    .addHelpText('after', presetHelp())
    .action(async (preset: string, flags: ExperimentFlags) => {
      let res;
      try {
        getPreset(preset);
        res = reportExperiment(await runExperiment(preset, experimentOptions(flags)));
      } catch (e) {
        if (e instanceof ConfigError || e instanceof PluginError || e instanceof ExperimentRefused || e instanceof ReuseFolderError || e instanceof UnknownBackendError) throw new CliError(`experiment: ${e.message}`, 2);
        throw e;
      }
      for (const f of res.failed) process.stderr.write(`mtlkit: warning: run ${f.id} failed (its row prints n/a): ${f.error.split('\n').slice(-1)[0]}\n`);
      if (flags.json) {
        printJson({ preset: res.preset, dir: res.dir, files: res.render.files, tables: res.tables.map(toJson), failed: res.failed, seconds: res.seconds });
      } else {
        process.stdout.write(`\n${res.markdown}\n\nExperiment folder: ${res.dir} (report.html, table.md, table.json, SVG plots); ${res.runs.length} runs in ${res.seconds.toFixed(0)} s.\n`);
      }
      if (res.failed.length === res.runs.length && res.runs.length > 0) throw new CliError('experiment: every run failed', 1);
    });
}

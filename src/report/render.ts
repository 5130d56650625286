/**
 * Writing reports into run and experiment folders: tables (Markdown, JSON), SVG plots and one
 * self-contained report.html. The folder contract is in types.ts and docs/reports.md.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../platform/atomic-write.ts';
import { chartRuntime } from './chart-runtime.ts';
import { runChartSpecs, type ChartSpec } from './chart-specs.ts';
import { escapeXml as escapeAttr } from './escape.ts';
import { figure, renderHtml, skipped, type HtmlSection } from './html.ts';
import { detectFolder, readExperiment, readRun, ReportError, type FolderKind, type RunData } from './io.ts';
import { average } from './metrics.ts';
import { experimentPlots, runMetricsRows, runPlots, type Plot } from './plots.ts';
import { numberCell, toHtml, toJson, toMarkdown, type Cell, type Column, type Table } from './table.ts';
import { experimentTables } from './tables.ts';
import { evaluateFindings } from './findings/evaluate.ts';

export interface RenderOptions {
  /** Time stamp written into the page (default: now); fixed in tests. */
  now?: Date;
  /** Experiment folders: also render every row's run folder (default false). */
  runs?: boolean;
}

export interface RenderResult {
  kind: FolderKind;
  dir: string;
  /** Paths written, in order. */
  files: string[];
  /** One line per plot left out, and why. */
  skipped: string[];
  /** Caveats found while reading (e.g. a torn last line of a .jsonl file). */
  warnings: string[];
}

/** Files a render will write, collected first so that nothing is written when a step fails. */
type Pending = Array<[path: string, text: string]>;

function writeAll(pending: Pending, files: string[]): void {
  for (const [path, text] of pending) {
    writeFileAtomic(path, text);
    files.push(path);
  }
}

function plotSections(dir: string, plots: Plot[], pending: Pending, skippedOut: string[], charts: Record<string, ChartSpec[]> = {}): string {
  const html: string[] = [];
  for (const p of plots) {
    if ('svg' in p) {
      pending.push([join(dir, p.file), p.svg]);
      html.push(figure(p.svg, `${p.caption} (${p.file})`, p.charts ?? charts[p.file]));
    } else {
      skippedOut.push(p.skipped);
      html.push(skipped(p.skipped));
    }
  }
  return html.join('\n');
}

/**
 * Scalar top-level settings of a config, as header facts (nested objects stay in the folded
 * JSON). A key already in `shown` is skipped, so a fact the page states itself (preset) is
 * not listed twice; empty values (a `failed: []`) say nothing and are left out.
 */
function configFacts(config: unknown, shown: Array<[string, string]> = [], limit = 14): Array<[string, string]> {
  if (!config || typeof config !== 'object' || Array.isArray(config)) return [];
  const seen = new Set(shown.map(([k]) => k));
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(config as Record<string, unknown>)) {
    if (out.length >= limit) break;
    if (seen.has(k)) continue;
    let text: string | null = null;
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) text = String(v);
    else if (Array.isArray(v) && v.length <= 8 && v.every((x) => typeof x !== 'object')) text = v.join(', ');
    if (text === null || text === '') continue;
    out.push([k, text]);
  }
  return out;
}

function createdOf(config: unknown): string | null {
  if (!config || typeof config !== 'object') return null;
  const c = config as Record<string, unknown>;
  for (const k of ['created', 'started', 'started_at', 'time', 'date']) if (typeof c[k] === 'string') return c[k] as string;
  return null;
}

/** Final metrics of a run as a table: rows = tasks (+ the mean), test and validation groups. */
export function runMetricsTable(run: RunData): Table {
  const cols: Column[] = [];
  for (const split of ['test', 'valid'] as const) {
    cols.push({ key: `${split}:auc`, label: 'AUC', group: split, kind: 'fixed', decimals: 4 });
    cols.push({ key: `${split}:gauc`, label: 'GAUC', group: split, kind: 'fixed', decimals: 4 });
    cols.push({ key: `${split}:ne`, label: 'NE', group: split, kind: 'fixed', decimals: 4 });
  }
  const cell = (i: number, v: number | null): Cell => numberCell(cols[i]!, v === null ? null : { mean: v, std: 0, n: 1 });
  const rows = runMetricsRows(run).map((r) => ({
    label: r.task,
    cells: Object.fromEntries([...r.test, ...r.valid].map((v, i) => [cols[i]!.key, cell(i, v)])),
  }));
  const f = run.final;
  const avg = (split: 'test' | 'valid', m: 'auc' | 'gauc' | 'ne'): number | null => average(f?.[split], run.tasks, m);
  rows.push({
    label: 'mean over tasks (AV)',
    cells: Object.fromEntries(
      (['test', 'valid'] as const).flatMap((s, si) => (['auc', 'gauc', 'ne'] as const).map((m, mi) => [cols[si * 3 + mi]!.key, cell(si * 3 + mi, avg(s, m))])),
    ),
  });
  return { id: 'run-metrics', title: `Final metrics${f ? ` (restored best epoch ${f.best_epoch})` : ''}`, rowHeader: 'Task', columns: cols, rows, notes: [] };
}

/** Writes curves.svg, norms.svg, cosine.svg, conflicts.svg, weights.svg and report.html into a run folder. */
export function renderRun(dir: string, opts: RenderOptions = {}): RenderResult {
  const run = readRun(dir);
  const files: string[] = [];
  const skippedOut: string[] = [];
  const sections: HtmlSection[] = [];
  const f = run.final;
  if (f) sections.push({ heading: 'Metrics', html: toHtml(runMetricsTable(run)) });
  else sections.push({ heading: 'Metrics', html: skipped('Final metrics not shown: final.json is missing (the run has not finished).') });
  if (!f) skippedOut.push('Final metrics not shown: final.json is missing (the run has not finished).');
  const pending: Pending = [];
  const charts = runChartSpecs(run);
  sections.push({ heading: 'Plots', html: plotSections(dir, runPlots(run), pending, skippedOut, charts) });
  const facts: Array<[string, string]> = [['folder', dir], ['tasks', run.tasks.join(', ')]];
  if (f) {
    facts.push(['best epoch', `${f.best_epoch}${f.stopped_early ? ' (stopped early)' : ' (epoch limit reached)'}`]);
    if (f.timing) facts.push(['throughput', `${Math.round(f.timing.samples_per_s)} samples/s, ${f.timing.seconds.toFixed(1)} s`]);
  }
  if (run.epochs) facts.push(['epochs run', String(run.epochs.length)]);
  facts.push(...configFacts(run.config, facts));
  const html = renderHtml({
    title: `mtlkit run report: ${String((run.config as { method?: unknown } | null)?.method ?? dir)}`,
    facts,
    config: run.config,
    created: createdOf(run.config),
    generated: opts.now ?? new Date(),
    sections,
    notes: run.warnings,
    script: Object.keys(charts).length ? chartRuntime() : null,
  });
  pending.push([join(dir, 'report.html'), html]);
  writeAll(pending, files);
  return { kind: 'run', dir, files, skipped: skippedOut, warnings: run.warnings };
}

/** Writes table.md, table.json, the preset's plots and report.html into an experiment folder. */
export function renderExperiment(dir: string, opts: RenderOptions = {}): RenderResult {
  const exp = readExperiment(dir);
  const tables = experimentTables(exp);
  const files: string[] = [];
  const skippedOut: string[] = [];
  const warnings: string[] = [];
  const md = [`# Experiment ${exp.preset}`, '', `Tasks: ${exp.tasks.join(', ')}. Runs: ${exp.rows.length}.`, '', ...tables.map(toMarkdown)].join('\n');
  const pending: Pending = [
    [join(dir, 'table.md'), md],
    [join(dir, 'table.json'), JSON.stringify({ preset: exp.preset, tasks: exp.tasks, tables: tables.map(toJson) }, null, 2) + '\n'],
  ];
  // A folder with findings leads with them: the claims and verdicts, then the tables behind them.
  const lead = tables[0]?.id === 'findings' ? tables[0] : null;
  const rest = lead ? tables.slice(1) : tables;
  if (exp.preset === 'findings') pending.push([join(dir, 'findings.json'), JSON.stringify({ preset: exp.preset, tasks: exp.tasks, findings: evaluateFindings(exp) }, null, 2) + '\n']);
  const sections: HtmlSection[] = lead ? [{ heading: 'Findings', html: toHtml(lead) }] : [];
  sections.push({ heading: 'Tables', html: rest.length ? rest.map(toHtml).join('\n') : skipped('No table: the experiment has no rows this preset can show.') });
  const plots = experimentPlots(exp, tables, dir);
  sections.push({ heading: 'Plots', html: plotSections(dir, plots, pending, skippedOut) });
  // Tables and plots are all computed before the first file is replaced.
  writeAll(pending, files);

  const runItems: string[] = [];
  for (const r of exp.rows) {
    if (!r.run_dir) continue;
    const runDir = join(dir, r.run_dir);
    if (opts.runs && detectFolder(runDir) === 'run') {
      const res = renderRun(runDir, opts);
      files.push(...res.files);
      warnings.push(...res.warnings);
    }
    const label = `${r.label ?? r.method}${r.seed !== undefined ? `, seed ${r.seed}` : ''}${r.param ? ` ${JSON.stringify(r.param)}` : ''}`;
    // A relative link to a sibling file, not a loaded resource: the page stays self-contained.
    const link = existsSync(join(runDir, 'report.html')) ? ` (<a href="${escapeAttr(r.run_dir)}/report.html">report</a>)` : '';
    runItems.push(`<li>${escapeAttr(label)}: <code>${escapeAttr(r.run_dir)}</code>${link}</li>`);
  }
  if (runItems.length) sections.push({ heading: 'Runs', html: `<ul>${runItems.join('')}</ul>` });

  const seeds = new Set(exp.rows.map((r) => r.seed).filter((s) => s !== undefined));
  const methods = new Set(exp.rows.map((r) => r.label ?? r.method));
  const facts: Array<[string, string]> = [
    ['folder', dir],
    ['preset', exp.preset],
    ['tasks', exp.tasks.join(', ')],
    ['methods', [...methods].join(', ')],
    ['runs', `${exp.rows.length}${seeds.size ? ` (${seeds.size} seed${seeds.size > 1 ? 's' : ''})` : ''}`],
  ];
  const html = renderHtml({
    title: `mtlkit experiment report: ${exp.preset}`,
    facts: [...facts, ...configFacts(exp.config, facts)],
    config: exp.config,
    created: exp.created ?? createdOf(exp.config),
    generated: opts.now ?? new Date(),
    sections,
    notes: warnings,
    script: plots.some((p) => 'charts' in p && p.charts?.length) ? chartRuntime() : null,
  });
  writeAll([[join(dir, 'report.html'), html]], files);
  return { kind: 'experiment', dir, files, skipped: skippedOut, warnings };
}

/** Renders a run or an experiment folder, whichever `dir` is; throws ReportError naming what is missing. */
export function renderReport(dir: string, opts: RenderOptions = {}): RenderResult {
  if (!existsSync(dir)) throw new ReportError(`${dir} does not exist`);
  const kind = detectFolder(dir);
  if (kind === 'experiment') return renderExperiment(dir, opts);
  if (kind === 'run') return renderRun(dir, opts);
  throw new ReportError(`${dir} is not a report folder: missing experiment.json (experiment) or final.json / epochs.jsonl (run)`);
}

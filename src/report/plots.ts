/**
 * The plots of a run folder (training curves, gradient norms, cosine heat maps, conflicts,
 * task weights) and of an experiment folder (RI bars, sweeps, task-number bars, MultiBalance
 * NE gains and its Figure 2). Each builder returns the SVG or the reason it was skipped.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { barChart } from './svg/bar-chart.ts';
import { heatmap } from './svg/heatmap.ts';
import { lineChart, type LineSeries } from './svg/line-chart.ts';
import { smallMultiples } from './svg/small-multiples.ts';
import { readRun, type RunData } from './io.ts';
import { experimentTables, groupRows, groupStats, isMethod, paramValue, referenceMeans } from './tables.ts';
import { REFERENCE_METHOD } from '../experiments/methods.ts';
import type { Table } from './table.ts';
import type { DiagnosticsRecord, ExperimentJson } from './types.ts';
import { metricOf } from './metrics.ts';
import { findingsViews } from './findings/views.ts';
import { studentTQuantile } from '../metrics/stats.ts';
import type { Cell } from './table.ts';
import type { MeanStd } from './metrics.ts';
import { conflictPlot } from './conflict.ts';
import { barSpec, lineSpec, type ChartSpec, type LineSpec } from './chart-specs.ts';

/** A plot's SVG, and the chart specs that draw it interactively where it has them (bars). */
export type Plot = { file: string; caption: string; svg: string; charts?: ChartSpec[] } | { file: string; caption: string; skipped: string };

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

// ---------------------------------------------------------------- run folder

export function curvesPlot(run: RunData): Plot {
  const file = 'curves.svg';
  const caption = 'Training loss and validation AUC per task over epochs.';
  if (!run.epochs?.length) return { file, caption, skipped: 'Training curves skipped: epochs.jsonl is missing or empty.' };
  const ep = run.epochs;
  const loss: LineSeries[] = run.tasks.map((t, i) => ({ name: t, points: ep.map((e) => [e.epoch, num(e.train_loss?.[i])]) }));
  const auc: LineSeries[] = run.tasks.map((t) => ({ name: t, points: ep.map((e) => [e.epoch, num(e.valid?.[t]?.auc)]) }));
  auc.push({ name: 'mean of tasks', points: ep.map((e) => [e.epoch, num(e.valid_mean_auc)]) });
  const best = run.final?.best_epoch;
  const sub = best !== undefined ? ` (best epoch ${best}${run.final?.stopped_early ? ', stopped early' : ''})` : '';
  return {
    file,
    caption: caption + sub,
    svg: smallMultiples(
      [
        lineChart({ title: 'Training loss', xLabel: 'epoch', yLabel: 'BCE loss (nats per sample)', series: loss }),
        lineChart({ title: 'Validation AUC', xLabel: 'epoch', yLabel: 'AUC (0-1)', series: auc }),
      ],
      { title: `Training curves${sub}` },
    ),
  };
}

function noDiagnostics(file: string, caption: string, run: RunData): Plot | null {
  if (!run.diagnostics) return { file, caption, skipped: `${caption.replace(/\.$/, '')} skipped: diagnostics.jsonl is missing (the run did not record balancer diagnostics).` };
  if (run.diagnostics.length === 0) return { file, caption, skipped: `${caption.replace(/\.$/, '')} skipped: diagnostics.jsonl is empty.` };
  return null;
}

function perTaskSeries(d: DiagnosticsRecord[], tasks: string[], pick: (r: DiagnosticsRecord) => number[] | null | undefined): LineSeries[] {
  return tasks.map((t, i) => ({ name: t, points: d.map((r) => [r.step, num(pick(r)?.[i])]) }));
}

export function normsPlot(run: RunData): Plot {
  const file = 'norms.svg';
  const caption = 'Per-task gradient norms before and after balancing.';
  const skip = noDiagnostics(file, caption, run);
  if (skip) return skip;
  const d = run.diagnostics!;
  return {
    file,
    caption,
    svg: smallMultiples(
      [
        lineChart({ title: 'Before balancing', xLabel: 'training step', yLabel: 'gradient L2 norm', series: perTaskSeries(d, run.tasks, (r) => r.norms_before) }),
        lineChart({ title: 'After balancing', xLabel: 'training step', yLabel: 'gradient L2 norm', series: perTaskSeries(d, run.tasks, (r) => r.norms_after) }),
      ],
      { title: 'Task gradient magnitudes' },
    ),
  };
}

/** Entry-wise mean of the finite values of several T x T matrices. */
export function meanMatrix(ms: number[][][]): Array<Array<number | null>> {
  const T = ms[0]?.length ?? 0;
  return Array.from({ length: T }, (_, i) =>
    Array.from({ length: T }, (_, j) => {
      let s = 0;
      let c = 0;
      for (const m of ms) {
        const v = m[i]?.[j];
        if (typeof v === 'number' && Number.isFinite(v)) {
          s += v;
          c++;
        }
      }
      return c ? s / c : null;
    }),
  );
}

export function cosinePlot(run: RunData): Plot {
  const file = 'cosine.svg';
  const caption = 'Cosine similarity of the task gradients (before balancing): last sampled step and mean over sampled steps.';
  const skip = noDiagnostics(file, caption, run);
  if (skip) return skip;
  const ms = run.diagnostics!.map((r) => r.cosine).filter((m) => Array.isArray(m) && m.length > 0);
  if (ms.length === 0) return { file, caption, skipped: 'Cosine heat map skipped: no diagnostics line has a "cosine" matrix.' };
  const last = run.diagnostics!.filter((r) => Array.isArray(r.cosine) && r.cosine.length > 0).at(-1)!;
  return {
    file,
    caption,
    svg: smallMultiples(
      [
        heatmap({ title: `Step ${last.step}`, matrix: last.cosine, labels: run.tasks }),
        heatmap({ title: `Mean over ${ms.length} sampled steps`, matrix: meanMatrix(ms), labels: run.tasks }),
      ],
      { title: 'Cosine similarity between task gradients' },
    ),
  };
}

export function conflictsPlot(run: RunData): Plot {
  const file = 'conflicts.svg';
  const caption = 'Conflicting task pairs (negative cosine) before balancing, and those left after it.';
  const skip = noDiagnostics(file, caption, run);
  if (skip) return skip;
  const d = run.diagnostics!;
  return {
    file,
    caption,
    svg: lineChart({
      title: 'Gradient conflicts over training',
      xLabel: 'training step',
      yLabel: 'conflicting task pairs (count)',
      series: [
        { name: 'conflicts before balancing', points: d.map((r) => [r.step, num(r.conflicts)]) },
        { name: 'residual conflicts after balancing', points: d.map((r) => [r.step, num(r.residual_conflicts)]) },
      ],
      yMin: 0,
    }),
  };
}

export function weightsPlot(run: RunData): Plot {
  const file = 'weights.svg';
  const caption = 'Task weights chosen by the balancer over training.';
  const skip = noDiagnostics(file, caption, run);
  if (skip) return skip;
  const d = run.diagnostics!.filter((r) => Array.isArray(r.weights));
  if (d.length === 0) return { file, caption, skipped: 'Task weights plot skipped: this balancer reports no task weights ("weights" is null in diagnostics.jsonl).' };
  return {
    file,
    caption,
    svg: lineChart({ title: 'Task weights over training', xLabel: 'training step', yLabel: 'task weight (unitless)', series: perTaskSeries(d, run.tasks, (r) => r.weights) }),
  };
}

export function runPlots(run: RunData): Plot[] {
  return [curvesPlot(run), normsPlot(run), cosinePlot(run), conflictsPlot(run), weightsPlot(run)];
}

// ---------------------------------------------------------------- experiment folder

function pctFmt(v: number): string {
  return `${v.toFixed(3)}%`;
}

/** 95% t interval of a mean over seeds from its summary, scaled by `k` around `centre`; null with fewer than two seeds. */
export function ci95(ms: MeanStd | null | undefined, centre = ms?.mean, k = 1): [number, number] | null {
  if (!ms || ms.n < 2 || !Number.isFinite(ms.std) || centre === undefined) return null;
  const half = studentTQuantile(0.975, ms.n - 1) * (ms.std / Math.sqrt(ms.n)) * Math.abs(k);
  return [centre - half, centre + half];
}

const cellCi = (c: Cell | undefined): [number, number] | null =>
  c && c.value !== null && c.std !== undefined && c.n !== undefined ? ci95({ mean: c.value, std: c.std, n: c.n }) : null;

/** The caption's sentence about intervals, when some value has two or more seeds. */
function ciNote(any: boolean): string {
  return any ? ' Error bars / bands: 95% t interval of the mean over seeds.' : '';
}

/** RI-A and RI-G per row of a table2 / table3 table, as grouped bars. */
export function riBars(table: Table): Plot {
  const file = 'ri.svg';
  const caption = 'Relative improvement over Single, per method (RI-A, RI-G).';
  const keys = ['ri_a', 'ri_g'].filter((k) => table.columns.some((c) => c.key === k));
  const rows = table.rows.filter((r) => keys.some((k) => r.cells[k]?.value !== null && r.cells[k]?.value !== undefined));
  if (rows.length === 0) return { file, caption, skipped: 'RI bars skipped: no RI values (the experiment has no Single row).' };
  const errors = keys.map((k) => rows.map((r) => cellCi(r.cells[k])));
  const bars = {
    title: 'Relative improvement over Single',
    xLabel: 'method',
    yLabel: 'relative improvement (%)',
    categories: rows.map((r) => r.label),
    series: keys.map((k, i) => ({ name: k === 'ri_a' ? 'RI-A' : 'RI-G', values: rows.map((r) => r.cells[k]?.value ?? null), errors: errors[i]! })),
  };
  return { file, caption: caption + ciNote(errors.flat().some((e) => e !== null)), svg: barChart({ ...bars, format: pctFmt }), charts: [barSpec(bars)] };
}

/** Per task: each method's test AUC change against Single, in percent (small multiples). */
export function aucChangeBars(exp: ExperimentJson): Plot {
  const file = 'auc_change.svg';
  const caption = 'Per-task test AUC change against Single, in percent, per method.';
  const single = exp.rows.filter((r) => isMethod(r, REFERENCE_METHOD));
  if (!single.length) return { file, caption, skipped: 'Per-task AUC change skipped: the experiment has no Single row.' };
  const ref = referenceMeans(single, exp.tasks, 'auc');
  const groups = groupRows(exp).filter((g) => !isMethod(g, REFERENCE_METHOD));
  let anyCi = false;
  const panels = exp.tasks.map((t) => {
    const stats = groups.map((g) => groupStats({ ...g, tasks: exp.tasks }, ref, ref).auc[t]);
    const r = ref[t];
    const values = stats.map((s) => (s && r ? ((s.mean - r) / r) * 100 : null));
    // Single's own seed spread is left out: the bars show the method's interval against Single's mean.
    const errors = stats.map((s, i) => (s && r && values[i] !== null ? ci95(s, values[i]!, 100 / r) : null));
    anyCi ||= errors.some((e) => e !== null);
    return { title: t, xLabel: 'method', yLabel: 'AUC change vs Single (%)', categories: groups.map((g) => g.label), series: [{ name: `${t} AUC change`, values, errors }] };
  });
  return {
    file, caption: caption + ciNote(anyCi),
    svg: smallMultiples(panels.map((b) => barChart({ ...b, width: 520, height: 340, format: pctFmt })), { title: 'Test AUC change against Single, per task', columns: 2 }),
    charts: panels.map((b) => barSpec(b)),
  };
}

/** tau / epsilon sweep: AV-G and RI-G (AV-A / RI-A without GAUC) against the parameter. */
export function sweepPlot(exp: ExperimentJson, param: string): Plot {
  const file = 'sweep.svg';
  const caption = `AV and RI against ${param} (GradCraft Figure ${param === 'tau' ? 2 : 3}).`;
  const single = exp.rows.filter((r) => isMethod(r, REFERENCE_METHOD));
  const refA = referenceMeans(single, exp.tasks, 'auc');
  const refG = referenceMeans(single, exp.tasks, 'gauc');
  const groups = groupRows(exp).filter((g) => !isMethod(g, REFERENCE_METHOD) && paramValue(g, param) !== null);
  if (groups.length === 0) return { file, caption, skipped: `Sweep plot skipped: no row has a numeric param.${param}.` };
  const stats = groups.map((g) => ({ g, x: paramValue(g, param)!, s: groupStats({ ...g, tasks: exp.tasks }, refA, refG) }));
  const gauc = stats.some((x) => x.s.avG !== null);
  const labels = [...new Set(groups.map((g) => g.label))];
  type Stats = (typeof stats)[number]['s'];
  const series = (pick: (s: Stats) => MeanStd | null): LineSeries[] =>
    labels.map((l) => {
      const own = stats.filter((x) => x.g.label === l);
      const band = own.flatMap((x) => {
        const ci = ci95(pick(x.s));
        return ci ? [[x.x, ci[0], ci[1]] as [number, number, number]] : [];
      });
      return { name: l, points: own.map((x) => [x.x, pick(x.s)?.mean ?? null] as [number, number | null]), ...(band.length ? { band } : {}) };
    });
  const anyCi = stats.some((x) => ci95(gauc ? x.s.avG : x.s.avA) !== null);
  const xLog = param === 'epsilon';
  const xLabel = xLog ? `${param} (log scale; 0 shown left of the break)` : `${param} (unitless)`;
  const sym = param === 'tau' ? 'τ' : param === 'epsilon' ? 'ϵ' : param;
  const av = gauc ? 'AV-G' : 'AV-A';
  const ri = gauc ? 'RI-G' : 'RI-A';
  const lines = [
    { title: `${av} vs ${sym}`, xLabel, yLabel: `${av} (${gauc ? 'GAUC' : 'AUC'}, 0-1)`, series: series((s) => (gauc ? s.avG : s.avA)), xLog },
    { title: `${ri} vs ${sym}`, xLabel, yLabel: `${ri} (% over Single)`, series: series((s) => (gauc ? s.riG : s.riA)), xLog },
  ];
  const charts = lines.map(lineSpec);
  return {
    file,
    caption: caption + ciNote(anyCi),
    svg: smallMultiples(lines.map((o) => lineChart(o)), { title: `Sensitivity of ${labels.join(', ')} to ${sym}` }),
    ...(charts.every((c) => c !== null) ? { charts: charts as ChartSpec[] } : {}),
  };
}

/** Task-number study: RI-A and RI-G bars per T, one bar per method. */
export function tasksPlot(table: Table): Plot {
  const file = 'tasks.svg';
  const caption = 'RI-A and RI-G against the number of tasks T (GradCraft Figure 4).';
  if (table.rows.length === 0) return { file, caption, skipped: 'Task-number plot skipped: no rows.' };
  const panels = ['RI-A', 'RI-G'].flatMap((g) => {
    const cols = table.columns.filter((c) => c.group === g);
    if (!cols.length) return [];
    return [{
      title: g,
      xLabel: 'number of tasks',
      yLabel: `${g} (% over Single)`,
      categories: cols.map((c) => c.label),
      series: table.rows.map((r) => ({ name: r.label, values: cols.map((c) => r.cells[c.key]?.value ?? null), errors: cols.map((c) => cellCi(r.cells[c.key])) })),
    }];
  });
  const anyCi = table.rows.some((r) => Object.values(r.cells).some((c) => cellCi(c) !== null));
  return {
    file, caption: caption + ciNote(anyCi),
    svg: smallMultiples(panels.map((b) => barChart({ ...b, width: 480, format: pctFmt })), { title: 'Effect of the number of tasks' }),
    charts: panels.map((b) => barSpec(b)),
  };
}

/** MultiBalance: NE gain over EW per method, one bar per task (its Table 3 as a chart). */
export function neGainBars(tables: Table[]): Plot {
  const file = 'ne_gain.svg';
  const caption = 'NE gain over EW per method and task, in percent (positive = better).';
  const t = tables.find((x) => x.id === 'mb-baselines');
  if (!t || t.rows.length === 0) return { file, caption, skipped: 'NE gain bars skipped: no baseline rows.' };
  const cols = t.columns.filter((c) => c.key.startsWith('ne:'));
  const errors = cols.map((c) => t.rows.map((r) => cellCi(r.cells[c.key])));
  const bars = {
    title: 'NE gain over EW',
    xLabel: 'method',
    yLabel: 'NE gain over EW (%)',
    categories: t.rows.map((r) => r.label),
    series: cols.map((c, i) => ({ name: c.label, values: t.rows.map((r) => r.cells[c.key]?.value ?? null), errors: errors[i]! })),
  };
  return { file, caption: caption + ciNote(errors.flat().some((e) => e !== null)), svg: barChart({ ...bars, format: pctFmt }), charts: [barSpec(bars)] };
}

/**
 * MultiBalance Figure 2 (c-e): gradient magnitudes before balancing, learned task weights and
 * magnitudes after balancing, from the diagnostics of the first MultiBalance run that has them.
 */
export function multibalanceFigure(exp: ExperimentJson, dir: string): Plot {
  const file = 'figure2.svg';
  const caption = 'MultiBalance learning process (its Figure 2 c-e): per-task gradient magnitudes before balancing, learned task weights, magnitudes after balancing.';
  const candidates = exp.rows.filter((r) => r.method.toLowerCase().includes('multibalance') && r.run_dir);
  for (const r of candidates) {
    const runDir = join(dir, r.run_dir!);
    if (!existsSync(join(runDir, 'diagnostics.jsonl'))) continue;
    const run = readRun(runDir);
    const d = run.diagnostics ?? [];
    if (d.length === 0) continue;
    const tasks = r.tasks ?? exp.tasks;
    const lines = [
      { title: '(c) Magnitudes before balancing', xLabel: 'training step', yLabel: 'gradient L2 norm', series: perTaskSeries(d, tasks, (x) => x.norms_before) },
      // lambda itself (task_weights); runs written before it was recorded have only lambda / u.
      { title: '(d) Task weights learned', xLabel: 'training step', yLabel: 'task weight lambda (unitless)', series: perTaskSeries(d, tasks, (x) => x.task_weights ?? x.weights) },
      { title: '(e) Magnitudes after balancing', xLabel: 'training step', yLabel: 'weighted gradient L2 norm', series: perTaskSeries(d, tasks, (x) => x.norms_after) },
    ];
    return {
      file, caption: `${caption} Run: ${r.run_dir}.`,
      svg: smallMultiples(lines.map((o) => lineChart({ ...o, width: 420, height: 320 })), { title: `Learning process of ${r.label ?? r.method}`, columns: 3 }),
      charts: lines.map(lineSpec).filter((c): c is LineSpec => c !== null),
    };
  }
  return { file, caption, skipped: 'MultiBalance Figure 2 skipped: no MultiBalance row has a run_dir with a non-empty diagnostics.jsonl.' };
}

export function experimentPlots(exp: ExperimentJson, tables: Table[], dir: string): Plot[] {
  switch (exp.preset) {
    case 'table2':
      return [riBars(tables[0]!), aucChangeBars(exp)];
    case 'table3':
      return [riBars(tables[0]!)];
    case 'tau':
      return [sweepPlot(exp, 'tau')];
    case 'epsilon':
      return [sweepPlot(exp, 'epsilon')];
    case 'tasks':
      return [tasksPlot(tables[0]!)];
    case 'multibalance':
      return [neGainBars(tables), multibalanceFigure(exp, dir)];
    case 'findings':
      return findingsPlots(exp, dir);
    case 'conflict':
      return [conflictPlot(exp)];
  }
}

/** The findings folder's plots: each view's, named after its preset where two would share a file. */
function findingsPlots(exp: ExperimentJson, dir: string): Plot[] {
  return findingsViews(exp).flatMap((v) => {
    const own = experimentPlots(v, experimentTables(v), dir);
    return own.map((p) => (p.file === 'ri.svg' || p.file === 'sweep.svg' ? { ...p, file: p.file.replace('.svg', `_${v.preset}.svg`) } : p));
  });
}

/** Test-metric summary of a run folder: rows = tasks, AUC / GAUC / NE on test and validation. */
export function runMetricsRows(run: RunData): Array<{ task: string; test: [number | null, number | null, number | null]; valid: [number | null, number | null, number | null] }> {
  const f = run.final;
  return run.tasks.map((t) => ({
    task: t,
    test: [metricOf(f?.test, t, 'auc'), metricOf(f?.test, t, 'gauc'), metricOf(f?.test, t, 'ne')],
    valid: [metricOf(f?.valid, t, 'auc'), metricOf(f?.valid, t, 'gauc'), metricOf(f?.valid, t, 'ne')],
  }));
}


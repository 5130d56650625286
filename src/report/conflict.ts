/**
 * The `conflict` preset's table and plot: per setting of the data's conflict dial, the conflict
 * measured in its EW runs (share of negative task-pair cosines at the shared parameters) and
 * each method's relative improvement over EW trained on the same data (RI-A, GradCraft eq. 14
 * with EW as the reference). The x axis of the plot is the measured conflict, not the knob.
 */
import { lineChart, type LineSeries } from './svg/line-chart.ts';
import { lineSpec } from './chart-specs.ts';
import { meanStd, splitRelativeImprovement } from './metrics.ts';
import { ci95, ciNote } from './plot-intervals.ts';
import { groupRows, isMethod, paramValue, referenceMeans } from './tables.ts';
import { markBest, numberCell, textCell, type Cell, type Column, type Table } from './table.ts';
import type { ExperimentJson, ExperimentRow } from './types.ts';
import type { Plot } from './plot.ts';

/** The knob a conflict row records (param.rho) and the measured share (param.conflict, 0-1). */
const KNOB = 'rho';
const MEASURED = 'conflict';

interface Setting {
  rho: number;
  conflict: number | null;
  ew: ExperimentRow[];
}

function settings(exp: ExperimentJson): Setting[] {
  const out = new Map<number, Setting>();
  for (const r of exp.rows) {
    const rho = paramValue(r, KNOB);
    if (rho === null) continue;
    const s = out.get(rho) ?? { rho, conflict: paramValue(r, MEASURED), ew: [] };
    if (isMethod(r, 'ew')) s.ew.push(r);
    out.set(rho, s);
  }
  // Most agreeing data first: the table reads top to bottom as conflict grows.
  return [...out.values()].sort((a, b) => (a.conflict ?? 0) - (b.conflict ?? 0) || b.rho - a.rho);
}

function methodLabels(exp: ExperimentJson): string[] {
  return [...new Set(groupRows(exp).filter((g) => !isMethod(g, 'ew') && paramValue(g, KNOB) !== null).map((g) => g.label))];
}

/** RI-A over EW of one method's runs at one setting (mean ± std over seeds), in percent. */
function gainOverEw(exp: ExperimentJson, s: Setting, label: string): ReturnType<typeof meanStd> {
  const ref = referenceMeans(s.ew, exp.tasks, 'auc');
  const runs = exp.rows.filter((r) => (r.label ?? r.method) === label && paramValue(r, KNOB) === s.rho);
  return meanStd(runs.map((r) => {
    const v = splitRelativeImprovement(r.test, ref, exp.tasks, 'auc');
    return v === null ? null : v * 100;
  }));
}

export function conflictTable(exp: ExperimentJson): Table {
  const labels = methodLabels(exp);
  const columns: Column[] = [
    { key: 'rho', label: 'rho (knob)', kind: 'text' },
    { key: 'conflict', label: 'measured conflict', kind: 'percent', decimals: 1 },
    { key: 'ew', label: 'EW AV-A', kind: 'fixed', decimals: 4 },
    ...labels.map((l): Column => ({ key: `gain:${l}`, label: l, group: 'RI-A over EW', kind: 'percent', decimals: 2, better: 'higher' })),
  ];
  const byKey = new Map(columns.map((c) => [c.key, c]));
  const rows = settings(exp).map((s) => {
    const ewAv = meanStd(s.ew.map((r) => {
      const v = exp.tasks.map((t) => (r.test[t] as { auc?: number } | undefined)?.auc ?? null);
      return v.some((x) => x === null) ? null : (v as number[]).reduce((a, b) => a + b, 0) / v.length;
    }));
    const cells: Record<string, Cell> = {
      rho: textCell(String(s.rho)),
      conflict: numberCell(byKey.get('conflict')!, s.conflict === null ? null : { mean: s.conflict * 100, std: 0, n: 1 }),
      ew: numberCell(byKey.get('ew')!, ewAv),
    };
    for (const l of labels) cells[`gain:${l}`] = numberCell(byKey.get(`gain:${l}`)!, gainOverEw(exp, s, l));
    return { label: `rho = ${s.rho}`, cells };
  });
  return markBest({
    id: 'conflict',
    title: 'Gain over EW against measured gradient conflict, test split',
    rowHeader: 'Data',
    columns,
    rows,
    notes: [
      'measured conflict: share of task-pair cosines below 0 at the shared parameters, over the sampled steps of the EW runs on that data (mean over seeds).',
      'RI-A over EW: mean relative AUC improvement per task over EW on the same data (GradCraft eq. 14 with EW as the reference), in percent.',
    ],
  });
}

export function conflictPlot(exp: ExperimentJson): Plot {
  const file = 'conflict.svg';
  const caption = 'Each method\'s RI-A over EW against the measured share of conflicting task pairs.';
  const ss = settings(exp).filter((s) => s.conflict !== null);
  if (ss.length === 0) return { file, caption, skipped: 'Conflict plot skipped: no row has a measured param.conflict (no EW run with diagnostics).' };
  let anyCi = false;
  const series: LineSeries[] = methodLabels(exp).map((l) => {
    const gains = ss.map((s) => [s.conflict! * 100, gainOverEw(exp, s, l)] as const);
    const band = gains.flatMap(([x, g]) => {
      const ci = ci95(g);
      return ci ? [[x, ci[0], ci[1]] as [number, number, number]] : [];
    });
    anyCi ||= band.length > 0;
    return { name: l, points: gains.map(([x, g]) => [x, g?.mean ?? null] as [number, number | null]), ...(band.length ? { band } : {}) };
  });
  const line = { title: 'Where balancing pays: gain over EW vs measured conflict', xLabel: 'task pairs with negative gradient cosine (%)', yLabel: 'RI-A over EW (%)', series };
  return { file, caption: caption + ciNote(anyCi), svg: lineChart({ ...line, markers: true }), charts: [lineSpec(line)!] };
}

/**
 * An experiment's bar plots: RI per method (table2 / table3), the per-task AUC change against
 * Single, RI per number of tasks, MultiBalance's NE gain over EW. Each is the SVG bar chart and
 * the bar spec of the same options (chart-specs.ts), with 95% intervals where seeds allow.
 */
import { REFERENCE_METHOD } from '../experiments/methods.ts';
import { barSpec } from './chart-specs.ts';
import { ci95, cellCi, ciNote } from './plot-intervals.ts';
import type { Plot } from './plot.ts';
import { barChart } from './svg/bar-chart.ts';
import { smallMultiples } from './svg/small-multiples.ts';
import type { Table } from './table.ts';
import { groupRows, groupStats, isMethod, referenceMeans } from './tables.ts';
import type { ExperimentJson } from './types.ts';

function pctFmt(v: number): string {
  return `${v.toFixed(3)}%`;
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

/**
 * A run folder's plots as interactive charts (the chart layer): the curves, norms, cosine,
 * conflicts and weights that `mtlkit report` draws as SVG (docs/reports.md "Run folder"), with
 * hover values and series toggled from the legend. A plot whose input is missing is left out
 * with the reason, as report.html does.
 */
import { LineChart, StepHeatmap } from '../charts/index.ts';
import type { RunView } from './folder.ts';

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export interface DrawnRun {
  charts: (LineChart | StepHeatmap)[];
  skipped: string[];
}

export function drawRun(parent: HTMLElement, run: RunView): DrawnRun {
  const charts: (LineChart | StepHeatmap)[] = [];
  const skipped: string[] = [];
  const { tasks, epochs, diagnostics: diag } = run;
  const T = tasks.length;
  if (epochs.length) {
    const xs = epochs.map((e) => e.epoch);
    const loss = new LineChart(parent, { title: 'Training loss per task', xLabel: 'epoch', yLabel: 'BCE loss', series: tasks, points: true });
    loss.setData(xs, tasks.map((_, i) => epochs.map((e) => num(e.train_loss?.[i]))));
    const auc = new LineChart(parent, { title: 'Validation AUC per task', xLabel: 'epoch', yLabel: 'AUC', series: [...tasks, 'mean of tasks'], points: true });
    auc.setData(xs, [...tasks.map((t) => epochs.map((e) => num(e.valid?.[t]?.auc))), epochs.map((e) => num(e.valid_mean_auc))]);
    charts.push(loss, auc);
  } else {
    skipped.push('Training curves skipped: epochs.jsonl is missing or empty.');
  }
  if (diag.length) {
    const steps = diag.map((d) => d.step);
    const before = new LineChart(parent, { title: 'Gradient norms before balancing', xLabel: 'step', yLabel: '|g_t| (log)', series: tasks, logY: true });
    before.setData(steps, tasks.map((_, i) => diag.map((d) => num(d.norms_before?.[i]))));
    charts.push(before);
    if (diag.some((d) => d.norms_after?.length)) {
      const after = new LineChart(parent, { title: 'Gradient norms after balancing', xLabel: 'step', yLabel: 'norm (log)', series: tasks, logY: true });
      after.setData(steps, tasks.map((_, i) => diag.map((d) => num(d.norms_after?.[i]))));
      charts.push(after);
    }
    const pairs: [number, number][] = [];
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) pairs.push([i, j]);
    if (pairs.length) {
      const cos = new StepHeatmap(parent, { title: 'Cosine of task gradients (before balancing)', xLabel: 'step', rows: pairs.map(([i, j]) => `${tasks[i]} · ${tasks[j]}`) });
      cos.setData(steps, diag.map((d) => pairs.map(([i, j]) => d.cosine?.[i]?.[j] ?? Number.NaN)));
      charts.push(cos);
    }
    const conflicts = new LineChart(parent, { title: 'Conflicting task pairs', xLabel: 'step', yLabel: 'pairs', series: ['before balancing', 'after balancing'], decimals: 0 });
    conflicts.setData(steps, [diag.map((d) => num(d.conflicts)), diag.map((d) => num(d.residual_conflicts))]);
    charts.push(conflicts);
    const weightsOf = (d: (typeof diag)[number]): number[] | null | undefined => d.task_weights ?? d.weights;
    if (diag.some((d) => weightsOf(d))) {
      const w = new LineChart(parent, { title: 'Task weights', xLabel: 'step', yLabel: 'weight', series: tasks });
      w.setData(steps, tasks.map((_, i) => diag.map((d) => num(weightsOf(d)?.[i]))));
      charts.push(w);
    } else {
      skipped.push('Task weights skipped: every diagnostics line has "weights": null.');
    }
  } else {
    skipped.push('Gradient norms, cosine, conflicts and weights skipped: diagnostics.jsonl is missing or empty.');
  }
  return { charts, skipped };
}

/**
 * A run folder's plots as interactive charts: the chart specs report.html carries
 * (runChartSpecs, src/report/chart-specs.ts) drawn by the shared chart layer, with hover values
 * and series toggled from the legend. A plot whose input is missing is left out with the reason.
 */
import { runChartSpecs } from '../../../src/core.ts';
import { drawChart, type BarChart, type LineChart, type StepHeatmap } from '../charts/index.ts';
import type { RunView } from './folder.ts';

export interface DrawnRun {
  charts: (LineChart | StepHeatmap | BarChart)[];
  skipped: string[];
}

export function drawRun(parent: HTMLElement, run: RunView): DrawnRun {
  const specs = runChartSpecs(run);
  const charts = Object.values(specs).flat().map((s) => drawChart(parent, s));
  const skipped: string[] = [];
  if (!specs['curves.svg']) skipped.push('Training curves skipped: epochs.jsonl is missing or empty.');
  if (!run.diagnostics.length) skipped.push('Gradient norms, cosine, conflicts and weights skipped: diagnostics.jsonl is missing or empty.');
  else if (!specs['weights.svg']) skipped.push('Task weights skipped: this balancer reports no task weights ("weights" is null in diagnostics.jsonl).');
  return { charts, skipped };
}

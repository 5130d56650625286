/**
 * Draws a chart spec (src/report/chart-specs.ts: plain JSON, made in Node for report.html or in
 * the page for the Reports panel) with this layer's charts.
 */
import type { ChartSpec } from '../../../src/core.ts';
import { BarChart } from './bars.ts';
import { StepHeatmap } from './heatmap.ts';
import { LineChart } from './line.ts';

export function drawChart(parent: HTMLElement, spec: ChartSpec, size: { width?: number; height?: number } = {}): LineChart | StepHeatmap | BarChart {
  if (spec.kind === 'bars') return new BarChart(parent, { ...spec, ...size });
  if (spec.kind === 'heatmap') {
    const h = new StepHeatmap(parent, { title: spec.title, xLabel: spec.xLabel, rows: spec.rows, width: size.width });
    h.setData(spec.x, spec.cells.map((col) => col.map((v) => v ?? Number.NaN)));
    return h;
  }
  const c = new LineChart(parent, {
    title: spec.title, xLabel: spec.xLabel, yLabel: spec.yLabel, series: spec.series, logY: spec.logY, logX: spec.logX, points: spec.points, decimals: spec.decimals, ...size,
  });
  c.setData(spec.x, spec.y);
  if (spec.lo && spec.hi) c.setBands(spec.lo, spec.hi);
  return c;
}

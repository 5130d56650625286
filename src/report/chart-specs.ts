/**
 * A run folder's plots as chart specs: plain JSON a browser draws with the chart layer shared by
 * the playground and report.html (playground/src/charts: uPlot line charts and step heat maps,
 * with hover values and series toggled from the legend). report.html carries them next to the
 * SVG of the same plot, which stays for a page without scripts and as the folder's .svg file;
 * the playground's Reports panel draws the same specs from a dropped folder.
 *
 * Keyed by the SVG plot's file (plots.ts), so each interactive chart replaces its static twin; an
 * experiment's bar plots carry theirs on the Plot itself (`barSpec`, from the barChart options).
 */
import type { RunData } from './io.ts';
import type { DiagnosticsRecord } from './types.ts';

export interface LineSpec {
  kind: 'line';
  title: string;
  xLabel: string;
  yLabel: string;
  series: string[];
  x: number[];
  /** One column per series, aligned with x; null where a series has no value. */
  y: (number | null)[][];
  logY?: boolean;
  logX?: boolean;
  points?: boolean;
  decimals?: number;
  /** An interval per series around its line (the 95% interval over seeds), aligned with x; null where none. */
  lo?: (number | null)[][];
  hi?: (number | null)[][];
}

export interface HeatmapSpec {
  kind: 'heatmap';
  title: string;
  xLabel: string;
  rows: string[];
  x: number[];
  /** cells[i][r]: row r at x[i]; null where there is no value. */
  cells: (number | null)[][];
}

/** Grouped bars (an experiment's RI, NE gain, task-number plots), from the same options as the SVG's barChart. */
export interface BarSpec {
  kind: 'bars';
  title: string;
  xLabel: string;
  yLabel: string;
  categories: string[];
  series: string[];
  /** values[s][c]: series s in category c. */
  values: (number | null)[][];
  /** errors[s][c]: the 95% interval drawn as an error bar, or null. */
  errors?: ([number, number] | null)[][];
  unit?: string;
}

export type ChartSpec = LineSpec | HeatmapSpec | BarSpec;

/**
 * The line spec of the SVG line chart's options (svg/line-chart.ts), so both draw one description:
 * the series' x values merged, bands as lo / hi columns. Null for a log x axis that must show 0
 * (an epsilon sweep's broken axis, which only the SVG draws).
 */
export function lineSpec(o: { title: string; xLabel: string; yLabel: string; series: { name: string; points: [number, number | null][]; band?: [number, number, number][] }[]; xLog?: boolean }): LineSpec | null {
  const x = [...new Set(o.series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  if (o.xLog && x.some((v) => v <= 0)) return null;
  const at = (pts: readonly (readonly (number | null)[])[], k: number): (number | null)[] => x.map((v) => num(pts.find((p) => p[0] === v)?.[k]));
  const spec: LineSpec = {
    kind: 'line', title: o.title, xLabel: o.xLabel, yLabel: o.yLabel, series: o.series.map((s) => s.name), x,
    y: o.series.map((s) => at(s.points, 1)), points: x.length <= 40, ...(o.xLog ? { logX: true } : {}),
  };
  if (o.series.some((s) => s.band?.length)) {
    spec.lo = o.series.map((s) => at(s.band ?? [], 1));
    spec.hi = o.series.map((s) => at(s.band ?? [], 2));
  }
  return spec;
}

/** The bar spec of the SVG bar chart's options (svg/bar-chart.ts), so both draw one description. */
export function barSpec(o: { title: string; xLabel: string; yLabel: string; categories: string[]; series: { name: string; values: (number | null)[]; errors?: ([number, number] | null)[] }[] }, unit = '%'): BarSpec {
  const errors = o.series.map((s) => s.errors ?? s.values.map(() => null));
  return {
    kind: 'bars', title: o.title, xLabel: o.xLabel, yLabel: o.yLabel, categories: o.categories, series: o.series.map((s) => s.name),
    values: o.series.map((s) => s.values), ...(errors.flat().some((e) => e !== null) ? { errors } : {}), unit,
  };
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function perTask(d: DiagnosticsRecord[], T: number, pick: (r: DiagnosticsRecord) => number[] | null | undefined): (number | null)[][] {
  return Array.from({ length: T }, (_, i) => d.map((r) => num(pick(r)?.[i])));
}

/** The run's chart specs by plot file; a plot whose input is missing has none (its SVG says why). */
export function runChartSpecs(run: RunData): Record<string, ChartSpec[]> {
  const out: Record<string, ChartSpec[]> = {};
  const { tasks } = run;
  const T = tasks.length;
  const ep = run.epochs ?? [];
  if (ep.length) {
    const x = ep.map((e) => e.epoch);
    out['curves.svg'] = [
      { kind: 'line', title: 'Training loss', xLabel: 'epoch', yLabel: 'BCE loss (nats per sample)', series: tasks, x, y: tasks.map((_, i) => ep.map((e) => num(e.train_loss?.[i]))), points: true },
      {
        kind: 'line', title: 'Validation AUC', xLabel: 'epoch', yLabel: 'AUC (0-1)', series: [...tasks, 'mean of tasks'], x, points: true,
        y: [...tasks.map((t) => ep.map((e) => num(e.valid?.[t]?.auc))), ep.map((e) => num(e.valid_mean_auc))],
      },
    ];
  }
  const d = run.diagnostics ?? [];
  if (d.length === 0) return out;
  const x = d.map((r) => r.step);
  out['norms.svg'] = [
    { kind: 'line', title: 'Gradient norms before balancing', xLabel: 'training step', yLabel: 'gradient L2 norm (log)', series: tasks, x, y: perTask(d, T, (r) => r.norms_before), logY: true },
    { kind: 'line', title: 'Gradient norms after balancing', xLabel: 'training step', yLabel: 'gradient L2 norm (log)', series: tasks, x, y: perTask(d, T, (r) => r.norms_after), logY: true },
  ];
  const pairs: [number, number][] = [];
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) pairs.push([i, j]);
  const withCos = d.filter((r) => Array.isArray(r.cosine) && r.cosine.length > 0);
  if (pairs.length && withCos.length) {
    out['cosine.svg'] = [{
      kind: 'heatmap', title: 'Cosine of task gradients over training (before balancing)', xLabel: 'training step',
      rows: pairs.map(([i, j]) => `${tasks[i]} · ${tasks[j]}`), x: withCos.map((r) => r.step),
      cells: withCos.map((r) => pairs.map(([i, j]) => num(r.cosine[i]?.[j]))),
    }];
  }
  out['conflicts.svg'] = [{
    kind: 'line', title: 'Gradient conflicts over training', xLabel: 'training step', yLabel: 'conflicting task pairs (count)',
    series: ['conflicts before balancing', 'residual conflicts after balancing'], x, y: [d.map((r) => num(r.conflicts)), d.map((r) => num(r.residual_conflicts))], decimals: 0,
  }];
  const w = d.filter((r) => Array.isArray(r.weights));
  if (w.length) {
    out['weights.svg'] = [{ kind: 'line', title: 'Task weights over training', xLabel: 'training step', yLabel: 'task weight (unitless)', series: tasks, x: w.map((r) => r.step), y: perTask(w, T, (r) => r.weights) }];
  }
  return out;
}

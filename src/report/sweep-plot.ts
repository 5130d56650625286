/**
 * The tau / epsilon sweep of an experiment (GradCraft Figures 2 and 3): AV and RI against the
 * parameter, a line per method with its 95% band over seeds. An epsilon sweep that includes 0
 * has no line spec (its log axis puts 0 behind a break, which only the SVG draws).
 */
import { REFERENCE_METHOD } from '../experiments/methods.ts';
import { lineSpec, type ChartSpec } from './chart-specs.ts';
import type { MeanStd } from './metrics.ts';
import { ci95, ciNote } from './plot-intervals.ts';
import type { Plot } from './plot.ts';
import { lineChart, type LineSeries } from './svg/line-chart.ts';
import { smallMultiples } from './svg/small-multiples.ts';
import { groupRows, groupStats, isMethod, paramValue, referenceMeans } from './tables.ts';
import type { ExperimentJson } from './types.ts';

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

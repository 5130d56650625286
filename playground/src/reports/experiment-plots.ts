/**
 * An experiment's own plots in the Reports panel, made by the report library's pure builders
 * (experimentPlotsFrom: the very SVGs and chart specs of report.html) from the dropped files,
 * and drawn as report.html draws them: each plot with chart specs as interactive charts (hover
 * for values, legend clicks toggle series), one without (the epsilon sweep whose log axis
 * shows 0 behind a break) as its SVG, a skipped one as its reason, naming the run files the
 * drop lacks.
 */
import { experimentPlotsFrom, experimentTables, type ChartSpec, type ExperimentJson, type RunLookup } from '../../../src/core.ts';
import { drawChart, type BarChart, type LineChart, type StepHeatmap } from '../charts/index.ts';
import { el } from '../training/dom.ts';
import { readRunView, type FolderFiles, type RunView } from './folder.ts';
import type { PlotStatus } from './status.ts';

export interface DrawnPlots {
  charts: (LineChart | StepHeatmap | BarChart)[];
  plots: PlotStatus[];
}

const clean = (dir: string): string => dir.replace(/^\.\//, '').replace(/\/+$/, '');

/** The dropped run folders by run_dir; null where the drop has no diagnostics.jsonl there. */
function droppedRuns(files: FolderFiles, runs: Map<string, RunView>): RunLookup {
  return (runDir) => {
    const dir = clean(runDir);
    if (!files.has(dir ? `${dir}/diagnostics.jsonl` : 'diagnostics.jsonl')) return null;
    return runs.get(dir) ?? readRunView(files, dir);
  };
}

export function drawExperimentPlots(parent: HTMLElement, exp: ExperimentJson, files: FolderFiles, runs: Map<string, RunView>): DrawnPlots {
  const charts: DrawnPlots['charts'] = [];
  const plots: PlotStatus[] = [];
  for (const p of experimentPlotsFrom(exp, experimentTables(exp), droppedRuns(files, runs))) {
    const fig = el('figure', { className: 'mtl-report-plot', dataset: { plot: p.file } });
    parent.append(fig);
    if (!('svg' in p)) {
      const lacking = p.missing?.length ? ` Not in the dropped folder: ${p.missing.join(', ')}.` : '';
      fig.append(el('p', { className: 'muted', dataset: { role: 'plot-skipped' }, textContent: p.skipped + lacking }));
      plots.push({ file: p.file, charts: null, svg: false, skipped: p.skipped + lacking });
      continue;
    }
    const specs: ChartSpec[] | null = p.charts?.length ? p.charts : null;
    if (specs) {
      const box = el('div', { className: 'mtl-figure-charts' });
      fig.append(box);
      for (const s of specs) charts.push(drawChart(box, s, { width: 520 }));
    } else {
      // Made by the report library from escaped text: the SVG report.html inlines as it is.
      const box = el('div', { className: 'mtl-report-svg' });
      box.innerHTML = p.svg;
      box.querySelector('svg')?.setAttribute('style', 'max-width: 100%; height: auto');
      fig.append(box);
    }
    const note = specs ? '' : ' Shown as its SVG, as in report.html: this plot has no chart spec (an epsilon sweep\'s log axis with 0 behind a break is drawn by the SVG only).';
    fig.append(el('figcaption', { className: 'muted', textContent: `${p.caption}${note} (${p.file})` }));
    plots.push({ file: p.file, charts: specs, svg: !specs, skipped: null });
  }
  return { charts, plots };
}

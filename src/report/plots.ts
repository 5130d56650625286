/**
 * The plots of run and experiment folders as `mtlkit report` makes them: the pure builders
 * (run-plots.ts, experiment-plots.ts and the files they gather), with the one read they need
 * from disk, an experiment's run folders for MultiBalance's Figure 2, done here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { experimentPlotsFrom } from './experiment-plots.ts';
import { readRun } from './io.ts';
import type { Plot, RunLookup } from './plot.ts';
import type { Table } from './table.ts';
import type { ExperimentJson } from './types.ts';

export type { Plot, RunLookup } from './plot.ts';
export { ci95 } from './plot-intervals.ts';
export { curvesPlot, normsPlot, cosinePlot, conflictsPlot, weightsPlot, meanMatrix, runPlots, runMetricsRows } from './run-plots.ts';
export { riBars, aucChangeBars, tasksPlot, neGainBars } from './experiment-bars.ts';
export { sweepPlot } from './sweep-plot.ts';
export { multibalanceFigure } from './multibalance-figure.ts';
export { experimentPlotsFrom } from './experiment-plots.ts';

/** The run folders of the experiment in `dir`, read only where a plot asks and diagnostics.jsonl exists. */
export function runFolders(dir: string): RunLookup {
  return (runDir) => {
    const path = join(dir, runDir);
    return existsSync(join(path, 'diagnostics.jsonl')) ? readRun(path) : null;
  };
}

export function experimentPlots(exp: ExperimentJson, tables: Table[], dir: string): Plot[] {
  return experimentPlotsFrom(exp, tables, runFolders(dir));
}

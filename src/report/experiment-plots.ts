/**
 * The plots of an experiment folder by its preset (RI bars, per-task AUC change, sweeps,
 * task-number bars, NE gains and MultiBalance's Figure 2, the conflict plot; a findings folder
 * gets each of its views' plots), from experiment.json and, for Figure 2, the runs' diagnostics
 * handed in. Pure: `mtlkit report` reads the folder (plots.ts), the playground's Reports panel
 * passes what was dropped on it, and both get the same SVGs and chart specs.
 */
import { conflictPlot } from './conflict.ts';
import { aucChangeBars, neGainBars, riBars, tasksPlot } from './experiment-bars.ts';
import { findingsViews } from './findings/views.ts';
import { multibalanceFigure } from './multibalance-figure.ts';
import type { Plot, RunLookup } from './plot.ts';
import { sweepPlot } from './sweep-plot.ts';
import type { Table } from './table.ts';
import { experimentTables } from './tables.ts';
import type { ExperimentJson } from './types.ts';

/** `tables`: experimentTables(exp), which the caller has made already. */
export function experimentPlotsFrom(exp: ExperimentJson, tables: Table[], runs: RunLookup): Plot[] {
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
      return [neGainBars(tables), multibalanceFigure(exp, runs)];
    case 'findings':
      return findingsPlots(exp, runs);
    case 'conflict':
      return [conflictPlot(exp)];
  }
}

/** The findings folder's plots: each view's, named after its preset where two would share a file. */
function findingsPlots(exp: ExperimentJson, runs: RunLookup): Plot[] {
  return findingsViews(exp).flatMap((v) => {
    const own = experimentPlotsFrom(v, experimentTables(v), runs);
    return own.map((p) => (p.file === 'ri.svg' || p.file === 'sweep.svg' ? { ...p, file: p.file.replace('.svg', `_${v.preset}.svg`) } : p));
  });
}

import type { ChartSpec } from '../../../src/core.ts';

/** An experiment plot in the panel: the chart specs drawn, or its SVG, or why it was skipped. */
export interface PlotStatus {
  file: string;
  charts: ChartSpec[] | null;
  svg: boolean;
  skipped: string | null;
}

/** What the Reports panel shows, as data: `status()` on the panel (tests read it). */
export interface ReportsStatus {
  kind: 'run' | 'experiment' | null;
  name: string;
  /** Tables shown. */
  tables: number;
  /** The experiment's own plots, in report.html's order. */
  plots: PlotStatus[];
  /** Titles of the charts shown (the selected run's). */
  charts: string[];
  skipped: string[];
  /** Run folders found (an experiment's run_dir values present in the drop; '' for a run folder). */
  runs: string[];
  error: string;
  warnings: string[];
}

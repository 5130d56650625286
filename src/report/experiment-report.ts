/**
 * The report of a finished experiment (src/experiments' runExperiment): its folder rendered
 * (table.md, table.json, SVG plots, report.html; every run folder's report.html unless
 * `runs: false`) and its tables, as Markdown for the CLI to print.
 */
import type { ExperimentRun } from '../experiments/runner.ts';
import { renderExperiment, type RenderResult } from './render.ts';
import { toMarkdown, type Table } from './table.ts';
import { experimentTables } from './tables.ts';

export interface ExperimentReportOptions {
  /** Also render every run folder's report.html (default true). */
  runs?: boolean;
  /** Time stamp for the reports (tests fix it). */
  now?: Date;
}

export interface ExperimentResult extends ExperimentRun {
  tables: Table[];
  /** All tables as Markdown (what the CLI prints). */
  markdown: string;
  render: RenderResult;
}

export function reportExperiment(run: ExperimentRun, opts: ExperimentReportOptions = {}): ExperimentResult {
  const t0 = performance.now();
  const render = renderExperiment(run.dir, { runs: opts.runs ?? true, now: opts.now });
  const tables = experimentTables(run.experiment);
  const markdown = tables.map(toMarkdown).join('\n\n');
  return { ...run, tables, markdown, render, seconds: run.seconds + (performance.now() - t0) / 1000 };
}

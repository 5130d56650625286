import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runExperiment, type ExperimentOptions } from '../../src/experiments/index.ts';
import { reportExperiment, type ExperimentResult, type Table } from '../../src/report/index.ts';

export function tmp(prefix = 'mtlkit-exp-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export type RunAndReportOptions = ExperimentOptions & {
  /** Also render every run folder's report.html (default true). */
  renderRuns?: boolean;
};

/** What `mtlkit experiment` does: run the preset, then render its folder (the CLI composes the two layers). */
export async function runAndReport(preset: string, opts: RunAndReportOptions = {}): Promise<ExperimentResult> {
  const { renderRuns, ...experiment } = opts;
  return reportExperiment(await runExperiment(preset, experiment), { runs: renderRuns ?? true, now: opts.now });
}

/** A preset at the toy size (ple-paper, 1,200 rows, one epoch), quiet, wasm when it loads. */
export function toy(preset: string, over: RunAndReportOptions = {}): Promise<ExperimentResult> {
  return runAndReport(preset, { size: 'toy', out: join(tmp(), preset), quiet: true, renderRuns: false, backend: 'wasm', now: new Date(0), ...over });
}

export function table(res: ExperimentResult, id: string): Table {
  const t = res.tables.find((x) => x.id === id);
  if (!t) throw new Error(`no table ${id} (have ${res.tables.map((x) => x.id).join(', ')})`);
  return t;
}

export const labels = (t: Table): string[] => t.rows.map((r) => r.label);
export const columns = (t: Table): string[] => t.columns.map((c) => c.key);

/** Labels of rows whose cells (all but text columns) all print a number. */
export function numericRows(t: Table): string[] {
  const keys = t.columns.filter((c) => c.kind !== 'text').map((c) => c.key);
  return t.rows.filter((r) => keys.every((k) => r.cells[k] && r.cells[k]!.text !== 'n/a')).map((r) => r.label);
}

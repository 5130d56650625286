/** experiment.json rows from finished runs (docs/reports.md). */
import type { ExperimentRow } from './folder-contract.ts';
import type { RowInfo, RunOutcome } from './types.ts';

/** The folder of a run, relative to the experiment folder. */
export function runDirOf(id: string): string {
  return `runs/${id}`;
}

export function outcomeRow(o: RunOutcome, r: RowInfo): ExperimentRow {
  const row: ExperimentRow & { error?: string } = {
    method: r.method,
    label: r.label,
    seed: o.spec.config.seed,
    param: r.param,
    ...(r.tasks ? { tasks: r.tasks } : {}),
    test: (o.result?.test ?? {}) as ExperimentRow['test'],
    valid: (o.result?.valid ?? {}) as ExperimentRow['valid'],
    ...(o.result ? { timing: { samples_per_s: o.result.timing.samples_per_s, seconds: o.result.timing.seconds } } : {}),
    run_dir: runDirOf(o.spec.id),
  };
  if (o.error) row.error = o.error;
  return row;
}

/** Every run's rows, in run order. */
export function defaultRows(done: RunOutcome[]): ExperimentRow[] {
  return done.flatMap((o) => o.spec.rows.map((r) => outcomeRow(o, r)));
}

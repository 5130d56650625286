/**
 * MultiBalance Figure 2 (c-e): gradient magnitudes before balancing, learned task weights and
 * magnitudes after balancing, from the diagnostics of the first MultiBalance run that has them.
 * The one experiment plot that reads its runs' files, which the caller hands in (RunLookup).
 */
import { lineSpec, type LineSpec } from './chart-specs.ts';
import type { Plot, RunLookup } from './plot.ts';
import { perTaskSeries } from './run-plots.ts';
import { lineChart } from './svg/line-chart.ts';
import { smallMultiples } from './svg/small-multiples.ts';
import type { ExperimentJson } from './types.ts';

export function multibalanceFigure(exp: ExperimentJson, runs: RunLookup): Plot {
  const file = 'figure2.svg';
  const caption = 'MultiBalance learning process (its Figure 2 c-e): per-task gradient magnitudes before balancing, learned task weights, magnitudes after balancing.';
  const candidates = exp.rows.filter((r) => r.method.toLowerCase().includes('multibalance') && r.run_dir);
  const missing: string[] = [];
  for (const r of candidates) {
    const run = runs(r.run_dir!);
    if (!run) {
      missing.push(`${r.run_dir!.replace(/\/+$/, '')}/diagnostics.jsonl`);
      continue;
    }
    const d = run.diagnostics ?? [];
    if (d.length === 0) continue;
    const tasks = r.tasks ?? exp.tasks;
    const lines = [
      { title: '(c) Magnitudes before balancing', xLabel: 'training step', yLabel: 'gradient L2 norm', series: perTaskSeries(d, tasks, (x) => x.norms_before) },
      // lambda itself (task_weights); runs written before it was recorded have only lambda / u.
      { title: '(d) Task weights learned', xLabel: 'training step', yLabel: 'task weight lambda (unitless)', series: perTaskSeries(d, tasks, (x) => x.task_weights ?? x.weights) },
      { title: '(e) Magnitudes after balancing', xLabel: 'training step', yLabel: 'weighted gradient L2 norm', series: perTaskSeries(d, tasks, (x) => x.norms_after) },
    ];
    return {
      file, caption: `${caption} Run: ${r.run_dir}.`,
      svg: smallMultiples(lines.map((o) => lineChart({ ...o, width: 420, height: 320 })), { title: `Learning process of ${r.label ?? r.method}`, columns: 3 }),
      charts: lines.map(lineSpec).filter((c): c is LineSpec => c !== null),
    };
  }
  return {
    file, caption, skipped: 'MultiBalance Figure 2 skipped: no MultiBalance row has a run_dir with a non-empty diagnostics.jsonl.',
    ...(missing.length ? { missing: [...new Set(missing)] } : {}),
  };
}

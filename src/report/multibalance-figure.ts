/**
 * MultiBalance Figure 2 (c-e): gradient magnitudes before balancing, learned task weights and
 * magnitudes after balancing, from the diagnostics of the first MultiBalance configuration that
 * has them. With several seeds of it, each line is the mean over seeds at each sampled step and
 * carries its 95% band; with one, it is that run.
 * The one experiment plot that reads its runs' files, which the caller hands in (RunLookup).
 */
import { lineSpec, type LineSpec } from './chart-specs.ts';
import { meanStd } from './metrics.ts';
import { num, type Plot, type RunLookup } from './plot.ts';
import { ci95, ciNote } from './plot-intervals.ts';
import { lineChart, type LineSeries } from './svg/line-chart.ts';
import { smallMultiples } from './svg/small-multiples.ts';
import type { DiagnosticsRecord, ExperimentJson, ExperimentRow } from './types.ts';

type Pick = (r: DiagnosticsRecord) => number[] | null | undefined;

/** Per task, the mean over runs at each step any run sampled, with a 95% band where two or more runs did. */
function perTaskMeans(ds: DiagnosticsRecord[][], tasks: string[], pick: Pick): LineSeries[] {
  const byStep = ds.map((d) => new Map(d.map((r) => [r.step, r])));
  const steps = [...new Set(ds.flatMap((d) => d.map((r) => r.step)))].sort((a, b) => a - b);
  return tasks.map((t, i) => {
    const points: Array<[number, number | null]> = [];
    const band: Array<[number, number, number]> = [];
    for (const s of steps) {
      const ms = meanStd(byStep.map((m) => {
        const r = m.get(s);
        return r ? num(pick(r)?.[i]) : null;
      }));
      points.push([s, ms?.mean ?? null]);
      const ci = ci95(ms);
      if (ci) band.push([s, ci[0], ci[1]]);
    }
    return { name: t, points, ...(band.length ? { band } : {}) };
  });
}

/** The same configuration: method, label, parameters and tasks alike (seeds differ). */
const sameConfig = (a: ExperimentRow, b: ExperimentRow): boolean =>
  a.method === b.method && a.label === b.label && JSON.stringify(a.param ?? null) === JSON.stringify(b.param ?? null)
  && JSON.stringify(a.tasks ?? null) === JSON.stringify(b.tasks ?? null);

export function multibalanceFigure(exp: ExperimentJson, runs: RunLookup): Plot {
  const file = 'figure2.svg';
  const caption = 'MultiBalance learning process (its Figure 2 c-e): per-task gradient magnitudes before balancing, learned task weights, magnitudes after balancing.';
  const candidates = exp.rows.filter((r) => r.method.toLowerCase().includes('multibalance') && r.run_dir);
  const missing = new Set<string>();
  // Each run folder read once: several rows (and every seed's row) point into the same ones.
  const read = new Map<string, DiagnosticsRecord[]>();
  const diagnosticsOf = (r: ExperimentRow): DiagnosticsRecord[] => {
    const dir = r.run_dir!;
    let d = read.get(dir);
    if (d === undefined) {
      const run = runs(dir);
      if (!run) missing.add(`${dir.replace(/\/+$/, '')}/diagnostics.jsonl`);
      d = run?.diagnostics ?? [];
      read.set(dir, d);
    }
    return d;
  };
  for (const r of candidates) {
    if (diagnosticsOf(r).length === 0) continue;
    const seeds = candidates.filter((o) => sameConfig(o, r)).map((o) => ({ row: o, d: diagnosticsOf(o) })).filter((x) => x.d.length > 0);
    const ds = seeds.map((x) => x.d);
    const tasks = r.tasks ?? exp.tasks;
    const lines = [
      { title: '(c) Magnitudes before balancing', xLabel: 'training step', yLabel: 'gradient L2 norm', series: perTaskMeans(ds, tasks, (x) => x.norms_before) },
      // lambda itself (task_weights); runs written before it was recorded have only lambda / u.
      { title: '(d) Task weights learned', xLabel: 'training step', yLabel: 'task weight lambda (unitless)', series: perTaskMeans(ds, tasks, (x) => x.task_weights ?? x.weights) },
      { title: '(e) Magnitudes after balancing', xLabel: 'training step', yLabel: 'weighted gradient L2 norm', series: perTaskMeans(ds, tasks, (x) => x.norms_after) },
    ];
    const which = seeds.length === 1
      ? ` Run: ${r.run_dir}.`
      : ` Mean over ${seeds.length} seeds (${seeds.map((x) => x.row.seed).join(', ')}) at each sampled step; runs: ${seeds.map((x) => x.row.run_dir).join(', ')}.`;
    return {
      file, caption: caption + which + ciNote(seeds.length > 1),
      svg: smallMultiples(lines.map((o) => lineChart({ ...o, width: 420, height: 320 })), { title: `Learning process of ${r.label ?? r.method}`, columns: 3 }),
      charts: lines.map(lineSpec).filter((c): c is LineSpec => c !== null),
    };
  }
  return {
    file, caption, skipped: 'MultiBalance Figure 2 skipped: no MultiBalance row has a run_dir with a non-empty diagnostics.jsonl.',
    ...(missing.size ? { missing: [...missing] } : {}),
  };
}

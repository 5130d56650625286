/**
 * The plots of a run folder: training curves, gradient norms, cosine heat maps, conflicts and
 * task weights, as SVG or the reason each was skipped; and its final metrics as rows. Pure (the
 * run's files are read by io.ts), so a browser draws them from dropped files too.
 */
import { heatmap } from './svg/heatmap.ts';
import { lineChart, type LineSeries } from './svg/line-chart.ts';
import { smallMultiples } from './svg/small-multiples.ts';
import type { RunData } from './io.ts';
import { metricOf } from './metrics.ts';
import { num, type Plot } from './plot.ts';
import type { DiagnosticsRecord } from './types.ts';

export function curvesPlot(run: RunData): Plot {
  const file = 'curves.svg';
  const caption = 'Training loss and validation AUC per task over epochs.';
  if (!run.epochs?.length) return { file, caption, skipped: 'Training curves skipped: epochs.jsonl is missing or empty.' };
  const ep = run.epochs;
  const loss: LineSeries[] = run.tasks.map((t, i) => ({ name: t, points: ep.map((e) => [e.epoch, num(e.train_loss?.[i])]) }));
  const auc: LineSeries[] = run.tasks.map((t) => ({ name: t, points: ep.map((e) => [e.epoch, num(e.valid?.[t]?.auc)]) }));
  auc.push({ name: 'mean of tasks', points: ep.map((e) => [e.epoch, num(e.valid_mean_auc)]) });
  const best = run.final?.best_epoch;
  const sub = best !== undefined ? ` (best epoch ${best}${run.final?.stopped_early ? ', stopped early' : ''})` : '';
  return {
    file,
    caption: caption + sub,
    svg: smallMultiples(
      [
        lineChart({ title: 'Training loss', xLabel: 'epoch', yLabel: 'BCE loss (nats per sample)', series: loss }),
        lineChart({ title: 'Validation AUC', xLabel: 'epoch', yLabel: 'AUC (0-1)', series: auc }),
      ],
      { title: `Training curves${sub}` },
    ),
  };
}

/**
 * A plot drawn from the run's diagnostics lines, or skipped with the reason: no
 * diagnostics.jsonl, an empty one, or what `draw` says is missing from its lines.
 */
function diagnosticsPlot(run: RunData, file: string, caption: string, draw: (d: DiagnosticsRecord[]) => string | { skipped: string }): Plot {
  const what = caption.replace(/\.$/, '');
  if (!run.diagnostics) return { file, caption, skipped: `${what} skipped: diagnostics.jsonl is missing (the run did not record balancer diagnostics).` };
  if (run.diagnostics.length === 0) return { file, caption, skipped: `${what} skipped: diagnostics.jsonl is empty.` };
  const out = draw(run.diagnostics);
  return typeof out === 'string' ? { file, caption, svg: out } : { file, caption, ...out };
}

export function perTaskSeries(d: DiagnosticsRecord[], tasks: string[], pick: (r: DiagnosticsRecord) => number[] | null | undefined): LineSeries[] {
  return tasks.map((t, i) => ({ name: t, points: d.map((r) => [r.step, num(pick(r)?.[i])]) }));
}

export function normsPlot(run: RunData): Plot {
  return diagnosticsPlot(run, 'norms.svg', 'Per-task gradient norms before and after balancing.', (d) => smallMultiples(
    [
      lineChart({ title: 'Before balancing', xLabel: 'training step', yLabel: 'gradient L2 norm', series: perTaskSeries(d, run.tasks, (r) => r.norms_before) }),
      lineChart({ title: 'After balancing', xLabel: 'training step', yLabel: 'gradient L2 norm', series: perTaskSeries(d, run.tasks, (r) => r.norms_after) }),
    ],
    { title: 'Task gradient magnitudes' },
  ));
}

/** Entry-wise mean of the finite values of several T x T matrices. */
export function meanMatrix(ms: number[][][]): Array<Array<number | null>> {
  const T = ms[0]?.length ?? 0;
  return Array.from({ length: T }, (_, i) =>
    Array.from({ length: T }, (_, j) => {
      let s = 0;
      let c = 0;
      for (const m of ms) {
        const v = m[i]?.[j];
        if (typeof v === 'number' && Number.isFinite(v)) {
          s += v;
          c++;
        }
      }
      return c ? s / c : null;
    }),
  );
}

export function cosinePlot(run: RunData): Plot {
  const caption = 'Cosine similarity of the task gradients (before balancing): last sampled step and mean over sampled steps.';
  return diagnosticsPlot(run, 'cosine.svg', caption, (d) => {
    const withCosine = d.filter((r) => Array.isArray(r.cosine) && r.cosine.length > 0);
    if (withCosine.length === 0) return { skipped: 'Cosine heat map skipped: no diagnostics line has a "cosine" matrix.' };
    const last = withCosine.at(-1)!;
    return smallMultiples(
      [
        heatmap({ title: `Step ${last.step}`, matrix: last.cosine, labels: run.tasks }),
        heatmap({ title: `Mean over ${withCosine.length} sampled steps`, matrix: meanMatrix(withCosine.map((r) => r.cosine)), labels: run.tasks }),
      ],
      { title: 'Cosine similarity between task gradients' },
    );
  });
}

export function conflictsPlot(run: RunData): Plot {
  const caption = 'Conflicting task pairs (negative cosine) before balancing, and those left after it.';
  return diagnosticsPlot(run, 'conflicts.svg', caption, (d) => lineChart({
    title: 'Gradient conflicts over training',
    xLabel: 'training step',
    yLabel: 'conflicting task pairs (count)',
    series: [
      { name: 'conflicts before balancing', points: d.map((r) => [r.step, num(r.conflicts)]) },
      { name: 'residual conflicts after balancing', points: d.map((r) => [r.step, num(r.residual_conflicts)]) },
    ],
    yMin: 0,
  }));
}

export function weightsPlot(run: RunData): Plot {
  return diagnosticsPlot(run, 'weights.svg', 'Task weights chosen by the balancer over training.', (all) => {
    const d = all.filter((r) => Array.isArray(r.weights));
    if (d.length === 0) return { skipped: 'Task weights plot skipped: this balancer reports no task weights ("weights" is null in diagnostics.jsonl).' };
    return lineChart({ title: 'Task weights over training', xLabel: 'training step', yLabel: 'task weight (unitless)', series: perTaskSeries(d, run.tasks, (r) => r.weights) });
  });
}

export function runPlots(run: RunData): Plot[] {
  return [curvesPlot(run), normsPlot(run), cosinePlot(run), conflictsPlot(run), weightsPlot(run)];
}

/** Test-metric summary of a run folder: rows = tasks, AUC / GAUC / NE on test and validation. */
export function runMetricsRows(run: RunData): Array<{ task: string; test: [number | null, number | null, number | null]; valid: [number | null, number | null, number | null] }> {
  const f = run.final;
  return run.tasks.map((t) => ({
    task: t,
    test: [metricOf(f?.test, t, 'auc'), metricOf(f?.test, t, 'gauc'), metricOf(f?.test, t, 'ne')],
    valid: [metricOf(f?.valid, t, 'auc'), metricOf(f?.valid, t, 'gauc'), metricOf(f?.valid, t, 'ne')],
  }));
}


/**
 * The table math of the GradCraft paper (eq. 12-15) and of the MultiBalance paper, computed
 * from per-task test metrics as the report files store them; the averages themselves are
 * src/metrics' (one definition of eq. 12-15 in the project).
 *
 *   AV-A = 1/T sum_i AUC_i                                 (12)
 *   AV-G = 1/T sum_i GAUC_i                                (13)
 *   RI-A = 1/T sum_i (AUC_i - AUC_i(Single)) / AUC_i(Single)   (14)
 *   RI-G = 1/T sum_i (GAUC_i - GAUC_i(Single)) / GAUC_i(Single) (15)
 *
 * NE gain (MultiBalance): NE(EW) - NE(method), reported relative to NE(EW) in percent, so a
 * positive number is a gain. Throughput drop: (QPS(EW) - QPS(method)) / QPS(EW) in percent.
 */
import type { SplitMetrics, TaskMetrics } from './types.ts';
import { averageOverTasks, relativeImprovement } from '../metrics/paper.ts';

export type MetricName = 'auc' | 'gauc' | 'ne';

/** Task t's metrics from a split, or null when absent. */
export function taskMetrics(split: SplitMetrics | undefined, task: string): TaskMetrics | null {
  const v = split?.[task];
  return v !== null && typeof v === 'object' ? v : null;
}

/** One metric of one task, or null when missing / not finite. */
export function metricOf(split: SplitMetrics | undefined, task: string, m: MetricName): number | null {
  const v = taskMetrics(split, task)?.[m];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Mean over tasks of a metric (eq. 12 / 13); null if any task lacks it. */
export function average(split: SplitMetrics | undefined, tasks: string[], m: MetricName): number | null {
  return averageOverTasks(tasks.map((t) => metricOf(split, t, m)));
}

/**
 * Relative improvement over a reference (eq. 14 / 15) as a fraction (0.01 = 1%); the
 * reference gives one value per task (Single's, averaged over its seeds). Null if any task
 * is missing on either side or the reference is 0.
 */
export function splitRelativeImprovement(
  split: SplitMetrics | undefined,
  reference: Record<string, number | null>,
  tasks: string[],
  m: MetricName,
): number | null {
  return relativeImprovement(
    tasks.map((t) => metricOf(split, t, m)),
    tasks.map((t) => reference[t] ?? null),
  );
}

/** NE gain of one task over a baseline NE, in percent (positive = lower NE = better). */
export function neGain(ne: number | null, baselineNe: number | null): number | null {
  if (ne === null || baselineNe === null || baselineNe === 0) return null;
  return ((baselineNe - ne) / baselineNe) * 100;
}

/** Throughput drop against a baseline, in percent (positive = slower than the baseline). */
export function throughputDrop(samplesPerS: number | null, baseline: number | null): number | null {
  if (samplesPerS === null || baseline === null || baseline === 0) return null;
  return ((baseline - samplesPerS) / baseline) * 100;
}

export interface MeanStd {
  mean: number;
  /** Sample standard deviation (n - 1); 0 for a single value. */
  std: number;
  n: number;
}

/** Mean and sample std of the finite values; null when there are none. */
export function meanStd(values: Array<number | null>): MeanStd | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (xs.length === 0) return null;
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, std, n: xs.length };
}

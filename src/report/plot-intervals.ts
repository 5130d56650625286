/** The 95% intervals over seeds that an experiment plot draws as error bars or bands, and says so. */
import { studentTQuantile } from '../metrics/stats.ts';
import type { MeanStd } from './metrics.ts';
import type { Cell } from './table.ts';

/** 95% t interval of a mean over seeds from its summary, scaled by `k` around `centre`; null with fewer than two seeds. */
export function ci95(ms: MeanStd | null | undefined, centre = ms?.mean, k = 1): [number, number] | null {
  if (!ms || ms.n < 2 || !Number.isFinite(ms.std) || centre === undefined) return null;
  const half = studentTQuantile(0.975, ms.n - 1) * (ms.std / Math.sqrt(ms.n)) * Math.abs(k);
  return [centre - half, centre + half];
}

export const cellCi = (c: Cell | undefined): [number, number] | null =>
  c && c.value !== null && c.std !== undefined && c.n !== undefined ? ci95({ mean: c.value, std: c.std, n: c.n }) : null;

/** The caption's sentence about intervals, when some value has two or more seeds. */
export function ciNote(any: boolean): string {
  return any ? ' Error bars / bands: 95% t interval of the mean over seeds.' : '';
}

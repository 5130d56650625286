/** Timing helpers: the auto backend's calibration, `mtlkit bench` and bench/ measure with the same median. */

export function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

/** Median milliseconds of `reps` calls after `warmup` untimed ones. */
export function timeMs(fn: () => void, reps: number, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

/** Repetitions so that one measurement takes about `budgetMs` (at least 3, at most 50). */
export function repsFor(estimateMs: number, budgetMs = 300): number {
  return Math.max(3, Math.min(50, Math.round(budgetMs / Math.max(estimateMs, 1e-3))));
}

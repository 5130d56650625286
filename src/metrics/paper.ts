/**
 * The GradCraft paper's summary metrics (section 4.1.3, eq. 12-15), over T tasks:
 *
 *   AV-A(M) = 1/T sum_i AUC_i(M)                                            (12)
 *   AV-G(M) = 1/T sum_i GAUC_i(M)                                           (13)
 *   RI-A(M) = 1/T sum_i (AUC_i(M) - AUC_i(Single)) / AUC_i(Single)          (14)
 *   RI-G(M) = 1/T sum_i (GAUC_i(M) - GAUC_i(Single)) / GAUC_i(Single)       (15)
 *
 * where Single is one single-task model per task. RI values are returned as fractions (the
 * paper prints them as percentages: multiply by 100). If any task's metric is undefined
 * (`null`), the average is undefined too (`null`): a mean over fewer tasks would not be
 * comparable across methods.
 */

/** AV-A / AV-G: the plain mean over tasks; `null` if any entry is `null` or the list is empty. */
export function averageOverTasks(values: readonly (number | null)[]): number | null {
  if (values.length === 0) return null;
  let s = 0;
  for (const v of values) {
    if (v === null || Number.isNaN(v)) return null;
    s += v;
  }
  return s / values.length;
}

/** RI-A / RI-G: the mean relative improvement over the Single baseline, as a fraction. */
export function relativeImprovement(
  values: readonly (number | null)[],
  single: readonly (number | null)[],
): number | null {
  if (values.length !== single.length) {
    throw new Error(`relativeImprovement: ${values.length} task values but ${single.length} Single baselines`);
  }
  if (values.length === 0) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i], b = single[i];
    if (v === null || b === null || Number.isNaN(v) || Number.isNaN(b) || b === 0) return null;
    s += (v - b) / b;
  }
  return s / values.length;
}

/** Eq. 12. */
export const avA = averageOverTasks;
/** Eq. 13. */
export const avG = averageOverTasks;
/** Eq. 14. */
export const riA = relativeImprovement;
/** Eq. 15. */
export const riG = relativeImprovement;

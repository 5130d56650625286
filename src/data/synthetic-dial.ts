/**
 * The synthetic world's dials: knobs that move what the balancers respond to, the mini-batch
 * conflict of the task gradients and the spread of their norms (docs/data.md, "Dials").
 *
 * Conflict. Task gradients at the shared parameters conflict when, on the rows of a batch, the
 * tasks' residuals (prediction minus label) pull a shared feature that their towers read the
 * same way in opposite directions. Learnable structure does not do that for long: a task that
 * loads on a factor with the opposite sign is learned by a tower of the opposite sign, and the
 * two signs cancel. What persists is what the features cannot explain. So the dial adds to
 * every task's score a per-impression context (mood, session, whatever the logs do not hold):
 * K = 6 standard normal factors per row, task t loading on them with a unit vector v_t whose
 * pairwise correlation v_s . v_t is rho for every pair. The residuals inherit that correlation.
 * Whether it shows as conflict depends on the towers reading the shared features alike, which
 * `agreement` arranges: it replaces part of each task's world score by the tasks' common score.
 * With both, rho near 1 makes the tasks agree and rho at its lower bound -1/(K - 1) makes every
 * pair disagree (docs/data.md, "Dials", has the measured curves). The context's share decides
 * how much: whatever of the world's score the model has not learned yet sits in every task's
 * residual alike and pulls the cosines positive, while with no world score left the towers
 * never come to read the features alike; the conflict dial runs at 0.95 (CONFLICT_DIAL in
 * train/conflict-curve.ts).
 *
 * Norm spread. A task's gradient scales with its residual, about 2 r (1 - r) at positive rate
 * r, so sparse tasks have small gradients. `sparsity` s moves every rate r to 0.5 (r / 0.5)^s:
 * 0 balances every task, 1 keeps the rates, above 1 makes the sparse tasks sparser.
 */

/** Number of context factors: one per synthetic task, so any rho >= -1/5 is reachable. */
export const CONTEXT_FACTORS = 6;
/** The smallest pairwise correlation K unit vectors can all share: -1/(K - 1). */
export const MIN_CONTEXT_CORRELATION = -1 / (CONTEXT_FACTORS - 1);

export class SyntheticDialError extends Error {
  constructor(readonly option: string, readonly value: number, readonly rule: string) {
    super(`generateSynthetic: ${option} ${rule}, got ${value}`);
    this.name = 'SyntheticDialError';
  }
}

/**
 * K unit loading vectors (row-major K x K) with v_s . v_t = rho for s != t: v_t = a e_t + b 1
 * with a^2 = 1 - rho and 2ab + K b^2 = rho.
 */
export function contextLoadings(rho: number, K = CONTEXT_FACTORS): Float64Array {
  if (!(rho >= -1 / (K - 1) - 1e-12 && rho <= 1)) {
    throw new SyntheticDialError('contextCorrelation', rho, `must be in [${(-1 / (K - 1)).toFixed(4)}, 1] (the most negative correlation ${K} vectors can all share is -1/${K - 1})`);
  }
  const a = Math.sqrt(1 - rho);
  const b = (-a + Math.sqrt(Math.max(0, a * a + K * rho))) / K;
  const v = new Float64Array(K * K);
  for (let t = 0; t < K; t++) for (let j = 0; j < K; j++) v[t * K + j] = (t === j ? a : 0) + b;
  return v;
}

/** The positive rate r moved by sparsity s: 0.5 (r / 0.5)^s. */
export function sparseRate(r: number, s: number): number {
  return 0.5 * Math.pow(r / 0.5, s);
}

/**
 * Normal scores of the ranks of `x`: Phi^-1((rank + 0.5) / n), ties broken by index. A
 * monotone map, so a quantile threshold selects the same rows before and after it; it gives
 * every task's score unit variance, so that the context's share of it is exact.
 */
export function rankNormal(x: Float64Array): Float64Array {
  const n = x.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((i, j) => x[i] - x[j] || i - j);
  const out = new Float64Array(n);
  for (let k = 0; k < n; k++) out[idx[k]] = normalQuantile((k + 0.5) / n);
  return out;
}

/** Phi^-1(p) by Acklam's rational approximation (relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771542, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5, r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

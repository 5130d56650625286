/**
 * Log loss and normalised entropy (NE).
 *
 * NE as defined in the MultiBalance paper (section 6): the average log loss divided by the
 * entropy of the base rate p = mean(label), i.e. the log loss of a model that always predicts
 * the base rate. 1 means no better than the base rate; lower is better. Undefined (`null`) when
 * the base rate is 0 or 1 (zero entropy).
 *
 * Predictions are probabilities; each is clipped to [EPS, 1 - EPS] before the log, EPS = 1e-7
 * (float32 sigmoids saturate to exactly 0 or 1, and a single saturated wrong prediction
 * would otherwise make the mean infinite). Natural log throughout (the ratio does not depend
 * on the base).
 */
import { checkLabelPred } from './auc.ts';

export const LOGLOSS_EPS = 1e-7;

/** Mean binary cross entropy of probabilities `preds` against 0/1 `labels`; `null` when empty. */
export function logloss(labels: ArrayLike<number>, preds: ArrayLike<number>): number | null {
  const n = labels.length;
  if (preds.length !== n) throw new Error(`logloss: ${n} labels but ${preds.length} predictions`);
  if (n === 0) return null;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    const p0 = preds[i];
    checkLabelPred(y, p0, i, 'logloss');
    if (p0 < 0 || p0 > 1) throw new Error(`logloss: prediction at index ${i} is ${p0}; expected a probability in [0, 1]`);
    const p = p0 < LOGLOSS_EPS ? LOGLOSS_EPS : p0 > 1 - LOGLOSS_EPS ? 1 - LOGLOSS_EPS : p0;
    sum -= y === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}

/** Entropy (nats) of a Bernoulli(p). */
export function binaryEntropy(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -(p * Math.log(p) + (1 - p) * Math.log(1 - p));
}

/** Normalised entropy: logloss / H(base rate); `null` when empty or only one class. */
export function ne(labels: ArrayLike<number>, preds: ArrayLike<number>): number | null {
  const ll = logloss(labels, preds);
  if (ll === null) return null;
  let pos = 0;
  for (let i = 0; i < labels.length; i++) pos += labels[i];
  const h = binaryEntropy(pos / labels.length);
  return h === 0 ? null : ll / h;
}

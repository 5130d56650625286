/**
 * ROC AUC as the Mann-Whitney U statistic: the fraction of (positive, negative) pairs that the
 * scores order correctly, a tie counting one half (the same as average ranks for ties).
 *
 * O(n log n) and no index sort: positives' and negatives' scores are copied into two
 * Float64Arrays, each sorted with the native typed-array sort (no comparator), and one merge
 * walk counts, for every run of equal positive scores, the negatives strictly below and equal.
 * Exact for any float64 scores; counts stay far below 2^53 even at 10M rows.
 *
 * Undefined when only one class is present: returns `null`, never 0.5.
 */

/** Checks one label/pred pair; labels must be exactly 0 or 1, preds must not be NaN. */
export function checkLabelPred(y: number, p: number, i: number, what: string): void {
  if (y !== 0 && y !== 1) throw new Error(`${what}: label at index ${i} is ${y}; labels must be 0 or 1`);
  if (Number.isNaN(p)) throw new Error(`${what}: prediction at index ${i} is NaN`);
}

/** AUC of `preds` against binary `labels`; `null` when all labels are of one class. */
export function auc(labels: ArrayLike<number>, preds: ArrayLike<number>): number | null {
  const n = labels.length;
  if (preds.length !== n) throw new Error(`auc: ${n} labels but ${preds.length} predictions`);
  let nPos = 0;
  for (let i = 0; i < n; i++) {
    checkLabelPred(labels[i], preds[i], i, 'auc');
    nPos += labels[i];
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return null;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  let a = 0, b = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === 1) pos[a++] = preds[i];
    else neg[b++] = preds[i];
  }
  sortRange(pos, 0, nPos);
  sortRange(neg, 0, nNeg);
  return correctPairs(pos, 0, nPos, neg, 0, nNeg) / (nPos * nNeg);
}

/**
 * Correctly ordered pairs (ties one half) between sorted `pos[p0..p1)` and sorted
 * `neg[n0..n1)`. Both ranges must be sorted ascending.
 */
export function correctPairs(
  pos: Float64Array, p0: number, p1: number,
  neg: Float64Array, n0: number, n1: number,
): number {
  let sum = 0;
  let j = n0; // first negative >= current positive value
  let i = p0;
  while (i < p1) {
    const v = pos[i];
    let k = i + 1;
    while (k < p1 && pos[k] === v) k++;
    while (j < n1 && neg[j] < v) j++;
    let e = j;
    while (e < n1 && neg[e] === v) e++;
    sum += (k - i) * ((j - n0) + 0.5 * (e - j));
    i = k;
  }
  return sum;
}

/** Sorts `a[lo..hi)` ascending in place: insertion sort for short ranges, native sort otherwise. */
export function sortRange(a: Float64Array, lo: number, hi: number): void {
  if (hi - lo <= 24) {
    for (let i = lo + 1; i < hi; i++) {
      const v = a[i];
      let j = i - 1;
      while (j >= lo && a[j] > v) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = v;
    }
  } else {
    a.subarray(lo, hi).sort();
  }
}

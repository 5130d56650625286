/**
 * GAUC (group AUC, as in the GradCraft paper's reference [3] and its official code): the AUC of
 * each user's rows, averaged with weights equal to the user's number of rows (impressions), over
 * the users whose rows contain both classes. Users with one class only are skipped, and
 * `usersUsed` says how many remained. Rows of the user id given as `exclude` (an unknown or
 * blank user: the Dataset's id 0, `mtlkit metrics`' blank cells) belong to no real user and are
 * left out, never pooled into one pseudo-user; `rowsExcluded` counts them.
 *
 * O(n log n): users are mapped to dense ids (directly when they are small non-negative
 * integers, otherwise by sorting the distinct ids), rows are bucketed per user by a counting
 * sort into positive and negative score buffers, and each user's two ranges are sorted in place
 * and merged exactly as in `auc`.
 */
import { checkLabelPred, correctPairs, sortRange } from './auc.ts';

export interface GaucResult {
  /** Impression-weighted mean of per-user AUCs; `null` when no user has both classes. */
  gauc: number | null;
  /** Users having both classes (the ones averaged). */
  usersUsed: number;
  /** Distinct users seen. */
  usersTotal: number;
  /** Rows belonging to the users used (the total weight). */
  rowsUsed: number;
  /** Rows left out because their user id was `exclude`. */
  rowsExcluded: number;
}

export interface GaucOptions {
  /** A user id that stands for "no known user": its rows are left out. */
  exclude?: number;
}

export function gauc(users: ArrayLike<number>, labels: ArrayLike<number>, preds: ArrayLike<number>, opts: GaucOptions = {}): GaucResult {
  const n = labels.length;
  if (preds.length !== n || users.length !== n) {
    throw new Error(`gauc: lengths differ (users ${users.length}, labels ${labels.length}, preds ${preds.length})`);
  }
  const { ids, count: U } = denseIds(users);
  let rowsExcluded = 0, skip = -1;
  if (opts.exclude !== undefined) {
    for (let i = 0; i < n; i++) {
      if (users[i] === opts.exclude) {
        skip = ids[i];
        rowsExcluded++;
      }
    }
  }
  const rows = new Int32Array(U);
  const posCount = new Int32Array(U);
  for (let i = 0; i < n; i++) {
    checkLabelPred(labels[i], preds[i], i, 'gauc');
    rows[ids[i]]++;
    posCount[ids[i]] += labels[i];
  }
  // Offsets into the positive and negative buffers, per user.
  const posOff = new Int32Array(U + 1);
  const negOff = new Int32Array(U + 1);
  for (let u = 0; u < U; u++) {
    posOff[u + 1] = posOff[u] + posCount[u];
    negOff[u + 1] = negOff[u] + (rows[u] - posCount[u]);
  }
  const pos = new Float64Array(posOff[U]);
  const neg = new Float64Array(negOff[U]);
  const pFill = posOff.slice(0, U);
  const nFill = negOff.slice(0, U);
  for (let i = 0; i < n; i++) {
    const u = ids[i];
    if (labels[i] === 1) pos[pFill[u]++] = preds[i];
    else neg[nFill[u]++] = preds[i];
  }
  let weighted = 0, rowsUsed = 0, usersUsed = 0;
  for (let u = 0; u < U; u++) {
    const np = posCount[u], nn = rows[u] - np;
    if (np === 0 || nn === 0 || u === skip) continue;
    sortRange(pos, posOff[u], posOff[u + 1]);
    sortRange(neg, negOff[u], negOff[u + 1]);
    const a = correctPairs(pos, posOff[u], posOff[u + 1], neg, negOff[u], negOff[u + 1]) / (np * nn);
    weighted += rows[u] * a;
    rowsUsed += rows[u];
    usersUsed++;
  }
  return { gauc: usersUsed === 0 ? null : weighted / rowsUsed, usersUsed, usersTotal: U - (skip >= 0 ? 1 : 0), rowsUsed, rowsExcluded };
}

/** Maps arbitrary numeric user ids to 0..U-1. */
export function denseIds(users: ArrayLike<number>): { ids: Int32Array; count: number } {
  const n = users.length;
  let min = Infinity, max = -Infinity, integral = true;
  for (let i = 0; i < n; i++) {
    const v = users[i];
    if (!Number.isFinite(v)) throw new Error(`gauc: user id at index ${i} is ${v}`);
    if (v < min) min = v;
    if (v > max) max = v;
    if (integral && !Number.isInteger(v)) integral = false;
  }
  const ids = new Int32Array(n);
  if (n === 0) return { ids, count: 0 };
  if (integral && max - min <= 2 * n + 1_000_000) {
    // Direct: compact the used ids of the range [min, max].
    const map = new Int32Array(max - min + 1).fill(-1);
    let count = 0;
    for (let i = 0; i < n; i++) {
      const k = users[i] - min;
      if (map[k] < 0) map[k] = count++;
      ids[i] = map[k];
    }
    return { ids, count };
  }
  // Sparse: distinct ids by sorting, then binary search per row.
  const sorted = Float64Array.from(users as ArrayLike<number>).sort();
  let m = 0;
  for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[m - 1]) sorted[m++] = sorted[i];
  for (let i = 0; i < n; i++) {
    const v = users[i];
    let lo = 0, hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    ids[i] = lo;
  }
  return { ids, count: m };
}

import type { Backend, Storage } from '../../tensor/backend.ts';
import type { Scratch } from '../module.ts';

/**
 * The elementwise steps around a layer's matmul (bias, ReLU, ReLU's gradient mask, the bias
 * gradient), routed to the backend's SIMD kernels where it has them.
 * They were plain loops over every activation: a data-dependent branch per element (ReLU
 * signs are close to random) costs about 8 ns there, against 0.3 ns in a SIMD kernel.
 * Results equal the loops they replace (same operations in the same order), except where a
 * function says otherwise.
 */

const FLAT = [1] as const;

/**
 * y[r, :] += b for r < rows (y is rows x n): the bias row tiled once, then one vector add.
 * The Linear layer runs this and reluInPlace fused as the backend kernel `biasRelu` (one pass,
 * same bits); these two stay as the reference it is tested on (test/nn/rowops.test.ts).
 */
export function addBiasRows(be: Backend, y: Storage, b: Storage, rows: number, n: number, tile: Scratch): void {
  const len = rows * n;
  if (rows === 1 || len < 1024) {
    for (let r = 0; r < rows; r++) for (let j = 0, o = r * n; j < n; j++) y[o + j] += b[j]!;
    return;
  }
  const t = tile.get(len, y instanceof Float64Array ? 'float64' : 'float32');
  t.set(b.subarray(0, n));
  for (let have = n; have < len; have *= 2) t.copyWithin(have, 0, Math.min(have, len - have));
  be.binary('add', y, FLAT, t, FLAT, y, [len]);
}

/** y = max(y, 0) in place, with NaN -> 0 (`y > 0 ? y : 0`). */
export function reluInPlace(be: Backend, y: Storage): void {
  be.unary('relu', y, y, y.length);
}

/**
 * out = g where y > 0, else 0 (ReLU's gradient given its output y; y >= 0, never NaN).
 * Branch-free: g * (y > 0). A masked element is -0 when g < 0, which changes no sum.
 * The Linear layer runs this fused with addColumnSums as the backend kernel
 * `reluGradColumnSums` (one pass, same bits); these two stay as the reference it is tested on.
 */
export function reluGradMask(y: Storage, g: Storage, out: Storage, n: number): void {
  for (let i = 0; i < n; i++) out[i] = g[i]! * +(y[i]! > 0);
}

/**
 * db[j] += sum_r g[r, j] (g is rows x n): the column sums (rows in order, from 0), then added
 * to db. Equal to adding the rows into db one by one when db starts at 0 (one backward per
 * zeroGrad); otherwise it differs only in rounding.
 */
export function addColumnSums(be: Backend, g: Storage, db: Storage, rows: number, n: number, tmp: Scratch): void {
  const s = tmp.get(n, db instanceof Float64Array ? 'float64' : 'float32');
  be.sumAxis(g, s, 1, rows, n);
  for (let j = 0; j < n; j++) db[j] += s[j]!;
}

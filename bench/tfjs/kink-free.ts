/**
 * Rows of a batch on which two float32 implementations of the same model must agree closely.
 *
 * Two float32 sides that sum in different orders disagree by rounding, about 1e-7 of the sum of
 * the absolute terms of each pre-activation. Where a ReLU's pre-activation lies within that
 * distance of 0 the two sides can take different branches, and one sample's gradient through
 * that unit then differs by its whole size, not by rounding: a same-work check on such a batch
 * fails though both sides do the same work. TensorFlow.js has no float64, so the check cannot
 * move to float64 as compare-torch's did; instead it runs on the rows whose every ReLU
 * pre-activation z, computed in float64 from the same weights, satisfies
 * |z| >= delta * (sum_i |x_i W_ij| + |b_j|). Float32 rounding moves z by at most about
 * k * 2^-24 of that sum (k the fan-in, 320 here: 2e-5) and typically sqrt(k) * 2^-24 (1e-6),
 * so at delta = 1e-4 no branch can differ between the sides on the kept rows.
 */
import type { Tensor } from '../../src/tensor/tensor.ts';
import { getBackend } from '../../src/tensor/backends/registry.ts';
import type { MultiTaskModel } from '../../src/nn/models/model.ts';
import type { TrainBatch } from '../../src/step/types.ts';

export interface KinkFree {
  /** The kept rows, ascending. */
  rows: number[];
  /** ReLU pre-activations looked at per row. */
  units: number;
  /** The smallest margin min |z| / sum |terms| over all rows (0 when some z is exactly 0). */
  minMargin: number;
}

/** The `linear_relu` nodes (inputs [x, W, b?]) reachable from the outputs. */
function reluLinears(outputs: readonly Tensor[]): { x: Tensor; W: Tensor; b: Tensor | null }[] {
  const found: { x: Tensor; W: Tensor; b: Tensor | null }[] = [];
  const seen = new Set<Tensor>();
  const stack = [...outputs];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (seen.has(t) || t.node === null) continue;
    seen.add(t);
    const { op, inputs } = t.node;
    if (op === 'linear_relu') found.push({ x: inputs[0]!, W: inputs[1]!, b: inputs[2] ?? null });
    stack.push(...inputs);
  }
  return found;
}

/**
 * The rows of `batch` whose ReLU pre-activations in `model64` (a float64 model holding the
 * float32 side's weights exactly) all lie at least `delta` (relative) from the kink.
 */
export function kinkFreeRows(model64: MultiTaskModel, batch: TrainBatch, delta: number): KinkFree {
  if (model64.store.dtype !== 'float64') throw new Error('kinkFreeRows: the model must be float64');
  const be = getBackend();
  const B = batch.size;
  const margin = new Float64Array(B).fill(Infinity);
  let units = 0;
  for (const { x, W, b } of reluLinears(model64.forward(batch, { train: true }))) {
    const k = W.shape[0]!, n = W.shape[1]!;
    units += n;
    const z = new Float64Array(B * n), s = new Float64Array(B * n);
    be.matmul(x.data, W.data, z, B, k, n, false, false, false);
    be.matmul(Float64Array.from(x.data, Math.abs), Float64Array.from(W.data, Math.abs), s, B, k, n, false, false, false);
    for (let r = 0; r < B; r++) {
      for (let j = 0; j < n; j++) {
        const bj = b ? b.data[j]! : 0;
        const zz = Math.abs(z[r * n + j]! + bj), ss = s[r * n + j]! + Math.abs(bj);
        const m = ss > 0 ? zz / ss : Infinity;
        if (m < margin[r]!) margin[r] = m;
      }
    }
  }
  const rows: number[] = [];
  let minMargin = Infinity;
  for (let r = 0; r < B; r++) {
    if (margin[r]! < minMargin) minMargin = margin[r]!;
    if (margin[r]! >= delta) rows.push(r);
  }
  return { rows, units, minMargin };
}

/** The batch restricted to `rows` (categorical ids and labels, row-major). */
export function subBatch(batch: TrainBatch, rows: readonly number[]): TrainBatch {
  const F = batch.cat.length / batch.size, T = batch.labels.length / batch.size;
  const cat = new Int32Array(rows.length * F), labels = new Float32Array(rows.length * T);
  const D = batch.dense ? batch.dense.length / batch.size : 0;
  const dense = batch.dense ? new Float32Array(rows.length * D) : undefined;
  rows.forEach((r, i) => {
    cat.set(batch.cat.subarray(r * F, (r + 1) * F), i * F);
    labels.set(batch.labels.subarray(r * T, (r + 1) * T), i * T);
    if (dense) dense.set(batch.dense!.subarray(r * D, (r + 1) * D), i * D);
  });
  return { size: rows.length, cat, labels, ...(dense ? { dense } : {}) };
}

import type { ParameterStore } from './store.ts';

/**
 * L2 regularisation as the GradCraft code writes it: l2 * sum(w^2), no 1/2, over weight
 * matrices and embedding tables, not biases (parameters declared with `decay: false`).
 * For tables mtlkit sums over the rows used this step (the touched rows), not the whole
 * table: the code's whole-table sum would make every row's gradient nonzero every step and
 * defeat sparse updates. mtlkit adds the gradient once, after balancing, for every method
 * (the code adds it in a second optimizer step for gradient-surgery methods only).
 */
export function l2Penalty(store: ParameterStore, l2: number): number {
  if (l2 === 0) return 0;
  const w = store.values;
  let s = 0;
  for (const p of store.params) {
    if (!p.decay) continue;
    if (!p.sparse) {
      for (let i = p.offset, e = p.offset + p.size; i < e; i++) s += w[i]! * w[i]!;
      continue;
    }
    const rows = store.touched(p), width = p.width;
    for (let r = 0; r < rows.length; r++) {
      const o = p.offset + rows[r]! * width;
      for (let i = o; i < o + width; i++) s += w[i]! * w[i]!;
    }
  }
  return l2 * s;
}

/** grad += 2 * l2 * w over the same support as `l2Penalty` (dense decayed params, touched rows). */
export function addL2Grad(store: ParameterStore, l2: number): void {
  if (l2 === 0) return;
  const w = store.values, g = store.grads, c = 2 * l2;
  for (const p of store.params) {
    if (!p.decay) continue;
    if (!p.sparse) {
      for (let i = p.offset, e = p.offset + p.size; i < e; i++) g[i] += c * w[i]!;
      continue;
    }
    const rows = store.touched(p), width = p.width;
    for (let r = 0; r < rows.length; r++) {
      const o = p.offset + rows[r]! * width;
      for (let i = o; i < o + width; i++) g[i] += c * w[i]!;
    }
  }
}
